"""critical_touchpoints and most_likely_path, on hand-computed graphs."""

from fractions import Fraction

import polars as pl
import pytest

from cxlib import ENTRY, EXIT, AnalysisError, critical_touchpoints, journey_graph, most_likely_path
from tests.analyses.conftest import SHOP
from tests.conftest import make_log


def test_critical_touchpoints_on_a_chain():
    # ENTRY -> x -> y -> EXIT: every edge is a bridge, x and y are articulation points.
    # Directed betweenness, normalized by (4-1)(4-2) = 6 ordered pairs:
    # x is inside ENTRY->y and ENTRY->EXIT (2/6), y inside ENTRY->EXIT and x->EXIT (2/6).
    out = critical_touchpoints(journey_graph(make_log({"a": "x y"})))
    assert out.columns == [
        "touchpoint",
        "visits",
        "customers",
        "exit_rate",
        "pagerank",
        "betweenness",
        "articulation_point",
        "bridges",
    ]
    assert out.select("touchpoint", "betweenness", "articulation_point", "bridges").rows() == [
        ("y", float(Fraction(2, 6)), True, 2),  # ties on betweenness: y has more pagerank
        ("x", float(Fraction(2, 6)), True, 2),
    ]
    pagerank = dict(out.select("touchpoint", "pagerank").iter_rows())
    assert pagerank["y"] > pagerank["x"] > 0


def test_critical_touchpoints_in_the_shop(shop):
    out = critical_touchpoints(shop)
    # Every touchpoint has a second way around it: no articulation points, no bridges.
    assert not out["articulation_point"].any()
    assert out["bridges"].sum() == 0
    # cart sits on the most likely routes to buy from ENTRY, home and search.
    assert out["touchpoint"][0] == "cart"
    assert out.filter(pl.col("touchpoint") == "home")["visits"].item() == 3


def test_most_likely_path(shop):
    # ENTRY->home->cart->buy: 3/4 * 2/3 * 2/3 = 1/3, against ENTRY->search->cart->buy 1/4 * 1/2 * 2/3
    assert most_likely_path(shop, "buy") == [ENTRY, "home", "cart", "buy"]
    assert most_likely_path(shop, EXIT)[-2:] == ["buy", EXIT]  # 1/3 * 1 beats cart->EXIT 1/2 * 1/3


def test_most_likely_path_unknown_touchpoint_suggests(shop):
    with pytest.raises(
        AnalysisError, match=r"touchpoint 'serch' is not in the log; did you mean 'search'\?"
    ):
        most_likely_path(shop, "serch")


def test_most_likely_path_unreachable_after_pruning():
    pruned = journey_graph(make_log(SHOP), min_count=2)
    with pytest.raises(
        AnalysisError, match=r"no journey in this graph goes from '\(entry\)' to 'search'"
    ):
        most_likely_path(pruned, "search")

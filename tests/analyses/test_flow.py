"""The step-by-step flow: hand-computed, against brute force, top_paths, funnel and the graph."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

import narwhals as nw
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cxlib
from cxlib import ENTRY, EXIT, PATH_SEP, AnalysisError, EventLog, flow, sample
from cxlib.log import OTHER
from tests.conftest import brute_journeys, make_log, random_log_frames

# a: home cart buy | b: home cart | c: home search cart buy | d: search | e: home home
SHOP = {
    "a": "home cart buy",
    "b": "home cart",
    "c": "home search cart buy",
    "d": "search",
    "e": "home home",
}


def nodes(out, step):
    return {n.name: n.journeys for n in out.nodes if n.step == step}


def bands(out, step):
    return {(b.source, b.target): b.journeys for b in out.bands if b.step == step}


def test_hand_computed_from_the_entry():
    out = flow(make_log(SHOP), steps=3)
    assert out.journeys == 5
    assert nodes(out, 0) == {ENTRY: 5}
    # step 1: a b c e at home, d at search
    assert nodes(out, 1) == {"home": 4, "search": 1}
    # step 2: a b at cart, c at search, e at home, d has ended (its one event was step 1)
    assert nodes(out, 2) == {"cart": 2, "search": 1, "home": 1, EXIT: 1}
    assert bands(out, 2) == {
        ("home", "cart"): 2,
        ("home", "search"): 1,
        ("home", "home"): 1,
        ("search", EXIT): 1,  # the drop-off band: d left after step 1
    }
    # step 3: a buys, c at cart; b and e ended after step 2, d still out
    assert nodes(out, 3) == {"buy": 1, "cart": 1, EXIT: 3}
    assert bands(out, 3) == {
        ("cart", "buy"): 1,
        ("search", "cart"): 1,
        ("cart", EXIT): 1,
        ("home", EXIT): 1,
        (EXIT, EXIT): 1,  # d carried on
    }


def test_every_column_sums_to_the_journeys_and_bands_add_up():
    out = flow(cxlib.load(sample.path("retail")), steps=6, max_nodes=4)
    for step in range(out.steps + 1):
        assert sum(nodes(out, step).values()) == out.journeys
    for node in out.nodes:
        into = sum(b.journeys for b in out.bands if (b.step, b.target) == (node.step, node.name))
        onwards = sum(
            b.journeys for b in out.bands if (b.step - 1, b.source) == (node.step, node.name)
        )
        if node.step:
            assert into == node.journeys, node
        if node.step < out.steps:
            assert onwards == node.journeys, node
    # at most 4 touchpoints apart per step, the others together
    for step in range(1, out.steps + 1):
        apart = [n for n in out.nodes if n.step == step and n.kind == "touchpoint"]
        assert len(apart) <= 5  # 4, or 5 when a single one is left over
        assert sum(n.kind == "other" for n in out.nodes if n.step == step) <= 1


def test_other_holds_the_rarer_touchpoints_of_its_step():
    out = flow(make_log(SHOP), steps=2, max_nodes=1)
    # step 2: cart 2, then search, home (1 each): cart apart, search and home together
    assert nodes(out, 2) == {"cart": 2, OTHER: 2, EXIT: 1}
    other = out.node(2, OTHER)
    assert other.kind == "other"
    assert other.members == ("home", "search")
    assert other.prefix == ((2, ("home", "search")),)


def test_start_and_end_between_two_steps():
    # From the first home to buy: a c reach buy (at steps 2 and 3), b e end before it;
    # d has no home and is not counted.
    out = flow(make_log(SHOP), steps=4, start_at="home", end_at="buy")
    assert out.journeys == 4
    assert nodes(out, 0) == {"home": 4}
    assert nodes(out, 2)["buy"] == 1  # a: home cart buy
    assert nodes(out, 3)["buy"] == 2  # and c, a carried on
    assert out.node(3, "buy").kind == "reached"
    assert nodes(out, 4) == {"buy": 2, EXIT: 2}  # reaching the goal is not a drop-off
    assert bands(out, 4)[("buy", "buy")] == 2


def test_through_narrows_to_a_node_or_a_band():
    log = make_log(SHOP)
    out = flow(log, steps=3)
    home_then_cart = next(
        b for b in out.bands if (b.step, b.source, b.target) == (2, "home", "cart")
    )
    assert home_then_cart.prefix == ((1, ("home",)), (2, ("cart",)))
    focused = flow(log, steps=3, through=home_then_cart.prefix)
    assert focused.journeys == home_then_cart.journeys == 2  # a and b
    assert nodes(focused, 3) == {"buy": 1, EXIT: 1}
    # the drop-off node: the journeys that have ended by step 3 (b, d, e)
    ended = flow(log, steps=3, through=out.node(3, EXIT).prefix)
    assert ended.journeys == 3
    assert nodes(ended, 1) == {"home": 2, "search": 1}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"steps": 0}, r"steps=0 must be a whole number of at least 1"),
        ({"max_nodes": 1.5}, r"max_nodes=1.5 must be a whole number of at least 1"),
        ({"start_at": "home", "end_at": "home"}, r"start_at and end_at are both 'home'"),
        ({"start_at": "Home"}, r"touchpoint 'Home' is not in the log; did you mean 'home'\?"),
    ],
)
def test_errors(options, message):
    with pytest.raises(AnalysisError, match=message):
        flow(make_log(SHOP), **options)


def brute_flow(frame, by, steps, start_at=None, end_at=None) -> Counter:
    """(step, name) -> journeys, no grouping, from plain loops over the journeys."""
    counts: Counter = Counter()
    for rows in brute_journeys(frame, by).values():
        path = [r["touchpoint"] for r in rows]
        first = 1
        if start_at is not None:
            if start_at not in path:
                continue
            path, first = path[path.index(start_at) :], 0
        reached = None
        if end_at is not None and end_at in path[1 if start_at else 0 :]:
            cut = path.index(end_at, 1 if start_at else 0)
            path, reached = path[: cut + 1], cut + first
        for step in range(first, steps + 1):
            index = step - first
            if index < len(path):
                counts[step, path[index]] += 1
            else:
                counts[step, end_at if reached is not None and reached <= steps else EXIT] += 1
    return counts


@settings(max_examples=150, deadline=None)
@given(
    raw=random_log_frames(),
    by=st.sampled_from(["customer", "session"]),
    ends=st.sampled_from([(None, None), ("x", None), (None, "y"), ("x", "y")]),
    steps=st.integers(1, 6),
)
def test_matches_brute_force(raw, by, ends, steps):
    log = EventLog.from_frame(raw)
    present = set(raw["touchpoint"])
    start_at, end_at = (t if t in present else None for t in ends)
    if start_at is not None and start_at == end_at:
        return
    out = flow(log, steps=steps, max_nodes=100, start_at=start_at, end_at=end_at, by=by)
    frame = log.frame.collect("polars").to_native()
    expected = brute_flow(frame, by, steps, start_at, end_at)
    shown = Counter({(n.step, n.name): n.journeys for n in out.nodes if n.step})
    if start_at is not None:
        shown[0, start_at] = out.journeys
    assert shown == expected
    for step in range(steps + 1):
        assert sum(nodes(out, step).values()) == out.journeys


@pytest.mark.parametrize("start_at", [None, "product_page"])
def test_nodes_are_the_top_paths_at_each_step(start_at):
    log = cxlib.load(sample.path("retail"))
    steps = 4
    out = flow(log, steps=steps, max_nodes=100, start_at=start_at)
    paths = cxlib.top_paths(log, n=100_000, max_steps=steps + 1, start_at=start_at)
    first = 0 if start_at else 1
    for step in range(1, steps + 1):
        at: Counter = Counter()
        for path, customers in paths.select("path", "customers").iter_rows():
            names = path.split(PATH_SEP)
            index = step - first
            at[names[index] if index < len(names) else EXIT] += customers
        assert nodes(out, step) == dict(at), step
    assert out.journeys == paths["customers"].sum()


def test_reaching_the_goal_is_the_funnel_of_the_two_steps():
    log = cxlib.load(sample.path("retail"))
    longest = int(cxlib.journey_steps(log).select(nw.col("step").max()).collect("polars").item())
    out = flow(log, steps=longest, start_at="visit_home", end_at="purchase")
    funnel = cxlib.funnel(log, ["visit_home", "purchase"], window="36500d")
    assert out.journeys == funnel["customers"][0]
    assert out.node(longest, "purchase").journeys == funnel["customers"][1]


def test_the_first_step_is_the_graphs_entries():
    log = cxlib.load(sample.path("bank"))
    graph = cxlib.journey_graph(log)
    out = flow(log, steps=1, max_nodes=100)
    assert nodes(out, 1) == {v: d["count"] for _, v, d in graph.out_edges(ENTRY, data=True)}
    # and a node's share of the journeys counted is its share of the entry's
    share = out.nodes_frame().filter(pl.col("step") == 1).sort("journeys")["share"][-1]
    top = max(d["count"] for *_, d in graph.out_edges(ENTRY, data=True))
    assert share == float(Fraction(top, graph.graph["journeys"]))


def test_same_result_on_every_engine(on_engine):
    log = make_log(SHOP)
    for options in ({}, {"start_at": "home", "end_at": "buy"}, {"max_nodes": 1}):
        expected = flow(log, steps=3, **options)
        assert flow(on_engine(log), steps=3, **options) == expected

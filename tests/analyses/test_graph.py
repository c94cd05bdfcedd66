"""journey_graph and its measures, on a hand-computed log."""

from collections import Counter
from fractions import Fraction

import networkx as nx
import polars as pl
import pytest
from hypothesis import given, settings

import cxlib
from cxlib import (
    ENTRY,
    EXIT,
    AnalysisError,
    EventLog,
    critical_touchpoints,
    focus,
    journey_graph,
    most_likely_path,
    sample,
    transitions,
)
from cxlib.analyses import graph
from tests.analyses.conftest import SHOP
from tests.conftest import make_log, random_log_frames


def test_node_attributes(shop):
    assert list(shop.nodes) == [ENTRY, "cart", "home", "buy", "search", EXIT]
    assert shop.graph == {"journeys": 4, "by": "customer", "left_out": 0}
    # cart: 3 events (a, b, c), 3 customers and journeys, nobody starts there, b ends there:
    # 1 of 3 visits and 1 of 3 journeys reaching it
    assert shop.nodes["cart"] == {
        "kind": "touchpoint",
        "visits": 3,
        "customers": 3,
        "journeys": 3,
        "entries": 0,
        "exits": 1,
        "exit_rate": float(Fraction(1, 3)),
        "journeys_ending_share": float(Fraction(1, 3)),
    }
    # search: c passes through, d starts and ends there: 1 exit of 2 visits
    assert shop.nodes["search"]["entries"] == 1
    assert shop.nodes["search"]["exit_rate"] == float(Fraction(1, 2))
    assert shop.nodes["buy"]["exit_rate"] == 1.0  # both visits end the journey
    assert shop.nodes["home"]["exit_rate"] == 0.0
    assert shop.nodes[ENTRY] == {
        "kind": "entry",
        "visits": 4,
        "customers": 4,
        "journeys": 4,
        "entries": 4,
        "exits": 0,
        "exit_rate": None,
        "journeys_ending_share": None,
    }
    assert shop.nodes[EXIT]["exits"] == 4


def test_edge_attributes(shop):
    # home->cart: 2 of home's 3 outgoing, 2 of cart's 3 incoming (home 2, search 1)
    assert shop.edges["home", "cart"] == {
        "count": 2,
        "customers": 2,
        "share": float(Fraction(2, 3)),
        "share_in": float(Fraction(2, 3)),
        "median_seconds": 60.0,
    }
    assert shop.edges["search", "cart"]["share_in"] == float(Fraction(1, 3))
    assert shop.edges[ENTRY, "home"]["share"] == float(Fraction(3, 4))  # 3 of 4 journeys
    assert shop.edges["buy", EXIT]["share_in"] == float(Fraction(2, 4))  # 2 of 4 exits
    assert shop.edges["buy", EXIT]["median_seconds"] is None
    assert shop.number_of_edges() == 9


@pytest.mark.parametrize(
    ("options", "edges"),
    [
        # the top edge out of each node; search's tie (1 and 1) goes to the first name, "(exit)"
        (
            {"top_k": 1},
            {(ENTRY, "home"), ("home", "cart"), ("cart", "buy"), ("buy", EXIT), ("search", EXIT)},
        ),
        ({"min_count": 2}, {(ENTRY, "home"), ("home", "cart"), ("cart", "buy"), ("buy", EXIT)}),
        # shares: ENTRY->search 1/4, home->search 1/3, cart->EXIT 1/3 fall under 1/2
        (
            {"min_share": 0.5},
            {
                (ENTRY, "home"),
                ("home", "cart"),
                ("cart", "buy"),
                ("buy", EXIT),
                ("search", "cart"),
                ("search", EXIT),
            },
        ),
        ({"top_k": 1, "min_count": 3}, {(ENTRY, "home")}),
    ],
)
def test_pruning_keeps_nodes_and_full_log_numbers(shop, options, edges):
    pruned = journey_graph(make_log(SHOP), **options)
    assert set(pruned.edges) == edges
    assert dict(pruned.nodes(data=True)) == dict(shop.nodes(data=True))
    for u, v in edges:
        assert pruned.edges[u, v] == shop.edges[u, v]


def test_graph_from_transitions_table_matches_the_log_except_node_reach(shop):
    from_table = journey_graph(transitions(make_log(SHOP)))
    assert from_table.graph == {
        "journeys": 4,
        "by": None,
        "left_out": 0,
    }  # a table does not say what a journey was
    assert list(from_table.edges(data=True)) == list(shop.edges(data=True))
    # Who reached a touchpoint cannot be read from edge counts.
    reach = ("customers", "journeys", "journeys_ending_share")
    for name in reach:
        assert {n: d[name] for n, d in from_table.nodes(data=True)} == dict.fromkeys(shop, None)
    without = [{k: v for k, v in d.items() if k not in reach} for _, d in shop.nodes(data=True)]
    assert [
        {k: v for k, v in d.items() if k not in reach} for _, d in from_table.nodes(data=True)
    ] == without


def test_session_journeys_reaching_a_touchpoint(on_engine):
    # x y x an hour apart: three session journeys, two reach x (both end there), one y.
    g = journey_graph(on_engine(make_log({"a": "x y x"}, minutes=60)), by="session")
    assert (g.nodes["x"]["journeys"], g.nodes["x"]["journeys_ending_share"]) == (2, 1.0)
    assert (g.nodes["y"]["journeys"], g.nodes["y"]["journeys_ending_share"]) == (1, 1.0)
    assert g.nodes["x"]["customers"] == 1
    assert g.nodes[ENTRY]["journeys"] == g.nodes[EXIT]["journeys"] == 3


@pytest.mark.parametrize(
    ("journeys", "node", "expected"),
    [
        # loops: x x y -> x has 2 visits, x->x is half of them
        ({"a": "x x y"}, "x", {"visits": 2, "exits": 0, "edge": ("x", "x", Fraction(1, 2))}),
        # one-event customers: entry and exit at the same node
        ({"a": "x", "b": "x"}, "x", {"visits": 2, "exits": 2, "edge": ("x", EXIT, Fraction(1))}),
        # unicode touchpoints
        (
            {"a": "café 注文"},
            "注文",
            {"visits": 1, "exits": 1, "edge": ("café", "注文", Fraction(1))},
        ),
    ],
    ids=["loops", "one-event-customers", "unicode"],
)
def test_edge_cases(journeys, node, expected):
    graph = journey_graph(make_log(journeys))
    assert graph.nodes[node]["visits"] == expected["visits"]
    assert graph.nodes[node]["exits"] == expected["exits"]
    u, v, share = expected["edge"]
    assert graph.edges[u, v]["share"] == float(share)


def test_empty_log_has_only_entry_and_exit():
    graph = journey_graph(make_log({}))
    assert list(graph.nodes) == [ENTRY, EXIT]
    assert graph.number_of_edges() == 0
    assert graph.nodes[EXIT]["visits"] == 0
    assert critical_touchpoints(graph).height == 0
    assert most_likely_path(graph, ENTRY) == [ENTRY]


@pytest.mark.parametrize(
    ("radius", "nodes"),
    [
        (0, {"buy"}),
        (1, {"buy", "cart", EXIT}),
        (2, {"buy", "cart", EXIT, "home", "search"}),  # ENTRY is 3 steps away
    ],
)
def test_focus_neighbourhood(shop, radius, nodes):
    sub = focus(shop, "buy", radius=radius)
    assert set(sub.nodes) == nodes
    assert set(sub.edges) == {(u, v) for u, v in shop.edges if u in nodes and v in nodes}
    if radius:
        assert sub.edges["cart", "buy"] == shop.edges["cart", "buy"]


def test_focus_errors(shop):
    with pytest.raises(AnalysisError, match=r"'bye' is not in the log; did you mean 'buy'\?"):
        focus(shop, "bye")
    with pytest.raises(AnalysisError, match=r"radius=-1 must be a whole number of steps"):
        focus(shop, "buy", radius=-1)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"top_k": 0}, r"top_k=0 must be a whole number of edges per node"),
        ({"top_k": 1.5}, r"top_k=1.5 must be a whole number"),
        ({"min_count": -1}, r"min_count=-1 must be a whole number of transitions"),
        ({"min_share": 1.5}, r"min_share=1.5 must be a share between 0 and 1"),
    ],
)
def test_bad_pruning_options(options, message):
    with pytest.raises(AnalysisError, match=message):
        journey_graph(make_log(SHOP), **options)


def test_bad_transitions_table():
    with pytest.raises(AnalysisError, match=r"lacks column\(s\) \['customers', 'median_seconds'\]"):
        journey_graph(pl.DataFrame({"source": ["a"], "target": ["b"], "transitions": [1]}))
    with pytest.raises(AnalysisError, match=r"not 'dict'"):
        journey_graph({"source": ["a"]})


@settings(max_examples=200, deadline=None)
@given(raw=random_log_frames())
def test_visits_count_events_and_shares_sum_to_one(raw):
    graph = journey_graph(EventLog.from_frame(raw))
    events = Counter(raw["touchpoint"].to_list())
    assert {
        n: d["visits"] for n, d in graph.nodes(data=True) if d["kind"] == "touchpoint"
    } == events
    for node in graph:
        shares = [d["share"] for _, _, d in graph.out_edges(node, data=True)]
        assert sum(shares) == pytest.approx(1.0 if shares else 0.0)
    assert graph.nodes[ENTRY]["visits"] == raw["customer_id"].n_unique()


def test_same_graph_on_every_engine(on_engine):
    log = make_log(SHOP)
    expected = journey_graph(log, top_k=2)
    graph = journey_graph(on_engine(log), top_k=2)
    assert list(graph.nodes(data=True)) == list(expected.nodes(data=True))
    assert list(graph.edges(data=True)) == list(expected.edges(data=True))


def same_graph(a: nx.DiGraph, b: nx.DiGraph) -> bool:
    return (
        dict(a.nodes(data=True)) == dict(b.nodes(data=True))
        and {(s, t): d for s, t, d in a.edges(data=True)}
        == {(s, t): d for s, t, d in b.edges(data=True)}
        and a.graph == b.graph
    )


@pytest.mark.parametrize(
    "pruning", [{"top_k": 1}, {"min_share": 0.3}, {"top_k": 2, "min_share": 0.1}, {"min_count": 2}]
)
def test_pruning_the_whole_graph_equals_pruning_from_the_log(pruning):
    # Loops (b b), a shared prefix and one-event journeys.
    log = make_log({"a": "x y z", "b": "x y y", "c": "x z", "d": "z", "e": "x y z"})
    whole = cxlib.journey_graph(log)
    assert same_graph(graph.prune(whole, **pruning), cxlib.journey_graph(log, **pruning))


def test_pruning_the_retail_sample():
    log = cxlib.load(sample.path("retail"))
    whole = cxlib.journey_graph(log, by="session")
    pruned = graph.prune(whole, top_k=3, min_share=0.05)
    assert same_graph(pruned, cxlib.journey_graph(log, by="session", top_k=3, min_share=0.05))
    assert pruned.number_of_edges() < whole.number_of_edges()


def test_max_touchpoints_builds_the_graph_over_the_busiest_and_counts_the_rest():
    # x: 3 customers, y: 2, z: 1. With two kept, z's event is dropped: c's journey is x alone.
    log = make_log({"a": "x y", "b": "x y", "c": "x z"})
    g = journey_graph(log, max_touchpoints=2)
    assert g.graph["left_out"] == 1
    assert set(g.nodes) == {ENTRY, "x", "y", EXIT}
    assert g.edges["x", EXIT]["count"] == 1
    assert journey_graph(log, max_touchpoints=3).graph["left_out"] == 0

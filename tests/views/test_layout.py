"""The layered layout of the journey graph: nothing overlaps, entry to exit, focus keeps order."""

from __future__ import annotations

import functools

import networkx as nx
import pytest

import cxlib
from cxlib import ENTRY, EXIT, EventLog, sample
from cxlib.analyses.grouping import group_rare
from cxlib.log import OTHER
from cxlib.views import graph_html as gv
from cxlib.views import graph_page
from cxlib.views.layout import NodeSize, flow_order, layered_layout, overlapping_pairs
from tests.wide_logs import wide_log


@functools.cache
def whole(name: str) -> nx.DiGraph:
    """The unpruned graph of a bundled sample or of a generated log over 40 or 80 touchpoints."""
    if name.startswith("wide"):
        return cxlib.journey_graph(EventLog.from_frame(wide_log(int(name[4:]))))
    return cxlib.journey_graph(cxlib.load(sample.path(name)))


LOGS = ["retail", "bank", "telecom", "wide40", "wide80"]
# The journey graph page's default controls.
DEFAULTS = {"top_k": 3, "min_share": 0.05}


def drawn(name: str, **options):
    picture = graph_page.journey_graph_view(whole(name), **{**DEFAULTS, **options})
    goal = options.get("goal")
    return picture, gv.graph_layout(picture.graph, goal=goal, order=picture.order)


@pytest.mark.parametrize("name", LOGS)
def test_nothing_overlaps_at_the_default_controls(name):
    _, layout = drawn(name, goal=sample.GOALS.get(name))
    nodes, labels = list(layout.boxes.values()), list(layout.labels.values())
    assert overlapping_pairs(nodes) == 0
    assert sum(any(label.overlaps(n) for n in nodes) for label in labels) == 0
    assert overlapping_pairs(labels) == 0
    assert len(labels) > 20  # the edges are labelled


@pytest.mark.parametrize("name", LOGS)
def test_left_to_right_from_entry_to_exit(name):
    _, layout = drawn(name)
    columns = layout.columns
    assert columns[ENTRY] == 0
    assert columns[EXIT] == max(columns.values())
    assert [n for n, c in columns.items() if c in (0, columns[EXIT])] == [ENTRY, EXIT]
    for (u, v), route in layout.routes.items():
        if route.kind == "forward":
            xs = [x for x, _ in route.points]
            assert xs == sorted(xs), (u, v)
            assert columns[u] < columns[v], (u, v)
        elif route.kind == "back":
            assert columns[u] > columns[v], (u, v)
        else:
            assert u == v
    # Each edge bends once in every column it crosses.
    for (u, v), route in layout.routes.items():
        if u != v:
            assert len(route.points) == abs(columns[u] - columns[v]) + 1


def test_every_edge_label_is_on_its_first_segment():
    _, layout = drawn("retail")
    for edge, route in layout.routes.items():
        if route.label is None:
            continue
        (x0, y0), (x1, y1) = route.points[:2]
        x, y = route.label
        assert min(x0, x1) < x < max(x0, x1), edge
        assert y == pytest.approx(y0 + (x - x0) / (x1 - x0) * (y1 - y0)), edge


def test_the_main_route_reads_left_to_right():
    _, layout = drawn("retail")
    x = {n: layout.positions[n][0] for n in layout.positions}
    route = ["visit_home", "product_page", "add_to_cart", "checkout", "purchase"]
    assert [x[n] for n in route] == sorted(x[n] for n in route)
    assert len({x[n] for n in route}) == len(route)


def test_focus_keeps_the_left_to_right_order():
    everything = drawn("retail", goal="purchase")[1].positions
    picture, layout = drawn("retail", focus_on="checkout", goal="purchase")
    assert set(picture.graph) < set(everything)
    assert "purchase" in picture.graph
    # purchase stays right of checkout, as in the whole graph (it was put left of it once)
    assert layout.positions["purchase"][0] > layout.positions["checkout"][0]
    ranks = {n: i for i, n in enumerate(picture.order)}
    shown = sorted(picture.graph, key=lambda n: layout.positions[n][0])
    columns = [layout.columns[n] for n in sorted(picture.graph, key=ranks.get)]
    assert columns == sorted(columns), shown


@pytest.mark.parametrize("name", ["wide40", "wide80"])
def test_rare_touchpoints_are_grouped_and_add_up(name):
    graph = whole(name)
    picture, _ = drawn(name)
    grouped = group_rare(graph, max_touchpoints=graph_page.MAX_GRAPH_NODES)
    touchpoints = int(name[4:])
    assert picture.grouped == touchpoints - graph_page.MAX_GRAPH_NODES
    other = grouped.nodes[OTHER]
    assert len(other["members"]) == touchpoints - graph_page.MAX_GRAPH_NODES
    # Nothing is lost: the visits, entries and exits of all touchpoints are the same sums.
    for key in ("visits", "entries", "exits"):
        before = sum(d[key] for _, d in graph.nodes(data=True) if d["kind"] == "touchpoint")
        after = sum(
            d[key]
            for _, d in grouped.nodes(data=True)
            if d["kind"] != "entry" and d["kind"] != "exit"
        )
        assert after == before, key
    # Every node's transitions in and out still equal its visits, and shares sum to 1.
    for node, data in grouped.nodes(data=True):
        out = sum(c for *_, c in grouped.out_edges(node, data="count"))
        into = sum(c for *_, c in grouped.in_edges(node, data="count"))
        if node not in (ENTRY, EXIT):
            assert out == into == data["visits"], node
        if node != EXIT:
            assert sum(s for *_, s in grouped.out_edges(node, data="share")) == pytest.approx(1.0)
    assert other["exit_rate"] == other["exits"] / other["visits"]


def test_a_single_rare_touchpoint_is_not_grouped():
    # telecom has 21 touchpoints: with room for 20, the last one is shown as itself.
    graph = whole("telecom")
    assert sum(kind == "touchpoint" for _, kind in graph.nodes(data="kind")) == 21
    assert OTHER not in group_rare(graph, max_touchpoints=20)
    assert OTHER in group_rare(graph, max_touchpoints=19)


def test_the_goal_and_the_focus_are_never_grouped():
    graph = whole("wide40")
    rare = min(graph.nodes, key=lambda n: graph.nodes[n]["visits"])
    grouped = group_rare(graph, max_touchpoints=5, keep=[rare])
    assert rare in grouped
    assert rare not in grouped.nodes[OTHER]["members"]


def test_flow_order_breaks_cycles_by_the_most_likely_route():
    g = nx.DiGraph()
    for u, v, share in [(ENTRY, "a", 0.9), (ENTRY, "b", 0.1), ("a", "b", 1.0), ("b", "a", 0.5)]:
        g.add_edge(u, v, share=share)
    g.add_edge("b", EXIT, share=0.5)
    assert flow_order(g) == [ENTRY, "a", "b", EXIT]
    sizes = dict.fromkeys(g, NodeSize(radius=10, width=60, height=20))
    layout = layered_layout(g, sizes=sizes, label_sizes={})
    assert layout.routes["b", "a"].kind == "back"
    assert layout.routes[ENTRY, "b"].points[1][0] == layout.positions["a"][0]  # bends in a's column


def test_the_same_layout_on_every_run():
    first, second = drawn("bank")[1], drawn("bank")[1]
    assert first == second


@pytest.mark.parametrize(
    "options",
    [
        {"top_k": 1, "min_share": None},  # igraph's own edge routing lost bends here once
        {"top_k": None, "min_share": None},  # every edge
        {"top_k": 5, "min_share": 0.0, "focus_on": "product_page"},
        {"max_nodes": 5},
    ],
)
def test_other_controls_draw_without_overlaps(options):
    _, layout = drawn("retail", goal="purchase", **options)
    nodes, labels = list(layout.boxes.values()), list(layout.labels.values())
    assert overlapping_pairs(nodes) == 0
    assert not any(label.overlaps(n) for label in labels for n in nodes)
    for (u, v), route in layout.routes.items():
        if u != v:
            assert len(route.points) == abs(layout.columns[u] - layout.columns[v]) + 1

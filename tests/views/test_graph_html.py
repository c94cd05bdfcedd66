import html
import json
import re

import networkx as nx
import pytest

from cxlib import ENTRY, EXIT
from cxlib.analyses import graph
from cxlib.views import graph_html as gv

PAYLOAD = '<img src=x onerror="alert(1)">'


def small_graph(name="home"):
    """entry -> name -> cart -> exit, with name -> exit: 4 journeys, 1 drops at name."""
    g = nx.DiGraph()
    g.add_node(ENTRY)
    g.add_node(name, visits=4, customers=4, entries=4, exits=1, exit_rate=1 / 4)
    g.add_node("cart", visits=3, customers=3, entries=0, exits=3, exit_rate=1.0)
    g.add_node(EXIT)
    edges = [
        (ENTRY, name, 4, 1.0, None),
        (name, "cart", 3, 3 / 4, 90.0),
        (name, EXIT, 1, 1 / 4, None),
        ("cart", EXIT, 3, 1.0, None),
    ]
    for source, target, count, share, seconds in edges:
        g.add_edge(
            source,
            target,
            count=count,
            customers=count,
            share=share,
            share_in=1.0,
            median_seconds=seconds,
        )
    return g


def vis_data(page, what):
    found = re.search(rf"{what} = new vis\.DataSet\((.*?)\);\n", page)
    return json.loads(found.group(1))


def test_layered_positions_by_steps_from_entry():
    g = nx.DiGraph([(ENTRY, "a"), (ENTRY, "b"), ("a", "c"), ("b", "c"), ("c", EXIT)])
    g.add_node("island")  # not reached from the entry: last column before the exit
    nx.set_node_attributes(g, {"a": 1, "b": 5, "c": 2}, "visits")
    pos = gv.layered_positions(g)
    x, y = gv.X_GAP, gv.Y_GAP
    assert pos[ENTRY] == (0, 0)
    # Column 1: b (5 visits) in the middle row, a (1 visit) alternates below it.
    assert (pos["b"], pos["a"]) == ((x, 0), (x, y))
    assert pos["c"] == (2 * x, 0)
    assert pos["island"] == (3 * x, 0)
    assert pos[EXIT] == (4 * x, 0)


def test_layered_positions_without_an_entry_node():
    g = nx.DiGraph([("a", "b")])
    # Nothing is reached from an entry: all in the first column, a (by name) in the middle.
    assert gv.layered_positions(g) == {"a": (0, 0), "b": (0, gv.Y_GAP)}


def test_prune_nodes_keeps_entry_exit_and_the_busiest():
    g = small_graph()
    kept = graph.busiest(g, max_nodes=1)
    assert set(kept.nodes) == {ENTRY, "home", EXIT}
    assert set(kept.edges) == {(ENTRY, "home"), ("home", EXIT)}
    assert graph.busiest(g, max_nodes=10).number_of_nodes() == 4


def test_graph_html_nodes_edges_and_labels():
    page = gv.graph_html(small_graph(), weight="share", highlight="cart")
    nodes = {n["id"]: n for n in vis_data(page, "nodes")}
    by_name = {n["label"].split("\n")[0]: n for n in nodes.values()}
    assert set(by_name) == {ENTRY, "home", "cart", EXIT}
    assert by_name["home"]["label"] == "home\n4 visits · 25% exit"
    # Node ids are numbers, never the (untrusted) names.
    assert all(isinstance(i, int) for i in nodes)
    # Exit rate 0..1 goes from the low to the high colour.
    assert by_name["cart"]["color"] == "#{:02x}{:02x}{:02x}".format(*gv._HIGH)
    assert by_name[ENTRY]["color"] == gv._FIXED
    assert (by_name["cart"]["borderWidth"], by_name["home"]["borderWidth"]) == (6, 1)
    assert all(n["physics"] is False and "x" in n and "y" in n for n in nodes.values())
    edges = vis_data(page, "edges")
    labels = {(nodes[e["from"]]["label"][:4], nodes[e["to"]]["label"][:4]): e for e in edges}
    assert labels[("home", "cart")]["label"] == "75%"
    # Width 1 + 14 * share / largest share (1.0).
    assert labels[("home", "cart")]["width"] == pytest.approx(1 + 14 * 3 / 4)
    assert "median time: 1.5 min" in labels[("home", "cart")]["title"]


@pytest.mark.parametrize(
    ("weight", "label", "width"),
    [
        ("count", "3", 1 + 14 * 3 / 4),
        ("customers", "3", 1 + 14 * 3 / 4),
        ("median_seconds", "1.5 min", 1 + 14 * 3 / 4),
    ],
)
def test_graph_html_edge_weight(weight, label, width):
    edges = vis_data(gv.graph_html(small_graph(), weight=weight), "edges")
    home_cart = next(e for e in edges if e["title"].startswith("home → cart"))
    assert home_cart["label"] == label
    assert home_cart["width"] == pytest.approx(width)


def test_long_names_wrap_in_labels():
    g = small_graph("Confirmation of receipt by the applicant")
    labels = [n["label"] for n in vis_data(gv.graph_html(g), "nodes")]
    assert "Confirmation of\nreceipt by the\napplicant\n4 visits · 25% exit" in labels


def test_graph_html_escapes_touchpoint_names():
    page = gv.graph_html(small_graph(PAYLOAD))
    assert PAYLOAD not in page
    assert "<img src=x" not in page
    names = [n["title"].split("\n")[0] for n in vis_data(page, "nodes")]
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in names
    labels = "".join(n["label"] for n in vis_data(page, "nodes"))
    assert "<" not in labels
    titles = [e["title"] for e in vis_data(page, "edges")]
    assert all("<img" not in t for t in titles)


def test_graph_html_loads_nothing_from_outside():
    page = gv.graph_html(small_graph())
    assert re.search(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", page) is None
    assert "cdn.jsdelivr" not in page
    assert "node_modules" not in page
    assert "vis.Network" in page  # the library itself is inline


def test_graph_html_is_the_same_on_every_run():
    assert gv.graph_html(small_graph()) == gv.graph_html(small_graph())


def test_graph_html_of_an_empty_graph():
    assert vis_data(gv.graph_html(nx.DiGraph()), "nodes") == []


def test_columns_follow_the_most_likely_route():
    g = nx.DiGraph()
    # 9 of 10 journeys start at home and go to cart; 1 in 10 starts at cart directly.
    g.add_edge(ENTRY, "home", share=9 / 10)
    g.add_edge(ENTRY, "cart", share=1 / 10)
    g.add_edge("home", "cart", share=1.0)
    g.add_edge("cart", EXIT, share=1.0)
    # Via home: 9/10 * 1 = 0.9 beats the direct 0.1, so cart is two steps in, not one.
    pos = gv.layered_positions(g)
    assert [pos[n][0] // gv.X_GAP for n in (ENTRY, "home", "cart", EXIT)] == [0, 1, 2, 3]


def test_tall_columns_are_split():
    g = nx.DiGraph([(ENTRY, f"t{i}") for i in range(5)] + [(f"t{i}", EXIT) for i in range(5)])
    pos = gv.layered_positions(g, max_rows=2)
    # 5 touchpoints at step 1 -> three columns of 2, 2 and 1; the exit after them.
    assert sorted({pos[f"t{i}"][0] for i in range(5)}) == [gv.X_GAP, 2 * gv.X_GAP, 3 * gv.X_GAP]
    assert pos[EXIT] == (4 * gv.X_GAP, 0)
    assert len(set(pos.values())) == len(pos)  # no two nodes on the same spot


def test_given_positions_are_used():
    g = small_graph()
    spots = {node: (i * 10, -i * 10) for i, node in enumerate(g.nodes)}
    nodes = vis_data(gv.graph_html(g, positions=spots), "nodes")
    assert sorted((n["x"], n["y"]) for n in nodes) == sorted(spots.values())


def edges_by_names(page):
    """The drawn edges keyed by (source, target) names, read back from the node titles."""
    names = {n["id"]: n["title"].split("\n")[0] for n in vis_data(page, "nodes")}
    return {(names[e["from"]], names[e["to"]]): e for e in vis_data(page, "edges")}


def test_highlighted_edges_are_dashed_in_their_colour():
    # ("cart", "home") is not an edge of the graph (only home -> cart is): ignored.
    page = gv.graph_html(small_graph(), highlight_edges=[("home", "cart"), ("cart", "home")])
    edges = edges_by_names(page)
    marked = edges[("home", "cart")]
    assert marked["dashes"] is True
    assert marked["color"] == dict.fromkeys(("color", "highlight", "hover"), gv.HIGHLIGHT_EDGE)
    # The other three edges keep the default look (colour from the global options).
    others = [e for pair, e in edges.items() if pair != ("home", "cart")]
    assert len(others) == 3
    assert all("dashes" not in e and "color" not in e for e in others)
    # Width and label do not change with the highlight.
    assert marked["width"] == pytest.approx(1 + 14 * 3 / 4)
    assert marked["label"] == "3"


def test_highlight_colour_stands_apart():
    default_edge = gv._options(1.0)["edges"]["color"]["color"]
    node_colours = {f"#{r:02x}{g:02x}{b:02x}" for ends in gv.PALETTES.values() for r, g, b in ends}
    assert gv.HIGHLIGHT_EDGE not in {default_edge, gv._FIXED, *node_colours}


@pytest.mark.parametrize("highlight", [(), [], set()])
def test_no_highlighted_edges(highlight):
    page = gv.graph_html(small_graph(), highlight_edges=highlight)
    assert gv.HIGHLIGHT_EDGE not in page
    assert page == gv.graph_html(small_graph())


def test_highlighted_edges_of_untrusted_names_are_escaped():
    page = gv.graph_html(
        small_graph(PAYLOAD), highlight_edges=[(ENTRY, PAYLOAD), (PAYLOAD, "cart")]
    )
    assert PAYLOAD not in page
    assert "<img src=x" not in page
    escaped = html.escape(PAYLOAD)
    edges = edges_by_names(page)
    assert {pair for pair, e in edges.items() if e.get("dashes")} == {
        (ENTRY, escaped),
        (escaped, "cart"),
    }


def test_scale_enlarges_labels_nodes_and_edges_not_positions():
    def drawn(page):
        options = json.loads(re.search(r"var options = (\{.*?\});\n", page).group(1))
        return {n["id"]: n for n in vis_data(page, "nodes")}, options

    plain, plain_options = drawn(gv.graph_html(small_graph()))
    large, large_options = drawn(gv.graph_html(small_graph(), scale=2))
    assert (
        large_options["nodes"]["font"]["size"] == 2 * plain_options["nodes"]["font"]["size"] == 48
    )
    assert (
        large_options["edges"]["font"]["size"] == 2 * plain_options["edges"]["font"]["size"] == 36
    )
    for node_id, node in plain.items():
        assert large[node_id]["size"] == pytest.approx(2 * node["size"])
        assert (large[node_id]["x"], large[node_id]["y"]) == (node["x"], node["y"])

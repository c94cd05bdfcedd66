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


def drawn_nodes(page):
    """The graph's nodes as drawn, without the hidden bends its edges go through."""
    return [n for n in vis_data(page, "nodes") if n.get("group") != "bend"]


def edges_by_names(page):
    """The drawn edges keyed by (source, target) names, read back from the node titles.

    An edge is drawn as pieces through hidden bends; each edge here is its first piece
    with the label of the piece that carries it, and its ``pieces``.
    """
    names = {n["id"]: n["title"].split("\n")[0] for n in drawn_nodes(page)}
    edges = vis_data(page, "edges")
    after = {e["from"]: e for e in edges if e["from"] not in names}
    found = {}
    for edge in edges:
        if edge["from"] not in names:
            continue
        pieces = [edge]
        while pieces[-1]["to"] not in names:
            pieces.append(after[pieces[-1]["to"]])
        label = next((p["label"] for p in pieces if "label" in p), None)
        found[names[edge["from"]], names[pieces[-1]["to"]]] = {
            **edge,
            "label": label,
            "pieces": pieces,
        }
    return found


def test_prune_nodes_keeps_entry_exit_and_the_busiest():
    g = small_graph()
    kept = graph.busiest(g, max_nodes=1)
    assert set(kept.nodes) == {ENTRY, "home", EXIT}
    assert set(kept.edges) == {(ENTRY, "home"), ("home", EXIT)}
    assert graph.busiest(g, max_nodes=10).number_of_nodes() == 4


def test_graph_html_nodes_edges_and_labels():
    page = gv.graph_html(small_graph(), weight="share", highlight="cart")
    nodes = {n["id"]: n for n in drawn_nodes(page)}
    by_name = {n["label"].split("\n")[0]: n for n in nodes.values()}
    assert set(by_name) == {ENTRY, "home", "cart", EXIT}
    assert by_name["home"]["label"] == "home\n4 visits\n25% exit"
    assert by_name[ENTRY]["label"] == ENTRY  # small_graph gives the entry no count
    g = small_graph()
    g.nodes[ENTRY]["visits"] = 1234
    entry = next(n for n in drawn_nodes(gv.graph_html(g)) if n["label"].startswith(ENTRY))
    assert entry["label"] == "(entry)\n1,234 journeys"
    assert "exit rate: visits that end the journey / visits = 25.0%" in by_name["home"]["title"]
    # Node ids are numbers, never the (untrusted) names.
    assert all(isinstance(i, int) for i in nodes)
    # Exit rate 0..1 goes from the low to the high colour.
    assert by_name["cart"]["color"] == "#{:02x}{:02x}{:02x}".format(*gv._HIGH)
    assert by_name[ENTRY]["color"] == gv._FIXED
    assert (by_name["cart"]["borderWidth"], by_name["home"]["borderWidth"]) == (6, 1)
    assert all(n["physics"] is False and "x" in n and "y" in n for n in nodes.values())
    labels = edges_by_names(page)
    assert labels[("home", "cart")]["label"] == "75%"
    # Width 1 + 14 * share / largest share (1.0).
    assert labels[("home", "cart")]["width"] == pytest.approx(1 + 14 * 3 / 4)
    assert "median time: 1.5 min" in labels[("home", "cart")]["title"]
    # The arrow is on the last piece only.
    pieces = labels[("home", "cart")]["pieces"]
    assert [p["arrows"]["to"]["enabled"] for p in pieces] == [False] * (len(pieces) - 1) + [True]


@pytest.mark.parametrize(
    ("weight", "label", "width"),
    [
        ("count", "3", 1 + 14 * 3 / 4),
        ("customers", "3", 1 + 14 * 3 / 4),
        ("median_seconds", "1.5 min", 1 + 14 * 3 / 4),
    ],
)
def test_graph_html_edge_weight(weight, label, width):
    home_cart = edges_by_names(gv.graph_html(small_graph(), weight=weight))[("home", "cart")]
    assert home_cart["label"] == label
    assert home_cart["width"] == pytest.approx(width)


def test_long_names_wrap_in_labels():
    g = small_graph("Confirmation of receipt by the applicant")
    labels = [n["label"] for n in drawn_nodes(gv.graph_html(g))]
    assert "Confirmation of\nreceipt by the\napplicant\n4 visits\n25% exit" in labels


def test_graph_html_escapes_touchpoint_names():
    page = gv.graph_html(small_graph(PAYLOAD))
    assert PAYLOAD not in page
    assert "<img src=x" not in page
    names = [n["title"].split("\n")[0] for n in drawn_nodes(page)]
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in names
    labels = "".join(n["label"] for n in drawn_nodes(page))
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
    assert all(p["dashes"] is True for p in marked["pieces"])
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


def test_scale_enlarges_labels_nodes_and_edges_and_lays_them_out_apart():
    def drawn(page):
        options = json.loads(re.search(r"var options = (\{.*?\});\n", page).group(1))
        return {n["id"]: n for n in drawn_nodes(page)}, options

    plain, plain_options = drawn(gv.graph_html(small_graph()))
    large, large_options = drawn(gv.graph_html(small_graph(), scale=2))
    assert (
        large_options["nodes"]["font"]["size"] == 2 * plain_options["nodes"]["font"]["size"] == 40
    )
    assert (
        large_options["edges"]["font"]["size"] == 2 * plain_options["edges"]["font"]["size"] == 36
    )
    for node_id, node in plain.items():
        assert large[node_id]["size"] == pytest.approx(2 * node["size"])
    # The layout measures the larger labels: the columns move apart instead of overlapping.
    xs = sorted(n["x"] for n in plain.values())
    large_xs = sorted(n["x"] for n in large.values())
    assert large_xs[-1] - large_xs[0] > xs[-1] - xs[0]

"""The journey graph as a self-contained interactive HTML page (pyvis / vis-network).

:func:`graph_html` draws a graph from :func:`cxlib.journey_graph` in columns from the
entry on the left to the exit on the right, laid out by :mod:`cxlib.views.layout`
(Sugiyama: few crossings, no two labels on top of each other, every edge label in
the gap between two columns). Node colour is the exit rate, node size the visits,
edge width the chosen weight; a legend above the drawing says so. Edges that span
several columns bend through the columns they cross; edges going back to an earlier
column are dotted, and a loop (a touchpoint followed by itself) is a circle at its
node, whose figure the node's label carries (``↻``). The layout is computed here, so
the picture is the same on every rerun and for every viewer. The page embeds
vis-network's JavaScript (no request leaves the machine) and can be saved as a file.

Touchpoint names are untrusted: every label and tooltip is HTML-escaped
(:mod:`cxlib.views.graph_labels`), and nodes
are identified by numbers, never by their names.
"""

from __future__ import annotations

import html
import itertools
import json
import math
import re
from collections.abc import Collection, Sequence
from typing import Any, Literal

import jinja2
import networkx as nx
from pyvis.network import Network

from cxlib.log import ENTRY, EXIT, OTHER
from cxlib.rates import EXIT_RATE
from cxlib.views.graph_labels import EdgeWeight, edge_title, figure, node_label, node_title
from cxlib.views.layout import Layout, NodeSize, Route, layered_layout

__all__ = [
    "HIGHLIGHT_EDGE",
    "PALETTES",
    "EdgeWeight",
    "Palette",
    "graph_html",
    "graph_layout",
]

Palette = Literal["default", "colour-blind"]
_LOW, _HIGH, _FIXED = (0x8E, 0xC9, 0xB8), (0xD9, 0x4F, 0x2B), "#9aa5b1"
#: Node colour from a low to a high exit rate: green to red, or blue to orange (safe for
#: red-green colour blindness: the two ends differ in hue and lightness for everyone).
PALETTES: dict[Palette, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    "default": (_LOW, _HIGH),
    "colour-blind": ((0x44, 0x77, 0xAA), (0xEE, 0x77, 0x33)),
}
#: The goal's colour (drawn as a diamond): journeys ending there converted, no exit to colour.
GOAL_COLOUR = "#2f6b4f"

#: Colour of highlighted edges, drawn dashed as well: Okabe-Ito's reddish purple, apart from
#: the grey edges and from both node palettes for every kind of colour vision.
HIGHLIGHT_EDGE = "#cc79a7"
#: Colour of edges going back to an earlier column (drawn dotted).
BACK_EDGE = "#b0b8c1"

#: Font sizes of node and edge labels, in the drawing's pixels.
NODE_FONT, EDGE_FONT = 20, 18
#: Height of the legend above the drawing, in pixels.
LEGEND_HEIGHT = 52
#: Smallest scale the drawing opens at: its labels stay legible (20 px text shows as 12.4 px).
MIN_SCALE = 0.62
# Text widths are estimated: 0.62 of the font size per character is wider than the
# sans-serif letters and digits labels use, so a label never takes more room than planned.
_CHAR, _LINE = 0.62, 1.25
# pyvis always adds Bootstrap from a CDN; the graph needs none of it.
_CDN = re.compile(
    r'<link[^>]*href="https://cdn\.jsdelivr\.net[^>]*/>'
    r'|<script[^>]*src="https://cdn\.jsdelivr\.net[^>]*></script>'
    r"|<!--\s*<link[^>]*node_modules.*?-->",
    re.DOTALL,
)
_WEIGHT_WORDS = {
    "count": "transitions",
    "customers": "customers",
    "share": "share of moves out",
    "median_seconds": "transitions (median time written)",
}


# pyvis builds a template environment per network, so its page template would be parsed
# again for every drawing: one shared environment keeps the compiled template.
_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Network(cdn_resources="in_line").template_dir), autoescape=False
)


def _colour(exit_rate: float, palette: Palette = "default") -> str:
    low, high = PALETTES[palette]
    rgb = (round(lo + (hi - lo) * exit_rate) for lo, hi in zip(low, high, strict=True))
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _text_size(text: str, font: float) -> tuple[float, float]:
    lines = text.split("\n")
    width = max(len(line) for line in lines) * _CHAR * font + 4
    return width, len(lines) * _LINE * font


def graph_layout(
    graph: nx.DiGraph[str],
    *,
    weight: EdgeWeight = "count",
    goal: str | None = None,
    order: Sequence[str] | None = None,
    scale: float = 1.0,
    details: bool = True,
) -> Layout:
    """The layout :func:`graph_html` draws: node and edge label sizes of its labels, laid out.

    Examples
    --------
    >>> g = nx.DiGraph()
    >>> g.add_node("a", visits=3, exit_rate=1 / 3)
    >>> g.add_edge(ENTRY, "a", count=3, customers=3, share=1.0, median_seconds=None)
    >>> g.add_edge("a", EXIT, count=3, customers=3, share=1.0, median_seconds=None)
    >>> graph_layout(g).columns
    {'(entry)': 0, 'a': 1, '(exit)': 2}
    """
    top = max((d.get("visits") or 0 for _, d in graph.nodes(data=True)), default=0) or 1
    sizes = {}
    for node, data in graph.nodes(data=True):
        label = node_label(graph, node, weight, goal, details=details)
        width, height = _text_size(label, NODE_FONT * scale)
        sizes[node] = NodeSize(_radius(data.get("visits") or 0, top) * scale, width, height)
    labels = {
        (u, v): _text_size(figure(d.get(weight), weight), EDGE_FONT * scale)
        for u, v, d in graph.edges(data=True)
        if u != v
    }
    return layered_layout(graph, sizes=sizes, label_sizes=labels, order=order)


def _radius(visits: float, top: float) -> float:
    return 8.0 + 20.0 * math.sqrt(visits / top)


def graph_html(
    graph: nx.DiGraph[str],
    *,
    weight: EdgeWeight = "count",
    height: int = 760,
    highlight: str | None = None,
    palette: Palette = "default",
    highlight_edges: Collection[tuple[str, str]] = (),
    goal: str | None = None,
    order: Sequence[str] | None = None,
    scale: float = 1.0,
    details: bool = True,
) -> str:
    """A standalone HTML page drawing the journey graph, with no external resource.

    Parameters
    ----------
    graph
        A graph from :func:`cxlib.journey_graph` (node attributes ``visits``,
        ``exit_rate``...; edge attributes ``count``, ``customers``, ``share``,
        ``share_in``, ``median_seconds``), possibly grouped
        (:func:`cxlib.analyses.grouping.group_rare`), pruned or focused.
    weight
        The edge attribute written on each edge and setting its width (the
        median time is written, the width then follows ``count``).
    height
        Height of the page in pixels (the legend included).
    highlight
        A touchpoint drawn with a thick border (the focus of the view).
    palette
        Node colours by exit rate (see :data:`PALETTES`).
    highlight_edges
        ``(source, target)`` pairs of touchpoints whose edges are drawn dashed in
        :data:`HIGHLIGHT_EDGE` (e.g. those of :func:`cxlib.switching_edges`); pairs that
        are not edges of ``graph`` are ignored.
    goal
        The conversion goal: drawn as a diamond in :data:`GOAL_COLOUR`, without an exit rate.
    order
        The left-to-right order of the nodes (:func:`cxlib.views.layout.flow_order`),
        e.g. that of the whole graph when ``graph`` is a part of it.
    scale
        How much larger labels, nodes and edges are drawn (a projector wants about 1.5);
        the positions stay, so larger labels take room from the space between nodes.
    details
        Whether each touchpoint's label says its visits and exit rate under its name (the
        tooltip always does); without, large labels keep clear of each other.

    Examples
    --------
    >>> g = nx.DiGraph()
    >>> g.add_node("<b>", visits=3, exits=1, exit_rate=1 / 3)
    >>> g.add_edge(ENTRY, "<b>", count=3, customers=3, share=1.0, median_seconds=None)
    >>> page = graph_html(g, weight="share")
    >>> page.startswith("<html>"), "cdn.jsdelivr" in page, "node_modules" in page
    (True, False, False)
    >>> HIGHLIGHT_EDGE in graph_html(g, highlight_edges=[(ENTRY, "<b>")])
    True
    >>> '"size": 36' in graph_html(g, scale=1.8)  # the node font, 20 px at scale 1
    True
    """
    layout = graph_layout(
        graph, weight=weight, goal=goal, order=order, scale=scale, details=details
    )
    net = Network(
        height=f"{height - LEGEND_HEIGHT}px", width="100%", directed=True, cdn_resources="in_line"
    )
    net.templateEnv = _TEMPLATES
    ids = {node: i for i, node in enumerate(graph.nodes)}
    top = max((d.get("visits") or 0 for _, d in graph.nodes(data=True)), default=0) or 1
    for node, data in graph.nodes(data=True):
        x, y = layout.positions[node]
        net.add_node(
            ids[node],
            label=node_label(graph, node, weight, goal, details=details),
            title=node_title(graph, node),
            x=x,
            y=y,
            size=_radius(data.get("visits") or 0, top) * scale,
            borderWidth=6 if node == highlight else 1,
            physics=False,
            **_node_look(node, data, goal, palette),
        )
    marked = {(source, target) for source, target in highlight_edges}
    key = "count" if weight == "median_seconds" else weight
    widest = max((d.get(key) or 0 for *_, d in graph.edges(data=True)), default=0) or 1
    for source, target, data in graph.edges(data=True):
        look = {
            "title": edge_title(source, target, data),
            "width": (1 + 14 * (data.get(key) or 0) / widest) * scale,
            **(_HIGHLIGHTED if (source, target) in marked else {}),
        }
        route = layout.routes[source, target]
        if route.kind == "back" and (source, target) not in marked:
            look |= _BACK
        _add_route(net, ids[source], ids[target], route, figure(data.get(weight), weight), look)
    net.set_options(json.dumps(_options(scale)))
    page = _CDN.sub("", net.generate_html())
    page = page.replace("<body>", "<body>\n" + legend_html(weight, palette, goal, bool(marked)), 1)
    return page.replace("</body>", _initial_view(layout) + "\n</body>", 1)


def _initial_view(layout: Layout) -> str:
    """A script that opens the drawing legible: fitted, or at :data:`MIN_SCALE` from the entry.

    A long graph fitted to the page would shrink its text below reading size, so it opens
    at the smallest legible scale on its left end (where journeys start), to be panned.
    """
    boxes = [*layout.boxes.values(), *layout.labels.values()]
    if not boxes:
        return ""
    left, right = min(b.left for b in boxes), max(b.right for b in boxes)
    top, bottom = min(b.top for b in boxes), max(b.bottom for b in boxes)
    view = {"left": left, "right": right, "top": top, "bottom": bottom, "min": MIN_SCALE}
    return (
        "<script>(function () {"
        f"var v = {json.dumps(view)}, f = network.canvas.frame;"
        "var w = f.clientWidth, h = f.clientHeight;"
        "var s = Math.min(w / (v.right - v.left + 40), h / (v.bottom - v.top + 40));"
        "if (s >= v.min) return;"
        "var x = v.left - 20 + w / 2 / v.min;"
        "var y = Math.min((v.top + v.bottom) / 2, v.top - 20 + h / 2 / v.min);"
        "network.moveTo({position: {x: x, y: y}, scale: v.min});"
        "})();</script>"
    )


def _node_look(
    node: str, data: dict[str, Any], goal: str | None, palette: Palette
) -> dict[str, Any]:
    if node in (ENTRY, EXIT):
        return {"color": _FIXED, "shape": "dot"}
    if node == goal:
        return {"color": GOAL_COLOUR, "shape": "diamond"}
    colour = _colour(data.get("exit_rate") or 0.0, palette)
    return {"color": colour, "shape": "square" if node == OTHER else "dot"}


def _add_route(
    net: Network, source: int, target: int, route: Route, label: str, look: dict[str, Any]
) -> None:
    """The edge as vis-network edges through hidden bend points; its label on one piece.

    vis-network writes a label at the middle of a straight edge, so the piece of the
    first segment centred on the layout's label spot carries the label.
    """
    if route.kind == "loop":
        net.add_edge(source, target, **look)
        return
    points: list[Any] = [source]
    start, end = route.points[0], route.points[1]
    if route.label is not None:
        (x0, y0), (x1, y1), (cx, cy) = start, end, route.label
        dx, dy = (x1 - x0) * 0.02, (y1 - y0) * 0.02
        points += [(cx - dx, cy - dy), (cx + dx, cy + dy)]
    points += [*route.points[1:-1], target]
    names = [p if isinstance(p, int) else _bend(net, p) for p in points]
    for i, (u, v) in enumerate(itertools.pairwise(names)):
        last = i == len(names) - 2
        piece = {**look, "arrows": {"to": {"enabled": last}}}
        if route.label is not None and i == 1:
            piece["label"] = label
        net.add_edge(u, v, **piece)


def _bend(net: Network, point: tuple[float, float]) -> str:
    name = f"bend{len(net.nodes)}"
    net.add_node(
        name,
        label=" ",
        x=point[0],
        y=point[1],
        shape="dot",
        size=0.5,
        color="rgba(0,0,0,0)",
        borderWidth=0,
        physics=False,
        fixed=True,
        chosen=False,
        font={"size": 1},
        group="bend",
    )
    return name


def legend_html(weight: EdgeWeight, palette: Palette, goal: str | None, highlighted: bool) -> str:
    """The legend above the drawing: colour, size and width, back edges, loops, goal, other.

    Examples
    --------
    >>> "exit rate" in legend_html("count", "default", None, False)
    True
    """
    low, high = (_colour(x, palette) for x in (0.0, 1.0))
    items = [
        f'<span class="swatch" style="background:linear-gradient(90deg,{low},{high})"></span>'
        f"colour: {html.escape(EXIT_RATE.definition)}, 0% to 100%",
        '<span class="dot small"></span><span class="dot big"></span>size: visits',
        f'<span class="line"></span>width and label: {_WEIGHT_WORDS[weight]}',
        '<span class="line back"></span>back to an earlier column',
        "↻ loop: followed by itself",
        '<span class="square"></span>other: the rarest touchpoints together',
    ]
    if goal is not None:
        items.append(f'<span class="diamond"></span>{html.escape(goal)}: the goal')
    if highlighted:
        marked = f'style="border-top:3px dashed {HIGHLIGHT_EDGE}"'
        items.append(f'<span class="line" {marked}></span>highlighted')
    items.append("drag to pan, scroll to zoom, hover for the figures")
    style = (
        f"<style>.legend{{font:13px sans-serif;color:#333;height:{LEGEND_HEIGHT - 4}px;"
        "display:flex;flex-wrap:wrap;gap:4px 18px;align-items:center;overflow:hidden}"
        ".legend span{display:inline-block;vertical-align:middle;margin-right:5px}"
        ".swatch{width:60px;height:12px;border-radius:2px}"
        ".dot{border-radius:50%;background:#9aa5b1}.small{width:8px;height:8px}"
        ".big{width:16px;height:16px}.line{width:28px;border-top:4px solid #7f8c99}"
        f".back{{border-top:3px dotted {BACK_EDGE}}}"
        ".square{width:12px;height:12px;background:#9aa5b1}"
        f".diamond{{width:10px;height:10px;background:{GOAL_COLOUR};transform:rotate(45deg)}}"
        "</style>"
    )
    return style + '<div class="legend">' + "".join(f"<div>{i}</div>" for i in items) + "</div>"


_HIGHLIGHTED = {
    "color": {"color": HIGHLIGHT_EDGE, "highlight": HIGHLIGHT_EDGE, "hover": HIGHLIGHT_EDGE},
    "dashes": True,
}
_BACK = {
    "color": {"color": BACK_EDGE, "highlight": "#1f6f8b", "hover": "#1f6f8b"},
    "dashes": [2, 6],
}


def _options(scale: float) -> dict[str, Any]:
    """vis-network's options: fixed positions, hover, fonts ``scale`` times the usual size."""
    return {
        "physics": {"enabled": False},
        "interaction": {"hover": True, "navigationButtons": True, "keyboard": True},
        "nodes": {
            "font": {"size": round(NODE_FONT * scale), "face": "sans-serif", "strokeWidth": 4}
        },
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.6 * scale}},
            "color": {"color": "#7f8c99", "highlight": "#1f6f8b", "hover": "#1f6f8b"},
            "font": {"size": round(EDGE_FONT * scale), "align": "horizontal", "strokeWidth": 4},
            "smooth": {"enabled": False},
            "selfReference": {"size": 16 * scale, "angle": 0.8},
        },
    }

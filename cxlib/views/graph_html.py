"""The journey graph as a self-contained interactive HTML page (pyvis / vis-network).

:func:`graph_html` draws a graph from :func:`cxlib.journey_graph`: entry on the left,
exit on the right, each touchpoint placed by how many steps it is from the entry,
node colour by exit rate, node size by visits, edge width by the chosen weight. The
layout is computed here, not by a physics simulation, so the picture is the same on
every rerun and for every viewer. The page embeds vis-network's JavaScript (no
request leaves the machine) and can be saved as a standalone file.

Touchpoint names are untrusted: every label and tooltip is HTML-escaped, and nodes
are identified by numbers, never by their names.
"""

from __future__ import annotations

import html
import json
import math
import re
import textwrap
from collections.abc import Collection
from typing import Any, Literal

import jinja2
import networkx as nx
from pyvis.network import Network

from cxlib.analyses.graph import busiest, focus, prune
from cxlib.log import ENTRY, EXIT

__all__ = [
    "HIGHLIGHT_EDGE",
    "MAX_CRITICAL_NODES",
    "MAX_GRAPH_NODES",
    "MAX_GRAPH_TOUCHPOINTS",
    "PALETTES",
    "EdgeWeight",
    "Palette",
    "graph_html",
    "journey_graph_view",
    "layered_positions",
]

EdgeWeight = Literal["count", "customers", "share", "median_seconds"]
Palette = Literal["default", "colour-blind"]
_LOW, _HIGH, _FIXED = (0x8E, 0xC9, 0xB8), (0xD9, 0x4F, 0x2B), "#9aa5b1"
#: Node colour from a low to a high exit rate: green to red, or blue to orange (safe for
#: red-green colour blindness: the two ends differ in hue and lightness for everyone).
PALETTES: dict[Palette, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    "default": (_LOW, _HIGH),
    "colour-blind": ((0x44, 0x77, 0xAA), (0xEE, 0x77, 0x33)),
}

#: Colour of highlighted edges, drawn dashed as well: Okabe-Ito's reddish purple, apart from
#: the grey edges and from both node palettes for every kind of colour vision.
HIGHLIGHT_EDGE = "#cc79a7"

#: Most touchpoints a journey graph drawing shows (the rest are left out, and counted).
MAX_GRAPH_NODES = 60
#: Most touchpoints the critical-touchpoint measures are computed on (the busiest).
MAX_CRITICAL_NODES = 300
#: Most touchpoints a drawn journey graph is built over (the busiest): a hostile log's
#: million names would take minutes and gigabytes to lay out, and only 60 are drawn.
MAX_GRAPH_TOUCHPOINTS = 2000

#: Horizontal and vertical distance between nodes, in pixels.
X_GAP, Y_GAP = 230, 140
#: Characters per line of a node label.
LABEL_WIDTH = 22
# pyvis always adds Bootstrap from a CDN; the graph needs none of it.
_CDN = re.compile(
    r'<link[^>]*href="https://cdn\.jsdelivr\.net[^>]*/>'
    r'|<script[^>]*src="https://cdn\.jsdelivr\.net[^>]*></script>'
    r"|<!--\s*<link[^>]*node_modules.*?-->",
    re.DOTALL,
)


# pyvis builds a template environment per network, so its page template would be parsed
# again for every drawing: one shared environment keeps the compiled template.
_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Network(cdn_resources="in_line").template_dir), autoescape=False
)


def _depths(graph: nx.DiGraph) -> dict[str, int]:
    """Steps from the entry along each touchpoint's most likely route (edge cost -log share)."""
    inner = graph.subgraph([n for n in graph.nodes if n != EXIT])
    if ENTRY not in inner:
        return {}

    def cost(_u: str, _v: str, data: dict) -> float:
        # The tiny constant makes equally likely routes prefer fewer steps.
        return 1e-9 - math.log(max(data.get("share") or 1.0, 1e-12))

    _, routes = nx.single_source_dijkstra(inner, ENTRY, weight=cost)
    return {node: len(route) - 1 for node, route in routes.items()}


def layered_positions(graph: nx.DiGraph, *, max_rows: int = 7) -> dict[str, tuple[int, int]]:
    """Fixed ``(x, y)`` pixel positions: columns by steps from the entry, exit last.

    A touchpoint's column is the number of steps on its most likely route from the
    entry (the route whose product of edge ``share`` is highest, as in
    :func:`cxlib.most_likely_path`), so a rare first touchpoint does not pull a node to
    the front. Touchpoints the entry does not reach go last before the exit. Within a
    column the most visited touchpoint is in the middle row and the others alternate
    around it; a column of more than ``max_rows`` touchpoints is split into several
    side by side. Deterministic: ties are broken by name.

    Examples
    --------
    >>> g = nx.DiGraph([(ENTRY, "a"), ("a", "b"), ("a", EXIT), ("b", EXIT)])
    >>> layered_positions(g)
    {'(entry)': (0, 0), 'a': (230, 0), 'b': (460, 0), '(exit)': (690, 0)}
    """
    depth = _depths(graph)
    last = max(depth.values(), default=0) + 1
    columns: dict[int, list[str]] = {}
    for node in graph.nodes:
        col = depth.get(node, last) if node != EXIT else last + 1
        columns.setdefault(col, []).append(node)
    positions, x = {}, 0
    for _, nodes in sorted(columns.items()):
        nodes.sort(key=lambda n: (-graph.nodes[n].get("visits", 0), str(n)))
        for start in range(0, len(nodes), max_rows):
            for i, node in enumerate(nodes[start : start + max_rows]):
                row = (i + 1) // 2 * (1 if i % 2 else -1)
                # Split columns are staggered by half a row so their edges do not overlap.
                positions[node] = (x, row * Y_GAP + (Y_GAP // 2 if start // max_rows % 2 else 0))
            x += X_GAP
    return positions


def _colour(exit_rate: float, palette: Palette = "default") -> str:
    low, high = PALETTES[palette]
    rgb = (round(lo + (hi - lo) * exit_rate) for lo, hi in zip(low, high, strict=True))
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _fmt(value: float | None, weight: EdgeWeight) -> str:
    from cxlib.views.charts import format_seconds

    if weight == "share":
        return f"{(value or 0):.0%}"
    if weight == "median_seconds":
        return format_seconds(value)
    return f"{int(value or 0):,}"


def graph_html(
    graph: nx.DiGraph,
    *,
    weight: EdgeWeight = "count",
    height: int = 760,
    highlight: str | None = None,
    positions: dict[str, tuple[int, int]] | None = None,
    palette: Palette = "default",
    highlight_edges: Collection[tuple[str, str]] = (),
    scale: float = 1.0,
    details: bool = True,
) -> str:
    """A standalone HTML page drawing the journey graph, with no external resource.

    Parameters
    ----------
    graph
        A graph from :func:`cxlib.journey_graph` (node attributes ``visits``,
        ``exit_rate``...; edge attributes ``count``, ``customers``, ``share``,
        ``share_in``, ``median_seconds``).
    weight
        The edge attribute written on each edge and setting its width (the
        median time is written, the width then follows ``count``).
    height
        Height of the drawing in pixels.
    highlight
        A touchpoint drawn with a thick border (the focus of the view).
    positions
        Node positions, e.g. :func:`layered_positions` of the unpruned graph, so that
        pruning or focusing does not move the nodes; by default those of ``graph``.
    palette
        Node colours by exit rate (see :data:`PALETTES`).
    highlight_edges
        ``(source, target)`` pairs of touchpoints whose edges are drawn dashed in
        :data:`HIGHLIGHT_EDGE` (e.g. those of :func:`cxlib.switching_edges`); pairs that
        are not edges of ``graph`` are ignored.
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
    >>> '"size": 43' in graph_html(g, scale=1.8)  # the node font, 24 px at scale 1
    True
    """
    net = Network(height=f"{height}px", width="100%", directed=True, cdn_resources="in_line")
    net.templateEnv = _TEMPLATES
    ids = {node: i for i, node in enumerate(graph.nodes)}
    positions = layered_positions(graph) if positions is None else positions
    max_visits = max((d.get("visits", 0) for _, d in graph.nodes(data=True)), default=0) or 1
    for node, data in graph.nodes(data=True):
        name = html.escape(str(node))
        visits, exit_rate = data.get("visits", 0), data.get("exit_rate") or 0.0
        fixed = node in (ENTRY, EXIT)
        # Long names wrap so neighbouring labels do not run into each other.
        lines = "\n".join(html.escape(line) for line in textwrap.wrap(str(node), LABEL_WIDTH))
        label = (
            name
            if fixed or not details
            else f"{lines or name}\n{visits:,} visits · {exit_rate:.0%} exit"
        )
        title = "\n".join(
            [name, *(f"{html.escape(str(k))}: {_tooltip_value(v)}" for k, v in data.items())]
        )
        x, y = positions[node]
        net.add_node(
            ids[node],
            label=label,
            title=title,
            x=x,
            y=y,
            color=_FIXED if fixed else _colour(exit_rate, palette),
            size=(14 + 26 * (visits / max_visits) ** 0.5) * scale,
            shape="dot",
            borderWidth=6 if node == highlight else 1,
            physics=False,
        )
    marked = {(source, target) for source, target in highlight_edges}
    key = "count" if weight == "median_seconds" else weight
    top = max((d.get(key) or 0 for *_, d in graph.edges(data=True)), default=0) or 1
    for source, target, data in graph.edges(data=True):
        title = "\n".join(
            [f"{html.escape(str(source))} → {html.escape(str(target))}"]
            + [f"{k}: {_fmt(data.get(k), k)}" for k in ("count", "customers", "share")]
            + [f"median time: {_fmt(data.get('median_seconds'), 'median_seconds')}"]
        )
        net.add_edge(
            ids[source],
            ids[target],
            label=_fmt(data.get(weight), weight),
            title=title,
            width=(1 + 14 * (data.get(key) or 0) / top) * scale,
            **(_HIGHLIGHTED if (source, target) in marked else {}),
        )
    net.set_options(json.dumps(_options(scale)))
    return _CDN.sub("", net.generate_html())


def _tooltip_value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return html.escape(str(value))


_HIGHLIGHTED = {
    "color": {"color": HIGHLIGHT_EDGE, "highlight": HIGHLIGHT_EDGE, "hover": HIGHLIGHT_EDGE},
    "dashes": True,
}


def _options(scale: float) -> dict[str, Any]:
    """vis-network's options: fixed positions, hover, fonts ``scale`` times the usual size."""
    return {
        "physics": {"enabled": False},
        "interaction": {"hover": True, "navigationButtons": True, "keyboard": True},
        "nodes": {"font": {"size": round(24 * scale), "face": "sans-serif", "strokeWidth": 4}},
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.6 * scale}},
            "color": {"color": "#7f8c99", "highlight": "#1f6f8b", "hover": "#1f6f8b"},
            "font": {"size": round(18 * scale), "align": "top", "strokeWidth": 4},
            "smooth": {"enabled": True, "type": "curvedCW", "roundness": 0.15},
        },
    }


def journey_graph_view(
    whole: nx.DiGraph,
    *,
    top_k: int | None = None,
    min_share: float | None = None,
    focus_on: str | None = None,
    max_nodes: int = MAX_GRAPH_NODES,
    **drawing: Any,
) -> tuple[str, int]:
    """The journey graph page a dashboard shows, and how many touchpoints it left out.

    ``whole`` is the unpruned graph: its layout (:func:`layered_positions`) places the
    nodes, so pruning (``top_k``, ``min_share``, :func:`cxlib.analyses.graph.prune`) or
    focusing on one touchpoint (:func:`cxlib.focus`) hides nodes and never moves them.
    At most ``max_nodes`` touchpoints are drawn, the most visited; the others are
    counted in the second value, with those the graph was built without
    (``whole.graph["left_out"]``). ``drawing`` goes to :func:`graph_html`.

    Examples
    --------
    >>> g = nx.DiGraph(journeys=1)
    >>> g.add_node(ENTRY, kind="entry", visits=1)
    >>> g.add_node("a", kind="touchpoint", visits=1, exit_rate=1.0)
    >>> g.add_node(EXIT, kind="exit", visits=1)
    >>> g.add_edge(ENTRY, "a", count=1, customers=1, share=1.0, share_in=1.0, median_seconds=None)
    >>> g.add_edge("a", EXIT, count=1, customers=1, share=1.0, share_in=1.0, median_seconds=None)
    >>> page, left_out = journey_graph_view(g, max_nodes=0)
    >>> page.startswith("<html>"), left_out
    (True, 1)
    """
    graph = prune(whole, top_k=top_k, min_share=min_share)
    if focus_on is not None and focus_on in graph:
        graph = focus(graph, focus_on)
    shown = busiest(graph, max_nodes=max_nodes)
    page = graph_html(
        shown,
        highlight=focus_on,
        positions=layered_positions(whole),
        **drawing,
    )
    left_out = graph.number_of_nodes() - shown.number_of_nodes()
    return page, left_out + int(whole.graph.get("left_out", 0))

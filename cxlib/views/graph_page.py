"""The journey graph a dashboard page shows: the busiest touchpoints apart, pruned, focused, drawn.

:func:`journey_graph_view` takes the whole graph (:func:`cxlib.journey_graph`) and the
page's controls, decides what is drawn, and draws it with
:func:`cxlib.views.graph_html.graph_html`; the caps below bound what a page builds and
draws whatever the log holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx

from cxlib.analyses.graph import focus, prune
from cxlib.analyses.grouping import group_rare
from cxlib.views.graph_html import graph_html
from cxlib.views.layout import flow_order

__all__ = [
    "MAX_CRITICAL_NODES",
    "MAX_GRAPH_NODES",
    "MAX_GRAPH_TOUCHPOINTS",
    "GraphPicture",
    "journey_graph_view",
]

#: Most touchpoints a journey graph drawing shows apart; the rarer ones are one (other) node.
MAX_GRAPH_NODES = 20
#: Most touchpoints the critical-touchpoint measures are computed on (the busiest).
MAX_CRITICAL_NODES = 300
#: Most touchpoints a drawn journey graph is built over (the busiest): a hostile log's
#: million names would take minutes and gigabytes to lay out, and only 60 are drawn.
MAX_GRAPH_TOUCHPOINTS = 2000


@dataclass(frozen=True)
class GraphPicture:
    """A drawn journey graph (:func:`journey_graph_view`) and what it could not show apart.

    ``graph`` is what is drawn, ``order`` the left-to-right order it is drawn in (that of
    the grouped and pruned graph, before any focus); ``grouped``: touchpoints drawn
    together as the (other) node; ``left_out``: those the graph was built without
    (``max_touchpoints`` of :func:`cxlib.journey_graph`).
    """

    html: str
    graph: nx.DiGraph[str]
    order: list[str]
    grouped: int
    left_out: int


def journey_graph_view(
    whole: nx.DiGraph[str],
    *,
    top_k: int | None = None,
    min_share: float | None = None,
    focus_on: str | None = None,
    max_nodes: int = MAX_GRAPH_NODES,
    goal: str | None = None,
    **drawing: Any,
) -> GraphPicture:
    """The journey graph page a dashboard shows: grouped, pruned, focused, laid out and drawn.

    ``whole`` is the unpruned graph. Beyond the ``max_nodes`` most visited touchpoints
    (the focus and the goal always among them) the rarest are grouped into one (other)
    node whose numbers add up (:func:`cxlib.analyses.grouping.group_rare`); then the
    edges are pruned (``top_k``, ``min_share``: :func:`cxlib.analyses.graph.prune`) and,
    with ``focus_on``, the view narrows to that touchpoint's neighbours
    (:func:`cxlib.focus`), keeping the left-to-right order of the whole picture.
    ``drawing`` goes to :func:`graph_html`.

    Examples
    --------
    >>> from cxlib import ENTRY, EXIT
    >>> g = nx.DiGraph(journeys=1)
    >>> g.add_node(ENTRY, kind="entry", visits=1)
    >>> g.add_node("a", kind="touchpoint", visits=1, entries=1, exits=1, exit_rate=1.0)
    >>> g.add_node(EXIT, kind="exit", visits=1)
    >>> g.add_edge(ENTRY, "a", count=1, customers=1, share=1.0, share_in=1.0, median_seconds=None)
    >>> g.add_edge("a", EXIT, count=1, customers=1, share=1.0, share_in=1.0, median_seconds=None)
    >>> picture = journey_graph_view(g, max_nodes=0)
    >>> picture.html.startswith("<html>"), picture.order, picture.grouped
    (True, ['(entry)', 'a', '(exit)'], 0)
    """
    keep = [n for n in (focus_on, goal) if n is not None]
    grouped = group_rare(whole, max_touchpoints=max_nodes, keep=keep)
    graph = prune(grouped, top_k=top_k, min_share=min_share)
    order = flow_order(graph)
    if focus_on is not None and focus_on in graph:
        graph = focus(graph, focus_on)
    page = graph_html(graph, highlight=focus_on, goal=goal, order=order, **drawing)
    return GraphPicture(
        html=page,
        graph=graph,
        order=order,
        grouped=int(grouped.graph.get("grouped", 0)),
        left_out=int(whole.graph.get("left_out", 0)),
    )

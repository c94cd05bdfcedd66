"""Rare touchpoints grouped into one ``(other)`` node whose numbers add up.

A picture has room for a few dozen touchpoints; a log can have hundreds. Rather than
leave the rarest out (and with them the journeys through them),
:func:`group_rare` merges them into one node, :data:`cxlib.log.OTHER`: its visits,
entries and exits are the sums of theirs, and each edge to or from the group carries
the sum of the transitions it replaces. So every node's visits still equal its
transitions in and out, and the drawing's numbers add up to the log's.
"""

from __future__ import annotations

from collections.abc import Collection

import networkx as nx

from cxlib.log import OTHER
from cxlib.rates import EXIT_RATE, TRANSITION_SHARE

__all__ = ["group_rare"]


def group_rare(
    graph: nx.DiGraph[str], *, max_touchpoints: int, keep: Collection[str] = ()
) -> nx.DiGraph[str]:
    """The journey graph with all but the ``max_touchpoints`` most visited touchpoints as one node.

    Parameters
    ----------
    graph
        An unpruned journey graph (:func:`cxlib.journey_graph`): the shares of the
        merged edges are recomputed from its transitions, so prune after grouping.
    max_touchpoints
        Touchpoints kept apart, the most visited (ties by name); ``keep`` come on top.
    keep
        Touchpoints never grouped (the goal, the focus of a view).

    Returns
    -------
    networkx.DiGraph
        A new graph. With fewer than two touchpoints to group, a copy. Otherwise the node
        :data:`~cxlib.log.OTHER` (``kind="other"``) replaces the rarest: ``members``
        lists them, ``visits``, ``entries`` and ``exits`` are their sums (``customers``
        and ``journeys`` are ``None``: a customer may have visited several);
        ``exit_rate`` is recomputed from the sums. Edges to or from the group sum
        ``count``; their ``share`` and ``share_in`` are recomputed, ``customers`` and
        ``median_seconds`` are ``None`` where several edges were merged. Transitions
        between two grouped touchpoints become the loop ``OTHER -> OTHER``.
        ``graph.graph["grouped"]`` is the number of touchpoints grouped.

    Examples
    --------
    >>> from cxlib import ENTRY, EXIT
    >>> g = nx.DiGraph(journeys=3)
    >>> g.add_node(ENTRY, kind="entry", visits=3)
    >>> for name, visits, exits in [("home", 3, 1), ("faq", 1, 1), ("blog", 1, 1)]:
    ...     g.add_node(name, kind="touchpoint", visits=visits, entries=0, exits=exits)
    >>> g.add_node(EXIT, kind="exit", visits=3)
    >>> for u, v, n in [(ENTRY, "home", 3), ("home", "faq", 1), ("home", "blog", 1),
    ...                 ("home", EXIT, 1), ("faq", EXIT, 1), ("blog", EXIT, 1)]:
    ...     g.add_edge(u, v, count=n, customers=n, median_seconds=None)
    >>> grouped = group_rare(g, max_touchpoints=1)
    >>> sorted(grouped.nodes[OTHER]["members"]), grouped.nodes[OTHER]["visits"]
    (['blog', 'faq'], 2)
    >>> grouped.edges["home", OTHER]["count"], grouped.edges["home", OTHER]["share"]
    (2, 0.6666666666666666)
    """
    touchpoints = [n for n, data in graph.nodes(data=True) if data.get("kind") == "touchpoint"]
    touchpoints.sort(key=lambda n: (-(graph.nodes[n].get("visits") or 0), str(n)))
    # A real touchpoint named like the group node goes into the group.
    kept = {n for n in touchpoints[:max_touchpoints] if n != OTHER} | (set(keep) - {OTHER})
    members = [n for n in touchpoints if n not in kept]
    if len(members) < 2:  # one touchpoint alone is shown as itself
        return graph.copy()

    rare = set(members)

    def node(name: str) -> str:
        return OTHER if name in rare else name

    grouped: nx.DiGraph[str] = nx.DiGraph(**{**graph.graph, "grouped": len(members)})
    for name, data in graph.nodes(data=True):
        if name not in rare:
            grouped.add_node(name, **data)
    sums = {
        k: sum(graph.nodes[m].get(k) or 0 for m in members) for k in ("visits", "entries", "exits")
    }
    grouped.add_node(
        OTHER,
        kind="other",
        members=members,
        customers=None,
        journeys=None,
        **sums,
        exit_rate=EXIT_RATE(sums["exits"], sums["visits"]),
        journeys_ending_share=None,
    )
    for source, target, data in graph.edges(data=True):
        u, v = node(source), node(target)
        if grouped.has_edge(u, v):
            merged = grouped.edges[u, v]
            merged.update(
                count=merged["count"] + data["count"], customers=None, median_seconds=None
            )
        else:
            grouped.add_edge(u, v, **data)
    _shares(grouped)
    return grouped


def _shares(graph: nx.DiGraph[str]) -> None:
    """``share`` and ``share_in`` of every edge from its count (the graph is unpruned)."""
    out = {n: sum(d["count"] for *_, d in graph.out_edges(n, data=True)) for n in graph}
    into = {n: sum(d["count"] for *_, d in graph.in_edges(n, data=True)) for n in graph}
    for source, target, data in graph.edges(data=True):
        data[TRANSITION_SHARE.name] = TRANSITION_SHARE(data["count"], out[source])
        data["share_in"] = data["count"] / into[target]

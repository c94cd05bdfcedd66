"""Measures of the journey graph: which touchpoints hold it together, and the most likely route.

On a graph from :func:`cxlib.journey_graph` (its node and edge attributes are
described in :mod:`cxlib.analyses.graph`): centrality, articulation points and bridges
per touchpoint (:func:`critical_touchpoints`), and the route from the entry with the
highest product of transition probabilities (:func:`most_likely_path`).
"""

from __future__ import annotations

import math

import networkx as nx
import polars as pl

from cxlib.analyses.graph import busiest
from cxlib.checks import check_known
from cxlib.errors import AnalysisError
from cxlib.log import ENTRY

__all__ = ["critical_touchpoints", "most_likely_path"]


def _distance(share: float) -> float:
    """``-log(share)``: adding distances multiplies probabilities, so shortest = most likely."""
    return -math.log(share)


def critical_touchpoints(graph: nx.DiGraph[str], *, max_nodes: int | None = None) -> pl.DataFrame:
    """Graph measures that point at the touchpoints the journeys depend on.

    Parameters
    ----------
    graph
        A journey graph from :func:`journey_graph` (pruned or not: measures are
        taken on the edges present).
    max_nodes
        Measure only the graph of the ``max_nodes`` most visited touchpoints
        (:func:`busiest`): exact betweenness takes seconds for a thousand
        touchpoints and hours for 10^5.

    Returns
    -------
    polars.DataFrame
        One row per touchpoint (ENTRY and EXIT take part in the measures but get no
        row) with ``visits``, ``customers``, ``exit_rate`` (node attributes), and

        - ``pagerank``: PageRank with edges weighted by ``count``: the long-run share
          of time a customer walking the graph spends at the touchpoint;
        - ``betweenness``: normalized betweenness centrality with edge length
          ``-log(share)``: the share of most likely routes between two nodes that
          pass through the touchpoint;
        - ``articulation_point``: whether removing the touchpoint disconnects the
          undirected skeleton of the graph (edges without direction or loops): a
          single point that parts of the journey only reach through it;
        - ``bridges``: edges at the touchpoint whose removal disconnects that
          skeleton.

        Sorted by ``betweenness`` descending, then ``pagerank`` descending, then
        ``touchpoint``.

    Examples
    --------
    >>> from cxlib import journey_graph
    >>> table = pl.DataFrame({
    ...     "source": ["(entry)", "home", "cart", "cart", "buy"],
    ...     "target": ["home", "cart", "buy", "(exit)", "(exit)"],
    ...     "transitions": [2, 2, 1, 1, 1], "customers": [2, 2, 1, 1, 1],
    ...     "median_seconds": [None, 60.0, 30.0, None, None]})
    >>> critical_touchpoints(journey_graph(table)).select(
    ...     "touchpoint", "articulation_point", "bridges").rows()
    [('cart', True, 1), ('home', True, 2), ('buy', False, 0)]
    """
    if max_nodes is not None:
        graph = busiest(graph, max_nodes=max_nodes)
    touchpoints = [n for n, data in graph.nodes(data=True) if data.get("kind") == "touchpoint"]
    pagerank = nx.pagerank(graph, weight="count") if graph.number_of_edges() else {}
    lengths: nx.DiGraph[str] = nx.DiGraph()
    lengths.add_nodes_from(graph)
    lengths.add_weighted_edges_from(
        ((u, v, _distance(data["share"])) for u, v, data in graph.edges(data=True)), weight="length"
    )
    betweenness = nx.betweenness_centrality(lengths, weight="length")
    skeleton: nx.Graph[str] = nx.Graph(graph.edges())
    skeleton.remove_edges_from(nx.selfloop_edges(skeleton))
    articulation = set(nx.articulation_points(skeleton))
    bridges = [node for edge in nx.bridges(skeleton) for node in edge]
    table = pl.DataFrame(
        {
            "touchpoint": touchpoints,
            "visits": [graph.nodes[n]["visits"] for n in touchpoints],
            "customers": [graph.nodes[n]["customers"] for n in touchpoints],
            "exit_rate": [graph.nodes[n]["exit_rate"] for n in touchpoints],
            "pagerank": [pagerank.get(n, 0.0) for n in touchpoints],
            "betweenness": [betweenness[n] for n in touchpoints],
            "articulation_point": [n in articulation for n in touchpoints],
            "bridges": [bridges.count(n) for n in touchpoints],
        },
        schema={
            "touchpoint": pl.String,
            "visits": pl.Int64,
            "customers": pl.Int64,
            "exit_rate": pl.Float64,
            "pagerank": pl.Float64,
            "betweenness": pl.Float64,
            "articulation_point": pl.Boolean,
            "bridges": pl.Int64,
        },
    )
    return table.sort(["betweenness", "pagerank", "touchpoint"], descending=[True, True, False])


def most_likely_path(graph: nx.DiGraph[str], target: str) -> list[str]:
    """The most likely route from ENTRY to a touchpoint.

    The probability of a route is the product of its edges' ``share`` (transition
    probabilities); the most likely route is the shortest one when each edge is
    ``-log(share)`` long.

    Raises
    ------
    AnalysisError
        If ``target`` is not a node, or no route from ENTRY reaches it (after pruning).

    Examples
    --------
    >>> from cxlib import journey_graph
    >>> table = pl.DataFrame({
    ...     "source": ["(entry)", "(entry)", "home", "ad", "cart", "cart"],
    ...     "target": ["home", "ad", "cart", "cart", "buy", "(exit)"],
    ...     "transitions": [3, 1, 1, 1, 1, 1], "customers": [3, 1, 1, 1, 1, 1],
    ...     "median_seconds": [None, None, 60.0, 60.0, 30.0, None]})
    >>> most_likely_path(journey_graph(table), "buy")
    ['(entry)', 'home', 'cart', 'buy']
    """
    check_known(target, graph.nodes)
    try:
        return nx.dijkstra_path(graph, ENTRY, target, weight=lambda u, v, d: _distance(d["share"]))
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        msg = f"no journey in this graph goes from {ENTRY!r} to {target!r}; prune less to find one"
        raise AnalysisError(msg) from None

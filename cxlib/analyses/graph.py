"""The journey graph: touchpoints as nodes, transitions as weighted edges, entry and exit included.

The **journey graph** is a directed graph with one node per touchpoint plus two
pseudo-nodes, :data:`cxlib.ENTRY` (where every journey starts) and
:data:`cxlib.EXIT` (where every journey ends). An edge ``A -> B`` means some event
at ``A`` was directly followed by one at ``B`` (see :func:`cxlib.transitions`); an
edge ``A -> EXIT`` is a **drop-off** at ``A``.

Node attributes (all counts over the whole log, before any pruning):

- ``kind``: ``"entry"``, ``"exit"`` or ``"touchpoint"``;
- ``visits``: events at the touchpoint (each has one outgoing and one incoming
  edge, so this is both the node's total outgoing and incoming count); for
  ENTRY and EXIT, the number of journeys;
- ``customers``: distinct customers with at least one event at the touchpoint
  (ENTRY and EXIT: all customers); ``None`` when built from a transitions table;
- ``journeys``: journeys with at least one event at the touchpoint (ENTRY and EXIT:
  all journeys); ``None`` when built from a transitions table;
- ``entries``: journeys whose first event is at the touchpoint;
- ``exits``: journeys whose last event is at the touchpoint;
- ``exit_rate``: ``exits / visits`` (:data:`cxlib.rates.EXIT_RATE`: visits that end the
  journey / visits), the transition probability to EXIT (``None`` for ENTRY and EXIT);
- ``journeys_ending_share``: ``exits / journeys``
  (:data:`cxlib.rates.JOURNEYS_ENDING_SHARE`), as :func:`cxlib.dropoffs` gives it.

Edge attributes: ``count`` (transitions), ``customers`` (distinct customers making
it), ``share`` (``count`` over all transitions out of the source: the **transition
probability**), ``share_in`` (``count`` over all transitions into the target), and
``median_seconds`` (``None`` on entry and exit edges).
"""

from __future__ import annotations

import narwhals as nw
import networkx as nx
import polars as pl

from cxlib.analyses.overview import customers_per_value
from cxlib.analyses.transitions import transitions
from cxlib.checks import check_known
from cxlib.engines import collected_in_memory
from cxlib.errors import AnalysisError
from cxlib.filters import filter_touchpoints
from cxlib.journeys import JourneyBy, journey_table
from cxlib.log import ENTRY, EXIT, EventLog
from cxlib.rates import EXIT_RATE, JOURNEYS_ENDING_SHARE

__all__ = [
    "busiest",
    "edge_table",
    "focus",
    "journey_graph",
    "prune",
]

_TABLE_COLUMNS = ("source", "target", "transitions", "customers", "median_seconds")


def journey_graph(
    log_or_transitions: EventLog | pl.DataFrame,
    *,
    by: JourneyBy = "customer",
    top_k: int | None = None,
    min_count: int | None = None,
    min_share: float | None = None,
    max_touchpoints: int | None = None,
) -> nx.DiGraph[str]:
    """Build the journey graph of a log (or of a table from :func:`cxlib.transitions`).

    Parameters
    ----------
    log_or_transitions
        An :class:`cxlib.EventLog`, or the table :func:`cxlib.transitions` returns
        (then node ``customers`` is ``None``: it cannot be read from edge counts).
    by
        ``"customer"`` or ``"session"``: what a journey is (only used with a log).
    top_k
        Keep only each node's ``top_k`` outgoing edges with the most transitions
        (ties broken by target name).
    min_count
        Drop edges with fewer transitions than this.
    min_share
        Drop edges whose ``share`` (transition probability) is below this.
    max_touchpoints
        Build the graph over the events of the ``max_touchpoints`` touchpoints with
        the most customers only (a log can have a million distinct names); how many
        were left out is ``graph.graph["left_out"]``. Only used with a log.

    Returns
    -------
    networkx.DiGraph
        Nodes and edges with the attributes described in :mod:`cxlib.analyses.graph`. Pruning
        removes edges only: every touchpoint, ENTRY and EXIT stay as nodes, and the
        node counts and edge shares are those of the full log. ``graph.graph`` holds
        ``journeys`` (the number of journeys), ``by`` (``None`` from a table) and
        ``left_out`` (touchpoints left out by ``max_touchpoints``).

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> from cxlib import EventLog
    >>> log = EventLog.from_frame(pl.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1, 9, m) for m in (0, 1, 3, 0)],
    ...     "touchpoint": ["home", "cart", "cart", "home"],
    ... }))
    >>> g = journey_graph(log)
    >>> g.nodes["home"]["visits"], g.nodes["home"]["exits"], g.nodes["home"]["exit_rate"]
    (2, 1, 0.5)
    >>> g.edges["home", "cart"]
    {'count': 1, 'customers': 1, 'share': 0.5, 'share_in': 0.5, 'median_seconds': 60.0}
    >>> sorted(journey_graph(log, top_k=1).out_edges("home"))
    [('home', '(exit)')]
    """
    _check_pruning(top_k, min_count, min_share)
    left_out = 0
    if isinstance(log_or_transitions, EventLog):
        counts = _customers_per_touchpoint(log_or_transitions)
        if max_touchpoints is not None and len(counts) - 2 > max_touchpoints:
            left_out = len(counts) - 2 - max_touchpoints
            ranked = sorted(set(counts) - {ENTRY, EXIT}, key=lambda t: (-counts[t], t))
            keep = ranked[:max_touchpoints]
            log_or_transitions = filter_touchpoints(log_or_transitions, keep=keep)
            counts = _customers_per_touchpoint(log_or_transitions)
        table = transitions(log_or_transitions, by=by)
        customers: dict[str, int] | None = counts
        # A customer's journey is the customer: only session journeys need a count of their own.
        journeys = customers if by == "customer" else _sessions_per_touchpoint(log_or_transitions)
    else:
        table = _checked_table(log_or_transitions)
        customers = journeys = None
    edges = table.with_columns(
        share=pl.col("transitions") / pl.col("transitions").sum().over("source"),
        share_in=pl.col("transitions") / pl.col("transitions").sum().over("target"),
    )
    graph: nx.DiGraph[str] = nx.DiGraph(
        journeys=int(edges.filter(pl.col("source") == ENTRY)["transitions"].sum()),
        by=by if isinstance(log_or_transitions, EventLog) else None,
        left_out=left_out,
    )
    _add_nodes(graph, edges, customers, journeys)
    graph.add_edges_from(
        (
            row["source"],
            row["target"],
            {
                "count": row["transitions"],
                "customers": row["customers"],
                "share": row["share"],
                "share_in": row["share_in"],
                "median_seconds": row["median_seconds"],
            },
        )
        for row in edges.iter_rows(named=True)
    )
    return prune(graph, top_k=top_k, min_count=min_count, min_share=min_share)


def prune(
    graph: nx.DiGraph[str],
    *,
    top_k: int | None = None,
    min_count: int | None = None,
    min_share: float | None = None,
) -> nx.DiGraph[str]:
    """The journey graph with only the edges the pruning keeps (a new graph).

    The same rules as :func:`journey_graph`'s options: each node's ``top_k`` outgoing
    edges with the most transitions (ties by target name), edges with at least
    ``min_count`` transitions and a ``share`` of at least ``min_share``. Nodes and
    their figures, and the kept edges' shares, are unchanged: pruning a whole graph
    equals building it pruned, in milliseconds instead of a pass over the events.

    Examples
    --------
    >>> g = nx.DiGraph()
    >>> g.add_edge("a", "b", count=3, share=0.75)
    >>> g.add_edge("a", "c", count=1, share=0.25)
    >>> sorted(prune(g, top_k=1).edges), sorted(prune(g, min_share=0.2).edges)
    ([('a', 'b')], [('a', 'b'), ('a', 'c')])
    """
    _check_pruning(top_k, min_count, min_share)
    pruned = graph.copy()
    if top_k is None and not min_count and not min_share:
        return pruned
    for node in graph:
        ranked = sorted(graph.out_edges(node, data=True), key=lambda e: (-e[2]["count"], e[1]))
        for rank, (source, target, data) in enumerate(ranked):
            if (
                (top_k is not None and rank >= top_k)
                or data["count"] < (min_count or 0)
                or data["share"] < (min_share or 0.0)
            ):
                pruned.remove_edge(source, target)
    return pruned


def edge_table(graph: nx.DiGraph[str]) -> pl.DataFrame:
    """The journey graph's edges as a table: one row per edge with its attributes.

    Examples
    --------
    >>> g = nx.DiGraph()
    >>> g.add_edge("a", "b", count=3, customers=2, share=1.0, share_in=1.0, median_seconds=5.0)
    >>> edge_table(g).rows()
    [('a', 'b', 3, 2, 1.0, 1.0, 5.0)]
    """
    schema = {
        "source": pl.String,
        "target": pl.String,
        "count": pl.Int64,
        "customers": pl.Int64,
        "share": pl.Float64,
        "share_in": pl.Float64,
        "median_seconds": pl.Float64,
    }
    rows = [
        (source, target, *(data.get(c) for c in list(schema)[2:]))
        for source, target, data in graph.edges(data=True)
    ]
    return pl.DataFrame(rows, schema=schema, orient="row")


def _check_pruning(top_k: int | None, min_count: int | None, min_share: float | None) -> None:
    if top_k is not None and (not isinstance(top_k, int) or top_k < 1):
        msg = f"top_k={top_k!r} must be a whole number of edges per node, 1 or more"
        raise AnalysisError(msg)
    if min_count is not None and (not isinstance(min_count, int) or min_count < 0):
        msg = f"min_count={min_count!r} must be a whole number of transitions, 0 or more"
        raise AnalysisError(msg)
    if min_share is not None and not 0 <= min_share <= 1:
        msg = f"min_share={min_share!r} must be a share between 0 and 1, e.g. 0.05"
        raise AnalysisError(msg)


def _checked_table(table: pl.DataFrame) -> pl.DataFrame:
    if not isinstance(table, pl.DataFrame):
        msg = (
            f"journey_graph takes an EventLog or the table of cxlib.transitions, "
            f"not {type(table).__name__!r}"
        )
        raise AnalysisError(msg)
    missing = [c for c in _TABLE_COLUMNS if c not in table.columns]
    if missing:
        msg = (
            f"the transitions table lacks column(s) {missing!r}; "
            "pass the table cxlib.transitions(log) returns"
        )
        raise AnalysisError(msg)
    return table.select(_TABLE_COLUMNS)


def _customers_per_touchpoint(log: EventLog) -> dict[str, int]:
    """Distinct customers per touchpoint, and under ENTRY and EXIT all customers."""
    counts, total = customers_per_value(log, "touchpoint")
    per_touchpoint = dict(counts.select("touchpoint", "customers").iter_rows())
    return {**per_touchpoint, ENTRY: total, EXIT: total}


def _sessions_per_touchpoint(log: EventLog) -> dict[str, int]:
    """Session journeys reaching each touchpoint, and under ENTRY and EXIT all of them."""
    events, keys, _, _ = journey_table(log, by="session", steps=False)
    if len(keys) == 1:
        # One column numbers the journeys (in memory, Polars): counted distinct per
        # touchpoint, 0.14 CPU-s at 10M events against 1.8 for the distinct pairs below.
        reached = events.group_by("touchpoint").agg(n=nw.col(*keys).n_unique())
        journeys = events.select(n=nw.col(*keys).n_unique())
    else:
        reached = events.group_by(*keys, "touchpoint").agg().group_by("touchpoint").agg(n=nw.len())
        journeys = events.select(*keys).unique().select(n=nw.len())
    counts = dict(collected_in_memory(reached).to_native().iter_rows())
    total = collected_in_memory(journeys).item()
    return {**counts, ENTRY: total, EXIT: total}


def _add_nodes(
    graph: nx.DiGraph[str],
    edges: pl.DataFrame,
    customers: dict[str, int] | None,
    journeys: dict[str, int] | None,
) -> None:
    """ENTRY, the touchpoints (most visited first) and EXIT, with their full-log counts."""
    out = dict(edges.group_by("source").agg(pl.col("transitions").sum()).iter_rows())
    into = dict(edges.group_by("target").agg(pl.col("transitions").sum()).iter_rows())
    entries = dict(edges.filter(pl.col("source") == ENTRY).select("target", "transitions").rows())
    exits = dict(edges.filter(pl.col("target") == EXIT).select("source", "transitions").rows())
    # Each event has one edge out and one in; max() also copes with a hand-made table.
    visits = {n: max(out.get(n, 0), into.get(n, 0)) for n in (set(out) | set(into)) - {ENTRY, EXIT}}

    def customers_at(node: str) -> int | None:
        return None if customers is None else customers.get(node, 0)

    def journeys_at(node: str) -> int | None:
        return None if journeys is None else journeys.get(node, 0)

    started, ended = out.get(ENTRY, 0), into.get(EXIT, 0)
    ends = {"exit_rate": None, "journeys_ending_share": None}
    graph.add_node(
        ENTRY,
        kind="entry",
        visits=started,
        customers=customers_at(ENTRY),
        journeys=journeys_at(ENTRY),
        entries=started,
        exits=0,
        **ends,
    )
    for node in sorted(visits, key=lambda n: (-visits[n], n)):
        reached = journeys_at(node)
        graph.add_node(
            node,
            kind="touchpoint",
            visits=visits[node],
            customers=customers_at(node),
            journeys=reached,
            entries=entries.get(node, 0),
            exits=exits.get(node, 0),
            exit_rate=EXIT_RATE(exits.get(node, 0), visits[node]),
            journeys_ending_share=None
            if reached is None
            else JOURNEYS_ENDING_SHARE(exits.get(node, 0), reached),
        )
    graph.add_node(
        EXIT,
        kind="exit",
        visits=ended,
        customers=customers_at(EXIT),
        journeys=journeys_at(EXIT),
        entries=0,
        exits=ended,
        **ends,
    )


def busiest(graph: nx.DiGraph[str], *, max_nodes: int) -> nx.DiGraph[str]:
    """Keep entry, exit and the ``max_nodes`` most visited touchpoints (ties by name).

    Examples
    --------
    >>> g = nx.DiGraph()
    >>> g.add_nodes_from([(ENTRY, {}), ("a", {"visits": 5}), ("b", {"visits": 1}), (EXIT, {})])
    >>> sorted(busiest(g, max_nodes=1).nodes)
    ['(entry)', '(exit)', 'a']
    """
    touchpoints = [n for n in graph.nodes if n not in (ENTRY, EXIT)]
    touchpoints.sort(key=lambda n: (-graph.nodes[n].get("visits", 0), str(n)))
    keep = [n for n in (ENTRY, EXIT) if n in graph] + touchpoints[:max_nodes]
    return graph.subgraph(keep).copy()


def focus(graph: nx.DiGraph[str], touchpoint: str, *, radius: int = 1) -> nx.DiGraph[str]:
    """The neighbourhood of one touchpoint: the nodes within ``radius`` steps, either direction.

    Returns the subgraph (a copy, attributes kept) of every node reachable from
    ``touchpoint`` or reaching it in at most ``radius`` edges, with all edges among them.

    Examples
    --------
    >>> import polars as pl
    >>> table = pl.DataFrame({
    ...     "source": ["(entry)", "home", "cart", "buy"],
    ...     "target": ["home", "cart", "buy", "(exit)"],
    ...     "transitions": [1, 1, 1, 1], "customers": [1, 1, 1, 1],
    ...     "median_seconds": [None, 60.0, 30.0, None]})
    >>> sorted(focus(journey_graph(table), "cart").nodes)
    ['buy', 'cart', 'home']
    """
    check_known(touchpoint, graph.nodes)
    if not isinstance(radius, int) or radius < 0:
        msg = f"radius={radius!r} must be a whole number of steps, 0 or more"
        raise AnalysisError(msg)
    neighbourhood: nx.DiGraph[str] = nx.ego_graph(graph, touchpoint, radius=radius, undirected=True)
    return neighbourhood.copy()

"""The step-by-step flow of journeys: where they are at each step, and where they leave.

A **flow** follows the journeys counted step by step from where they start: the entry
(every journey), the first event at a chosen touchpoint (``start_at``), and optionally
up to a touchpoint they should reach (``end_at``: between two funnel steps, say).
Column 0 is the start; column ``s`` holds every journey at its ``s``-th step after it:

- at a touchpoint: one node per touchpoint, the ``max_nodes`` busiest of the step
  apart and the others together as :data:`cxlib.log.OTHER` (a single one left over is
  shown as itself);
- at :data:`cxlib.EXIT` once it has ended: the **drop-off** band into the exit at
  step ``s`` holds the journeys whose last event was at step ``s - 1``, and the exit
  carries the earlier ones on;
- at ``end_at`` once it has reached it: reaching the goal is never a drop-off.

So every column sums to the journeys counted, and the figures are those of the other
views: a node's journeys are the :func:`cxlib.top_paths` journeys whose path has that
touchpoint at that step, the journeys reaching ``end_at`` from ``start_at`` are the
:func:`cxlib.funnel` of those two steps (without a window), and the first column's
nodes are the journey graph's entries.

Each node and band carries its **path prefix**: the steps it fixes, as
``(step, touchpoints)`` pairs (a journey matches when its touchpoint at that step is
one of them; :data:`cxlib.EXIT` for journeys ended by then, ``end_at`` for journeys
that reached it). Passing a prefix back as ``through=`` narrows the flow to those
journeys, which is how clicking a node or band focuses the view, and how their
journeys can be listed.

Written once against narwhals: the same numbers on Polars, DuckDB and PySpark.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import narwhals as nw
import polars as pl

from cxlib.checks import require_touchpoints
from cxlib.errors import AnalysisError
from cxlib.journeys import JourneyBy, journey_keys, journey_table, named_journeys, with_sessions
from cxlib.journeys import collapse_repeats as collapse
from cxlib.log import ENTRY, EXIT, OTHER, EventLog

__all__ = ["Flow", "FlowBand", "FlowNode", "NodeKind", "Prefix", "flow", "journeys_through"]

#: What a node of the flow is: the start, a touchpoint, the rest of a step's touchpoints
#: together, journeys that have ended (drop-offs) or journeys that reached ``end_at``.
NodeKind = Literal["start", "touchpoint", "other", "exit", "reached"]
#: A path prefix: ``(step, touchpoints)`` pairs a journey matches at every listed step.
Prefix = tuple[tuple[int, tuple[str, ...]], ...]


@dataclass(frozen=True)
class FlowNode:
    """The journeys at one place at one step of a :class:`Flow`.

    ``name`` is the touchpoint, :data:`~cxlib.log.OTHER`, :data:`~cxlib.EXIT`, or at
    step 0 the start (:data:`~cxlib.ENTRY` or ``start_at``); ``members`` the
    touchpoints it stands for (several for ``OTHER``); ``prefix`` the path prefix of
    its journeys.
    """

    step: int
    name: str
    kind: NodeKind
    journeys: int
    members: tuple[str, ...]
    prefix: Prefix


@dataclass(frozen=True)
class FlowBand:
    """The journeys going from node ``source`` at ``step - 1`` to node ``target`` at ``step``."""

    step: int
    source: str
    target: str
    journeys: int
    prefix: Prefix


@dataclass(frozen=True)
class Flow:
    """A step-by-step flow (:func:`flow`): its nodes and bands, and what was counted.

    ``journeys`` is the number of journeys counted: every step's nodes sum to it.
    """

    nodes: tuple[FlowNode, ...]
    bands: tuple[FlowBand, ...]
    journeys: int
    steps: int
    start_at: str | None
    end_at: str | None
    through: Prefix

    def node(self, step: int, name: str) -> FlowNode:
        """The node ``name`` at ``step`` (``KeyError`` when there is none)."""
        for node in self.nodes:
            if (node.step, node.name) == (step, name):
                return node
        raise KeyError((step, name))

    def nodes_frame(self) -> pl.DataFrame:
        """``step``, ``name``, ``kind``, ``journeys`` and ``share`` (of the journeys counted)."""
        rows = [(n.step, n.name, n.kind, n.journeys, self._share(n.journeys)) for n in self.nodes]
        schema = {"step": pl.Int64, "name": pl.String, "kind": pl.String}
        return pl.DataFrame(rows, schema={**schema, **_COUNTS}, orient="row")

    def bands_frame(self) -> pl.DataFrame:
        """``step``, ``source``, ``target``, ``journeys`` and ``share`` (of the journeys counted)."""
        rows = [
            (b.step, b.source, b.target, b.journeys, self._share(b.journeys)) for b in self.bands
        ]
        schema = {"step": pl.Int64, "source": pl.String, "target": pl.String}
        return pl.DataFrame(rows, schema={**schema, **_COUNTS}, orient="row")

    def _share(self, journeys: int) -> float | None:
        return journeys / self.journeys if self.journeys else None


_COUNTS = {"journeys": pl.Int64, "share": pl.Float64}


def flow(
    log: EventLog,
    *,
    steps: int = 5,
    max_nodes: int = 6,
    start_at: str | None = None,
    end_at: str | None = None,
    through: Sequence[tuple[int, Sequence[str]]] = (),
    collapse_repeats: bool = False,
    by: JourneyBy = "customer",
) -> Flow:
    """Where the journeys are step by step from their start; see the module docstring.

    Parameters
    ----------
    log
        The event log.
    steps
        Columns after the start.
    max_nodes
        Touchpoints drawn apart at each step, the busiest (ties by name); the others
        are one :data:`~cxlib.log.OTHER` node.
    start_at
        Start at each journey's first event there (journeys without it are not
        counted); by default at the entry, before every journey's first event.
    end_at
        A touchpoint to reach: a journey stops there, and is counted as having reached
        it, not as a drop-off.
    through
        A path prefix (``(step, touchpoints)`` pairs, as nodes and bands give it): only
        the journeys matching it are counted.
    collapse_repeats
        Merge runs of one touchpoint first (``a a b`` -> ``a b``).
    by
        ``"customer"`` or ``"session"``: what a journey is.

    Raises
    ------
    AnalysisError
        When ``steps`` or ``max_nodes`` is not a whole number of at least 1, a
        touchpoint is not in the log, or ``start_at`` equals ``end_at``.

    Examples
    --------
    >>> import datetime as dt
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": list("aabbc"),
    ...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10, 9, 10, 9)],
    ...     "touchpoint": ["home", "buy", "home", "cart", "cart"]}))
    >>> out = flow(log, steps=2)
    >>> out.nodes_frame().select("step", "name", "journeys").rows()
    [(0, '(entry)', 3), (1, 'home', 2), (1, 'cart', 1), (2, '(exit)', 1), (2, 'buy', 1), (2, 'cart', 1)]
    >>> out.node(2, "(exit)").prefix  # those whose journey ended after step 1
    ((2, ('(exit)',)),)
    >>> flow(log, steps=2, end_at="buy").node(2, "buy").kind
    'reached'
    """
    for value, name in ((steps, "steps"), (max_nodes, "max_nodes")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            msg = f"{name}={value!r} must be a whole number of at least 1"
            raise AnalysisError(msg)
    if start_at is not None and start_at == end_at:
        msg = f"start_at and end_at are both {start_at!r}; pick two different touchpoints"
        raise AnalysisError(msg)
    require_touchpoints(log, [t for t in (start_at, end_at) if t is not None])
    condition = tuple((int(step), tuple(names)) for step, names in through)
    log = collapse(log, by=by) if collapse_repeats else with_sessions(log, by)
    rows, keys = _columns(log, by, steps, start_at, end_at)
    rows = _through(rows, keys, condition, end_at)
    # One pass over the events: the rest is on these few thousand rows, names as text
    # (10M events: 0.24 s, where both counts read the events and cast every name: 0.85 s).
    grouped = rows.group_by("col", "touchpoint", "next_touchpoint", "last", "reached")
    each = nw.from_native(
        _collect(grouped.agg(n=nw.len().cast(nw.Int64))).cast(
            {"touchpoint": pl.String, "next_touchpoint": pl.String}
        )
    )
    n = nw.col("n").sum()
    counts = each.group_by("col", "touchpoint", "last", "reached").agg(n).to_native()
    top = _busiest(counts, max_nodes, end_at)
    # A journey's last event before the last column leads to the goal it reached, or out.
    finished = nw.lit(EXIT)
    if end_at is not None:
        finished = nw.when(nw.col("reached")).then(nw.lit(end_at)).otherwise(nw.lit(EXIT))
    bands = (
        each.filter(nw.col("col") < steps)
        .with_columns(
            source=_node(nw.col("col"), nw.col("touchpoint"), top, end_at),
            target=nw.when(nw.col("col") < nw.col("last"))
            .then(_node(nw.col("col") + 1, nw.col("next_touchpoint"), top, end_at))
            .otherwise(finished),
        )
        .group_by("col", "source", "target")
        .agg(n)
        .to_native()
    )
    start = ENTRY if start_at is None else start_at
    return _assemble(counts, bands, top, steps, start, end_at, condition)


def journeys_through(
    log: EventLog,
    *,
    through: Sequence[tuple[int, Sequence[str]]] = (),
    steps: int = 5,
    start_at: str | None = None,
    end_at: str | None = None,
    collapse_repeats: bool = False,
    by: JourneyBy = "customer",
) -> nw.LazyFrame[Any]:
    """The journeys :func:`flow` counts with these options and ``through``: a node's or a band's.

    One row per journey, its keys (:func:`cxlib.journeys.journey_keys`), lazy on the log's
    engine; as many as the ``journeys`` of the node or band whose ``prefix`` is ``through``.

    Examples
    --------
    >>> import datetime as dt
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": list("aabbc"),
    ...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10, 9, 10, 9)],
    ...     "touchpoint": ["home", "buy", "home", "cart", "cart"]}))
    >>> ended = flow(log, steps=2).node(2, "(exit)")
    >>> journeys_through(log, through=ended.prefix, steps=2).collect()["customer_id"].to_list()
    ['c']
    """
    condition = tuple((int(step), tuple(names)) for step, names in through)
    require_touchpoints(log, [t for t in (start_at, end_at) if t is not None])
    log = collapse(log, by=by) if collapse_repeats else with_sessions(log, by)
    rows, keys = _columns(log, by, steps, start_at, end_at)
    matching = _through(rows, keys, condition, end_at).select(*keys).unique()
    return named_journeys(journey_table(log, by=by), matching, journey_keys(log, by))


def _collect(frame: nw.LazyFrame[Any]) -> pl.DataFrame:
    out: pl.DataFrame = frame.collect("polars").to_native()
    return out


def _columns(
    log: EventLog, by: JourneyBy, steps: int, start_at: str | None, end_at: str | None
) -> tuple[nw.LazyFrame[Any], list[str]]:
    """Each counted journey's events at columns 0..steps, its last column, whether it arrived.

    Columns ``col``, ``touchpoint``, ``next_touchpoint``, ``last`` and ``reached`` (the
    journey reached ``end_at`` within the columns). From the entry, column ``s`` is the ``s``-th event (column 0, the entry, has no row).
    """
    frame, keys, _, _ = journey_table(log, by=by)
    if start_at is None:
        frame = frame.with_columns(col=nw.col("step"))
    else:
        first = nw.when(nw.col("touchpoint") == start_at).then(nw.col("step")).min().over(*keys)
        frame = frame.with_columns(_from=first).filter(nw.col("step") >= nw.col("_from"))
        frame = frame.with_columns(col=nw.col("step") - nw.col("_from"))
    reached = nw.lit(False)
    if end_at is not None:
        at_end = nw.when(nw.col("touchpoint") == end_at).then(nw.col("col")).min().over(*keys)
        frame = frame.with_columns(_to=at_end).filter(
            nw.col("_to").is_null() | (nw.col("col") <= nw.col("_to"))
        )
        reached = ~nw.col("_to").is_null() & (nw.col("_to") <= steps)
    frame = frame.filter(nw.col("col") <= steps).with_columns(
        last=nw.col("col").max().over(*keys), reached=reached
    )
    return frame.select(*keys, "col", "touchpoint", "next_touchpoint", "last", "reached"), keys


def _through(
    rows: nw.LazyFrame[Any], keys: list[str], through: Prefix, end_at: str | None
) -> nw.LazyFrame[Any]:
    """Only the journeys matching every ``(step, touchpoints)`` of the prefix."""
    for i, (step, names) in enumerate(through):
        touchpoints = [n for n in names if n not in (EXIT, end_at)]
        at = nw.lit(False)
        if touchpoints:
            at = (nw.col("col") == step) & nw.col("touchpoint").is_in(touchpoints)
        if EXIT in names:  # ended before the step, without reaching the goal
            at = at | ((nw.col("last") < step) & ~nw.col("reached"))
        if end_at is not None and end_at in names:  # reached the goal by the step
            at = at | (nw.col("reached") & (nw.col("last") <= step))
        flag = f"_through{i}"
        rows = rows.with_columns(at.cast(nw.Int64).max().over(*keys).alias(flag))
        rows = rows.filter(nw.col(flag) == 1).drop(flag)
    return rows


def _busiest(counts: pl.DataFrame, max_nodes: int, end_at: str | None) -> dict[int, list[str]]:
    """The touchpoints shown apart at each column: the busiest, plus a single one left over."""
    per = (
        counts.filter(pl.col("touchpoint") != (end_at or ""))
        .group_by("col", "touchpoint")
        .agg(pl.col("n").sum())
        .sort(["col", "n", "touchpoint"], descending=[False, True, False])
    )
    top: dict[int, list[str]] = {}
    for (col,), names in per.group_by("col", maintain_order=True):
        ranked = names["touchpoint"].to_list()
        top[col] = ranked if len(ranked) <= max_nodes + 1 else ranked[:max_nodes]
    return top


def _node(
    col: nw.Expr, touchpoint: nw.Expr, top: Mapping[int, list[str]], end_at: str | None
) -> nw.Expr:
    """The node an event at ``touchpoint`` in column ``col`` is in (its name, or OTHER)."""
    kept = nw.lit(False)
    for c, names in top.items():
        kept = kept | ((col == c) & touchpoint.is_in(names))
    if end_at is not None:
        kept = kept | (touchpoint == end_at)
    return nw.when(kept).then(touchpoint).otherwise(nw.lit(OTHER))


def _assemble(
    counts: pl.DataFrame,
    bands: pl.DataFrame,
    top: Mapping[int, list[str]],
    steps: int,
    start: str,
    end_at: str | None,
    through: Prefix,
) -> Flow:
    """Nodes and bands from the counts, with the ended and reached journeys carried on."""
    total = (
        int(counts.filter(pl.col("col") == counts["col"].min())["n"].sum()) if counts.height else 0
    )
    node_n: Counter[tuple[int, str]] = Counter({(0, start): total})
    band_n: Counter[tuple[int, str, str]] = Counter()
    members: dict[tuple[int, str], set[str]] = {(0, start): {start}}
    for col, touchpoint, _, _, n in counts.iter_rows():
        if col == 0:
            continue
        name = _name(col, touchpoint, top, end_at)
        node_n[col, name] += n
        members.setdefault((col, name), set()).add(touchpoint)
        if start == ENTRY and col == 1:
            band_n[1, start, name] += n
    for col, source, target, n in bands.iter_rows():
        band_n[col + 1, source, target] += n
    # Journeys ended (or arrived) before a column are at the exit (or the goal) there.
    finished = (
        counts.filter(pl.col("col") == pl.col("last"))
        .group_by("last", "reached")
        .agg(pl.col("n").sum())
    )
    for last, reached, n in finished.iter_rows():
        if last >= steps:
            continue
        name = end_at if reached and end_at is not None else EXIT
        for col in range(last + 1, steps + 1):
            node_n[col, name] += n
            members.setdefault((col, name), {name})
            if col > last + 1:
                band_n[col, name, name] += n
    nodes = tuple(
        FlowNode(
            step=col,
            name=name,
            kind=_kind(col, name, end_at),
            journeys=n,
            members=tuple(sorted(members[col, name])),
            prefix=_prefix(through, [(col, tuple(sorted(members[col, name])))]),
        )
        for (col, name), n in sorted(
            node_n.items(), key=lambda item: (item[0][0], -item[1], item[0][1])
        )
    )
    groups = {(n.step, n.name): n.members for n in nodes}
    flow_bands = tuple(
        FlowBand(
            step=col,
            source=source,
            target=target,
            journeys=n,
            prefix=_prefix(
                through, [(col - 1, groups[col - 1, source]), (col, groups[col, target])]
            ),
        )
        for (col, source, target), n in sorted(
            band_n.items(), key=lambda item: (item[0][0], -item[1], item[0][1:])
        )
    )
    return Flow(
        nodes=nodes,
        bands=flow_bands,
        journeys=total,
        steps=steps,
        start_at=None if start == ENTRY else start,
        end_at=end_at,
        through=through,
    )


def _name(col: int, touchpoint: str, top: Mapping[int, list[str]], end_at: str | None) -> str:
    return touchpoint if touchpoint == end_at or touchpoint in top.get(col, ()) else OTHER


def _kind(col: int, name: str, end_at: str | None) -> NodeKind:
    if col == 0:
        return "start"
    if name == EXIT:
        return "exit"
    if name == end_at:
        return "reached"
    return "other" if name == OTHER else "touchpoint"


def _prefix(through: Prefix, more: Iterable[tuple[int, tuple[str, ...]]]) -> Prefix:
    """The prefix ``through`` narrowed by ``more`` (the start column fixes nothing)."""
    steps = dict(through)
    for step, names in more:
        if step > 0:
            steps[step] = tuple(sorted(set(names) & set(steps[step]))) if step in steps else names
    return tuple(sorted(steps.items()))

"""Funnel attempts: which step each journey reaches, and when (the core of every funnel analysis).

A **funnel** is an ordered list of touchpoints (the steps). An **attempt** starts at an
event of step 1; it reaches step k when events of steps 1..k happen in that order,
the k-th no later than ``window`` after the first (the semantics of ClickHouse's
``windowFunnel``). A journey's **level** is the furthest step any of its attempts
reaches. The ``order`` says what "in that order" means:

- ``"sequential"``: each step's event comes after the previous step's event; other
  events may happen in between. Events with equal timestamps count in the order of the
  log (``event_index``).
- ``"strict"``: each step's event is the very next event of the journey after the
  previous step's event (no other event in between).
- ``"any"``: the steps may happen in any order. A journey reaches step k when some
  span of at most ``window``, starting at an event of one of steps 1..k, holds an
  event of each of steps 1..k. The steps must then be distinct touchpoints.

``exclude`` lists touchpoints that break an attempt: an attempt reaches step k only if
no excluded event lies strictly between its first event and the event completing
step k. An :class:`~cxlib.analyses.funnels.steps.Exclusion` applies between two given
steps only: an excluded event between the attempt's events of steps a and k keeps it
from step k (a < k <= b). In ``"strict"`` order consecutive steps are adjacent, so
nothing can lie between them and ``exclude`` changes nothing; in ``"any"`` order
exclusions apply to the whole funnel.

A step is a touchpoint, or a :class:`~cxlib.analyses.funnels.steps.Step` whose events
must also meet conditions on their attributes; such events are relabelled before the
walk (:mod:`cxlib.analyses.funnels.steps`).

``count="journeys"`` keeps each journey's best attempt; ``count="attempts"`` keeps every
attempt (every event of step 1 starts one), so a customer who started three checkouts
counts three times.

The computation is portable narwhals: each event gets its position in the journey;
a backward fill over the journey order gives, on every row, the position of the next
event of each step's touchpoint (and of the next excluded event); attempts then walk
from step to step with equi-joins on (journey, position)
(:mod:`cxlib.analyses.funnels.walks`). Where journeys are kept in
memory, in order (Polars), :func:`cxlib.engines.polars_funnel_walk` walks the same way
over the kept order with no window and :func:`cxlib.engines.polars_walk_levels` applies
the window. In any order :func:`cxlib.engines.polars_any_order_events` finds the next
event of each step from every event and :func:`cxlib.engines.polars_any_order_levels`
reads the levels under the window off them. Either first part is kept for the next
window.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal, NamedTuple, get_args

import narwhals as nw
import polars as pl

from cxlib.analyses.funnels.steps import (
    Exclusion,
    FunnelCount,
    FunnelDefinition,
    Step,
    funnel_definition,
)
from cxlib.analyses.funnels.walks import Funnel, any_order, in_order
from cxlib.engines import (
    polars_any_order_events,
    polars_any_order_levels,
    polars_funnel_walk,
    polars_walk_continued,
    polars_walk_levels,
    polars_walk_reached,
)
from cxlib.errors import AnalysisError, check_choice
from cxlib.journeys import (
    JourneyBy,
    Journeys,
    journey_keys,
    journey_table,
    relabelled_touchpoint,
    with_sessions,
)
from cxlib.log import ORDER, EventLog
from cxlib.units import parse_duration

__all__ = ["FunnelOrder", "funnel_levels", "journey_levels"]

FunnelOrder = Literal["sequential", "strict", "any"]


def _check(
    log: EventLog,
    steps: Sequence[str | Step],
    window: str,
    order: str,
    exclude: Sequence[str | Exclusion],
    count: str,
) -> tuple[FunnelDefinition, int]:
    """Validate the funnel definition; return it checked, and the window in microseconds."""
    check_choice(order, get_args(FunnelOrder), name="order", what="a funnel order")
    check_choice(count, get_args(FunnelCount), name="count", what="what a funnel counts")
    definition = funnel_definition(log, steps, exclude)
    if order == "any" and len(set(definition.labels)) < len(steps):
        msg = f"order='any' needs distinct steps, got {definition.names!r}; use order='sequential'"
        raise AnalysisError(msg)
    if order == "any" and definition.scoped:
        msg = "in order='any' exclusions apply to the whole funnel; drop their steps or use order='sequential'"
        raise AnalysisError(msg)
    return definition, parse_duration(window)


class _WalkKey(NamedTuple):
    """What a funnel's walk without a window depends on (kept in ``log.cache``, :func:`_walk`)."""

    steps: tuple[str | Step, ...]
    order: FunnelOrder
    exclude: tuple[str | Exclusion, ...]
    by: JourneyBy


def funnel_levels(
    log: EventLog,
    steps: Sequence[str | Step],
    *,
    window: str = "30d",
    order: FunnelOrder = "sequential",
    exclude: Sequence[str | Exclusion] = (),
    by: JourneyBy = "customer",
    count: FunnelCount = "journeys",
    with_next: bool = False,
) -> nw.LazyFrame[Any]:
    """The best attempt of each journey that reached step 1 (lazy, on the log's engine).

    Columns: the journey keys, ``level`` (the furthest step reached, 1..len(steps)),
    ``start_us`` and ``start_timestamp`` (the attempt's first event), ``at_1`` ...
    ``at_<n>`` (``epoch_us`` when step k was reached: its event in sequential and strict
    order, the moment steps 1..k were all done in ``"any"`` order; null beyond
    ``level``), and with ``with_next=True`` ``after_last``: the touchpoint that followed
    the attempt's last reached event in the journey (null when the journey ended
    there). Of a journey's attempts, the one reaching the highest level counts; among
    those, the earliest. With ``count="attempts"`` every attempt is a row.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a"] * 4,
    ...     "timestamp": [dt.datetime(2024, 1, d) for d in (1, 2, 3, 4)],
    ...     "touchpoint": ["home", "cart", "home", "buy"]}))
    >>> funnel_levels(log, ["home", "buy"], window="1d").collect().select("level").item()
    2
    """
    definition, window_us = _check(log, steps, window, order, exclude, count)
    journeys = journey_table(log, by=by, labels=definition.relabel)

    if not journeys.ordered:
        funnel = Funnel(definition, window_us, order, count == "attempts", with_next)
        return _levels(log, journeys, funnel, by)
    # Journeys kept in memory: so are the levels. The Funnels page asks for the same
    # funnel several times (figures, time to convert, cohorts, what dropped journeys did
    # next), one funnel at a time: one walk, with what came next, serves every call
    # (10M events: 0.05 CPU-s more than without it, where a second walk took 0.7). In
    # order, the walk without a window is kept too: another window only stops attempts
    # earlier.
    key = (tuple(steps), window, order, tuple(exclude), by, count)
    funnel = Funnel(definition, window_us, order, count == "attempts", True)
    walk_key = _WalkKey(tuple(steps), order, tuple(exclude), by)

    def levels() -> nw.DataFrame[Any]:
        return _kept_levels(log, journeys, funnel, by, walk_key).collect()

    kept = log.cache.funnel_levels(key, levels)
    return kept.lazy() if with_next else kept.lazy().drop("after_last")


def journey_levels(
    log: EventLog,
    table: Journeys,
    steps: Sequence[str],
    *,
    window: str = "30d",
    order: FunnelOrder = "sequential",
) -> nw.LazyFrame[Any]:
    """The level of each journey of ``table`` that reached step 1: ``table.keys`` and ``level``.

    ``table`` is a journey table of ``log`` by customer (:func:`cxlib.journeys.journey_table`,
    with any columns or flags, no labels); the levels are :func:`funnel_levels`'s,
    keyed as the table groups its journeys. Where journeys are kept in memory that is
    their integer code ``_journey``, and only the levels are computed: an analysis
    counting the table's journeys by level joins no text and gathers no customer
    (:func:`cxlib.compare_segments`). The walk without a window is the one
    :func:`funnel_levels` keeps in ``log.cache``.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, d) for d in (1, 2, 1)],
    ...     "touchpoint": ["home", "buy", "home"]}))
    >>> table = journey_table(log)
    >>> levels = journey_levels(log, table, ["home", "buy"]).join(
    ...     table.frame.select(*table.keys, "customer_id").unique(), on=table.keys)
    >>> levels.select("customer_id", "level").sort("customer_id").collect().rows()
    [('a', 2), ('b', 1)]
    """
    definition, window_us = _check(log, steps, window, order, (), "journeys")
    funnel = Funnel(definition, window_us, order, every_attempt=False, with_next=False)
    if not table.ordered:
        return _levels(log, table, funnel, "customer").select(*table.keys, "level")
    if order == "any":
        best = polars_any_order_levels(
            _walk(log, table, funnel, _WalkKey(tuple(steps), order, (), "customer")),
            table.frame,
            table.keys,
            window_us=window_us,
            journey="_journey",
        )
        return best.select(*table.keys, "level")
    walk = _walk(log, table, funnel, _WalkKey(tuple(steps), order, (), "customer"))
    reached = polars_walk_reached(walk, window_us=window_us, journey="_journey")
    return nw.from_native(reached.lazy())


def _kept_levels(
    log: EventLog, journeys: Journeys, funnel: Funnel, by: JourneyBy, walk_key: _WalkKey
) -> nw.LazyFrame[Any]:
    """The levels on journeys kept in order (:mod:`cxlib.engines.polars_funnel`), with what came next.

    What does not depend on the window (:func:`_walk`) is kept in ``log.cache`` (the
    last funnel's): another window only reads the levels off it again.
    """
    keys, frame, every = journey_keys(log, by), journeys.frame, funnel.every_attempt
    if funnel.order == "any":
        best = polars_any_order_levels(
            _walk(log, journeys, funnel, walk_key),
            frame,
            keys,
            window_us=funnel.window_us,
            journey="_journey",
            every_attempt=every,
            with_next=True,
        )
        return _named_next(best, funnel)
    best = polars_walk_levels(
        _walk(log, journeys, funnel, walk_key),
        frame,
        keys,
        window_us=funnel.window_us,
        journey="_journey",
        every_attempt=every,
        with_next=True,
    )
    return _named_next(best, funnel)


def _walk(log: EventLog, journeys: Journeys, funnel: Funnel, walk_key: _WalkKey) -> pl.DataFrame:
    """What a funnel's levels are read from under any window, kept in ``log.cache`` (the last funnel's).

    In sequential and strict order the walk without a window; in any order the events
    with the next event of each step (:func:`cxlib.engines.polars_any_order_events`).
    """
    if funnel.order == "any":
        return log.cache.reused(
            "funnel walk",
            walk_key,
            lambda: polars_any_order_events(
                journeys.frame,
                funnel.steps,
                exclude=funnel.definition.exclude,
                journey="_journey",
            ),
        )
    order: Literal["sequential", "strict"] = "strict" if funnel.order == "strict" else "sequential"

    def walked() -> pl.DataFrame:
        kept = log.cache.last("funnel walk")
        if kept is not None and (shared := _shared_steps(kept[0], walk_key)):
            return polars_walk_continued(
                kept[1],
                journeys.frame,
                funnel.steps,
                shared=shared,
                journey="_journey",
                order=order,
            )
        return polars_funnel_walk(
            journeys.frame,
            funnel.steps,
            excluded=funnel.excluded(),
            journey="_journey",
            order=order,
        )

    return log.cache.reused("funnel walk", walk_key, walked)


def _shared_steps(kept: Hashable, asked: _WalkKey) -> int:
    """How many first steps the walk kept for ``kept`` shares with the walk ``asked`` (0: none).

    Both in the same order and journeys, with plain steps (no conditions) and no
    exclusion: then the shared steps' walk is kept (:func:`cxlib.engines.polars_walk_continued`),
    and a funnel built or changed at its end walks only its other steps. 10M events, one
    process, the funnel and what dropped journeys did next: a fifth step added to a
    4-step funnel 0.38-0.46 s instead of 0.64-0.78, back to four steps 0.29-0.33 s
    instead of 0.55; in strict order a fifth step, the funnel alone, 0.33-0.35 s instead of
    0.59-0.60.
    """
    if not isinstance(kept, _WalkKey) or (kept.order, kept.by) != (asked.order, asked.by):
        return 0
    steps = [*kept.steps, *asked.steps]
    if (
        asked.order == "any"
        or kept.exclude
        or asked.exclude
        or not all(isinstance(s, str) for s in steps)
    ):
        return 0
    shared = 0
    for old, new in zip(kept.steps, asked.steps, strict=False):
        if old != new:
            break
        shared += 1
    return shared


def _levels(log: EventLog, journeys: Journeys, funnel: Funnel, by: JourneyBy) -> nw.LazyFrame[Any]:
    """:func:`funnel_levels` of a checked funnel definition on a journey table not kept in order."""
    keys = journey_keys(log, by)
    steps, order, with_next = funnel.steps, funnel.order, funnel.with_next
    relevant = sorted(set(steps) | set(funnel.definition.exclude))
    tp = nw.col("touchpoint")
    if order == "strict" or with_next:
        # The walk needs positions that order a journey's events, consecutive ones for
        # strict order: the steps are (10M events, strict: 17 CPU-s with windows on text).
        base = journeys.frame.rename({"step": "_pos", "next_touchpoint": "_next"})
        base = base.filter(tp.is_in(relevant))
    else:
        # Sequential and any order ignore other events: drop them before ordering.
        frame = with_sessions(log, by).frame
        if funnel.definition.relabel:
            frame = frame.with_columns(touchpoint=relabelled_touchpoint(funnel.definition.relabel))
        base = frame.filter(tp.is_in(relevant)).with_columns(
            _pos=nw.col("epoch_us").cum_count().over(*keys, order_by=ORDER).cast(nw.Int64)
        )
    extra = ["_next"] if order == "strict" or with_next else []
    base = base.select(*keys, "touchpoint", "epoch_us", "timestamp", "_pos", *extra)
    walk = any_order if order == "any" else in_order
    best = walk(base, keys, funnel)
    return _named_next(best, funnel) if with_next else best


def _named_next(best: nw.LazyFrame[Any], funnel: Funnel) -> nw.LazyFrame[Any]:
    """``after_last`` as text, named as in the log (not by a step's label)."""
    after = nw.col("after_last").cast(nw.String)
    for label, _ in funnel.definition.relabel:
        after = (
            nw.when(after == label).then(nw.lit(funnel.definition.original(label))).otherwise(after)
        )
    return best.with_columns(after_last=after)

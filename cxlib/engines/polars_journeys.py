"""The Polars journey order: a log's events sorted once into journeys, in memory, with integer codes.

Sorting is most of the cost of an analysis at 10M events; counting on sorted rows is
nearly free (docs/performance-core.md). On Polars, :func:`cxlib.journeys.journey_table`
therefore sorts the core columns of a log once (:mod:`cxlib.engines.polars_sort`), keeps them in the
log's cache, cuts sessions from them without a second sort (:func:`cut_sessions`) and
derives each analysis's journey steps from them with shifts (:func:`steps_in_order`).

A log made from another one by a filter, a relabelling or collapsed repeats keeps its
parent's order: its sorted journeys are the parent's with rows kept
(:mod:`cxlib.engines.polars_rows`) or touchpoints renamed (:func:`with_touchpoint`),
never sorted again. Every
sorted frame numbers its rows in the log they were sorted from (``_row``), so any other
column of that log can be brought in later, in journey order
(:mod:`cxlib.engines.polars_gather`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import narwhals as nw
import numpy as np
import polars as pl

from cxlib.engines.polars_sort import SortedJourneys

if TYPE_CHECKING:
    from polars.expr.whenthen import ChainedThen, Then

__all__ = [
    "cut_sessions",
    "first_rows",
    "first_steps_where",
    "relabel_events",
    "run_starts",
    "running_sums",
    "steps_in_order",
    "with_column",
    "with_revisits",
    "with_touchpoint",
    "with_value_at_step",
]


def first_steps_where(steps: nw.LazyFrame[Any], condition: nw.Expr) -> pl.Series:
    """The step of each row's journey's first event where ``condition`` holds, for journey steps in journey order.

    Null for the rows of journeys without such an event. The same as
    ``when(condition).then(step).min().over(journey)``, without a grouping: each
    journey's rows are one run, so its first such event is the first of its rows among
    those where ``condition`` holds, and the step that row's distance from the run's
    first. The step of each journey is looked up by its number ``_journey`` (10M events,
    the conversions: 0.13 s, where fills over the rows took 0.24 s and a window per
    journey 0.6 CPU-s).

    Examples
    --------
    >>> steps = pl.LazyFrame({"_journey": [4, 4, 4, 2, 2], "hit": [False, True, True, False, None]})
    >>> first_steps_where(nw.from_native(steps), nw.col("hit")).to_list()
    [2, 2, 2, None, None]
    """
    picked = steps.select(nw.col("_journey"), condition.alias("_hit")).collect("polars").to_native()
    journey = picked["_journey"]
    ids = journey.to_numpy()
    starts = run_starts(journey)
    hits = np.flatnonzero(picked["_hit"].fill_null(False).to_numpy())
    hit_ids = ids[hits]
    first = hits[np.concatenate(([True], hit_ids[1:] != hit_ids[:-1]))] if hits.size else hits
    size = int(ids.max()) + 1 if ids.size else 0
    start_of = np.zeros(size, dtype=np.int64)
    start_of[ids[starts]] = starts
    step, found = np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.bool_)
    step[ids[first]] = first - start_of[ids[first]] + 1
    found[ids[first]] = True
    return pl.Series(step).set(pl.Series(~found), None).gather(journey)


def run_starts(ids: pl.Series) -> np.ndarray:
    """The first row of each run of equal ``ids``: each journey's, or customer's, in journey order.

    Examples
    --------
    >>> run_starts(pl.Series([3, 3, 1, 2, 2])).tolist()
    [0, 2, 3]
    """
    values = ids.to_numpy()
    if not values.size:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))


def with_value_at_step(
    steps: nw.LazyFrame[Any], value: str, step: str, name: str, *, offset: int = 0
) -> nw.LazyFrame[Any]:
    """Journey steps in journey order plus ``name``: ``value`` at the journey's step ``step + offset``.

    ``step`` names a column holding a step of each row's journey, and ``offset`` is 0
    or less; ``name`` is null where ``step`` is, or ``step + offset`` is before the
    first step. Each journey's rows are its steps from 1 on, in order, so that event is
    a known number of rows away: a gather, where ``when(step == ...).then(value).max()
    .over(journey)`` groups (10M events, attribution's value of each conversion: 0.13 s
    instead of 0.23 s). The rows may be cut after any step, not before.

    Examples
    --------
    >>> steps = pl.LazyFrame({"step": [1, 2, 3, 1, 2], "goal": [3, 3, 3, None, 1],
    ...     "value": [5, 6, 7, 8, 9]})
    >>> out = with_value_at_step(nw.from_native(steps), "value", "goal", "at_goal").collect()
    >>> out["at_goal"].to_list()
    [7, 7, 7, None, 8]
    >>> before = with_value_at_step(nw.from_native(steps), "value", "goal", "b", offset=-1)
    >>> before.collect()["b"].to_list()
    [6, 6, 6, None, None]
    """
    target = pl.col(step) + offset
    at = pl.int_range(pl.len(), dtype=pl.Int64) - pl.col("step") + target
    found = pl.when(target >= 1).then(pl.col(value).gather(at))
    out: nw.LazyFrame[Any] = nw.from_native(steps.to_native().with_columns(found.alias(name)))
    return out


def with_column(steps: nw.LazyFrame[Any], name: str, values: pl.Series) -> nw.LazyFrame[Any]:
    """``steps`` with ``values`` as the column ``name``: one value per row, in the rows' order.

    For a column computed once on a log's sorted journeys and kept: every table of
    journey steps of that log has the same rows in the same order.

    Examples
    --------
    >>> steps = nw.from_native(pl.LazyFrame({"step": [1, 2, 1]}))
    >>> with_column(steps, "seen", pl.Series([True, False, True])).collect()["seen"].to_list()
    [True, False, True]
    """
    out: nw.LazyFrame[Any] = nw.from_native(
        steps.to_native().with_columns(pl.lit(values).alias(name))
    )
    return out


def with_revisits(steps: nw.LazyFrame[Any]) -> nw.LazyFrame[Any]:
    """Journey steps in journey order plus ``_revisit``: the next event's touchpoint came before in the journey.

    True where ``next_touchpoint`` is a touchpoint the journey had already been at, at
    this event or earlier. Each (journey, touchpoint) pair is one 64-bit number, so its
    first event is found without a join (10M events: 0.3 CPU-s).

    Examples
    --------
    >>> steps = pl.LazyFrame({"_journey": [1, 1, 1, 2], "touchpoint": list("xyxx"),
    ...     "next_touchpoint": ["y", "x", None, None]}, schema_overrides={
    ...     "touchpoint": pl.Categorical, "next_touchpoint": pl.Categorical})
    >>> with_revisits(nw.from_native(steps)).collect()["_revisit"].to_list()
    [False, True, False, False]
    """
    touchpoint = pl.col("touchpoint").to_physical().cast(pl.UInt64)
    pair = pl.col("_journey").cast(pl.UInt64) * (1 << 32) + touchpoint
    again = (~pair.is_first_distinct()).shift(-1).fill_null(False)
    native: pl.LazyFrame = steps.to_native().with_columns(
        _revisit=again & pl.col("next_touchpoint").is_not_null()
    )
    return nw.from_native(native)


def with_touchpoint(journeys: SortedJourneys, touchpoint: pl.Series) -> SortedJourneys:
    """Sorted journeys whose ``touchpoint`` is ``touchpoint`` (as categories, like the sort's).

    Examples
    --------
    >>> out = with_touchpoint(pl.DataFrame({"touchpoint": ["x"]}), pl.Series(["stage"]))
    >>> out["touchpoint"].dtype, out["touchpoint"].to_list()
    (Categorical, ['stage'])
    """
    return journeys.with_columns(touchpoint=touchpoint.cast(pl.String).cast(pl.Categorical))


def cut_sessions(customers: SortedJourneys, gap_us: int) -> SortedJourneys:
    """The customers' sorted journeys cut into sessions with a gap of ``gap_us`` microseconds.

    The rule of :func:`cxlib.sessionize` (a new session at a customer's first event and
    after every pause longer than the gap) on rows already in journey order, so only
    ``session_id`` and ``_journey`` are new columns (10M events: 0.3 CPU-s instead of
    10 s for the window functions and a second sort).

    Examples
    --------
    >>> customers = pl.DataFrame({"_customer": [1, 1, 1, 2], "epoch_us": [0, 5, 50, 0]})
    >>> cut_sessions(customers, 10)["session_id"].to_list()
    [1, 1, 2, 1]
    """
    customer, epoch = pl.col("_customer"), pl.col("epoch_us")
    first = (customer != customer.shift(1)).fill_null(True)
    starts = first | ((epoch - epoch.shift(1)) > gap_us)
    # The running count of sessions once, then the count before each customer's first
    # (as expressions of one with_columns, both computed it: 0.24-0.26 s at 10M events
    # instead of 0.16).
    counted = customers.select(first=first, count=starts.cum_sum())
    count = counted["count"]
    before = counted.select(pl.when("first").then("count").forward_fill()).to_series()
    return customers.with_columns(
        session_id=(count - before + 1).cast(pl.Int64),
        _journey=count.cast(pl.UInt32).set_sorted(),
    )


def first_rows(steps: nw.LazyFrame[Any]) -> nw.LazyFrame[Any]:
    """The rows of journey steps in journey order that start a journey: where ``_journey`` changes.

    The rows whose ``step`` is 1, found without computing ``step`` for every row (10M
    events: the journey graph's entries took 0.09 s, 0.02 s so).

    Examples
    --------
    >>> table = pl.LazyFrame({"_journey": [1, 1, 2], "touchpoint": list("xyz")})
    >>> first_rows(nw.from_native(table)).collect()["touchpoint"].to_list()
    ['x', 'z']
    """
    journey = pl.col("_journey")
    firsts: nw.LazyFrame[Any] = nw.from_native(
        steps.to_native().filter(journey.ne_missing(journey.shift(1)))
    )
    return firsts


def steps_in_order(journeys: SortedJourneys, next_of: Sequence[str] = ()) -> nw.LazyFrame[Any]:
    """The journey steps of sorted journeys: ``step``, ``next_touchpoint``, ``next_epoch_us``.

    The same columns as :func:`cxlib.journey_steps`, by shifts over rows already in
    journey order instead of window functions; and ``next_<column>`` for each column of
    ``next_of``.

    Examples
    --------
    >>> table = pl.DataFrame({"_journey": [1, 1, 2], "touchpoint": list("xyz"), "epoch_us": [0, 5, 0]})
    >>> steps_in_order(table).collect().select("step", "next_touchpoint").rows()
    [(1, 'y'), (2, None), (1, None)]
    """
    journey, row = pl.col("_journey"), pl.int_range(pl.len(), dtype=pl.Int64)
    first = (journey != journey.shift(1)).fill_null(True)
    last = (journey != journey.shift(-1)).fill_null(True)
    steps = journeys.lazy().with_columns(
        step=(row - pl.when(first).then(row).forward_fill() + 1).cast(pl.Int64),
        **{
            f"next_{c}": pl.when(~last).then(pl.col(c).shift(-1))
            for c in ["touchpoint", "epoch_us", *next_of]
        },
    )
    return nw.from_native(steps)


def running_sums(steps: nw.LazyFrame[Any], columns: Sequence[str]) -> nw.LazyFrame[Any]:
    """Each of ``columns`` summed over its journey up to and including each row.

    ``steps`` are in journey order (:func:`steps_in_order`: each journey's rows together,
    ``step`` 1 first). One running sum over the whole frame, less its value just before
    the journey's first row: at 1M events and 13 columns 0.3 s, where a running sum in
    a window per journey took 3.6 s. Sums of floats carry the rounding of the running
    total over the frame (about 1e-16 of it), not only of the journey's.

    Examples
    --------
    >>> steps = pl.LazyFrame({"step": [1, 2, 3, 1, 2], "x": [1, 0, 1, 1, 1]})
    >>> running_sums(nw.from_native(steps), ["x"]).collect()["x"].to_list()
    [1, 1, 2, 1, 2]
    """
    first = pl.col("step") == 1
    sums = [
        (pl.col(c).cum_sum() - pl.when(first).then(pl.col(c).cum_sum() - pl.col(c)).forward_fill())
        for c in columns
    ]
    # Computed here, by the in-memory engine: running sums do not stream, and the
    # streaming engine (Polars' default) took 1.3 s where this takes 0.9 s (1M events).
    sums_of_steps = steps.to_native().with_columns(sums).collect(engine="in-memory")
    out: nw.LazyFrame[Any] = nw.from_native(sums_of_steps.lazy())
    return out


def relabel_events(
    journeys: SortedJourneys, marked: Sequence[tuple[str, nw.Series[Any]]]
) -> SortedJourneys | None:
    """Sorted journeys with the events of each ``(label, event indexes)`` renamed to the label.

    The first pair listing an event wins. Only ``touchpoint`` is new (still
    Categorical): the kept sort is reused, no column is gathered again. ``None`` when an
    index stands for several events (a source's own ``event_index`` need not be unique):
    then events cannot be told apart by it.

    Examples
    --------
    >>> table = pl.DataFrame({"event_index": [0, 1, 2], "touchpoint": list("xyx")})
    >>> marks = [("X2", nw.from_native(pl.Series([2]), series_only=True))]
    >>> relabel_events(table, marks)["touchpoint"].to_list()
    ['x', 'y', 'X2']
    >>> relabel_events(table.with_columns(event_index=pl.lit(2)), marks) is None
    True
    """
    index = pl.col("event_index")
    hits = [index.is_in(indexes.to_native().implode()) for _, indexes in marked]
    if not hits:
        return journeys
    # As a category: no pass through text (10M events: 0.5 -> 0.02 CPU-s).
    out: Then | ChainedThen = pl.when(hits[0]).then(pl.lit(marked[0][0], dtype=pl.Categorical))
    for (label, _), hit in zip(marked[1:], hits[1:], strict=True):
        out = out.when(hit).then(pl.lit(label, dtype=pl.Categorical))
    relabelled = journeys.with_columns(
        touchpoint=out.otherwise(pl.col("touchpoint")), _hit=pl.any_horizontal(hits)
    )
    hit_rows = relabelled["_hit"].sum()
    unique = hit_rows == len(pl.concat([m.to_native() for _, m in marked]).unique())
    return relabelled.drop("_hit") if unique else None

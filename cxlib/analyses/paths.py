"""Paths: the most common journey variants and the step-by-step distribution of touchpoints.

A **path** is the sequence of touchpoints of a journey, written with :data:`PATH_SEP`
between them (``"home → product → cart"``); a **variant** is a path shared by many
journeys. :func:`top_paths` counts variants, optionally from or to a chosen touchpoint,
truncated or with repeats collapsed; :func:`step_matrix` tells which touchpoint
journeys are at on their 1st, 2nd, ... k-th step, and how many have already left.

Everything is written once against narwhals except the ordered string concatenation
of a journey (:func:`cxlib.engines.ordered_join`).
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import polars as pl

from cxlib.checks import require_touchpoints
from cxlib.engines import counted_paths, ordered_join
from cxlib.errors import AnalysisError
from cxlib.journeys import (
    JourneyBy,
    Journeys,
    journey_keys,
    journey_table,
    named_journeys,
    with_sessions,
)
from cxlib.journeys import collapse_repeats as collapse
from cxlib.log import ENTRY, EXIT, ORDER, EventLog

__all__ = [
    "PATH_SEP",
    "TRUNCATED",
    "journey_paths",
    "most_common_paths",
    "step_matrix",
    "top_paths",
]

#: What separates touchpoints in a path string.
PATH_SEP = " → "
#: The last element of a path cut by ``max_steps``: the journey went on after it.
TRUNCATED = "…"


def _positive(value: int | None, name: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        msg = f"{name}={value!r} must be a whole number of at least 1"
        raise AnalysisError(msg)


def top_paths(
    log: EventLog,
    *,
    n: int = 20,
    max_steps: int | None = None,
    start_at: str | None = None,
    end_at: str | None = None,
    collapse_repeats: bool = False,
    by: JourneyBy = "customer",
) -> pl.DataFrame:
    """The ``n`` most common paths: ``path``, ``customers``, ``share``.

    Each journey (a customer's events, or a session's with ``by="session"``) gives one
    path, built in this order:

    1. ``collapse_repeats=True`` first merges runs of one touchpoint (``a a b`` -> ``a b``);
    2. ``start_at`` keeps the part from the journey's first ``start_at`` on; journeys
       without it are left out;
    3. ``end_at`` keeps the part up to the first ``end_at`` (after ``start_at``);
       journeys that never reach it are left out;
    4. ``max_steps=k`` keeps the first k steps; a journey that went on is marked with a
       last element :data:`TRUNCATED` (``"a → b → …"``).

    ``customers`` is the number of journeys with that path (sessions with
    ``by="session"``); ``share`` is ``customers`` divided by the number of journeys that
    have a path after steps 1-3 (all journeys when neither ``start_at`` nor ``end_at``
    is given). Sorted by ``customers`` (descending), then ``path``.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": list("aabbc"),
    ...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10, 9, 10, 9)],
    ...     "touchpoint": ["home", "buy", "home", "buy", "home"]}))
    >>> top_paths(log).rows()
    [('home → buy', 2, 0.6666666666666666), ('home', 1, 0.3333333333333333)]
    >>> top_paths(log, end_at="buy").rows()
    [('home → buy', 2, 1.0)]
    """
    _positive(n, "n")
    table, frame, order = _path_rows(log, max_steps, start_at, end_at, collapse_repeats, by)
    counts = counted_paths(frame, table.keys, value="touchpoint", order=order, separator=PATH_SEP)
    return most_common_paths(counts, "journeys", n=n)


def most_common_paths(
    counts: nw.LazyFrame[Any], column: str, *, n: int, total: int | None = None
) -> pl.DataFrame:
    """The ``n`` paths of ``counts`` with the most ``column``: ``path``, ``customers``, ``share``.

    ``counts`` has one row per path (:func:`cxlib.engines.counted_paths`); ``share`` is
    ``customers`` / ``total`` (default: the total of ``column`` over ``counts``). Paths
    of none are left out. Sorted as :func:`top_paths` sorts them.

    Examples
    --------
    >>> counts = nw.from_native(pl.LazyFrame({"path": ["a", "b", "c"], "n": [1, 3, 0]}))
    >>> most_common_paths(counts, "n", n=5).rows()
    [('b', 3, 0.75), ('a', 1, 0.25)]
    >>> most_common_paths(counts, "n", n=1, total=6).rows()
    [('b', 3, 0.5)]
    """
    # The total as a window over one constant partition: a cross join with a separate
    # total would compute the paths twice.
    whole = nw.col(column).sum().over("_all") if total is None else nw.lit(total)
    top: pl.DataFrame = (
        counts.filter(nw.col(column) > 0)
        .with_columns(_all=nw.lit(1))
        .with_columns(_total=whole.cast(nw.Int64))
        .sort([column, "path"], descending=[True, False])
        .head(n)
        .collect("polars")
        .to_native()
    )
    return top.select(
        pl.col("path").cast(pl.String),
        pl.col(column).cast(pl.Int64).alias("customers"),
        (pl.col(column) / pl.col("_total")).cast(pl.Float64).alias("share"),
    ).sort(["customers", "path"], descending=[True, False])


def journey_paths(
    log: EventLog,
    *,
    max_steps: int | None = None,
    start_at: str | None = None,
    end_at: str | None = None,
    collapse_repeats: bool = False,
    by: JourneyBy = "customer",
) -> nw.LazyFrame[Any]:
    """Each journey's path, built as :func:`top_paths` builds it (lazy, on the log's engine).

    One row per journey that has a path after the cuts: the journey keys
    (:func:`cxlib.journeys.journey_keys`) and ``path``.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": list("aab"),
    ...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10, 9)],
    ...     "touchpoint": ["home", "buy", "home"]}))
    >>> journey_paths(log, max_steps=1).sort("customer_id").collect().rows()
    [('a', 'home → …'), ('b', 'home')]
    """
    table, paths = _paths(log, max_steps, start_at, end_at, collapse_repeats, by)
    return named_journeys(table, paths, journey_keys(with_sessions(log, by), by))


def _paths(
    log: EventLog,
    max_steps: int | None,
    start_at: str | None,
    end_at: str | None,
    collapse_repeats: bool,
    by: JourneyBy,
) -> tuple[Journeys, nw.LazyFrame[Any]]:
    """The journey table the paths come from, and the paths keyed by its journey keys."""
    table, frame, order = _path_rows(log, max_steps, start_at, end_at, collapse_repeats, by)
    paths = ordered_join(frame, table.keys, value="touchpoint", order=order, separator=PATH_SEP)
    return table, paths


def _path_rows(
    log: EventLog,
    max_steps: int | None,
    start_at: str | None,
    end_at: str | None,
    collapse_repeats: bool,
    by: JourneyBy,
) -> tuple[Journeys, nw.LazyFrame[Any], list[str]]:
    """The journey table, the rows of the paths (cut) and the columns that order them."""
    _positive(max_steps, "max_steps")
    require_touchpoints(log, [t for t in (start_at, end_at) if t is not None])
    log = collapse(log, by=by) if collapse_repeats else with_sessions(log, by)
    table = journey_table(log, by=by)
    frame = table.frame
    if start_at is not None or end_at is not None or max_steps is not None:
        frame = _cut(frame, table.keys, start_at, end_at, max_steps)
    elif not table.ordered:
        frame = log.frame  # no cutting: the positions in the journey are not needed
    # Rows already in journey order (Polars) are joined as they come, without a sort.
    return table, frame, [] if table.ordered else ORDER


def _cut(
    steps: nw.LazyFrame[Any],
    keys: list[str],
    start_at: str | None,
    end_at: str | None,
    max_steps: int | None,
) -> nw.LazyFrame[Any]:
    """Keep each journey's part from ``start_at`` to ``end_at``, truncated to ``max_steps``."""
    first = nw.lit(1)
    if start_at is not None:
        at_start = nw.when(nw.col("touchpoint") == start_at).then(nw.col("step"))
        steps = steps.with_columns(_from=at_start.min().over(*keys)).filter(
            nw.col("step") >= nw.col("_from")
        )
        first = nw.col("_from")
    if end_at is not None:
        # Computed after the start cut, so it is the first end_at at or after start_at.
        at_end = nw.when(nw.col("touchpoint") == end_at).then(nw.col("step"))
        steps = steps.with_columns(_to=at_end.min().over(*keys)).filter(
            nw.col("step") <= nw.col("_to")
        )
    if max_steps is not None:
        place = nw.col("step") - first + 1
        steps = steps.filter(place <= max_steps + 1).with_columns(
            touchpoint=nw.when(place == max_steps + 1)
            .then(nw.lit(TRUNCATED))
            .otherwise(nw.col("touchpoint"))
        )
    return steps


def step_matrix(
    log: EventLog,
    *,
    steps: int = 10,
    collapse_repeats: bool = False,
    by: JourneyBy = "customer",
) -> pl.DataFrame:
    """Where journeys are at each step: ``step``, ``touchpoint``, ``journeys``, ``share``.

    Step 0 is :data:`~cxlib.ENTRY` for every journey; steps 1 to ``steps`` give the
    touchpoint of each journey's 1st, 2nd, ... event. A journey with fewer events than
    the step is at :data:`~cxlib.EXIT` there (it has left). ``share`` is ``journeys``
    at that touchpoint and step divided by all journeys, so each step's shares add up
    to 1. Long format, one row per step and touchpoint met at that step, sorted by
    ``step``, then ``journeys`` (descending), then ``touchpoint``.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": list("aab"),
    ...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10, 9)],
    ...     "touchpoint": ["home", "buy", "home"]}))
    >>> step_matrix(log, steps=2).rows()
    [(0, '(entry)', 2, 1.0), (1, 'home', 2, 1.0), (2, '(exit)', 1, 0.5), (2, 'buy', 1, 0.5)]
    """
    _positive(steps, "steps")
    log = collapse(log, by=by) if collapse_repeats else log
    counts: pl.DataFrame = (
        journey_table(log, by=by)
        .frame.filter(nw.col("step") <= steps)
        .group_by("step", "touchpoint")
        .agg(journeys=nw.len())
        .collect("polars")
        .to_native()
        .with_columns(
            pl.col("step").cast(pl.Int64),
            pl.col("touchpoint").cast(pl.String),
            pl.col("journeys").cast(pl.Int64),
        )
    )
    total = counts.filter(pl.col("step") == 1)["journeys"].sum()
    # Every journey has a first step, so those not seen at step s have left before it.
    present = counts.group_by("step").agg(pl.col("journeys").sum()).to_dict(as_series=False)
    seen = dict(zip(present["step"], present["journeys"], strict=True))
    filler = [(s, EXIT, total - seen.get(s, 0)) for s in range(2, steps + 1)]
    extra = pl.DataFrame(
        [(0, ENTRY, total), *(row for row in filler if row[2] > 0)],
        schema={"step": pl.Int64, "touchpoint": pl.String, "journeys": pl.Int64},
        orient="row",
    )
    out = pl.concat([extra, counts.select(extra.columns)]).filter(pl.col("journeys") > 0)
    return out.with_columns(share=(pl.col("journeys") / total).cast(pl.Float64)).sort(
        ["step", "journeys", "touchpoint"], descending=[False, True, False]
    )

"""Trends: events, active, new and converting customers per day, week or month, against the range before.

The **range** is ``[start, end)``; the **previous range** is as long and ends where it
starts. Both are cut into calendar periods (:mod:`cxlib.periods`: days, weeks from
Monday, months, UTC), numbered 1, 2, ... from each range's start so that period k of
the range sits beside period k of the previous one. Per period:

- ``events``: events in the period (and in the range);
- ``active_customers``: customers with at least one such event;
- ``new_customers``: customers whose first event in the whole log falls in the period
  (and in the range);
- ``converted_customers``: customers with an event at the ``goal`` touchpoint in the
  period; ``converted_per_active`` = ``converted_customers / active_customers``;
- ``complete``: whether the whole period lies inside its range. The first period of a
  range starting mid-week and the current period of a range ending now are not: their
  counts cover part of a period and must not be read as a fall.

With ``breakdown`` (a column such as ``channel`` or a segment attribute), every figure
is counted per value of that column on the events: ``events`` of that value,
customers active with an event of that value, new customers with an event of that value
in their first period, customers reaching the goal with an event of that value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import narwhals as nw
import polars as pl

from cxlib.checks import require_column, require_touchpoints
from cxlib.errors import AnalysisError
from cxlib.log import EventLog
from cxlib.periods import (
    PeriodUnit,
    choose_unit,
    period_bounds_us,
    period_index,
    period_index_of,
    period_start,
)
from cxlib.units import epoch_us_of

__all__ = ["RANGES", "Trends", "trends"]

#: The two ranges of a :class:`Trends` table, as its ``range`` column names them.
RANGES: tuple[Literal["current"], Literal["previous"]] = ("current", "previous")
_EPOCH = dt.datetime(1970, 1, 1)


@dataclass(frozen=True)
class Trends:
    """What :func:`trends` counted, and over what.

    ``table`` has one row per range (``"current"`` or ``"previous"``), period and, with
    ``breakdown``, value: ``range``, ``period`` (1 for each range's first period),
    ``period_start`` (Date), the breakdown column, ``events``, ``active_customers``,
    ``new_customers``, ``converted_customers``, ``converted_per_active`` (null without a
    goal or without active customers) and ``complete`` (see :mod:`cxlib.analyses.trends`).
    Every period of both ranges is listed, with zeros where nothing happened.
    """

    unit: PeriodUnit
    start: dt.datetime
    end: dt.datetime
    previous_start: dt.datetime
    goal: str | None
    breakdown: str | None
    table: pl.DataFrame


def _moment(value: dt.datetime | dt.date, name: str) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=epoch_us_of(value, name))


def trends(
    log: EventLog,
    *,
    start: dt.datetime | dt.date | None = None,
    end: dt.datetime | dt.date | None = None,
    unit: PeriodUnit | None = None,
    goal: str | None = None,
    breakdown: str | None = None,
) -> Trends:
    """Events, active, new and converting customers per period of ``[start, end)`` and the range before.

    Parameters
    ----------
    log
        The event log, not cut to the range: the previous range and each customer's
        first event are read from it.
    start, end
        The range (naive UTC; a date is its midnight; ``end`` excluded). By default
        from the midnight before the log's first event to just after its last.
    unit
        ``"day"``, ``"week"`` or ``"month"``; by default chosen from the range's length
        (:func:`cxlib.periods.choose_unit`).
    goal
        The touchpoint that counts as a conversion (none: no conversion figures).
    breakdown
        A column to count every figure per value of (``"channel"``, an attribute).

    Examples
    --------
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, d, 12) for d in (1, 2, 2)],
    ...     "touchpoint": ["visit", "buy", "visit"]}))
    >>> out = trends(log, unit="day", goal="buy")
    >>> out.start, out.end
    (datetime.datetime(2024, 1, 1, 0, 0), datetime.datetime(2024, 1, 2, 12, 0, 0, 1))
    >>> out.table.filter(pl.col("range") == "current").select(
    ...     "period_start", "events", "active_customers", "new_customers",
    ...     "converted_per_active", "complete").rows()
    [(datetime.date(2024, 1, 1), 1, 1, 1, 0.0, True), (datetime.date(2024, 1, 2), 2, 2, 1, 0.5, False)]
    """
    if breakdown is not None:
        require_column(log, breakdown, purpose="the breakdown")
    if goal is not None:
        require_touchpoints(log, [goal])
    lo, hi = _range(log, start, end)
    chosen = unit if unit is not None else choose_unit(lo, hi)
    lo_us, hi_us = (epoch_us_of(m, "range") for m in (lo, hi))
    before_us = 2 * lo_us - hi_us
    counts = _counts(log, chosen, (before_us, lo_us, hi_us), goal, breakdown)
    grid = pl.concat(
        [
            _grid(chosen, name, a, b)
            for name, (a, b) in zip(RANGES, [(lo_us, hi_us), (before_us, lo_us)], strict=True)
        ]
    )
    groups = [breakdown] if breakdown else []
    if groups:
        values = counts.select(breakdown).unique().sort(breakdown, nulls_last=True)
        grid = grid.join(values, how="cross")
    figures = ["events", "active_customers", "new_customers", "converted_customers"]
    table = (
        grid.join(counts, on=["range", "_p", *groups], how="left", nulls_equal=True)
        .with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in figures)
        .with_columns(
            converted_per_active=pl.when(pl.col("active_customers") > 0)
            .then(pl.col("converted_customers") / pl.col("active_customers"))
            .cast(pl.Float64)
            if goal is not None
            else pl.lit(None, pl.Float64)
        )
        .sort("_order", "period", *groups, nulls_last=True)
        .select(
            "range", "period", "period_start", *groups, *figures, "converted_per_active", "complete"
        )
    )
    before = _EPOCH + dt.timedelta(microseconds=before_us)
    return Trends(chosen, lo, hi, before, goal, breakdown, table)


def _range(
    log: EventLog, start: dt.datetime | dt.date | None, end: dt.datetime | dt.date | None
) -> tuple[dt.datetime, dt.datetime]:
    """The range asked for, or the log's: from the midnight before its first event to after its last."""
    if start is None or end is None:
        first, last = (
            log.frame.select(
                nw.col("epoch_us").min().alias("a"), nw.col("epoch_us").max().alias("b")
            )
            .collect("polars")
            .row(0)
        )
        if first is None:
            msg = "the log has no events, so it has no trends; load a log with events or widen the filters"
            raise AnalysisError(msg)
        if start is None:
            start = (_EPOCH + dt.timedelta(microseconds=first)).date()
        if end is None:
            end = _EPOCH + dt.timedelta(microseconds=last + 1)
    lo, hi = _moment(start, "start"), _moment(end, "end")
    if hi <= lo:
        msg = f"the range from {lo} to {hi} is empty; give an end after the start"
        raise AnalysisError(msg)
    return lo, hi


def _counts(
    log: EventLog,
    unit: PeriodUnit,
    bounds: tuple[int, int, int],
    goal: str | None,
    breakdown: str | None,
) -> pl.DataFrame:
    """The figures per range, period index ``_p`` and breakdown value, on the log's engine."""
    before_us, lo_us, hi_us = bounds
    epoch = nw.col("epoch_us")
    groups = [breakdown] if breakdown else []
    firsts = log.frame.group_by("customer_id").agg(_first=epoch.min())
    current = epoch >= lo_us
    range_start = nw.when(current).then(nw.lit(lo_us)).otherwise(nw.lit(before_us))
    is_goal = (nw.col("touchpoint") == goal) if goal is not None else nw.lit(value=False)
    events = (
        log.frame.filter((epoch >= before_us) & (epoch < hi_us))
        .with_columns(
            _p=period_index(unit),
            range=nw.when(current).then(nw.lit(RANGES[0])).otherwise(nw.lit(RANGES[1])),
            _goal=is_goal.cast(nw.Int64),
            _lo=range_start,
        )
        .join(firsts, on="customer_id", how="left")
    )
    # The first event is in this period when no earlier event of the customer is: it is
    # at or after the period's first event here, and the period starts after the range.
    per_customer = (
        events.with_columns(_pmin=epoch.min().over("range", "_p", "customer_id"))
        .group_by("range", "_p", *groups, "customer_id")
        .agg(
            events=nw.len(),
            converted=nw.col("_goal").max(),
            new=((nw.col("_first") == nw.col("_pmin")) & (nw.col("_first") >= nw.col("_lo")))
            .cast(nw.Int64)
            .max(),
        )
    )
    out = (
        per_customer.group_by("range", "_p", *groups)
        .agg(
            events=nw.col("events").sum(),
            active_customers=nw.len(),
            new_customers=nw.col("new").sum(),
            converted_customers=nw.col("converted").sum(),
        )
        .collect("polars")
        .to_native()
    )
    counts: pl.DataFrame = out.with_columns(
        pl.col("_p").cast(pl.Int64), pl.col("range").cast(pl.String)
    )
    return counts


def _grid(unit: PeriodUnit, name: str, lo_us: int, hi_us: int) -> pl.DataFrame:
    """Every period of the range ``[lo_us, hi_us)``: its index, number, start and completeness."""
    first = period_index_of(unit, _EPOCH + dt.timedelta(microseconds=lo_us))
    last = period_index_of(unit, _EPOCH + dt.timedelta(microseconds=hi_us - 1))
    rows = []
    for p in range(first, last + 1):
        a, b = period_bounds_us(unit, p)
        rows.append(
            (
                name,
                RANGES.index(name),
                p,
                p - first + 1,
                period_start(unit, p),
                lo_us <= a and b <= hi_us,
            )
        )
    schema = {
        "range": pl.String,
        "_order": pl.Int64,
        "_p": pl.Int64,
        "period": pl.Int64,
        "period_start": pl.Date,
        "complete": pl.Boolean,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")

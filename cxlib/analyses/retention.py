"""Retention by cohort, and the lifecycle of customers period by period.

Time is cut into calendar **periods**: weeks (Monday to Sunday, UTC) or months.
A customer is **active** in a period when they have at least one event in it.
Their **cohort** is the period of their first event.

- **Retention**: of a cohort's customers, the share active ``k`` periods after
  the cohort period (or, with ``touchpoint``, the share who did that touchpoint
  then).
- **Lifecycle**: each period, the active customers are **new** (first period),
  **returning** (also active the period before) or **resurrecting** (active
  before, but not the period before); **dormant** customers were active the
  period before and are not in this one.

A period the log ends in before its last day is **incomplete** (``complete`` is
false): its figures are partial, and a chart must not read them as a fall.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, cast, get_args

import narwhals as nw
import polars as pl

from cxlib.checks import require_touchpoints
from cxlib.engines import active_periods, with_neighbour_periods
from cxlib.errors import check_choice
from cxlib.journeys import journey_table
from cxlib.log import EventLog
from cxlib.units import DAY_US

__all__ = ["LIFECYCLE_STATES", "Period", "lifecycle", "retention"]

Period = Literal["week", "month"]
#: The lifecycle states, in the order charts stack them.
LIFECYCLE_STATES = ("new", "returning", "resurrecting", "dormant")
_MONDAY = dt.date(1969, 12, 29)  # the Monday before 1970-01-01, a Thursday


def _period_index(period: Period) -> nw.Expr:
    """An integer per calendar period: consecutive periods have consecutive numbers."""
    check_choice(period, get_args(Period), name="period", what="a period")
    if period == "week":
        return (nw.col("epoch_us") // DAY_US + 3) // 7
    stamp = nw.col("timestamp")
    return stamp.dt.year().cast(nw.Int64) * 12 + stamp.dt.month().cast(nw.Int64) - 1


def _period_start(period: Period, index: pl.Expr | None = None) -> pl.Expr:
    """Turn the period index (``_p`` by default) back into the date the period starts."""
    index = pl.col("_p") if index is None else index
    if period == "week":
        return pl.lit(_MONDAY) + pl.duration(days=7 * index)
    return pl.date(index // 12, index % 12 + 1, 1)


def _complete(log: EventLog, period: Period) -> pl.Expr:
    """Whether period ``_p`` had ended by the day of the log's last event."""
    events = journey_table(log, steps=False).frame
    last = events.select(nw.col("timestamp").max()).collect("polars").item()
    if last is None:
        return pl.lit(True)
    following = _period_start(period, pl.col("_p") + 1)
    return following <= pl.lit(last.date() + dt.timedelta(days=1))


def _active(
    log: EventLog, period: Period, touchpoint: str | None
) -> tuple[nw.LazyFrame[Any], bool]:
    """One row per customer (``_c``) and active period (``_p``), and whether they are in journey order.

    ``hit`` is 1 when the customer did ``touchpoint`` in the period (always without one),
    ``_first`` is the customer's first period. In journey order (Polars in memory) the
    rows are read off the sorted events (:func:`cxlib.engines.active_periods`), a
    customer's periods in order; elsewhere they are grouped.
    """
    hit = (
        (nw.col("touchpoint") == touchpoint).cast(nw.Int64)
        if touchpoint is not None
        else nw.lit(1, nw.Int64)
    )
    events = journey_table(log, steps=False)
    frame = events.frame.with_columns(_p=_period_index(period).cast(nw.Int64), _hit=hit)
    if events.ordered:
        return active_periods(frame, events.customer), True
    active = (
        frame.group_by(events.customer, "_p")
        .agg(hit=nw.col("_hit").max())
        .rename({events.customer: "_c"})
        .with_columns(_first=nw.col("_p").min().over("_c"))
    )
    return active, False


def retention(
    log: EventLog, *, period: Period = "week", touchpoint: str | None = None
) -> pl.DataFrame:
    """The cohort retention table.

    Parameters
    ----------
    log
        The event log.
    period
        ``"week"`` (Monday to Sunday) or ``"month"``.
    touchpoint
        Count as retained only the customers who did this touchpoint in the
        period; default: any event.

    Returns
    -------
    polars.DataFrame
        One row per cohort and ``period`` k = 0, 1, ... up to the log's last period:
        ``cohort`` (Date: the cohort period's first day), ``period`` (Int64),
        ``cohort_size`` (customers whose first event is in the cohort period),
        ``customers`` (of them, those active, or doing ``touchpoint``, in period
        k), ``retention`` = ``customers / cohort_size`` (Float64) and ``complete``
        (Boolean: the period had ended when the log did). Sorted by cohort then period.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, d) for d in (1, 8, 2)],
    ...     "touchpoint": ["x", "x", "x"]}))
    >>> retention(log).rows()  # the log ends on Monday 8 January: that week is not over
    [(datetime.date(2024, 1, 1), 0, 2, 2, 1.0, True), (datetime.date(2024, 1, 1), 1, 2, 1, 0.5, False)]
    """
    active, _ = _active(log, period, touchpoint)
    table: pl.DataFrame = (
        active.rename({"_first": "cohort"})
        .group_by("cohort", "_p")
        .agg(active=nw.len().cast(nw.Int64), hits=nw.col("hit").sum().cast(nw.Int64))
        .collect("polars")
        .to_native()
    )
    schema = pl.Schema(
        {
            "cohort": pl.Date,
            "period": pl.Int64,
            "cohort_size": pl.Int64,
            "customers": pl.Int64,
            "retention": pl.Float64,
            "complete": pl.Boolean,
        }
    )
    if touchpoint is not None and not table["hits"].sum():
        require_touchpoints(log, [touchpoint])  # a typo, rather than nobody doing it
    if table.height == 0:
        return pl.DataFrame(schema=schema)
    # Polars types a Series' max as any Python value; of the integer periods it is an int.
    last = cast("int", table["_p"].max())
    sizes = table.filter(pl.col("_p") == pl.col("cohort")).select("cohort", cohort_size="active")
    # every period from the cohort's to the log's last, zero where nobody came back
    grid = sizes.with_columns(_p=pl.int_ranges("cohort", last + 1)).explode("_p")
    return (
        grid.join(table, on=["cohort", "_p"], how="left")
        .with_columns(customers=pl.col("hits").fill_null(0))
        .with_columns(
            period=pl.col("_p") - pl.col("cohort"),
            retention=pl.col("customers") / pl.col("cohort_size"),
            complete=_complete(log, period),
        )
        .with_columns(_p="cohort")
        .with_columns(cohort=_period_start(period))
        .sort("cohort", "period")
        .select(list(schema))
        .cast(schema)
    )


def lifecycle(log: EventLog, *, period: Period = "week") -> pl.DataFrame:
    """How many customers are new, returning, resurrecting and dormant in each period.

    Returns one row per period (from the log's first to its last) and state of
    :data:`LIFECYCLE_STATES`: ``period`` (Date: the period's first day),
    ``state``, ``customers`` (Int64, 0 included) and ``complete`` (Boolean: the
    period had ended when the log did). Dormant customers are
    counted once, in the first period after their activity stops (charts usually
    draw them below zero). Sorted by period, then state in that order.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, d) for d in (1, 15, 8)],
    ...     "touchpoint": ["x", "x", "x"]}))
    >>> out = lifecycle(log)
    >>> out.filter(pl.col("customers") > 0).drop("complete").rows()
    [(datetime.date(2024, 1, 1), 'new', 1), (datetime.date(2024, 1, 8), 'new', 1), (datetime.date(2024, 1, 8), 'dormant', 1), (datetime.date(2024, 1, 15), 'resurrecting', 1), (datetime.date(2024, 1, 15), 'dormant', 1)]
    >>> out.filter(pl.col("customers") > 0)["complete"].to_list()  # it ends on the 15th
    [True, True, True, False, False]
    """
    active, ordered = _active(log, period, None)
    if ordered:  # the periods before and after are the rows beside
        active = with_neighbour_periods(active)
    else:  # two joins on (customer, period), cheaper than windows ordered within each customer
        periods = active.select("_c", "_p")
        before = periods.with_columns(_p=nw.col("_p") + 1, _before=nw.lit(1))
        after = periods.with_columns(_p=nw.col("_p") - 1, _after=nw.lit(1))
        active = active.join(before, on=["_c", "_p"], how="left").join(
            after, on=["_c", "_p"], how="left"
        )
    state = (
        nw.when(nw.col("_p") == nw.col("_first"))
        .then(nw.lit("new"))
        .when(~nw.col("_before").is_null())
        .then(nw.lit("returning"))
        .otherwise(nw.lit("resurrecting"))
    )
    table = (
        active.with_columns(state=state, gone_next=nw.col("_after").is_null().cast(nw.Int64))
        .group_by("_p", "state")
        .agg(customers=nw.len().cast(nw.Int64), gone_next=nw.col("gone_next").sum().cast(nw.Int64))
        .collect("polars")
        .to_native()
    )
    schema = pl.Schema(
        {"period": pl.Date, "state": pl.String, "customers": pl.Int64, "complete": pl.Boolean}
    )
    if table.height == 0:
        return pl.DataFrame(schema=schema)
    first, last = table["_p"].min(), table["_p"].max()
    dormant = (
        table.group_by("_p")
        .agg(customers=pl.col("gone_next").sum())
        .select(_p=pl.col("_p") + 1, state=pl.lit("dormant"), customers="customers")
        .filter(pl.col("_p") <= last)
    )
    counts = pl.concat([table.select("_p", "state", "customers"), dormant])
    grid = pl.DataFrame({"_p": list(range(first, last + 1))}).join(
        pl.DataFrame({"state": list(LIFECYCLE_STATES)}), how="cross"
    )
    order = {s: i for i, s in enumerate(LIFECYCLE_STATES)}
    return (
        grid.join(counts, on=["_p", "state"], how="left")
        .with_columns(
            customers=pl.col("customers").fill_null(0),
            period=_period_start(period),
            complete=_complete(log, period),
            _order=pl.col("state").replace_strict(order, return_dtype=pl.Int64),
        )
        .sort("_p", "_order")
        .select(list(schema))
        .cast(schema)
    )

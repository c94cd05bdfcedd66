"""Headline figures of a log: how many customers, journeys and events, how many convert.

:func:`summary` gives the figures an overview page opens with; :func:`value_counts`
ranks the values of one column (touchpoints, channels, an attribute) by customers.
Both run on every engine and return small eager results.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import narwhals as nw
import polars as pl

from cxlib.engines import collected_in_memory
from cxlib.errors import AnalysisError
from cxlib.journeys import JourneyBy, journey_table
from cxlib.log import EventLog, Sessions
from cxlib.units import SECOND_US

__all__ = ["Summary", "customers_per_value", "preview", "summary", "time_range", "value_counts"]

_EPOCH = dt.datetime(1970, 1, 1)


@dataclass(frozen=True)
class Summary:
    """Headline figures of a log (see :func:`summary`).

    ``conversion`` is ``converted / customers``: the share of customers with at
    least one event at the goal touchpoint (``None`` without a goal or customers).
    ``median_events`` and ``median_seconds`` are the median number of events and
    the median time from first to last event over journeys.
    """

    customers: int
    journeys: int
    events: int
    touchpoints: int
    converted: int | None
    conversion: float | None
    median_events: float | None
    median_seconds: float | None
    time_min: dt.datetime | None
    time_max: dt.datetime | None


def summary(log: EventLog, *, by: JourneyBy = "customer", goal: str | None = None) -> Summary:
    """Customers, journeys, events, conversion to ``goal`` and the median journey.

    Examples
    --------
    >>> import datetime as dt
    >>> t = [dt.datetime(2024, 1, 1, 9, m) for m in (0, 5, 10)]
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": t, "touchpoint": ["visit", "buy", "visit"]}))
    >>> s = summary(log, goal="buy")
    >>> s.customers, s.journeys, s.events, s.conversion, s.median_events, s.median_seconds
    (2, 2, 3, 0.5, 1.5, 150.0)
    """
    table = journey_table(log, by=by, steps=False)
    events, customer = table.frame, table.customer
    per_journey = events.group_by(*dict.fromkeys([*table.keys, customer])).agg(
        events=nw.len(),
        seconds=(nw.col("epoch_us").max() - nw.col("epoch_us").min()) / SECOND_US,
        goal=(nw.col("touchpoint") == (goal or "")).cast(nw.Int64).sum(),
        first=nw.col("epoch_us").min(),
        last=nw.col("epoch_us").max(),
    )
    per_customer = per_journey.group_by(customer).agg(goal=nw.col("goal").sum())
    journeys = per_journey.select(
        journeys=nw.len(),
        events=nw.col("events").sum(),
        median_events=nw.col("events").cast(nw.Float64).median(),
        median_seconds=nw.col("seconds").cast(nw.Float64).median(),
        time_min=nw.col("first").min(),
        time_max=nw.col("last").max(),
    )
    customers = per_customer.select(
        customers=nw.len(), converted=(nw.col("goal") > 0).cast(nw.Int64).sum()
    )
    touchpoints = events.select(touchpoints=nw.col("touchpoint").n_unique())
    # One query: the journeys are grouped once for both their figures and the customers'.
    row = (
        journeys.join(customers, how="cross")
        .join(touchpoints, how="cross")
        .collect("polars")
        .to_native()
        .row(0, named=True)
    )
    n = int(row["customers"] or 0)
    converted = int(row["converted"] or 0) if goal is not None else None
    return Summary(
        customers=n,
        journeys=int(row["journeys"] or 0),
        events=int(row["events"] or 0),
        touchpoints=int(row["touchpoints"] or 0),
        converted=converted,
        conversion=converted / n if converted is not None and n else None,
        median_events=row["median_events"],
        median_seconds=row["median_seconds"],
        time_min=_from_epoch_us(row["time_min"]),
        time_max=_from_epoch_us(row["time_max"]),
    )


def time_range(log: EventLog) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The first and the last event's timestamps, ``(None, None)`` for a log without events.

    What the sidebar's date range needs, without :func:`summary`'s grouping by journey
    (10M events: one column's minimum and maximum against 0.2-0.3 s).

    Examples
    --------
    >>> t = [dt.datetime(2024, 1, 1, 9, m) for m in (5, 0, 10)]
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": t, "touchpoint": ["visit", "buy", "visit"]}))
    >>> time_range(log)
    (datetime.datetime(2024, 1, 1, 9, 0), datetime.datetime(2024, 1, 1, 9, 10))
    """
    ends = log.frame.select(first=nw.col("epoch_us").min(), last=nw.col("epoch_us").max())
    first, last = ends.collect("polars").row(0)
    return _from_epoch_us(first), _from_epoch_us(last)


def _from_epoch_us(value: int | None) -> dt.datetime | None:
    # From the integer microseconds: engines disagree on time zones attached to datetimes.
    return None if value is None else _EPOCH + dt.timedelta(microseconds=int(value))


def value_counts(log: EventLog, column: str, *, n: int | None = None) -> pl.DataFrame:
    """Events and customers per value of ``column``, most customers first.

    Returns ``DataFrame[<column>, events, customers, share]`` where ``share`` is
    ``customers / all customers of the log`` (a customer counts for every value
    they have, so shares can sum to more than 1). Ties are ordered by value; nulls
    are one value. ``n`` keeps the first n rows.

    Examples
    --------
    >>> import datetime as dt
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b", "c"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 4, "touchpoint": ["x", "x", "y", "x"]}))
    >>> value_counts(log, "touchpoint").rows()
    [('x', 3, 2, 0.6666666666666666), ('y', 1, 1, 0.3333333333333333)]
    """
    if not log.has(column):
        msg = f"the log has no column {column!r}; its columns are {log.columns!r}"
        raise AnalysisError(msg)
    counts, total = customers_per_value(log, column)
    counts = counts.with_columns(share=pl.col("customers").cast(pl.Float64) / max(total, 1)).sort(
        ["customers", column], descending=[True, False], nulls_last=True
    )
    return counts if n is None else counts.head(n)


def customers_per_value(log: EventLog, column: str) -> tuple[pl.DataFrame, int]:
    """Events and distinct customers per value of ``column`` (Int64, unsorted), and all customers.

    Examples
    --------
    >>> import datetime as dt
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 3, "touchpoint": ["x", "x", "y"]}))
    >>> counts, total = customers_per_value(log, "touchpoint")
    >>> counts.sort("touchpoint").rows(), total
    ([('x', 2, 1), ('y', 1, 1)], 2)
    """
    made = log.cache.derived
    if made is not None and isinstance(made[1], Sessions) and column != "session_id":
        # Sessions cut from a log keep its events and customers: so are its counts
        # (10M events, the first switch to sessions: 0.1-0.2 s spared). Not session_id:
        # the sessions' own, cut anew, not the parent's.
        return customers_per_value(made[0], column)
    # Every page lists the touchpoints and the journey graph counts their customers.
    return log.cache.reused(
        f"customers per {column}", column, lambda: _customers_per_value(log, column)
    )


def _customers_per_value(log: EventLog, column: str) -> tuple[pl.DataFrame, int]:
    table = journey_table(log, columns=[column], steps=False)
    events, customer = table.frame, table.customer
    grouped = events.group_by(column).agg(events=nw.len(), customers=nw.col(customer).n_unique())
    counts = (
        collected_in_memory(grouped)
        .to_native()
        .with_columns(pl.col("events", "customers").cast(pl.Int64))
    )
    if column == "touchpoint":  # categories on Polars (the sorted journeys): as text
        counts = counts.with_columns(pl.col(column).cast(pl.String))
    total = collected_in_memory(events.select(nw.col(customer).n_unique())).item()
    return counts, int(total)


def preview(log: EventLog, *, n: int = 100) -> pl.DataFrame:
    """The first ``n`` events of the log as loaded (canonical columns), for a look at the data.

    Examples
    --------
    >>> import datetime as dt
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 2, "touchpoint": ["x", "y"]}))
    >>> preview(log, n=1)["touchpoint"].to_list()
    ['x']
    """
    events: pl.DataFrame = log.frame.head(n).collect("polars").to_native()
    return events

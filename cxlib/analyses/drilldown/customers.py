"""The customers behind a figure, one page at a time, each with a summary of their journey."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import narwhals as nw
import polars as pl

from cxlib.analyses.drilldown.figures import Figure, check_figure
from cxlib.analyses.drilldown.members import Members, Unit
from cxlib.engines import page_rows, rows_of_customers
from cxlib.errors import AnalysisError
from cxlib.journeys import JourneyBy, journey_table, with_sessions
from cxlib.log import ORDER, EventLog
from cxlib.units import SECOND_US

__all__ = [
    "MAX_PAGE_SIZE",
    "SUMMARY_COLUMNS",
    "Cohort",
    "CustomerList",
    "customers_at",
    "customers_in",
]

#: The most rows one page may hold.
MAX_PAGE_SIZE = 100_000
#: The journey summary of each listed row, after its keys (see :func:`customers_at`).
SUMMARY_COLUMNS = (
    "first_touchpoint",
    "last_touchpoint",
    "events",
    "first_event",
    "last_event",
    "span_seconds",
    "value",
    "channels",
)


@dataclass(frozen=True)
class CustomerList:
    """One page of the rows behind a figure (see :func:`customers_at`).

    ``total`` is how many rows the figure counts, across all pages; ``rows`` holds the
    page's, ``page`` (1-based) of ``pages``.
    """

    figure: Figure
    unit: Unit
    total: int
    page: int
    page_size: int
    rows: pl.DataFrame

    @property
    def pages(self) -> int:
        """How many pages the whole list has (at least 1)."""
        return max(1, math.ceil(self.total / self.page_size))


def customers_at(
    log: EventLog,
    figure: Figure,
    *,
    page: int = 1,
    page_size: int = 50,
    by: JourneyBy = "customer",
) -> CustomerList:
    """The customers (journeys, attempts) a figure counts, one page of them, with their journeys.

    Parameters
    ----------
    log
        The event log the figure was computed on.
    figure
        One of :mod:`cxlib.analyses.drilldown.figures`: the number clicked, with the
        options of the analysis that showed it.
    page, page_size
        Which page (1-based) of how many rows. Rows are ordered by their keys
        (customer, then session or attempt start). Only that page's rows, and the
        events of those customers, come back from the engine.
    by
        What a journey is, as for the analysis.

    Returns
    -------
    CustomerList
        ``total`` equals the figure's number. ``rows`` has the row's keys
        (``customer_id``; ``session_id`` for sessions; ``attempt_start`` for funnel
        attempts) and its journey summary: ``first_touchpoint``, ``last_touchpoint``,
        ``events`` (how many), ``first_event``, ``last_event``, ``span_seconds`` (first
        to last event), ``value`` (summed; null without a value column) and
        ``channels`` (in the order first used; empty without a channel column). A
        customer's summary covers all their events; a session's, that session's.

    Examples
    --------
    >>> import datetime as dt
    >>> from cxlib.analyses.drilldown.figures import DropOff
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10, 9)],
    ...     "touchpoint": ["home", "cart", "cart"]}))
    >>> found = customers_at(log, DropOff("cart"))
    >>> found.total, found.rows.select("customer_id", "first_touchpoint", "events", "span_seconds").rows()
    (2, [('a', 'home', 2, 3600.0), ('b', 'cart', 1, 0.0)])
    """
    check_figure(figure)
    for name, number, most in (("page", page, None), ("page_size", page_size, MAX_PAGE_SIZE)):
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            msg = f"{name}={number!r} must be a whole number of at least 1"
            raise AnalysisError(msg)
        if most is not None and number > most:
            msg = f"{name}={number!r} is more than the {most:,} rows a page may hold"
            raise AnalysisError(msg)
    members = figure.members(log, by=by)
    keys, total = page_rows(
        members.frame, order=members.keys, offset=(page - 1) * page_size, length=page_size
    )
    return CustomerList(
        figure, members.unit, total, page, page_size, _summaries(log, keys, members)
    )


def customers_in(log: EventLog, figure: Figure, *, by: JourneyBy = "customer") -> nw.LazyFrame[Any]:
    """Every customer behind a figure, once each (lazy ``customer_id``, on the log's engine).

    What a segment made from a figure keeps: the customers of its journeys or attempts.

    Examples
    --------
    >>> import datetime as dt
    >>> from cxlib.analyses.drilldown.figures import GraphNode
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 2, "touchpoint": ["home", "cart"]}))
    >>> customers_in(log, GraphNode("cart")).collect()["customer_id"].to_list()
    ['b']
    """
    check_figure(figure)
    return figure.members(log, by=by).frame.select("customer_id").unique()


def _summaries(log: EventLog, keys: pl.DataFrame, members: Members) -> pl.DataFrame:
    """The page's keys with each row's journey summary (only these customers' events are read)."""
    key_types = {"customer_id": pl.String, "session_id": pl.Int64}
    keys = keys.with_columns(
        *(pl.col(k).cast(t) for k, t in key_types.items() if k in keys.columns),
        # An attempt's start in naive UTC, as every timestamp of the log (Spark attaches UTC).
        *(
            pl.col(k).dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            for k, dtype in keys.schema.items()
            if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None
        ),
    )
    journey = [k for k in members.keys if k in key_types]
    ids = keys["customer_id"].unique().to_list()
    columns = [*journey, "touchpoint", *ORDER]
    extra = [c for c in ("channel", "value") if log.has(c)]
    by: JourneyBy = "session" if "session_id" in journey else "customer"
    table = journey_table(log, by=by, columns=extra, steps=False)
    if table.ordered:  # in memory: the page's customers' rows sliced out of the journeys
        journeys = table.frame.to_native().collect()
        events = rows_of_customers(journeys, ids).select(*columns, *extra)
    else:
        source = log.with_frame(log.frame.filter(nw.col("customer_id").is_in(ids)))
        if by == "session":
            source = with_sessions(source, "session")  # sessions of these customers' events only
        events = source.frame.select(*columns, *extra).collect("polars").to_native()
    events = events.with_columns(pl.col(k).cast(key_types[k]) for k in journey).sort(
        [*journey, *ORDER]
    )
    epoch = pl.col("epoch_us")
    channels = (
        pl.col("channel").cast(pl.String).drop_nulls().unique(maintain_order=True)
        if "channel" in extra
        else pl.lit([], pl.List(pl.String)).first()
    )
    summary = events.group_by(journey, maintain_order=True).agg(
        first_touchpoint=pl.col("touchpoint").cast(pl.String).first(),
        last_touchpoint=pl.col("touchpoint").cast(pl.String).last(),
        events=pl.len().cast(pl.Int64),
        # From the integer microseconds: engines disagree on time zones attached to datetimes.
        first_event=pl.from_epoch(epoch.first(), time_unit="us"),
        last_event=pl.from_epoch(epoch.last(), time_unit="us"),
        span_seconds=((epoch.last() - epoch.first()) / SECOND_US).cast(pl.Float64),
        value=pl.col("value").cast(pl.Float64).sum()
        if "value" in extra
        else pl.lit(None, pl.Float64),
        channels=channels,
    )
    out = keys.join(summary, on=journey, how="left", maintain_order="left")
    return out.rename({"start_timestamp": "attempt_start"} if members.unit == "attempt" else {})


@dataclass(frozen=True)
class Cohort:
    """The customers behind a figure, kept as a segment: "those who dropped at checkout".

    A cohort is the figure's definition, not a list of ids: applied to a log
    (:func:`cxlib.analyses.compare.segment_log`, the sidebar's named segments) it keeps
    the customers :func:`customers_in` finds there, counting journeys ``by`` customer or
    session; ``within`` is the cohort the figure was itself computed in, if any. On the
    log the figure came from, it holds exactly the customers of its list.

    Examples
    --------
    >>> import datetime as dt
    >>> from cxlib.analyses.drilldown.figures import GraphNode
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 2, "touchpoint": ["home", "cart"]}))
    >>> Cohort(GraphNode("cart")).customers(log).collect()["customer_id"].to_list()
    ['b']
    """

    figure: Figure
    by: JourneyBy = "customer"
    within: Cohort | None = None

    def customers(self, log: EventLog) -> nw.LazyFrame[Any]:
        """Its customers in ``log`` (lazy ``customer_id``, once each)."""
        if self.within is not None:
            kept = self.within.customers(log)
            log = log.with_frame(log.frame.join(kept, on="customer_id", how="semi"))
        return customers_in(log, self.figure, by=self.by)

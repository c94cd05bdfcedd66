"""Logs made from a log, keeping its journey order: filters, sessions, renamings, collapsed repeats.

Each records how it was made (:func:`derived`), so that where journeys are kept in
memory its sorted journeys come from its parent's, never sorted again
(:mod:`cxlib.journeys.in_memory`). :func:`journey_keys` names the columns identifying a
journey, :data:`CORE` those every journey table has after them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, get_args

import narwhals as nw

from cxlib.errors import check_choice
from cxlib.log import (
    ORDER,
    Collapsed,
    Derivation,
    EventLog,
    JourneyBy,
    Kept,
    Relabelled,
    Sessions,
)
from cxlib.units import DEFAULT_SESSION_GAP, parse_duration

__all__ = [
    "CORE",
    "collapse_repeats",
    "derived",
    "journey_keys",
    "kept",
    "relabelled",
    "sessionize",
    "with_sessions",
]

#: The columns every journey table has, after the journey keys.
CORE = ["touchpoint", "timestamp", *ORDER]


def journey_keys(log: EventLog, by: JourneyBy) -> list[str]:
    """The columns that identify a journey: the customer, or the customer and the session.

    ``by="session"`` on a log without ``session_id`` uses the default 30-minute gap;
    call :func:`sessionize` first for another gap.
    """
    check_choice(by, get_args(JourneyBy), name="by", what="a journey")
    return ["customer_id"] if by == "customer" else ["customer_id", "session_id"]


def with_sessions(log: EventLog, by: JourneyBy) -> EventLog:
    """The log ready for journeys ``by``: sessionized with the default gap when needed."""
    return sessionize(log) if by == "session" and not log.has("session_id") else log


def sessionize(log: EventLog, gap: str = DEFAULT_SESSION_GAP) -> EventLog:
    """Add ``session_id``: 1 for a customer's first session, 2 for the next, and so on.

    A new session starts at a customer's first event and at every event that comes
    more than ``gap`` after the previous one.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> t = [dt.datetime(2024, 1, 1, 9, m) for m in (0, 10, 50)]
    >>> log = EventLog.from_frame(pl.DataFrame(
    ...     {"customer_id": ["a"] * 3, "timestamp": t, "touchpoint": ["x", "y", "z"]}))
    >>> sessionize(log, "30m").to_polars()["session_id"].to_list()
    [1, 1, 2]
    """
    gap_us = parse_duration(gap)
    frame = log.frame.drop("session_id") if log.has("session_id") else log.frame
    prev = nw.col("epoch_us").shift(1).over("customer_id", order_by=ORDER)
    # Two steps: narwhals cannot nest one window (the gap) inside another (the running count).
    frame = frame.with_columns(
        session_id=(prev.is_null() | ((nw.col("epoch_us") - prev) > gap_us)).cast(nw.Int64)
    ).with_columns(
        session_id=nw.col("session_id").cum_sum().over("customer_id", order_by=ORDER).cast(nw.Int64)
    )
    # journey_table cuts these sessions from the customers' sorted journeys of ``log``.
    return derived(log, frame, Sessions(gap_us))


def derived(log: EventLog, frame: nw.LazyFrame[Any], how: Derivation) -> EventLog:
    """The log over ``frame``, made from ``log`` as ``how`` says (kept in its cache).

    Where journeys are kept in memory, the new log's sorted journeys are then made from
    ``log``'s instead of sorted again (see :class:`cxlib.log.LogCache`).
    """
    out = log.with_frame(frame)
    out.cache.derived = (log, how)
    return out


def kept(
    log: EventLog,
    condition: nw.Expr,
    *,
    columns: Sequence[str],
    scope: Literal["events", "customers", "other customers"] = "events",
) -> EventLog:
    """The events where ``condition`` holds, or all events of the customers with (or without) one.

    ``columns`` are the columns ``condition`` reads. With ``scope="customers"`` every
    event of a customer who has an event where it holds is kept, with ``"other
    customers"`` every event of the others. The filters (:mod:`cxlib.filters`) and
    segments are made with it, so that on Polars the result reuses the journey order of
    ``log`` (no new sort).

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 3, "touchpoint": ["x", "y", "x"]}))
    >>> y = nw.col("touchpoint") == "y"
    >>> kept(log, y, columns=["touchpoint"]).to_polars()["customer_id"].to_list()
    ['a']
    >>> kept(log, y, columns=["touchpoint"], scope="customers").to_polars()["touchpoint"].to_list()
    ['x', 'y']
    """
    if scope == "events":
        frame = log.frame.filter(condition)
    else:
        chosen = log.frame.filter(condition.fill_null(False)).select("customer_id").unique()
        frame = log.frame.join(
            chosen, on="customer_id", how="semi" if scope == "customers" else "anti"
        )
    return derived(log, frame, Kept(condition, tuple(columns), scope))


def relabelled(log: EventLog, touchpoint: nw.Expr, *, columns: Sequence[str]) -> EventLog:
    """The log with each event's touchpoint replaced by ``touchpoint``, an expression over ``columns``.

    Renamings, channels and stages are made with it: on Polars the result reuses the
    journey order of ``log`` (no new sort).

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 2, "touchpoint": ["x", "y"]}))
    >>> upper = nw.col("touchpoint").str.to_uppercase()
    >>> relabelled(log, upper, columns=["touchpoint"]).to_polars()["touchpoint"].to_list()
    ['X', 'Y']
    """
    frame = log.frame.with_columns(touchpoint=touchpoint)
    return derived(log, frame, Relabelled(touchpoint, tuple(columns)))


def collapse_repeats(log: EventLog, *, by: JourneyBy = "customer") -> EventLog:
    """Drop every event whose touchpoint repeats the one just before it in the journey.

    ``a a b a`` becomes ``a b a``: loops through other touchpoints are kept.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["c"] * 4,
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 4, "touchpoint": list("aaba")}))
    >>> collapse_repeats(log).to_polars()["touchpoint"].to_list()
    ['a', 'b', 'a']
    """

    def collapsed() -> EventLog:
        journeys = with_sessions(log, by)
        keys = journey_keys(journeys, by)
        prev = nw.col("touchpoint").shift(1).over(*keys, order_by=ORDER)
        frame = journeys.frame.filter(prev.is_null() | (prev != nw.col("touchpoint")))
        return derived(journeys, frame, Collapsed(by))

    return log.cache.reused("collapsed", by, collapsed)

"""Journeys: events ordered within each customer (or session), the base of every analysis.

A **journey** is the ordered events of one customer (``by="customer"``) or of one
session (``by="session"``: a run of a customer's events with no pause longer than
the session gap, 30 minutes by default). Events are ordered by timestamp, ties by
their position in the source.

Everything here is a window function over the journey key ordered by
``(epoch_us, event_index)``, so it runs unchanged on Polars, DuckDB and PySpark.
"""

from __future__ import annotations

from typing import Literal, NamedTuple, get_args

import narwhals as nw
import polars as pl

from cxlib.checks import check_choice
from cxlib.log import ORDER, EventLog
from cxlib.units import DEFAULT_SESSION_GAP, parse_duration

__all__ = [
    "JourneyBy",
    "Journeys",
    "collapse_repeats",
    "journey_keys",
    "journey_steps",
    "journey_table",
    "sessionize",
    "with_sessions",
]

JourneyBy = Literal["customer", "session"]

#: How :func:`journey_table` groups a customer's events on Polars before sorting them.
_CUSTOMER_HASH = pl.col("customer_id").hash(0)


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
    out = log.with_frame(frame)
    if log.engine == "polars":
        # journey_table cuts these sessions from the customers' sorted journeys of ``log``.
        out.memo["sessions_of"] = (log, gap_us)
    return out


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


def journey_steps(log: EventLog, *, by: JourneyBy = "customer") -> nw.LazyFrame:
    """Each event with its place in its journey.

    Adds ``step`` (1 for the journey's first event), ``next_touchpoint`` and
    ``next_epoch_us`` (null on the journey's last event). The journey key columns
    (see :func:`journey_keys`) are kept.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 3, "touchpoint": ["x", "y", "x"]}))
    >>> out = journey_steps(log).sort("customer_id", "step").collect()
    >>> out.select("customer_id", "step", "touchpoint", "next_touchpoint").rows()
    [('a', 1, 'x', 'y'), ('a', 2, 'y', None), ('b', 1, 'x', None)]
    """
    log = with_sessions(log, by)
    keys = journey_keys(log, by)
    return log.frame.with_columns(
        step=nw.col("epoch_us").cum_count().over(*keys, order_by=ORDER).cast(nw.Int64),
        next_touchpoint=nw.col("touchpoint").shift(-1).over(*keys, order_by=ORDER),
        next_epoch_us=nw.col("epoch_us").shift(-1).over(*keys, order_by=ORDER),
    )


class Journeys(NamedTuple):
    """The journey steps of a log, ready to aggregate (see :func:`journey_table`)."""

    #: Journey keys, ``touchpoint``, ``timestamp``, ``epoch_us``, ``event_index``, ``step``,
    #: ``next_touchpoint``, ``next_epoch_us`` (and, on Polars, the integer codes below).
    frame: nw.LazyFrame
    #: The columns to group by for one group per journey.
    keys: list[str]
    #: The column whose distinct values are the customers.
    customer: str
    #: Whether the rows are in journey order already (grouped by journey, then ORDER).
    ordered: bool


def journey_table(log: EventLog, *, by: JourneyBy = "customer") -> Journeys:
    """:func:`journey_steps` of the core columns, with the keys to group journeys by.

    On DuckDB and PySpark this is :func:`journey_steps` (selected columns), grouped by
    :func:`journey_keys`. On Polars the core columns are collected once per log and
    ``by``, sorted by journey and :data:`~cxlib.log.ORDER`, and kept in ``log.memo``;
    every call then derives the steps from that sorted frame with shifts (no window
    functions), and journeys and customers are grouped by integer codes: ``_journey``
    and ``_customer`` number them in the sorted order. There ``touchpoint`` and
    ``next_touchpoint`` are Categorical: cast them to String in results.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["b", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 3, "touchpoint": ["x", "y", "z"]}))
    >>> table = journey_table(log)
    >>> table.keys, table.customer, table.ordered
    (['_journey'], '_customer', True)
    >>> out = table.frame.sort("customer_id", "step").collect()
    >>> out.select("customer_id", "step", "touchpoint", "next_touchpoint").rows()
    [('a', 1, 'y', None), ('b', 1, 'x', 'z'), ('b', 2, 'z', None)]
    """
    if log.engine != "polars":
        log = with_sessions(log, by)
        keys = journey_keys(log, by)
        core = [*keys, "touchpoint", "timestamp", *ORDER]
        steps = journey_steps(log, by=by).select(*core, "step", "next_touchpoint", "next_epoch_us")
        return Journeys(steps, keys, "customer_id", ordered=False)
    sorted_frame = _memo_frame(log, by)
    journey, row = pl.col("_journey"), pl.int_range(pl.len(), dtype=pl.Int64)
    first = (journey != journey.shift(1)).fill_null(True)
    last = (journey != journey.shift(-1)).fill_null(True)
    steps = sorted_frame.lazy().with_columns(
        step=(row - pl.when(first).then(row).forward_fill() + 1).cast(pl.Int64),
        next_touchpoint=pl.when(~last).then(pl.col("touchpoint").shift(-1)),
        next_epoch_us=pl.when(~last).then(pl.col("epoch_us").shift(-1)),
    )
    return Journeys(nw.from_native(steps), ["_journey"], "_customer", ordered=True)


def _memo_frame(log: EventLog, by: JourneyBy) -> pl.DataFrame:
    """The sorted core frame of ``log`` for journeys ``by``, from ``log.memo`` or computed into it."""
    found = log.memo.get(("journeys", by))
    if found is not None:
        return found
    keys = journey_keys(log, by)
    parent = log.memo.get("sessions_of")
    if parent is not None:  # sessionized on Polars: the journeys of the log it came from
        source, gap_us = parent
        customers = _memo_frame(source, "customer")
        frame = customers if by == "customer" else _sessions(customers, gap_us)
    elif by == "session" and not log.has("session_id"):
        # Default sessions cut the customers' sorted journeys: no second sort.
        frame = _sessions(_memo_frame(log, "customer"), parse_duration(DEFAULT_SESSION_GAP))
    else:
        frame = _sorted_journeys(log, keys, [*keys, "touchpoint", "timestamp", *ORDER])
    log.memo[("journeys", by)] = frame
    return frame


def _sessions(customers: pl.DataFrame, gap_us: int) -> pl.DataFrame:
    """The customers' sorted frame cut into sessions with a gap of ``gap_us`` microseconds.

    The same rule as :func:`sessionize` (a new session at a customer's first event and
    after every pause longer than the gap) on rows already in journey order, so only
    ``session_id`` and ``_journey`` are new columns (10M events: 0.3 CPU-s instead of
    10 s for the window functions and a second sort).
    """
    customer, epoch = pl.col("_customer"), pl.col("epoch_us")
    first = (customer != customer.shift(1)).fill_null(True)
    starts = first | ((epoch - epoch.shift(1)) > gap_us)
    count = starts.cum_sum()
    return customers.with_columns(
        session_id=(count - pl.when(first).then(count).forward_fill() + 1).cast(pl.Int64),
        _journey=count.cast(pl.UInt32).set_sorted(),
    )


def _sorted_journeys(log: EventLog, keys: list[str], core: list[str]) -> pl.DataFrame:
    """The core columns sorted by journey and ORDER, with ``_journey`` and ``_customer`` codes.

    Measured at 10M events (CPU s, peak RSS): a sort of the frame by text customer and
    ORDER took 4.8 s; by a 64-bit hash of the customer 2.3 s but 1.9 GB, as a sort of
    a whole frame holds the frame, its sort keys and the sorted copy at once. Here only
    row numbers are sorted (stably, by the hash alone when the rows are already in
    ORDER, as exported logs mostly are), then each column is gathered in turn and
    released (rechunked first: gathering from 100 chunks is 6x slower): 1.4 s, 1.3 GB.
    Two customers sharing a hash would interleave: the check sees it and sorts by text.
    """
    frame = log.frame.to_native().select(core).collect()
    rows = pl.int_range(pl.len(), dtype=pl.get_index_type())
    epoch, index = pl.col("epoch_us"), pl.col("event_index")
    later = (epoch > epoch.shift(1)) | ((epoch == epoch.shift(1)) & (index > index.shift(1)))
    code = frame.select(_CUSTOMER_HASH).to_series().rechunk()
    hashed, by = frame.with_columns(_hash=code), ["_hash", *keys[1:]]
    if frame.select(later.all()).item():
        order = hashed.select(rows.sort_by(by, maintain_order=True)).to_series()
    else:
        order = hashed.select(rows.sort_by([*by, *ORDER])).to_series()
    del hashed
    customer_id = frame["customer_id"].rechunk().gather(order)
    code = code.gather(order)
    if ((customer_id != customer_id.shift(1)) != (code != code.shift(1))).any():
        order = frame.select(rows.sort_by([*keys, *ORDER])).to_series()
        customer_id = frame["customer_id"].rechunk().gather(order)
    columns = {"customer_id": customer_id}
    for name in core[1:]:
        column = frame[name].rechunk()
        if name == "touchpoint":
            # A few dozen distinct names: as categories, every later group_by on them is
            # faster and lighter (10M events: transitions 1.4 -> 0.8 CPU-s, 2.0 -> 1.5 GB).
            column = column.cast(pl.Categorical)
        columns[name] = column.gather(order)
        frame = frame.drop(name)
    del frame
    changed = [(pl.col(k) != pl.col(k).shift(1)).fill_null(True) for k in keys]
    return pl.DataFrame(columns).with_columns(
        _customer=changed[0].cum_sum().cast(pl.UInt32),
        # Flagged as sorted, group_by("_journey") slices runs instead of hashing (10M
        # events: top paths' string join 1.2 CPU-s instead of 2.8).
        _journey=pl.any_horizontal(changed).cum_sum().cast(pl.UInt32).set_sorted(),
    )


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
    log = with_sessions(log, by)
    keys = journey_keys(log, by)
    prev = nw.col("touchpoint").shift(1).over(*keys, order_by=ORDER)
    return log.with_frame(log.frame.filter(prev.is_null() | (prev != nw.col("touchpoint"))))

"""Journeys: events ordered within each customer (or session), the base of every analysis.

A **journey** is the ordered events of one customer (``by="customer"``) or of one
session (``by="session"``: a run of a customer's events with no pause longer than
the session gap, 30 minutes by default). Events are ordered by timestamp, ties by
their position in the source.

:func:`journey_steps` is a window function over the journey key ordered by
``(epoch_us, event_index)``, so it runs unchanged on Polars, DuckDB and PySpark.
:func:`journey_table`, the base of the analyses, is the same steps; where the engine
keeps journeys in memory (Polars) they come from one sort per log, kept in the log's
cache (:class:`~cxlib.log.LogCache`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, NamedTuple, get_args

import narwhals as nw

from cxlib.engines import (
    SortedJourneys,
    category_column,
    cut_sessions,
    gathered,
    keeps_journeys_in_memory,
    kept_mask,
    kept_masks,
    kept_rows,
    relabel_events,
    repeated_rows,
    rows_where,
    sort_journeys,
    steps_in_order,
    with_touchpoint,
)
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
    "JourneyBy",
    "Journeys",
    "collapse_repeats",
    "derived",
    "journey_keys",
    "journey_steps",
    "journey_table",
    "kept",
    "named_journeys",
    "relabelled",
    "relabelled_touchpoint",
    "sessionize",
    "with_sessions",
]

#: The columns every journey table has, after the journey keys.
CORE = ["touchpoint", "timestamp", *ORDER]


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


def journey_steps(log: EventLog, *, by: JourneyBy = "customer") -> nw.LazyFrame[Any]:
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
    frame: nw.LazyFrame[Any]
    #: The columns to group by for one group per journey.
    keys: list[str]
    #: The column whose distinct values are the customers.
    customer: str
    #: Whether the rows are in journey order already (grouped by journey, then ORDER): an
    #: in-memory table (Polars), which the fast paths of :mod:`cxlib.engines` take.
    ordered: bool


def relabelled_touchpoint(labels: Sequence[tuple[str, nw.Expr]]) -> nw.Expr:
    """The touchpoint, replaced by the first label whose condition holds on the event.

    Examples
    --------
    >>> import narwhals as nw, polars as pl
    >>> lf = nw.from_native(pl.LazyFrame({"touchpoint": ["a", "b"], "v": [1, 2]}))
    >>> lf.select(relabelled_touchpoint([("A2", nw.col("v") == 2)])).collect()["touchpoint"].to_list()
    ['a', 'A2']
    """
    out = None
    for label, condition in labels:
        out = (nw.when(condition) if out is None else out.when(condition)).then(nw.lit(label))
    if out is None:
        return nw.col("touchpoint")
    return out.otherwise(nw.col("touchpoint")).alias("touchpoint")


def journey_table(
    log: EventLog,
    *,
    by: JourneyBy = "customer",
    columns: Sequence[str] = (),
    next_of: Sequence[str] = (),
    steps: bool = True,
    labels: Sequence[tuple[str, nw.Expr]] = (),
    flags: Sequence[tuple[str, Kept]] = (),
    categories: Sequence[str] = (),
) -> Journeys:
    """:func:`journey_steps` of the core columns and ``columns``, with the keys to group journeys by.

    Where the engine sorts within each query (DuckDB, PySpark) this is
    :func:`journey_steps` (selected columns), grouped by :func:`journey_keys`. Where it
    keeps journeys in memory (Polars: :func:`cxlib.engines.keeps_journeys_in_memory`)
    the core columns are sorted once per log and ``by`` and kept in ``log.cache``;
    every call then derives the steps from that sorted frame with shifts (no window
    functions), and journeys and customers are grouped by integer codes: ``_journey``
    and ``_customer`` number them in the sorted order. There ``touchpoint`` and
    ``next_touchpoint`` are Categorical: cast them to String in results.

    ``columns`` are other columns of the log the analysis reads (``channel``, ``value``,
    an attribute); on Polars each is brought into the kept journey order once; each
    column of ``next_of`` also comes with its value at the journey's next event,
    ``next_<column>``. With ``steps=False`` the table has no ``step``,
    ``next_touchpoint`` or ``next_epoch_us`` (nor their window functions on DuckDB and
    Spark): for counts per customer.

    ``labels`` relabels events before the steps are taken: each ``(label, condition)``
    gives the events where the condition holds (the first that holds) that touchpoint
    name (funnel steps with conditions, :mod:`cxlib.analyses.funnels.steps`). In memory
    the sorted journeys are kept and the matching events found by their ``event_index``
    (unique per event, as :func:`cxlib.load` makes it), so a condition costs no new sort.

    ``flags`` adds a Boolean column per ``(name, how)``: whether :func:`kept` with that
    condition and scope keeps the event (segments compared in one pass over the log's
    journeys, :func:`cxlib.compare_segments`). In memory the kept order is reused, as
    for a derived log: no new sort, no second table.

    ``categories`` are columns the analysis counts by value: in memory each comes as the
    categories of its values as text (Categorical, as ``touchpoint``), its codes put in
    journey order once per log and kept (:func:`cxlib.engines.gathered`), so counting
    by value groups integers, not text; elsewhere as it is. A column both in
    ``columns`` and ``categories`` comes as categories.

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
    read = [c for _, how in flags for c in how.columns]
    named = dict.fromkeys([*columns, *next_of, *read])
    extra = [c for c in named if c not in (*journey_keys(log, by), *CORE)]
    coded = [c for c in dict.fromkeys(categories) if c not in (*journey_keys(log, by), *CORE)]
    following = [f"next_{c}" for c in next_of]
    flagged = [name for name, _ in flags]
    if not keeps_journeys_in_memory(log.frame):
        log = with_sessions(log, by)
        if labels:
            log = log.with_frame(log.frame.with_columns(touchpoint=relabelled_touchpoint(labels)))
        if flags:
            log = log.with_frame(log.frame.with_columns(_kept(how).alias(n) for n, how in flags))
        keys = journey_keys(log, by)
        extra = [*extra, *(c for c in coded if c not in extra), *flagged]
        if not steps:
            return Journeys(log.frame.select(*keys, *CORE, *extra), keys, "customer_id", False)
        table = journey_steps(log, by=by)
        if next_of:  # Spark Connect refuses an empty with_columns
            table = table.with_columns(
                nw.col(c).shift(-1).over(*keys, order_by=ORDER).alias(f"next_{c}") for c in next_of
            )
        core = [*keys, *CORE, *extra, "step", "next_touchpoint", "next_epoch_us", *following]
        return Journeys(table.select(*core), keys, "customer_id", ordered=False)
    journeys = _sorted_journeys(log, by, extra, coded)
    if flags:
        masks = kept_masks(journeys, [(how.condition, how.scope) for _, how in flags])
        journeys = journeys.with_columns(
            mask.alias(name) for (name, _), mask in zip(flags, masks, strict=True)
        )
    if labels:
        marked = [
            (label, log.frame.filter(condition).select("event_index").collect("polars"))
            for label, condition in labels
        ]
        relabelled = relabel_events(journeys, [(label, m["event_index"]) for label, m in marked])
        if relabelled is None:  # event indexes shared by several events: relabel, sort anew
            other = log.with_frame(log.frame.with_columns(touchpoint=relabelled_touchpoint(labels)))
            return journey_table(
                other,
                by=by,
                columns=columns,
                next_of=next_of,
                steps=steps,
                flags=flags,
                categories=categories,
            )
        journeys = relabelled
    table = steps_in_order(journeys, next_of) if steps else nw.from_native(journeys.lazy())
    if coded:
        table = table.with_columns(nw.col(category_column(c)).alias(c) for c in coded)
    return Journeys(table, ["_journey"], "_customer", ordered=True)


def _kept(how: Kept) -> nw.Expr:
    """Whether :func:`kept` with ``how``'s condition and scope keeps an event (a window per customer)."""
    hit = how.condition.fill_null(False)
    if how.scope == "events":
        return hit
    # The customer's largest flag: whether any of their events meets the condition.
    anywhere = hit.cast(nw.Int8).max().over("customer_id") == 1
    return anywhere if how.scope == "customers" else ~anywhere


def named_journeys(table: Journeys, frame: nw.LazyFrame[Any], keys: list[str]) -> nw.LazyFrame[Any]:
    """``frame``, one row per journey by ``table.keys``, with the journey ``keys`` instead.

    On Polars the journey table groups journeys by integer codes (:func:`journey_table`);
    this joins back the customer (and session) each code stands for. Where the table is
    grouped by the keys already, ``frame`` comes back as it is.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["b", "a"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 2, "touchpoint": ["x", "y"]}))
    >>> table = journey_table(log)
    >>> firsts = table.frame.select(*table.keys, "touchpoint")
    >>> named_journeys(table, firsts, ["customer_id"]).sort("customer_id").collect().rows()
    [('a', 'y'), ('b', 'x')]
    """
    if table.keys == keys:
        return frame
    names = table.frame.filter(nw.col("step") == 1).select(*table.keys, *keys)
    rest = [c for c in frame.columns if c not in table.keys]
    return frame.join(names, on=table.keys).select(*keys, *rest)


def _sorted_journeys(
    log: EventLog, by: JourneyBy, columns: Sequence[str] = (), categories: Sequence[str] = ()
) -> SortedJourneys:
    """The core columns, ``columns`` and ``categories`` of ``log`` in journey order ``by``, kept in ``log.cache``.

    Each of ``categories`` is kept as :func:`cxlib.engines.category_column`.
    """
    columns = list(dict.fromkeys(columns))
    table = log.cache.journeys(by, lambda: _journeys_of(log, by, columns))
    missing = [c for c in columns if c not in table.columns]
    coded = [c for c in categories if category_column(c) not in table.columns]
    if not missing and not coded:
        return table
    more = gathered(table, (log.cache.origin or log).frame, missing, categories=coded)
    if more is None:  # its rows came back in another order than when sorted: sort again
        log.cache.forget_journeys()
        return _sorted_journeys(log, by, columns, categories)
    log.cache.keep_journeys(by, more)
    return more


def _journeys_of(log: EventLog, by: JourneyBy, columns: Sequence[str]) -> SortedJourneys:
    """The sorted journeys of ``log`` ``by``: made from those of the log it came from, or sorted."""
    if by == "session" and not log.has("session_id"):
        # Default sessions cut the customers' sorted journeys: no second sort.
        customers = _sorted_journeys(log, "customer", columns)
        return cut_sessions(customers, parse_duration(DEFAULT_SESSION_GAP))
    if log.cache.derived is None:
        keys = journey_keys(log, by)
        every = list(dict.fromkeys([*keys, *CORE, *columns]))
        return sort_journeys(log.frame, keys, ORDER, columns=every)
    parent, how = log.cache.derived
    table = _derived_journeys(parent, how, by, columns)
    # Made from the parent's rows: their _row numbers the rows of the parent's origin.
    log.cache.origin = parent.cache.origin or parent
    return table


def _derived_journeys(
    parent: EventLog, how: Derivation, by: JourneyBy, columns: Sequence[str]
) -> SortedJourneys:
    """The sorted journeys of the log made from ``parent`` as ``how`` says, from ``parent``'s."""
    if isinstance(how, Sessions):
        customers = _sorted_journeys(parent, "customer", columns)
        return customers if by == "customer" else cut_sessions(customers, how.gap_us)
    if isinstance(how, Collapsed):
        # Sessions are cut from the customers' rows in their order: a mask fits either.
        table = _sorted_journeys(parent, by, columns)
        repeats = repeated_rows(_sorted_journeys(parent, how.by))
        return kept_rows(table, repeats.not_(), [*journey_keys(parent, by), *CORE, *columns])
    table = _sorted_journeys(parent, by, [*how.columns, *columns])
    if isinstance(how, Relabelled):
        return with_touchpoint(table, rows_where(table, how.touchpoint))
    mask = kept_mask(table, how.condition, how.scope)
    return kept_rows(table, mask, [*journey_keys(parent, by), *CORE, *columns])


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

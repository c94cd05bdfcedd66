"""The journey steps an analysis aggregates: :func:`journey_table`, on any engine.

Where the engine sorts within each query (DuckDB, PySpark) they are window functions
(:func:`journey_steps`); where it keeps journeys in memory (Polars) they are derived
with shifts from the log's sorted journeys (:mod:`cxlib.journeys.in_memory`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import narwhals as nw

from cxlib.engines import (
    category_column,
    first_rows,
    keeps_journeys_in_memory,
    kept_masks,
    relabel_events,
    steps_in_order,
)
from cxlib.journeys.in_memory import sorted_journeys
from cxlib.journeys.logs import CORE, journey_keys, with_sessions
from cxlib.log import ORDER, EventLog, JourneyBy, Kept

__all__ = [
    "Journeys",
    "journey_steps",
    "journey_table",
    "named_journeys",
    "relabelled_touchpoint",
]


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

    def first_steps(self) -> nw.LazyFrame[Any]:
        """Each journey's first step: the rows whose ``step`` is 1.

        In journey order they are found where the journey changes, without a ``step``
        per row (:func:`cxlib.engines.first_rows`).
        """
        return first_rows(self.frame) if self.ordered else self.frame.filter(nw.col("step") == 1)


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
    journeys = sorted_journeys(log, by, extra, coded)
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
    names = table.first_steps().select(*table.keys, *keys)
    rest = [c for c in frame.columns if c not in table.keys]
    return frame.join(names, on=table.keys).select(*keys, *rest)

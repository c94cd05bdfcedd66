"""Transitions: which touchpoint directly follows which, how often, for how many customers.

A **transition** ``A -> B`` is an event at touchpoint ``A`` followed directly by an
event at ``B`` in the same journey (a customer's events, or a session's, ordered by
time and then by position in the source). Every journey also contributes one
``ENTRY -> first touchpoint`` and one ``last touchpoint -> EXIT`` transition, so the
table is the edge list of the journey graph (:func:`cxlib.journey_graph`).

Computed from the journey steps (:func:`cxlib.journeys.journey_table`: window
functions, or on Polars one sort shared by every analysis of the log) and one
``group_by``, written once against narwhals: the same numbers on Polars, DuckDB and
PySpark.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import polars as pl

from cxlib.engines import collected_in_memory, grouped_by_pair, grouped_median
from cxlib.errors import AnalysisError
from cxlib.journeys import JourneyBy, Journeys, journey_table
from cxlib.log import ENTRY, EXIT, EventLog
from cxlib.units import SECOND_US

__all__ = ["check_reserved_names", "grouped_edges", "transitions"]

_SCHEMA = {
    "source": pl.String,
    "target": pl.String,
    "transitions": pl.Int64,
    "customers": pl.Int64,
    "median_seconds": pl.Float64,
}


def transitions(log: EventLog, *, by: JourneyBy = "customer") -> pl.DataFrame:
    """Count every directly-follows pair of touchpoints, entry and exit included.

    Parameters
    ----------
    log
        The event log.
    by
        ``"customer"``: a journey is all of a customer's events; ``"session"``: a
        journey is one session (see :func:`cxlib.sessionize`; 30-minute gap unless
        the log is already sessionized).

    Returns
    -------
    polars.DataFrame
        One row per pair ``(source, target)`` with

        - ``transitions``: how many times an event at ``source`` was directly
          followed by one at ``target`` in a journey. ``ENTRY -> X`` counts the
          journeys starting at ``X``, ``X -> EXIT`` those ending at ``X``. Loops
          (``X -> X``) are kept.
        - ``customers``: distinct customers with at least one such transition.
        - ``median_seconds``: median time between the two events, in seconds
          (null for entry and exit transitions, which have no second event).

        Sorted by ``transitions`` descending, then ``source``, then ``target``.

    Raises
    ------
    AnalysisError
        If ``by`` is not a journey kind, or a touchpoint of the log is named like
        ``ENTRY`` or ``EXIT``.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> from cxlib import EventLog
    >>> log = EventLog.from_frame(pl.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1, 9, m) for m in (0, 1, 3, 0)],
    ...     "touchpoint": ["home", "cart", "cart", "home"],
    ... }))
    >>> for row in transitions(log).rows():
    ...     print(row)
    ('(entry)', 'home', 2, 2, None)
    ('cart', '(exit)', 1, 1, None)
    ('cart', 'cart', 1, 1, 120.0)
    ('home', '(exit)', 1, 1, None)
    ('home', 'cart', 1, 1, 60.0)
    """
    # The journey graph page draws the graph and asks a what-if of it: both count these.
    return log.cache.reused("transitions", by, lambda: _transitions(log, by))


def _transitions(log: EventLog, by: JourneyBy) -> pl.DataFrame:
    table = journey_table(log, by=by)
    steps, customer = table.frame, table.customer
    # Grouped on the columns as they are and renamed after: a cast or fill_null before
    # the group_by copies the 10M-row text columns (measured +300 MB at 10M events).
    # The median of whole microseconds, in seconds after: a median of integers is
    # cheaper than of floats (10M events: 0.47 -> 0.34 CPU-s for the grouping).
    timed, median = grouped_median(
        steps.with_columns(_us=nw.col("next_epoch_us") - nw.col("epoch_us")),
        ["touchpoint", "next_touchpoint"],
        "_us",
    )
    counts = {
        "transitions": nw.len().cast(nw.Int64),
        "customers": nw.col(customer).n_unique().cast(nw.Int64),
    }
    seconds = (median.cast(nw.Float64) / SECOND_US).cast(nw.Float64)
    edges = grouped_edges(table, {**counts, "median_seconds": seconds}, counts, followed=timed)
    ordered = edges.sort(["transitions", "source", "target"], descending=[True, False, False])
    result: pl.DataFrame = collected_in_memory(ordered).to_native().cast(_SCHEMA)
    check_reserved_names(result)
    return result


def grouped_edges(
    table: Journeys,
    aggs: dict[str, nw.Expr],
    entered: dict[str, nw.Expr] | None = None,
    *,
    followed: nw.LazyFrame[Any] | None = None,
) -> nw.LazyFrame[Any]:
    """``aggs`` over the transitions of each edge of the journey graph: ``source``, ``target``, ...

    ``table`` is a journey table (:func:`cxlib.journeys.journey_table`). Each event is
    the source of exactly one edge (to the next event, or to :data:`~cxlib.EXIT`), and
    each journey's first event also the target of one from :data:`~cxlib.ENTRY`: those
    are aggregated by ``entered`` (default ``aggs``; an aggregation it lacks is null),
    the others by ``aggs`` over ``followed`` (default the table's rows; the same rows, perhaps
    with more columns).

    Examples
    --------
    >>> import datetime as dt
    >>> from cxlib.journeys import journey_table
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 3, "touchpoint": ["x", "y", "x"]}))
    >>> edges = grouped_edges(journey_table(log), {"n": nw.len()})
    >>> edges.sort("source", "target").collect().rows()
    [('(entry)', 'x', 2), ('x', '(exit)', 1), ('x', 'y', 1), ('y', '(exit)', 1)]
    """
    entered = aggs if entered is None else entered
    # Touchpoints are never null, so a null next one is the journey's end.
    pairs = grouped_by_pair(
        table.frame if followed is None else followed, ["touchpoint", "next_touchpoint"], **aggs
    ).with_columns(
        source=nw.col("touchpoint").cast(nw.String),
        target=nw.col("next_touchpoint").cast(nw.String).fill_null(EXIT),
    )
    missing = {c: nw.lit(None, dtype=nw.Float64) for c in aggs if c not in entered}
    firsts = (
        table.first_steps()
        .group_by("touchpoint")
        .agg(**entered)
        .with_columns(source=nw.lit(ENTRY), target=nw.col("touchpoint").cast(nw.String), **missing)
    )
    columns = ["source", "target", *aggs]
    return nw.concat([pairs.select(columns), firsts.select(columns)], how="vertical")


def check_reserved_names(table: pl.DataFrame) -> None:
    """Refuse a log whose touchpoints are named like ENTRY or EXIT: the table would be ambiguous.

    Every real event is the target of one transition and the source of one, so a
    touchpoint named ENTRY shows up as a target, one named EXIT as a source.
    """
    for name, column in ((ENTRY, "target"), (EXIT, "source")):
        if name in table[column]:
            msg = (
                f"the log has a touchpoint named {name!r}, which cxlib reserves for where "
                "journeys start and end; rename that touchpoint in the data"
            )
            raise AnalysisError(msg)

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

import narwhals as nw
import polars as pl

from cxlib.engines import collected_in_memory, grouped_by_pair, grouped_median
from cxlib.errors import AnalysisError
from cxlib.journeys import JourneyBy, journey_table
from cxlib.log import ENTRY, EXIT, EventLog
from cxlib.units import SECOND_US

__all__ = ["transitions"]

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
    steps, _, customer, _ = journey_table(log, by=by)
    # Each event is the source of exactly one edge (to the next event or to EXIT).
    # Grouped on the columns as they are and renamed after: a cast or fill_null before
    # the group_by copies the 10M-row text columns (measured +300 MB at 10M events).
    pair = ["touchpoint", "next_touchpoint"]
    timed, median = grouped_median(
        steps.with_columns(
            seconds=((nw.col("next_epoch_us") - nw.col("epoch_us")) / SECOND_US).cast(nw.Float64)
        ),
        pair,
        "seconds",
    )
    followed = (
        grouped_by_pair(
            timed,
            pair,
            transitions=nw.len().cast(nw.Int64),
            customers=nw.col(customer).n_unique().cast(nw.Int64),
            median_seconds=median.cast(nw.Float64),
        )
        # Touchpoints are never null, so a null next one is the journey's end.
        .with_columns(
            source=nw.col("touchpoint").cast(nw.String),
            target=nw.col("next_touchpoint").cast(nw.String).fill_null(EXIT),
        )
    )
    # Each journey's first event is also the target of one edge from ENTRY.
    entered = (
        steps.filter(nw.col("step") == 1)
        .group_by("touchpoint")
        .agg(
            transitions=nw.len().cast(nw.Int64),
            customers=nw.col(customer).n_unique().cast(nw.Int64),
        )
        .with_columns(
            source=nw.lit(ENTRY),
            target=nw.col("touchpoint").cast(nw.String),
            median_seconds=nw.lit(None, dtype=nw.Float64),
        )
    )
    columns = list(_SCHEMA)
    table = nw.concat([followed.select(columns), entered.select(columns)], how="vertical").sort(
        ["transitions", "source", "target"], descending=[True, False, False]
    )
    result: pl.DataFrame = collected_in_memory(table).to_native().cast(_SCHEMA)
    _check_reserved_names(result)
    return result


def _check_reserved_names(table: pl.DataFrame) -> None:
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

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

:mod:`~cxlib.journeys.logs` makes logs from a log keeping its journey order (filters,
sessions, renamings, collapsed repeats), :mod:`~cxlib.journeys.table` gives each
analysis its journey steps, and :mod:`~cxlib.journeys.in_memory` keeps each log's sorted
journeys on Polars.
"""

from cxlib.journeys.logs import (
    CORE,
    collapse_repeats,
    derived,
    journey_keys,
    kept,
    relabelled,
    sessionize,
    with_sessions,
)
from cxlib.journeys.table import (
    Journeys,
    journey_steps,
    journey_table,
    named_journeys,
    relabelled_touchpoint,
)
from cxlib.log import JourneyBy

__all__ = [
    "CORE",
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

"""The sorted journeys of a log on Polars: sorted once per log and journey kind, kept in its cache.

A log made from another (:mod:`cxlib.journeys.logs`) takes its parent's sorted journeys,
with rows kept or touchpoints renamed, and sessions are cut from the customers'
journeys: only a log read from data is sorted. Columns an analysis asks for later are
brought into the kept order then (:func:`cxlib.engines.gathered`).
"""

from __future__ import annotations

from collections.abc import Sequence

from cxlib.engines import (
    SortedJourneys,
    category_column,
    cut_sessions,
    gathered,
    kept_mask,
    kept_rows,
    repeated_rows,
    rows_where,
    sort_journeys,
    with_touchpoint,
)
from cxlib.journeys.logs import CORE, journey_keys
from cxlib.log import ORDER, Collapsed, Derivation, EventLog, JourneyBy, Relabelled, Sessions
from cxlib.units import DEFAULT_SESSION_GAP, parse_duration

__all__ = ["sorted_journeys"]


def sorted_journeys(
    log: EventLog, by: JourneyBy, columns: Sequence[str] = (), categories: Sequence[str] = ()
) -> SortedJourneys:
    """The core columns, ``columns`` and ``categories`` of ``log`` in journey order ``by``, kept in ``log.cache``.

    Each of ``categories`` is kept as :func:`cxlib.engines.category_column`.
    """
    columns = list(dict.fromkeys(columns))
    table = log.cache.journeys(by, lambda: _journeys_of(log, by, columns))
    missing = [c for c in columns if c not in table.columns]
    if missing and log.cache.origin is not None and set(missing) & _made_columns(log):
        # A column a derivation made (a sessions log's session_id) is not the one of the
        # frame the rows are numbered in: the journeys are made again with it.
        table = _journeys_of(log, by, columns)
        log.cache.keep_journeys(by, table)
        missing = [c for c in columns if c not in table.columns]
    coded = [c for c in categories if category_column(c) not in table.columns]
    if not missing and not coded:
        return table
    more = gathered(table, (log.cache.origin or log).frame, missing, categories=coded)
    if more is None:  # its rows came back in another order than when sorted: sort again
        log.cache.forget_journeys()
        return sorted_journeys(log, by, columns, categories)
    log.cache.keep_journeys(by, more)
    return more


def _made_columns(log: EventLog) -> set[str]:
    """The columns made by the derivations between ``log`` and the log read from data."""
    made = set()
    while log.cache.derived is not None:
        log, how = log.cache.derived
        if isinstance(how, Sessions):
            made.add("session_id")
    return made


def _journeys_of(log: EventLog, by: JourneyBy, columns: Sequence[str]) -> SortedJourneys:
    """The sorted journeys of ``log`` ``by``: made from those of the log it came from, or sorted."""
    if by == "session" and not log.has("session_id"):
        # Default sessions cut the customers' sorted journeys: no second sort.
        customers = sorted_journeys(log, "customer", columns)
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
        # session_id is the sessions log's own: cut, never the parent's
        customers = sorted_journeys(parent, "customer", [c for c in columns if c != "session_id"])
        if by == "customer" and "session_id" not in [*columns, *customers.columns]:
            return customers
        sessions = cut_sessions(customers, how.gap_us)
        return sessions if by == "session" else customers.with_columns(sessions["session_id"])
    if isinstance(how, Collapsed):
        # Sessions are cut from the customers' rows in their order: a mask fits either.
        table = sorted_journeys(parent, by, columns)
        repeats = repeated_rows(sorted_journeys(parent, how.by))
        return kept_rows(table, repeats.not_(), [*journey_keys(parent, by), *CORE, *columns])
    table = sorted_journeys(parent, by, [*how.columns, *columns])
    if isinstance(how, Relabelled):
        return with_touchpoint(table, rows_where(table, how.touchpoint))
    mask = kept_mask(table, how.condition, how.scope)
    return kept_rows(table, mask, [*journey_keys(parent, by), *CORE, *columns])

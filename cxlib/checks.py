"""Checks of what an analysis is asked for, with errors that suggest the fix.

Every analysis validates its arguments with these few helpers, so a typo reads the
same everywhere: ``touchpoint 'chekout' is not in the log; did you mean 'checkout'?``.

- :func:`check_known`: a value among the values it may take (touchpoints of a graph, ...);
- :func:`require_values` and :func:`require_touchpoints`: values that must occur in a log;
- :func:`require_column`: a column the log must have.

:func:`cxlib.errors.check_choice` checks options with a fixed set of values.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from cxlib.errors import AnalysisError
from cxlib.journeys import journey_table
from cxlib.log import EventLog

__all__ = [
    "check_known",
    "require_column",
    "require_touchpoints",
    "require_values",
]


def _suggestion(value: object, names: list[str]) -> str | None:
    """``did you mean 'x'?`` (up to three close names), or None when nothing is close."""
    close = difflib.get_close_matches(str(value), names, n=3)
    return "did you mean " + " or ".join(repr(name) for name in close) + "?" if close else None


def check_known(value: Any, known: Iterable[Any], *, what: str = "touchpoint") -> None:
    """Raise :class:`AnalysisError` unless ``value`` is one of ``known``, suggesting the closest.

    ``what`` names the kind of value in the message (``"touchpoint"``, ``"channel value"``).

    Examples
    --------
    >>> check_known("home", ["home", "cart"])
    >>> check_known("hom", ["home", "cart"])
    Traceback (most recent call last):
    ...
    cxlib.errors.AnalysisError: touchpoint 'hom' is not in the log; did you mean 'home'?
    >>> check_known("zzz", ["home", "cart"])
    Traceback (most recent call last):
    ...
    cxlib.errors.AnalysisError: touchpoint 'zzz' is not in the log; it has 2 touchpoints, e.g. ['cart', 'home']
    """
    present = {name for name in known if name is not None}
    if value in present:
        return
    names = sorted(str(name) for name in present)
    if names:
        hint = _suggestion(value, names) or f"it has {len(names)} {what}s, e.g. {names[:5]!r}"
    else:
        hint = "the log has no events"
    msg = f"{what} {value!r} is not in the log; {hint}"
    raise AnalysisError(msg)


def require_values(log: EventLog, column: str, wanted: Iterable[Any], *, what: str) -> None:
    """Raise :class:`AnalysisError` unless every value of ``wanted`` occurs in ``column`` of the log.

    An empty log has no values to check against and accepts every value (its results are
    empty). One pass over the log, only when something is wanted; the values found are
    kept in ``log.cache``.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a"], "country": ["Spain"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)], "touchpoint": ["home"]}))
    >>> require_values(log, "country", ["Spian"], what="country value")
    Traceback (most recent call last):
    ...
    cxlib.errors.AnalysisError: country value 'Spian' is not in the log; did you mean 'Spain'?
    """
    wanted = list(wanted)
    if not wanted:
        return

    def values() -> list[Any]:
        # From the journeys kept in memory where there are (a derived log's frame is a plan).
        events = journey_table(log, columns=[column], steps=False).frame
        return events.select(column).unique().collect("polars")[column].drop_nulls().to_list()

    # Kept: a page checks the same steps once per analysis (10M events: 0.04 CPU-s each).
    present = log.cache.reused(f"values of {column}", column, values)
    if not present:
        return
    known = set(present)  # once: a filter may want 100,000 touchpoints checked
    for value in wanted:
        if value not in known:
            check_known(value, present, what=what)


def require_touchpoints(log: EventLog, names: Iterable[str]) -> None:
    """Raise :class:`AnalysisError` if a name is not a touchpoint of the log (see :func:`require_values`).

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)], "touchpoint": ["checkout"]}))
    >>> require_touchpoints(log, ["chekout"])
    Traceback (most recent call last):
    ...
    cxlib.errors.AnalysisError: touchpoint 'chekout' is not in the log; did you mean 'checkout'?
    """
    require_values(log, "touchpoint", names, what="touchpoint")


def require_column(log: EventLog, column: str, *, purpose: str | None = None) -> None:
    """Raise :class:`AnalysisError` unless the log has ``column``; ``purpose`` says what it is for.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a"], "country": ["Spain"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)], "touchpoint": ["home"]}))
    >>> require_column(log, "countri", purpose="the breakdown")
    Traceback (most recent call last):
    ...
    cxlib.errors.AnalysisError: the log has no column 'countri' for the breakdown; did you mean 'country'?
    """
    columns = log.columns
    if column in columns:
        return
    close = difflib.get_close_matches(str(column), columns, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"its columns are {columns!r}"
    where = f" for {purpose}" if purpose else ""
    msg = f"the log has no column {column!r}{where}; {hint}"
    raise AnalysisError(msg)

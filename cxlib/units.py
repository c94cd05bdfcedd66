"""Time units: the one place that knows how long a second, a minute, an hour and a day are.

cxlib measures time on the integer ``epoch_us`` column (microseconds since 1970), and
reports durations in seconds. The ``*_US`` constants are microseconds, the ``*_S``
constants seconds. Durations that people type (a session gap, a conversion window, a
prediction horizon, a half-life) are strings such as ``"30m"`` read by
:func:`parse_duration`.
"""

from __future__ import annotations

import datetime as dt
import re

from cxlib.errors import AnalysisError

__all__ = [
    "DAY_S",
    "DAY_US",
    "DEFAULT_SESSION_GAP",
    "HOUR_S",
    "HOUR_US",
    "MINUTE_S",
    "MINUTE_US",
    "SECOND_US",
    "WEEK_US",
    "epoch_us_of",
    "parse_duration",
]

#: Seconds in a minute, an hour and a day.
MINUTE_S, HOUR_S, DAY_S = 60, 3_600, 86_400
#: Microseconds in a second, a minute, an hour, a day and a week.
SECOND_US = 1_000_000
MINUTE_US, HOUR_US, DAY_US = MINUTE_S * SECOND_US, HOUR_S * SECOND_US, DAY_S * SECOND_US
WEEK_US = 7 * DAY_US

#: The pause that ends a session unless another gap is given (``by="session"``).
DEFAULT_SESSION_GAP = "30m"

_UNITS_US = {"s": SECOND_US, "m": MINUTE_US, "h": HOUR_US, "d": DAY_US}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")


def parse_duration(text: str) -> int:
    """Read a duration such as ``"30m"``, ``"2h"``, ``"7d"`` or ``"45s"`` as microseconds.

    The number may have decimals; the unit is ``s``, ``m`` (minutes), ``h`` or ``d``.

    Examples
    --------
    >>> parse_duration("30m")
    1800000000
    >>> parse_duration("1.5h")
    5400000000
    >>> parse_duration("30 minutes")
    Traceback (most recent call last):
    ...
    cxlib.errors.AnalysisError: cannot read the duration '30 minutes'; write a number and a unit s, m, h or d, e.g. '30m'
    """
    match = _DURATION.match(text) if isinstance(text, str) else None
    if match is None:
        msg = (
            f"cannot read the duration {text!r}; write a number and a unit s, m, h or d, e.g. '30m'"
        )
        raise AnalysisError(msg)
    return int(float(match.group(1)) * _UNITS_US[match.group(2)])


_EPOCH = dt.datetime(1970, 1, 1)


def epoch_us_of(moment: dt.datetime | dt.date | str, name: str) -> int:
    """A moment as microseconds since 1970 UTC, like ``epoch_us`` (naive datetimes are UTC).

    A date is its midnight; a string is read as ISO (``'2024-01-31'``,
    ``'2024-01-31 09:00'``). ``name`` is the argument's name in the error message.

    Examples
    --------
    >>> epoch_us_of(dt.date(1970, 1, 2), "start"), epoch_us_of("1970-01-01 00:00:01", "end")
    (86400000000, 1000000)
    """
    if isinstance(moment, str):
        try:
            moment = dt.datetime.fromisoformat(moment)
        except ValueError as err:
            msg = (
                f"{name}={moment!r} is not a date; write it like '2024-01-31' or '2024-01-31 09:00'"
            )
            raise AnalysisError(msg) from err
    if not isinstance(moment, dt.datetime):
        if not isinstance(moment, dt.date):
            msg = f"{name}={moment!r} is not a date; pass a datetime, a date or an ISO string"
            raise AnalysisError(msg)
        moment = dt.datetime(moment.year, moment.month, moment.day)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return (moment - _EPOCH) // dt.timedelta(microseconds=1)

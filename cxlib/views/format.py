"""Numbers for people: one place for how counts, shares, durations, dates and money read.

Every chart label, graph label, tooltip and table of the app formats its numbers
here, so ``0.4724`` is ``47.2%`` everywhere, ``139`` seconds are ``2.3 min``, a count
has thousands separators and a date has no ``00:00:00``.

:func:`column_formats` tells, for a result table, how each column reads: its header
for people and its kind (a count, a share, a duration, a date, money...), from the
column names cxlib's analyses use. The app turns that into Streamlit column
settings (``ui.export.table``); a notebook can use it as it likes.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal

import polars as pl

from cxlib.rates import RATES
from cxlib.units import DAY_S, HOUR_S, MINUTE_S

__all__ = [
    "ColumnFormat",
    "Kind",
    "column_formats",
    "format_bytes",
    "format_count",
    "format_date",
    "format_money",
    "format_percent",
    "format_seconds",
    "header",
]

_UNITS = (("d", DAY_S), ("h", HOUR_S), ("min", MINUTE_S), ("s", 1))
#: What a missing number reads as.
NONE = "–"

Kind = Literal["count", "share", "duration", "date", "datetime", "money", "number", "text"]


def format_seconds(seconds: float | None) -> str:
    """A duration in words a person reads at a glance: the largest unit, one decimal.

    Examples
    --------
    >>> format_seconds(42), format_seconds(90), format_seconds(7_200), format_seconds(None)
    ('42 s', '1.5 min', '2 h', '–')
    >>> format_seconds(3 * 86_400 + 43_200)
    '3.5 d'
    """
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return NONE
    for unit, size in _UNITS:
        if abs(seconds) >= size or unit == "s":
            return f"{seconds / size:.1f}".removesuffix(".0") + f" {unit}"
    raise AssertionError("unreachable: the last unit always matches")  # pragma: no cover


def format_bytes(size: int) -> str:
    """A file's size in the largest binary unit it reaches, one decimal.

    Examples
    --------
    >>> format_bytes(512), format_bytes(1536), format_bytes(757 * 2**20), format_bytes(3 * 2**30)
    ('512 B', '1.5 KB', '757 MB', '3 GB')
    """
    for unit, power in (("GB", 3), ("MB", 2), ("KB", 1)):
        if size >= 1024**power:
            return f"{size / 1024**power:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} B"


def format_count(value: float | None) -> str:
    """A count with thousands separators (``None`` reads ``–``).

    Examples
    --------
    >>> format_count(1234567), format_count(3.0), format_count(None)
    ('1,234,567', '3', '–')
    """
    return NONE if value is None else f"{round(value):,}"


def format_percent(share: float | None, *, digits: int = 1) -> str:
    """A share (0 to 1) as a percentage: ``0.4724`` reads ``47.2%``.

    Examples
    --------
    >>> format_percent(0.4724), format_percent(0.4724, digits=0), format_percent(None)
    ('47.2%', '47%', '–')
    """
    return NONE if share is None else f"{share:.{digits}%}"


def format_money(value: float | None) -> str:
    """An amount of money: thousands separators and two decimals (the currency is the log's).

    Examples
    --------
    >>> format_money(1234.5), format_money(None)
    ('1,234.50', '–')
    """
    return NONE if value is None else f"{value:,.2f}"


def format_date(value: dt.date | dt.datetime | None) -> str:
    """A date, or a date and time when the time is not midnight.

    Examples
    --------
    >>> format_date(dt.datetime(2025, 1, 6)), format_date(dt.datetime(2025, 1, 6, 9, 30))
    ('2025-01-06', '2025-01-06 09:30')
    """
    if value is None:
        return NONE
    if isinstance(value, dt.datetime) and value.time() != dt.time(0):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.strftime("%Y-%m-%d")


@dataclass(frozen=True)
class ColumnFormat:
    """How one column of a result table reads: its header, its kind, and what it means."""

    header: str
    kind: Kind
    help: str | None = None


# Column names of cxlib's results whose kind the name alone does not tell.
_MONEY = ("value", "monetary", "revenue", "amount", "attributed_value")
#: A number of seconds: a duration wherever the word stands in the name.
_DURATION_WORDS = ("seconds",)
_SHARE_WORDS = ("share", "rate", "conversion", "probability", "lift", "pagerank", "betweenness")


def header(name: str) -> str:
    """A column's header for people: words, not snake_case (``median_seconds`` -> ``median time``).

    Examples
    --------
    >>> header("journeys_ending_share"), header("median_seconds"), header("exit_rate_low")
    ('journeys ending here', 'median time', 'exit rate (low)')
    """
    for suffix, note in (("_low", " (low)"), ("_high", " (high)")):
        if name.endswith(suffix) and name.removesuffix(suffix) in RATES:
            return header(name.removesuffix(suffix)) + note
    if name in RATES:
        return RATES[name].label
    return " ".join("time" if word in _DURATION_WORDS else word for word in name.split("_"))


def _kind(name: str, dtype: pl.DataType, values: pl.Series) -> Kind:
    base = name.removesuffix("_low").removesuffix("_high")
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime):
        midnight = values.drop_nulls().dt.time() == dt.time(0)
        return "date" if bool(midnight.all()) else "datetime"
    if not dtype.is_numeric():
        return "text"
    if any(word in base.split("_") for word in _DURATION_WORDS):
        return "duration"
    if base in _MONEY or base.endswith("_value"):
        return "money"
    if base in RATES or any(word in base.split("_") for word in _SHARE_WORDS):
        return "share" if dtype.is_float() else "count"
    return "count" if dtype.is_integer() else "number"


def column_formats(frame: pl.DataFrame) -> dict[str, ColumnFormat]:
    """How each column of a result table reads (see :class:`ColumnFormat`).

    Examples
    --------
    >>> frame = pl.DataFrame({"touchpoint": ["a"], "journeys": [1200], "exit_rate": [0.25],
    ...     "median_seconds": [139.0], "value": [9.5]})
    >>> {c: f.kind for c, f in column_formats(frame).items()}
    {'touchpoint': 'text', 'journeys': 'count', 'exit_rate': 'share', 'median_seconds': 'duration', 'value': 'money'}
    >>> column_formats(frame)["exit_rate"].help
    'exit rate: visits that end the journey / visits'
    """
    formats = {}
    for name, dtype in frame.schema.items():
        rate = RATES.get(name.removesuffix("_low").removesuffix("_high"))
        formats[name] = ColumnFormat(
            header=header(name),
            kind=_kind(name, dtype, frame[name]),
            help=rate.definition if rate is not None else None,
        )
    return formats

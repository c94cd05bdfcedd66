"""The grammar of the timestamp formats real exports use: the formats, month names, shapes.

:func:`candidate_formats` lists every text format :mod:`cxlib.io.timestamps` tries, most
common first; month names (English or Spanish) are normalised to English abbreviations
first (:data:`MONTH_REPLACEMENTS`, :func:`normalize_months`); :func:`shape` keeps each
format to the values it was meant for; :func:`swap_day_month` and :func:`day_order` tell
day-first from month-first.
"""

from __future__ import annotations

import functools
import itertools
import re
from typing import Literal

import polars as pl

__all__ = [
    "MONTH_REPLACEMENTS",
    "MONTH_WORD",
    "candidate_formats",
    "day_order",
    "normalize_months",
    "shape",
    "swap_day_month",
]

_MONTHS = {
    "jan": ("january", "jan", "enero", "ene"),
    "feb": ("february", "feb", "febrero"),
    "mar": ("march", "mar", "marzo"),
    "apr": ("april", "apr", "abril", "abr"),
    "may": ("may", "mayo"),
    "jun": ("june", "jun", "junio"),
    "jul": ("july", "jul", "julio"),
    "aug": ("august", "aug", "agosto", "ago"),
    "sep": ("september", "sept", "sep", "septiembre", "setiembre", "set"),
    "oct": ("october", "oct", "octubre"),
    "nov": ("november", "nov", "noviembre"),
    "dec": ("december", "dec", "diciembre", "dic"),
}
_WEEKDAYS = (
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thurs|fri"
    "|sat|sun|lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo"
    "|lun|mié|mie|jue|vie|sáb|dom"
)
MONTH_WORD = re.compile(
    r"(?i)(^|[^a-z])("
    + "|".join(w for words in _MONTHS.values() for w in words)
    + r")\.?($|[^a-z])"
)
#: Regular-expression replacements, in order, that turn month names (English or Spanish,
#: any case, abbreviated or not, with or without a weekday) into English abbreviations:
#: applied to lower-cased text before parsing with ``%b`` (here and on DuckDB or Spark).
MONTH_REPLACEMENTS: tuple[tuple[str, str], ...] = (
    (rf"\b({_WEEKDAYS})\b\.?,?\s*", ""),
    (r"\s+de\s+", " "),
    *(
        (rf"\b({'|'.join(sorted(words, key=len, reverse=True))})\b\.?", abbr)
        for abbr, words in _MONTHS.items()
    ),
    (r"\s+", " "),
)


def _y_first() -> list[str]:
    out = []
    clocks = ("%H:%M:%S", "%H:%M:%S%.f", "%H:%M")
    for joiner, clock, zone in itertools.product((" ", "T"), clocks, ("%#z", "", " %#z", " UTC")):
        out.append(f"%Y-%m-%d{joiner}{clock}{zone}")
    out.append("%Y-%m-%d")
    for sep in ("/", "."):
        out += [f"%Y{sep}%m{sep}%d {clock}" for clock in clocks] + [f"%Y{sep}%m{sep}%d"]
    return [*out, "%Y%m%d", "%Y%m%d%H%M%S", "%Y%m%d %H:%M:%S", "%Y%m%d %H:%M"]


_CLOCKS = ("", " %H:%M:%S", " %H:%M", " %H:%M:%S%.f", " %I:%M:%S %p", " %I:%M %p", " %I:%M%p")


def _day_month() -> list[str]:
    out = []
    for sep, year, clock in itertools.product(("/", ".", "-"), ("%Y", "%y"), _CLOCKS):
        # Day-first before month-first: the tie (no value above 12) is resolved day-first.
        out.append(f"%d{sep}%m{sep}{year}{clock}")
        out.append(f"%m{sep}%d{sep}{year}{clock}")
    return out


def _month_names() -> list[str]:
    dates = ("%d %b %Y", "%b %d, %Y", "%b %d %Y", "%d-%b-%Y", "%d-%b-%y", "%d %b %y", "%d/%b/%Y")
    out = [f"{date}{clock}" for date, clock in itertools.product(dates, _CLOCKS)]
    return [*out, "%b %d, %Y, %I:%M:%S %p", "%b %d, %Y, %I:%M %p", "%d/%b/%Y:%H:%M:%S %#z"]


def candidate_formats(*, months: bool = False) -> list[str]:
    """Every text format :func:`cxlib.io.timestamps.detect_format` tries (Polars/chrono codes), most common first.

    ``months=True`` gives the formats with month names (``%b``), tried on text that
    holds month names once they are normalised (see :data:`MONTH_REPLACEMENTS`).

    Examples
    --------
    >>> candidate_formats()[:3]
    ['%Y-%m-%d %H:%M:%S%#z', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S %#z']
    >>> candidate_formats(months=True)[0]
    '%d %b %Y'
    """
    return _month_names() if months else _y_first() + _day_month()


def swap_day_month(fmt: str) -> str:
    """The same format with the day and month fields swapped (``%d/%m`` <-> ``%m/%d``).

    Examples
    --------
    >>> swap_day_month("%d/%m/%Y %H:%M"), swap_day_month("%Y-%m-%d")
    ('%m/%d/%Y %H:%M', '%Y-%m-%d')
    """
    if day_order(fmt) is None:
        return fmt
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def day_order(fmt: str) -> Literal["day", "month"] | None:
    """Whether a numeric format reads day-first or month-first (None: year-first or named)."""
    if fmt.startswith("%d") and "%m" in fmt:
        return "day"
    if fmt.startswith("%m") and "%d" in fmt:
        return "month"
    return None


_SHAPES = {
    "%Y": r"\d{4}", "%y": r"\d{2}", "%m": r"\d{1,2}", "%d": r"\d{1,2}", "%H": r"\d{1,2}",
    "%I": r"\d{1,2}", "%M": r"\d{2}", "%S": r"\d{2}", "%.f": r"(\.\d{1,9})?",
    "%#z": r"(Z|[+-]\d{2}(:?\d{2})?)", "%z": r"[+-]\d{4}", "%p": r"[AaPp][Mm]", "%b": r"[a-z]{3}",
}  # fmt: skip
_CODE = re.compile(r"%[.#]?[a-zA-Z]")


@functools.cache
def shape(fmt: str) -> str:
    """A regular expression every value written in ``fmt`` matches, digit counts included.

    chrono's ``%Y`` reads any number of digits (``31.01.24`` would be the year 31 with
    ``%Y.%m.%d``): the shape keeps formats to the values they were meant for.

    Examples
    --------
    >>> bool(re.match(shape("%Y.%m.%d"), "31.01.24")), bool(re.match(shape("%d.%m.%y"), "31.01.24"))
    (False, True)
    """
    out, last = [], 0
    for m in _CODE.finditer(fmt):
        out += [re.escape(fmt[last : m.start()]), _SHAPES.get(m.group(), ".+?")]
        last = m.end()
    return "^" + "".join([*out, re.escape(fmt[last:])]) + "$"


def normalize_months(text: pl.Expr) -> pl.Expr:
    """Month names to English abbreviations (see :data:`MONTH_REPLACEMENTS`), as Polars.

    Examples
    --------
    >>> pl.select(normalize_months(pl.lit("Viernes, 5 de Enero de 2024"))).item()
    '5 jan 2024'
    """
    out = text.str.to_lowercase()
    for pattern, replacement in MONTH_REPLACEMENTS:
        out = out.str.replace_all(pattern, replacement)
    return out.str.strip_chars()

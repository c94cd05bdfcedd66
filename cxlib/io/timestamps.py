"""Timestamps: the grammar of the formats real exports use, detected once, parsed per format.

Parsing with an explicit format is about three times faster in Polars than inferring it
row by row, so :func:`detect_format` looks at a sample once and :func:`parse_expr`
applies what it found to every row. The grammar (:func:`candidate_formats`, in
:mod:`cxlib.io.timestamp_grammar`):

- ISO 8601 with ``T`` or a space, with or without seconds and fractions, with or without
  a zone (``Z``, ``+01:00``, ``+0100``, `` -0500``, `` UTC``); zoned values are converted
  to UTC, so a column mixing ``+01:00`` and ``+02:00`` lands on one clock;
- year first with ``-``, ``/`` or ``.`` (``2014/10/22 11:15:41.000``), and ``YYYYMMDD``;
- day-first and month-first dates with ``/``, ``-`` or ``.`` and two- or four-digit years
  (``31/12/2024``, ``12/31/2024 1:05 PM``, ``31.12.2024 09:30``), with 24-hour or AM/PM
  clocks;
- month names in English and Spanish, any case, with or without a weekday
  (``5 Jan 2024``, ``Jan 5, 2024 10:15 AM``, ``05-JAN-24``, ``5 de enero de 2024``);
- Unix epoch numbers in seconds, milliseconds, microseconds or nanoseconds, told apart by
  their magnitude, and Excel serial days (days since 1899-12-30) in a date-named column;
- columns that already hold datetimes or dates.

Day-first and month-first are told apart by the values above 12. When a sample cannot
tell, :attr:`TimestampFormat.other_order` holds the swapped formats and the loader decides
on the whole column (see :func:`cxlib.io.loader.load`), never row by row. The canonical
timestamp is ``Datetime("us")``, in UTC with no zone attached.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass
from typing import Literal

import polars as pl

from cxlib.errors import MappingError
from cxlib.io.timestamp_grammar import (
    MONTH_REPLACEMENTS,
    MONTH_WORD,
    candidate_formats,
    day_order,
    normalize_months,
    shape,
    swap_day_month,
)

__all__ = [
    "EPOCH_UNITS",
    "MONTH_REPLACEMENTS",
    "TimestampFormat",
    "candidate_formats",
    "detect_format",
    "explicit_format",
    "format_parsers",
    "parse_expr",
    "shape",
    "swap_day_month",
]

Kind = Literal["native", "text", "epoch", "excel"]
Unit = Literal["s", "ms", "us", "ns"]
EPOCH_UNITS: tuple[Unit, ...] = ("s", "ms", "us", "ns")

#: Microseconds per unit, and the magnitudes (absolute values) an epoch takes in each
#: unit for dates from 1990 to 2100 (the plausible range when guessing from data).
_US_PER = {"s": 1_000_000, "ms": 1_000, "us": 1, "ns": 0.001}
_EPOCH_1990_S, _EPOCH_2100_S = 631_152_000, 4_102_444_800
_UNIT_BY_SIZE: tuple[tuple[float, Unit], ...] = ((1e11, "s"), (1e14, "ms"), (1e17, "us"))
#: Excel serial days: day 25,569 is 1970-01-01; 10,000 to 99,999 spans 1927 to 2173.
_EXCEL_EPOCH_DAY, _EXCEL_MIN, _EXCEL_MAX = 25_569, 10_000, 100_000
_US_PER_DAY = 86_400_000_000
#: How many distinct values of a sample are tried against the formats, and how many
#: first probe every format (a format parsing none of these is not tried further).
_DETECT_VALUES, _PROBE_VALUES = 400, 40
_MOST_FORMATS = 4


_FORMATS = candidate_formats()
_MONTH_FORMATS = candidate_formats(months=True)


@dataclass(frozen=True)
class TimestampFormat:
    """How a timestamp column is written, as found by :func:`detect_format` or given.

    ``formats`` holds one or more text formats (Polars/chrono codes), tried in order, for
    columns that mix forms; ``unit`` is the epoch unit; ``strip`` says blanks around the
    values are removed first; ``months`` that month names are normalised first (see
    :data:`MONTH_REPLACEMENTS`). ``other_order`` holds the formats with day and month
    swapped when the sample could not tell them apart; ``note`` says what was assumed.
    """

    kind: Kind
    formats: tuple[str, ...] = ()
    unit: Unit | None = None
    strip: bool = False
    months: bool = False
    other_order: tuple[str, ...] = ()
    note: str | None = None

    @property
    def replacements(self) -> tuple[tuple[str, str], ...]:
        """Regular-expression replacements applied to the lower-cased text before parsing."""
        return MONTH_REPLACEMENTS if self.months else ()

    def describe(self) -> str:
        """The format in words, for the load report.

        Examples
        --------
        >>> TimestampFormat("epoch", unit="ns").describe()
        'Unix epoch (ns)'
        >>> TimestampFormat("text", ("%d/%m/%Y", "%Y-%m-%d")).describe()
        '%d/%m/%Y | %Y-%m-%d'
        """
        if self.kind == "epoch":
            return f"Unix epoch ({self.unit})"
        if self.kind == "excel":
            return "Excel serial days"
        if self.kind == "native":
            return "datetime values"
        return " | ".join(self.formats)

    def swapped(self) -> TimestampFormat:
        """The format with day and month swapped (when :attr:`other_order` is set)."""
        return dataclasses.replace(self, formats=self.other_order, other_order=self.formats)


def _epoch_unit(magnitude: float) -> Unit:
    return next((unit for limit, unit in _UNIT_BY_SIZE if magnitude < limit), "ns")


def _plausible_epoch(magnitude: float, unit: Unit) -> bool:
    seconds = magnitude * _US_PER[unit] / 1_000_000
    return _EPOCH_1990_S <= seconds <= _EPOCH_2100_S


def _as_number(values: pl.Series) -> pl.Series | None:
    """The values as numbers when they are numbers or text of digits, else None."""
    if values.dtype.is_numeric():
        return values.cast(pl.Float64)
    if values.dtype != pl.String:
        return None
    numbers = values.str.strip_chars().cast(pl.Float64, strict=False)
    return numbers if numbers.null_count() == 0 else None


@functools.cache
def _shape_re(fmt: str) -> re.Pattern[str]:
    return re.compile(shape(fmt))


def _parses(fmt: str, column: str = "v") -> pl.Expr:
    text = pl.col(column)
    parsed = text.str.strptime(pl.Datetime("us"), fmt, strict=False).is_not_null()
    return (parsed & text.str.contains(shape(fmt))).alias(fmt)


def _parsed(values: pl.Series, fmt: str) -> pl.Series:
    return values.to_frame("v").select(_parses(fmt)).to_series()


def _parsed_all(values: pl.Series, formats: list[str]) -> pl.DataFrame:
    """Which values each format parses: one column per format, computed in one pass."""
    return values.to_frame("v").select(_parses(f) for f in formats)


#: What the start of a value written in some format of the grammar looks like: digits and
#: a separator, eight or more digits, or a month or weekday name. Other text is no date.
_DATE_START = re.compile(r"(?i)^\s*(\d{1,4}[-/. T:]|\d{8}|[a-zé]{3,}\.?,?\s|\d{1,2}[-/ ]?[a-z]{3})")


def _compact_date(values: pl.Series, numbers: pl.Series) -> TimestampFormat | None:
    """``19970101`` (and ``19970101093000``): digits that are dates, not epoch seconds."""
    text = values.cast(pl.String).str.strip_chars()
    if not (numbers == numbers.round()).all() or not text.str.contains(r"^\d+$").all():
        return None
    lengths = text.str.len_chars().unique()
    if lengths.len() != 1 or lengths[0] not in (8, 14):
        return None
    fmt = "%Y%m%d" if lengths[0] == 8 else "%Y%m%d%H%M%S"
    years = text.str.slice(0, 4).cast(pl.Int32)
    if not ((years >= 1900) & (years <= 2100)).all() or not _parsed(text, fmt).all():
        return None
    return TimestampFormat("text", (fmt,), strip=values.dtype == pl.String)


def _detect_number(values: pl.Series, numbers: pl.Series, *, guess: bool) -> TimestampFormat | None:
    compact = _compact_date(values, numbers)
    if compact is not None:
        return compact
    magnitude = float(numbers.abs().median())  # type: ignore[arg-type]
    strip = values.dtype == pl.String
    if not guess and _EXCEL_MIN <= magnitude < _EXCEL_MAX and numbers.min() > 0:  # type: ignore[operator]
        return TimestampFormat("excel", strip=strip)
    unit = _epoch_unit(magnitude)
    if guess and not _plausible_epoch(magnitude, unit):
        return None
    if not guess and magnitude < 1e5:  # small numbers (1, 2, 3) are no timestamps
        return None
    return TimestampFormat("epoch", unit=unit, strip=strip)


def _cover(stripped: pl.Series, formats: list[str]) -> tuple[list[str], dict[str, pl.Series]]:
    """Greedy cover: the format parsing most values, then those parsing most of the rest.

    Formats are first tried on a few values not yet covered (a format parsing none of
    them is not tried on the whole sample), so a second form that only appears further
    down the sample is still found. Day-first and month-first never mix: the first numeric
    format chosen sets the order (a value above 12 in the first field only parses
    day-first, so that order wins there).
    """
    ok: dict[str, pl.Series] = {}
    chosen: list[str] = []
    covered = pl.Series([False] * stripped.len())
    order = None
    while len(chosen) < _MOST_FORMATS and not covered.all():
        probe = stripped.filter(~covered).head(_PROBE_VALUES)
        texts = probe.to_list()
        # The shapes first (plain regular expressions on a few values), then chrono.
        untried = [f for f in formats if f not in ok and any(map(_shape_re(f).match, texts))]
        hits = (
            _parsed_all(probe, untried).select(pl.all().any()).row(0, named=True) if untried else {}
        )
        found = [f for f in untried if hits[f]]
        if found:
            ok |= _parsed_all(stripped, found).to_dict()
        allowed = [
            f for f in ok if f not in chosen and (order is None or day_order(f) in (None, order))
        ]
        gain = {f: int((ok[f] & ~covered).sum()) for f in allowed}
        ranked = sorted(allowed, key=formats.index)
        best = max(ranked, key=lambda f: gain[f], default=None)  # max keeps the first of equals
        if best is None or gain[best] == 0:
            break
        chosen.append(best)
        covered = covered | ok[best]
        order = order or day_order(best)
    return chosen, ok


def _detect_text(values: pl.Series) -> TimestampFormat | None:
    values = values.unique(maintain_order=True)
    if values.len() > _DETECT_VALUES:
        values = values.sample(_DETECT_VALUES, seed=0)
    stripped = values.str.strip_chars()
    if not stripped.str.contains(r"\d").any():
        return None
    if stripped.head(_PROBE_VALUES).str.contains(_DATE_START.pattern).mean() < 0.5:  # type: ignore[operator]
        return None  # codes, names, amounts: no value starts like a date
    strip = bool((stripped != values).any())
    months = bool(stripped.str.contains(MONTH_WORD.pattern).any())
    chosen: list[str] = []
    if months:
        named = pl.select(normalize_months(pl.lit(stripped))).to_series()
        chosen, ok = _cover(named, _MONTH_FORMATS)
    if not chosen:
        months = False
        chosen, ok = _cover(stripped, _FORMATS)
    if not chosen:
        return None
    other: tuple[str, ...] = ()
    note = None
    swapped = [swap_day_month(f) for f in chosen]
    if swapped != chosen and all(
        (ok[s] if s in ok else _parsed(stripped, s)).equals(ok[f])
        for f, s in zip(chosen, swapped, strict=True)
    ):
        other = tuple(swapped)  # the sample cannot tell day-first from month-first
        note = "no day above 12 in the sample"
    return TimestampFormat(
        "text", tuple(chosen), strip=strip, months=months, other_order=other, note=note
    )


def detect_format(values: pl.Series, *, guess: bool = False) -> TimestampFormat | None:
    """Find how a sample of a column writes its timestamps, or None if it does not.

    ``guess=True`` is for columns chosen by their data rather than their name: epoch
    numbers must then fall between 1990 and 2100, and Excel serial days are not guessed.

    Examples
    --------
    >>> detect_format(pl.Series(["31/01/2024 09:30", "01/02/2024 10:00"])).formats
    ('%d/%m/%Y %H:%M',)
    >>> detect_format(pl.Series([1538405774195002000])).unit
    'ns'
    >>> detect_format(pl.Series(["19970101", "19970102"])).formats
    ('%Y%m%d',)
    >>> detect_format(pl.Series(["visit", "buy"])) is None
    True
    """
    values = values.drop_nulls()
    if values.dtype == pl.String:
        values = values.filter(values.str.strip_chars() != "")
    if values.dtype in (pl.Date, pl.Datetime) or isinstance(values.dtype, pl.Datetime):
        return TimestampFormat("native")
    if values.len() == 0:
        return None
    numbers = _as_number(values)
    if numbers is not None:
        return _detect_number(values, numbers, guess=guess)
    if values.dtype != pl.String:
        return None
    return _detect_text(values)


_FRIENDLY = (
    ("YYYY", "%Y"), ("yyyy", "%Y"), ("YY", "%y"), ("yy", "%y"), ("MMMM", "%B"), ("MMM", "%b"),
    ("MM", "%m"), ("DD", "%d"), ("dd", "%d"), ("HH", "%H"), ("hh", "%I"), ("mm", "%M"),
    ("ss", "%S"), ("AM", "%p"), ("PM", "%p"),
)  # fmt: skip
_FRIENDLY_RE = re.compile("|".join(re.escape(k) for k, _ in _FRIENDLY))


def explicit_format(text: str) -> TimestampFormat:
    """The format a person gave, checked: codes, a pattern, an epoch unit or ``excel``.

    Polars/chrono codes (``%d/%m/%Y %H:%M``), a pattern (``DD/MM/YYYY HH:mm``), an epoch
    unit (``s``, ``ms``, ``us``, ``ns``) or ``excel`` (serial days). Raises :class:`~cxlib.errors.MappingError` for a format Polars cannot use.

    Examples
    --------
    >>> explicit_format("DD.MM.YYYY HH:mm").formats
    ('%d.%m.%Y %H:%M',)
    >>> explicit_format("ms").unit
    'ms'
    """
    text = text.strip()
    if text in EPOCH_UNITS:
        return TimestampFormat("epoch", unit=text)
    if text.lower() == "excel":
        return TimestampFormat("excel", strip=True)
    fmt = text if "%" in text else _FRIENDLY_RE.sub(lambda m: dict(_FRIENDLY)[m.group()], text)
    months = "%b" in fmt or "%B" in fmt
    try:
        pl.select(pl.lit("2024-01-05").str.strptime(pl.Datetime("us"), fmt, strict=False))
    except pl.exceptions.PolarsError as err:
        msg = (
            f"the timestamp format {text!r} is not one Polars can read ({str(err).splitlines()[0]}): "
            "write it with codes such as %d/%m/%Y %H:%M:%S"
        )
        raise MappingError(msg) from err
    if "%" not in fmt or not re.search(r"%[YymdbBHIjs]", fmt):
        msg = f"the timestamp format {text!r} has no date fields: write it like %d/%m/%Y %H:%M"
        raise MappingError(msg)
    formats = (fmt.replace("%B", "%b"),) if months else (fmt,)
    return TimestampFormat("text", formats, strip=True, months=months)


def _prepared(source: pl.Expr, fmt: TimestampFormat, dtype: pl.DataType) -> pl.Expr:
    if dtype != pl.String:
        source = source.cast(pl.String)
    if fmt.strip or dtype != pl.String:
        source = source.str.strip_chars()
    return normalize_months(source) if fmt.months else source


def format_parsers(source: pl.Expr, fmt: TimestampFormat, dtype: pl.DataType) -> list[pl.Expr]:
    """One expression per text format of ``fmt``: the values it parses, null elsewhere."""
    text = _prepared(source, fmt, dtype)
    out = []
    for f in fmt.formats:
        one = text.str.strptime(pl.Datetime("us"), f, strict=False)
        if len(fmt.formats) > 1:  # a value goes to the format of its shape only
            one = pl.when(text.str.contains(shape(f))).then(one)
        out.append(one.dt.replace_time_zone(None) if "%#z" in f or "%z" in f else one)
    return out


def _number(source: pl.Expr, fmt: TimestampFormat, dtype: pl.DataType) -> pl.Expr:
    if fmt.strip and dtype == pl.String:
        source = source.str.strip_chars()
    return source.cast(pl.Float64, strict=False)


def parse_expr(source: pl.Expr, fmt: TimestampFormat, dtype: pl.DataType) -> pl.Expr:
    """A Polars expression turning ``source`` (of ``dtype``) into naive UTC ``Datetime("us")``.

    Values that do not fit the format become null (the loader counts and drops them).

    Examples
    --------
    >>> fmt = detect_format(pl.Series(["2024-03-31 02:30:00+02:00", "2024-03-30 12:00:00+01:00"]))
    >>> pl.select(parse_expr(pl.lit("2024-03-31 02:30:00+02:00"), fmt, pl.String)).item()
    datetime.datetime(2024, 3, 31, 0, 30)
    >>> fmt = detect_format(pl.Series(["5 de enero de 2024", "12 dic 2023"]))
    >>> pl.select(parse_expr(pl.lit("12 DIC 2023"), fmt, pl.String)).item()
    datetime.datetime(2023, 12, 12, 0, 0)
    """
    if fmt.kind == "native":
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            source = source.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        return source.cast(pl.Datetime("us"))
    if fmt.kind == "excel":
        days = _number(source, fmt, dtype)
        micros = ((days - _EXCEL_EPOCH_DAY) * _US_PER_DAY).round().cast(pl.Int64)
        return pl.from_epoch(pl.when(days.abs() < 3e6).then(micros), time_unit="us")
    if fmt.kind == "epoch":
        if fmt.strip and dtype == pl.String:
            source = source.str.strip_chars()
        limit = _EPOCH_2100_S * 10 * 1_000_000 / _US_PER[fmt.unit or "s"]
        if dtype.is_integer() or (dtype == pl.String and fmt.unit in ("us", "ns")):
            number = source.cast(pl.Int64, strict=False)
            micros = number // 1000 if fmt.unit == "ns" else number * int(_US_PER[fmt.unit or "s"])
        else:
            number = source.cast(pl.Float64, strict=False)
            micros = (number * _US_PER[fmt.unit or "s"]).round().cast(pl.Int64)
        # Guard against overflow on absurd numbers: they are unparseable, not errors.
        micros = pl.when(number.abs() < limit).then(micros)
        return pl.from_epoch(micros, time_unit="us")
    parsed = format_parsers(source, fmt, dtype)
    return pl.coalesce(parsed) if len(parsed) > 1 else parsed[0]

"""Timestamps parsed on DuckDB and Spark: Polars' format codes translated to each engine's.

:mod:`cxlib.io.timestamps` describes a column's timestamps in Polars/chrono codes
(``%d/%m/%Y %H:%M:%S%.f``). :func:`sql_timestamp` gives the same parse as SQL for
DuckDB (``try_strptime`` with DuckDB's codes) or Spark (``try_to_timestamp`` with a
Java pattern), so a format detected or given is honoured alike on every engine: a naive
UTC ``TIMESTAMP``, null where a value does not fit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal, Protocol

__all__ = ["ParseSpec", "duckdb_formats", "spark_pattern", "sql_timestamp"]

SqlEngine = Literal["duckdb", "pyspark"]

#: Microseconds per epoch unit (nanoseconds are divided).
_US_PER = {"s": 1_000_000, "ms": 1_000, "us": 1}
_EXCEL_EPOCH_DAY, _US_PER_DAY = 25_569, 86_400_000_000
_ZONES = ("%#z", "%:z", "%z")
_CODE = re.compile(r"%[#:.]?[0-9]?[a-zA-Z%]")
_SPARK = {
    "%Y": "yyyy", "%y": "yy", "%m": "M", "%d": "d", "%H": "H", "%I": "h", "%M": "m",
    "%S": "s", "%p": "a", "%b": "MMM", "%B": "MMMM", "%a": "EEE", "%A": "EEEE", "%j": "D",
    "%.f": "[.SSSSSSSSS]", "%.3f": ".SSS", "%.6f": ".SSSSSS", "%.9f": ".SSSSSSSSS",
    "%#z": "[XXX][XX][X]", "%:z": "XXX", "%z": "[XX][XXX]", "%%": "%",
}  # fmt: skip
#: Fields that take a fixed width in Spark when written next to another number (20240105).
_NUMERIC = {"%Y", "%y", "%m", "%d", "%H", "%I", "%M", "%S"}


class ParseSpec(Protocol):
    """What :func:`sql_timestamp` reads of a :class:`cxlib.io.timestamps.TimestampFormat`."""

    @property
    def kind(self) -> str: ...  # noqa: D102 ("native", "text", "epoch" or "excel")

    @property
    def formats(self) -> tuple[str, ...]: ...  # noqa: D102

    @property
    def unit(self) -> str | None: ...  # noqa: D102

    @property
    def strip(self) -> bool: ...  # noqa: D102

    @property
    def replacements(self) -> tuple[tuple[str, str], ...]: ...  # noqa: D102


def duckdb_formats(fmt: str) -> list[str]:
    """DuckDB ``strptime`` formats equal to one Polars format (an optional fraction gives two).

    Examples
    --------
    >>> duckdb_formats("%Y/%m/%d %H:%M:%S%.f")
    ['%Y/%m/%d %H:%M:%S.%n', '%Y/%m/%d %H:%M:%S']
    >>> duckdb_formats("%Y-%m-%dT%H:%M:%S%#z")
    ['%Y-%m-%dT%H:%M:%S%z']
    """
    out = fmt.replace("%.3f", ".%g").replace("%.6f", ".%f").replace("%.9f", ".%n")
    out = out.replace("%#z", "%z").replace("%:z", "%z")
    if "%.f" in out:
        return [out.replace("%.f", ".%n"), out.replace("%.f", "")]
    return [out]


def spark_pattern(fmt: str) -> str:
    """The Spark (Java ``DateTimeFormatter``) pattern equal to one Polars format.

    One-letter fields read one or two digits; fields written next to another number
    (``%Y%m%d``) keep their fixed width; letters outside the codes are quoted.

    Examples
    --------
    >>> spark_pattern("%d/%m/%Y %I:%M %p")
    'd/M/yyyy h:m a'
    >>> spark_pattern("%Y%m%d"), spark_pattern("%Y-%m-%dT%H:%M:%S%.f%#z")
    ('yyyyMMdd', "yyyy-M-d'T'H:m:s[.SSSSSSSSS][XXX][XX][X]")
    """
    pieces: list[tuple[str, bool]] = []
    last = 0
    for m in _CODE.finditer(fmt):
        if m.start() > last:
            pieces.append((fmt[last : m.start()], False))
        pieces.append((m.group(), True))
        last = m.end()
    if last < len(fmt):
        pieces.append((fmt[last:], False))
    out = []
    for i, (piece, is_code) in enumerate(pieces):
        if not is_code:
            out.append(re.sub(r"([A-Za-z]+)", r"'\1'", piece.replace("'", "''")))
            continue
        java = _SPARK.get(piece, piece)
        neighbours = [pieces[j] for j in (i - 1, i + 1) if 0 <= j < len(pieces)]
        if piece in _NUMERIC and len(java) == 1 and any(c and p in _NUMERIC for p, c in neighbours):
            java *= 2
        out.append(java)
    return "".join(out)


def _text(column: str, spec: ParseSpec, engine: SqlEngine) -> str:
    text = f"trim({column})" if spec.strip else column
    if spec.replacements:
        text = f"lower({text})"
        for pattern, replacement in spec.replacements:
            if engine == "pyspark":  # Spark's string literals read backslashes as escapes
                pattern = pattern.replace("\\", "\\\\")
            flags = ", 'g'" if engine == "duckdb" else ""
            text = f"regexp_replace({text}, '{pattern}', '{replacement}'{flags})"
        text = f"trim({text})"
    return text


def _micros(micros: str, engine: SqlEngine) -> str:
    return f"{'make_timestamp' if engine == 'duckdb' else 'timestamp_micros'}({micros})"


def _one_format(text: str, fmt: str, engine: SqlEngine) -> str:
    zoned = any(z in fmt for z in _ZONES)
    if engine == "pyspark":  # a double-quoted literal: the pattern quotes its letters with '
        pattern = spark_pattern(fmt).replace("\\", "\\\\").replace('"', '\\"')
        return f'try_to_timestamp({text}, "{pattern}")'

    if zoned:  # DuckDB's %z reads +01:00, +0100 and +01, not Z
        text = f"regexp_replace({text}, '[Zz]$', '+00:00')"
    formats = [f.replace("'", "''") for f in duckdb_formats(fmt)]
    listed = (
        f"'{formats[0]}'" if len(formats) == 1 else "[" + ", ".join(f"'{f}'" for f in formats) + "]"
    )
    parsed = f"try_strptime({text}, {listed})"
    return f"timezone('UTC', {parsed})" if zoned else parsed


def sql_timestamp(column: str, spec: ParseSpec, engine: SqlEngine) -> str:
    """The parse :func:`cxlib.io.timestamps.parse_expr` does, as SQL for DuckDB or Spark.

    ``column`` is an SQL expression (a quoted column name); the result is a naive UTC
    timestamp, null where a value does not fit (``native`` columns are not parsed here).

    Examples
    --------
    >>> from cxlib.io.timestamps import TimestampFormat
    >>> sql_timestamp("t", TimestampFormat("epoch", unit="ns"), "pyspark")
    'timestamp_micros(try_cast(t AS BIGINT) div 1000)'
    >>> print(sql_timestamp('"t"', TimestampFormat("text", ("%d.%m.%Y",)), "duckdb"))
    try_strptime("t", '%d.%m.%Y')
    >>> print(sql_timestamp("`t`", TimestampFormat("text", ("%m/%d/%Y %I:%M %p",)), "pyspark"))
    try_to_timestamp(`t`, "M/d/yyyy h:m a")
    """
    if spec.kind == "epoch":
        unit = spec.unit or "s"
        column = f"trim({column})" if spec.strip else column
        micros = f"try_cast({column} AS BIGINT)"
        if unit != "us":
            div = "//" if engine == "duckdb" else "div"
            micros = f"{micros} {div} 1000" if unit == "ns" else f"{micros} * {_US_PER[unit]}"
        return _micros(micros, engine)
    if spec.kind == "excel":
        days = f"try_cast({f'trim({column})' if spec.strip else column} AS DOUBLE)"
        micros = f"CAST(round(({days} - {_EXCEL_EPOCH_DAY}) * {_US_PER_DAY}) AS BIGINT)"
        return _micros(micros, engine)
    text = _text(column, spec, engine)
    parts: Sequence[str] = [_one_format(text, f, engine) for f in spec.formats]
    return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"

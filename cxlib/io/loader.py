"""Loading: any event log in, canonical :class:`~cxlib.log.EventLog` out, with a report.

:func:`load` reads a source (see :mod:`cxlib.io.readers`), recognises which column
plays which role (see :mod:`cxlib.io.recognize`), parses the timestamps with the
format detected on a sample (see :mod:`cxlib.io.timestamps`), casts the canonical
columns, drops the events that cannot be placed in a journey and says how many
and why in a :class:`~cxlib.log.LoadReport`.

A file is read once into one Polars frame, transformed in place of its columns and
wrapped lazily, so analyses never re-read it. Parquet stays lazy; DuckDB and
PySpark frames are transformed on their own engine and never collected.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import narwhals as nw
import polars as pl

from cxlib.engines import engine_of, spark_functions, with_epoch_us, with_event_index
from cxlib.errors import LoadError
from cxlib.io.readers import Table, read, sanitize_names
from cxlib.io.recognize import Recognition, recognize, timestamp_source
from cxlib.io.report import (
    DROP_REASONS,
    RATING_TEXT,
    TS_TEXT,
    VALUE_TEXT,
    check_timestamps,
    collect_row,
    drop_counts,
    log_stats,
    null_counts,
)
from cxlib.io.timestamps import parse_expr, sql_expr
from cxlib.log import (
    INTERNAL_COLUMNS,
    OPTIONAL_ROLES,
    REQUIRED_ROLES,
    EventLog,
    LoadReport,
    RoleMatch,
)

__all__ = ["DROP_REASONS", "load"]

_SAMPLE = 1000
_INDEX_TMP = "__cx_event_index"
_INDEX = pl.col(_INDEX_TMP).alias("event_index")
_RESERVED = {*REQUIRED_ROLES, *OPTIONAL_ROLES, *INTERNAL_COLUMNS}


@dataclass
class _Part:
    """One source after mapping and dropping: the canonical frame and what it took."""

    name: str
    frame: Any
    recognition: Recognition
    rows_read: int
    dropped: dict[str, int]
    notes: list[str] = field(default_factory=list)


def load(
    source: Any,
    *,
    customer: str | None = None,
    timestamp: str | tuple[str, str] | None = None,
    touchpoint: str | None = None,
    channel: str | None = None,
    value: str | None = None,
    rating: str | None = None,
    timestamp_format: str | None = None,
    separator: str | None = None,
    encoding: str = "utf8",
    sheet: str | int | None = None,
    table: str | None = None,
) -> EventLog:
    r"""Load an event log from a file, bytes, a file object or a frame, with no configuration.

    Parameters
    ----------
    source
        A path (CSV / TSV / any delimiter, Parquet file or folder, JSON, JSON lines,
        XES, ``.xes.gz``, Excel ``.xlsx``, DuckDB database), ``bytes`` or a file object
        of one, a Spark Connect address (``"sc://host:15002"``, with ``table=``), a
        Polars / pandas / DuckDB / PySpark frame, or a list of files and Polars frames
        merged into one log (each event then gets ``source``: the file name).
    customer, timestamp, touchpoint, channel, value, rating
        The column playing each role; recognised from names and data when not given.
        ``timestamp`` may be a ``(date_column, time_column)`` pair.
    timestamp_format
        A strptime format (``"%d/%m/%Y %H:%M"``) or an epoch unit (``"s"``, ``"ms"``,
        ``"us"``, ``"ns"``); detected on a sample when not given.
    separator, encoding
        For delimited text: the separator (sniffed when not given) and the encoding
        (``"utf8"``; ``"latin-1"``, ``"cp1252"``, ... are decoded first).
    sheet, table
        The Excel sheet (name, or position from 1), and the table to read from a
        DuckDB database or a Spark Connect server (may be left out when there is one).

    Returns
    -------
    EventLog
        Canonical columns, ``mapping`` (a :class:`RoleMatch` per role) and ``report``.

    Raises
    ------
    LoadError
        The source cannot be read (format, encoding, empty file, no events).
    MappingError
        A role cannot be mapped (no such column, no timestamps, mostly unparseable).

    Examples
    --------
    >>> log = load(b"user_id;event;fecha\n7;visit;31/01/2024 09:00\n7;buy;31/01/2024 09:05\n")
    >>> log.to_polars().select("customer_id", "touchpoint", "timestamp").rows()[1]
    ('7', 'buy', datetime.datetime(2024, 1, 31, 9, 5))
    >>> log.mapping["timestamp"].column, log.report.timestamp_format
    ('fecha', '%d/%m/%Y %H:%M')
    """
    sources = list(source) if isinstance(source, list | tuple) else [source]
    if not sources:
        msg = "load() got an empty list of sources; pass at least one file or frame"
        raise LoadError(msg)
    explicit = {
        "customer_id": customer,
        "timestamp": timestamp,
        "touchpoint": touchpoint,
        "channel": channel,
        "value": value,
        "rating": rating,
    }
    options = {"separator": separator, "encoding": encoding, "sheet": sheet, "table": table}
    tables = [read(s, **options) for s in sources]
    merged = len(tables) > 1
    names = sanitize_names([t.name for t in tables])
    try:
        parts, offset = [], 0
        for tab, name in zip(tables, names, strict=True):
            tab.name = name
            part = _prepare(tab, explicit, timestamp_format, offset=offset, merged=merged)
            parts.append(part)
            offset += part.rows_read
        frame = parts[0].frame if not merged else _concat([p.frame for p in parts], names)
        return _finish(frame, parts)
    except pl.exceptions.PolarsError as err:  # a lazy source failing past the sample rows
        msg = f"cannot load {names if merged else names[0]!r}: {str(err).splitlines()[0]}"
        raise LoadError(msg) from err


def _sample(frame: Any) -> pl.DataFrame:
    """The first rows and rows spread over the whole source, as a small Polars frame."""
    try:
        if isinstance(frame, pl.DataFrame):
            if frame.height <= 2 * _SAMPLE:
                return frame
            spread = frame.gather_every(frame.height // _SAMPLE)
            return pl.concat([frame.head(_SAMPLE), spread])
        if isinstance(frame, pl.LazyFrame):
            return frame.head(2 * _SAMPLE).collect()
        return frame.head(2 * _SAMPLE).collect("polars").to_native()
    except pl.exceptions.PolarsError as err:
        msg = f"cannot read the source: {str(err).splitlines()[0]}"
        raise LoadError(msg) from err


def _prepare(
    tab: Table,
    explicit: dict[str, Any],
    timestamp_format: str | None,
    *,
    offset: int,
    merged: bool,
) -> _Part:
    sample = _sample(tab.frame)
    if sample.height == 0:
        msg = f"{tab.name!r} has no events: only a header with columns {sample.columns!r}"
        raise LoadError(msg)
    rec = recognize(sample, explicit, timestamp_format=timestamp_format)
    return _map(tab, sample, rec, offset=offset, merged=merged)


def _map(tab: Table, sample: pl.DataFrame, rec: Recognition, *, offset: int, merged: bool) -> _Part:
    """Canonical columns, drop counts and the kept events of one source."""
    attributes = _attributes(sample.columns, rec, merged=merged)
    if isinstance(tab.frame, pl.DataFrame | pl.LazyFrame):
        exprs = _polars_columns(sample, rec, attributes, tab.name if merged else None)
        frame = nw.from_native(_with_row_index(tab.frame, offset).select(*exprs, _INDEX))
    else:
        frame = with_event_index(_foreign_columns(tab.frame, sample, rec, attributes))
    counts = null_counts(frame) or collect_row(frame.select(**drop_counts(frame.columns)))
    notes = list(tab.notes)
    check_timestamps(frame, rec, counts, notes)
    for role, text in (("value", VALUE_TEXT), ("rating", RATING_TEXT)):
        bad = counts.get(text, 0)
        if bad:
            column = rec.mapping[role].column
            notes.append(f"column {column!r} ({role}): {bad:,} values are not numbers, kept empty")
    dropped = {reason: counts[reason] for reason in DROP_REASONS if counts[reason]}
    if dropped:
        frame = frame.filter(
            ~nw.col("customer_id").is_null()
            & ~nw.col("touchpoint").is_null()
            & ~nw.col("timestamp").is_null()
        )
    kept = [c for c in frame.columns if c not in (TS_TEXT, VALUE_TEXT, RATING_TEXT)]
    frame = with_epoch_us(frame.select(kept)).to_native()
    if rec.timestamp_format.note:
        notes.append(rec.timestamp_format.note)
    return _Part(tab.name, frame, rec, counts["rows"], dropped, notes)


def _with_row_index(frame: pl.DataFrame | pl.LazyFrame, offset: int) -> pl.DataFrame | pl.LazyFrame:
    """Add the source row number, chunked like the other columns of an eager frame.

    A CSV is read in chunks; a single-chunk index next to them would make Polars
    realign, i.e. copy, every column at the next step.
    """
    if isinstance(frame, pl.LazyFrame):
        return frame.with_columns(
            (pl.int_range(pl.len(), dtype=pl.Int64) + offset).alias(_INDEX_TMP)
        )
    index = pl.int_range(offset, offset + frame.height, dtype=pl.Int64, eager=True).alias(
        _INDEX_TMP
    )
    if frame.width and frame.n_chunks() > 1:
        lengths = [len(chunk) for chunk in frame.to_series(0).get_chunks()]
        starts = itertools.accumulate(lengths[:-1], initial=0)
        index = pl.concat(
            [index.slice(s, n) for s, n in zip(starts, lengths, strict=True)], rechunk=False
        )
    return frame.hstack([index])


def _attributes(columns: list[str], rec: Recognition, *, merged: bool) -> dict[str, str]:
    """Source columns kept as attributes, and their names in the log (never a canonical name).

    A column named like a canonical one but not mapped to it (``channel`` when another
    column was given as ``channel=``) gets a suffix: ``channel_2``. A ``source`` column
    stays the log's ``source`` unless sources are merged (then ``source`` is the file).
    """
    used = {c for m in rec.mapping.values() for c in m.column.split(" + ")}
    used |= set(rec.timestamp_columns)
    reserved = _RESERVED if merged else _RESERVED - {"source"}
    taken = set(columns) | reserved
    out: dict[str, str] = {}
    for col in columns:
        if col in used:
            continue
        name, n = col, 1
        while col in reserved and name in taken:
            n += 1
            name = f"{col}_{n}"
        taken.add(name)
        out[col] = name
    return out


def _number_text(col: pl.Expr, sample: pl.Series) -> pl.Expr:
    text = col.str.strip_chars()
    values = sample.drop_nulls()
    if values.str.contains(",").any() and not values.str.contains(r"\.").any():
        text = text.str.replace(",", ".", literal=True)  # decimal comma (1234,50)
    return text.cast(pl.Float64, strict=False)


def _polars_columns(
    sample: pl.DataFrame, rec: Recognition, attributes: dict[str, str], source: str | None
) -> list[pl.Expr]:
    m = rec.mapping
    ts_text = timestamp_source(sample, rec.timestamp_columns)
    ts_dtype = sample.select(ts_text).to_series().dtype
    exprs = [
        _as_text(m["customer_id"].column, sample).alias("customer_id"),
        parse_expr(ts_text, rec.timestamp_format, ts_dtype).alias("timestamp"),
        _as_text(m["touchpoint"].column, sample).alias("touchpoint"),
        ts_text.alias(TS_TEXT),
    ]
    if "channel" in m:
        exprs.append(_as_text(m["channel"].column, sample).alias("channel"))
    for role, text in (("value", VALUE_TEXT), ("rating", RATING_TEXT)):
        if role not in m:
            continue
        column = m[role].column
        if sample.schema[column] == pl.String:
            exprs += [_number_text(pl.col(column), sample[column]).alias(role)]
            exprs += [pl.col(column).alias(text)]
        else:
            exprs.append(pl.col(column).cast(pl.Float64, strict=False).alias(role))
    if source is not None:
        exprs.append(pl.lit(source, dtype=pl.String).alias("source"))
    return exprs + [pl.col(c).alias(name) for c, name in attributes.items()]


def _as_text(column: str, sample: pl.DataFrame) -> pl.Expr:
    return pl.col(column) if sample.schema[column] == pl.String else pl.col(column).cast(pl.String)


def _foreign_columns(
    frame: nw.LazyFrame, sample: pl.DataFrame, rec: Recognition, attributes: dict[str, str]
) -> nw.LazyFrame:
    """Map the roles on DuckDB or Spark: SQL for what narwhals cannot say the same way on both."""
    engine = engine_of(frame)
    native = frame.to_native()
    mark = '"' if engine == "duckdb" else "`"

    def quote(name: str) -> str:
        return mark + name.replace(mark, mark + mark) + mark

    text_type = "VARCHAR" if engine == "duckdb" else "STRING"
    cols = rec.timestamp_columns
    ts_sql = quote(cols[0])
    if len(cols) == 2:
        date, clock = (f"CAST({quote(c)} AS {text_type})" for c in cols)
        ts_sql = f"concat({date}, ' ', {clock})"
    fmt = rec.timestamp_format
    sql: dict[str, str] = {TS_TEXT: ts_sql}
    zoned = isinstance(sample.schema[cols[0]], pl.Datetime) and sample.schema[cols[0]].time_zone
    if fmt.kind != "native":
        sql["__cx_ts"] = sql_expr(ts_sql, fmt, engine)  # type: ignore[arg-type]
    elif zoned and engine == "duckdb":  # narwhals cannot convert zones on DuckDB
        sql["__cx_ts"] = f"timezone('UTC', {ts_sql})"
    for role in ("value", "rating"):
        if role in rec.mapping:
            sql[f"__cx_{role}"] = f"try_cast({quote(rec.mapping[role].column)} AS DOUBLE)"
    if engine == "duckdb":
        extra = ", ".join(f"{expr} AS {quote(name)}" for name, expr in sql.items())
        native = native.project(f"*, {extra}")
    else:
        F = spark_functions(frame)  # noqa: N806 (pyspark's own name)
        native = native.withColumns({name: F.expr(expr) for name, expr in sql.items()})
    lazy = nw.from_native(native)
    m = rec.mapping
    ts = nw.col("__cx_ts" if "__cx_ts" in sql else cols[0]).cast(nw.Datetime("us"))
    exprs = {
        "customer_id": nw.col(m["customer_id"].column).cast(nw.String),
        "timestamp": ts,
        "touchpoint": nw.col(m["touchpoint"].column).cast(nw.String),
        TS_TEXT: nw.col(TS_TEXT),
    }
    if "channel" in m:
        exprs["channel"] = nw.col(m["channel"].column).cast(nw.String)
    for role in ("value", "rating"):
        if role in m:
            exprs[role] = nw.col(f"__cx_{role}").cast(nw.Float64)
    exprs |= {name: nw.col(c) for c, name in attributes.items()}
    return lazy.select(**exprs)


def _concat(frames: list[Any], names: Sequence[str]) -> pl.DataFrame | pl.LazyFrame:
    if not all(isinstance(f, pl.DataFrame | pl.LazyFrame) for f in frames):
        msg = "a list of sources can merge files and Polars frames; union DuckDB or Spark tables first"
        raise LoadError(msg)
    if any(isinstance(f, pl.LazyFrame) for f in frames):
        frames = [f.lazy() for f in frames]
    try:
        return pl.concat(frames, how="diagonal_relaxed", rechunk=False)
    except pl.exceptions.PolarsError as err:
        msg = (
            f"cannot merge {list(names)!r}: {str(err).splitlines()[0]}; rename the clashing column"
        )
        raise LoadError(msg) from err


def _merged_mapping(parts: list[_Part]) -> dict[str, RoleMatch]:
    out: dict[str, RoleMatch] = {}
    roles = dict.fromkeys(r for p in parts for r in p.recognition.mapping)
    for role in roles:
        matches = {p.name: p.recognition.mapping.get(role) for p in parts}
        found = [m for m in matches.values() if m is not None]
        columns = {m.column for m in found}
        confidence = min(m.confidence for m in found)
        if len(columns) == 1 and len(found) == len(parts):
            out[role] = RoleMatch(found[0].column, confidence, found[0].reason)
        else:
            per = "; ".join(f"{n}: {m.column if m else '-'}" for n, m in matches.items())
            out[role] = RoleMatch(per, confidence, "per source")
    return out


def _figures(frame: pl.DataFrame | pl.LazyFrame | Any) -> dict[str, Any]:
    """The report's figures about the kept events (computed when the report is first read)."""
    row = log_stats(frame)
    return {
        "duplicates": row["rows"] - row["distinct"],
        **{k: row[k] for k in ("time_min", "time_max", "customers", "touchpoints")},
    }


def _finish(frame: pl.DataFrame | pl.LazyFrame | Any, parts: list[_Part]) -> EventLog:
    dropped: dict[str, int] = {}
    for part in parts:
        for reason, n in part.dropped.items():
            dropped[reason] = dropped.get(reason, 0) + n
    notes = [note if len(parts) == 1 else f"{p.name}: {note}" for p in parts for note in p.notes]
    rows_read = sum(p.rows_read for p in parts)
    figures = functools.partial(_figures, frame)
    if not isinstance(frame, pl.DataFrame):
        # A lazy source (Parquet, DuckDB, Spark) is read through only by this pass: run it
        # now, so a value failing to cast deep in the source fails the load, not an analysis.
        figures = functools.partial(dict, figures())
    report = LoadReport(
        rows_read=rows_read,
        rows_kept=rows_read - sum(dropped.values()),
        dropped=dropped,
        timestamp_format=" / ".join(
            dict.fromkeys(p.recognition.timestamp_format.describe() for p in parts)
        ),
        sources=tuple(p.name for p in parts),
        notes=tuple(notes),
        statistics=figures,
    )
    mapping = parts[0].recognition.mapping if len(parts) == 1 else _merged_mapping(parts)
    native = frame.lazy() if isinstance(frame, pl.DataFrame) else frame
    return EventLog.from_frame(native, mapping=mapping, report=report)

"""Loading: any event log in, canonical :class:`~cxlib.log.EventLog` out, with a report.

:func:`load` reads a source (see :mod:`cxlib.io.readers`), recognises which column
plays which role (see :mod:`cxlib.io.recognize`), parses the timestamps with the
format detected on a sample (see :mod:`cxlib.io.timestamps`; a day/month order the
sample leaves open is settled on the whole column, and values no format read are
looked at again for a form the sample missed: :mod:`cxlib.io.settle`), casts the
canonical columns, drops the events that cannot be placed in a journey and says how
many and why in a :class:`~cxlib.log.LoadReport`.

A file is read once into one Polars frame, transformed in place of its columns and
wrapped lazily, so analyses never re-read it. Parquet stays lazy; DuckDB and
PySpark frames are transformed on their own engine (:mod:`cxlib.engines.loading`)
and never collected.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import sys
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import narwhals as nw
import polars as pl

from cxlib.engines import with_epoch_us
from cxlib.engines.loading import FORMAT_INDEX, map_roles
from cxlib.errors import CxError, LoadError
from cxlib.io import settle
from cxlib.io.columns import INDEX_TMP, polars_columns, role_plan, with_row_index
from cxlib.io.orders import one_row_per_order, order_column
from cxlib.io.readers import Table, read, sanitize_names
from cxlib.io.recognize import (
    Layout,
    Recognition,
    recognize,
    shown_columns,
)
from cxlib.io.report import (
    DROP_REASONS,
    RATING_TEXT,
    TS_TEXT,
    VALUE_TEXT,
    check_timestamps,
    collect_row,
    drop_counts,
    format_counts,
    null_counts,
    report_figures,
)
from cxlib.log import (
    EventLog,
    LoadReport,
    RoleMatch,
)

__all__ = ["DROP_REASONS", "foreign_errors", "load", "load_table", "sample_of"]

_SAMPLE = 1000
Role = str | Sequence[str] | None


@dataclass
class _Part:
    """One source after mapping and dropping: the canonical frame and what it took."""

    name: str
    frame: Any
    recognition: Recognition
    rows_read: int
    dropped: dict[str, int]
    formats: dict[str, int]
    notes: list[str] = field(default_factory=list)
    #: Whether the frame reads its columns one at a time cheaply: events as a Parquet
    #: source has them, nothing dropped (else every pass would redo the reshaping or the
    #: filter, and the filter parse timestamps).
    columnar: bool = False


def load(
    source: Any,
    *,
    customer: Role = None,
    timestamp: str | tuple[str, str] | None = None,
    touchpoint: Role = None,
    channel: str | None = None,
    value: str | tuple[str, str] | None = None,
    rating: str | None = None,
    timestamp_format: str | None = None,
    layout: Layout | None = None,
    separator: str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    header: bool | None = None,
    table: str | None = None,
) -> EventLog:
    r"""Load an event log from a file, bytes, a file object or a frame, with no configuration.

    Parameters
    ----------
    source
        A path (CSV / TSV / any delimiter / whitespace-aligned text, Parquet file or
        folder, JSON, JSON lines, XES, Excel, a gzip or zip of these, DuckDB database),
        ``bytes`` or a file object of one, a Spark Connect address (``"sc://host:15002"``,
        with ``table=``), a Polars / pandas / DuckDB / PySpark frame, a
        :class:`~cxlib.io.readers.Table` read already (the reading options are not used
        again), or a list of files and Polars frames merged into one log (each event
        then gets ``source``: the file).
    customer, timestamp, touchpoint, channel, value, rating
        The column playing each role; recognised from names and data when not given.
        ``timestamp`` may be a ``(date_column, time_column)`` pair; ``customer`` and
        ``touchpoint`` several columns, the first filled one taken per row; ``value`` a
        ``(quantity, unit_price)`` pair, multiplied (invoice lines).
    timestamp_format
        Polars/chrono codes (``"%d/%m/%Y %H:%M"``), a pattern (``"DD/MM/YYYY HH:mm"``),
        an epoch unit (``"s"``, ``"ms"``, ``"us"``, ``"ns"``) or ``"excel"`` (serial
        days); detected when not given. Honoured alike on Polars, DuckDB and Spark.
    layout
        The export's shape, found out when not given: ``"events"`` (a row per event),
        ``"purchases"`` (a transactions export: every row is a ``purchase``) or
        ``"dated_columns"`` (a row per ticket: each dated column makes an event).
    separator, encoding, header
        For text: the separator (one character or ``"whitespace"``), the encoding and
        whether the first line names the columns; all found out when not given.
    sheet, table
        The Excel sheet (name, or position from 1; the one with most data when not
        given), and the table to read from a DuckDB database or a Spark Connect server.

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
        msg = "the list of sources is empty: give at least one file or frame"
        raise LoadError(msg)
    options: dict[str, Any] = {"separator": separator, "encoding": encoding, "sheet": sheet}
    with foreign_errors("the source"):
        tables = [read(s, **options, header=header, table=table) for s in sources]
    roles = {"customer_id": customer, "timestamp": timestamp, "touchpoint": touchpoint}
    roles |= {"channel": channel, "value": value, "rating": rating}
    return _load_tables(tables, roles, timestamp_format, layout)


def load_table(
    tab: Table,
    roles: Mapping[str, Role] | None = None,
    *,
    timestamp_format: str | None = None,
    layout: Layout | None = None,
) -> EventLog:
    """Load a source already read (see :func:`cxlib.io.inspect.inspect`), as :func:`load` does.

    ``roles`` maps roles (``"customer_id"``, ``"timestamp"``, ...) to the columns chosen.
    """
    return _load_tables([tab], dict(roles or {}), timestamp_format, layout)


def _load_tables(
    tables: list[Table],
    explicit: dict[str, Any],
    timestamp_format: str | None,
    layout: Layout | None,
) -> EventLog:
    merged = len(tables) > 1
    names = sanitize_names([t.name for t in tables])
    with foreign_errors(", ".join(names)):
        parts, offset = [], 0
        for tab, name in zip(tables, names, strict=True):
            part = _prepare(
                dataclasses.replace(tab, name=name), explicit, timestamp_format, layout,
                offset=offset, merged=merged,
            )  # fmt: skip
            parts.append(part)
            offset += part.rows_read
        frame = parts[0].frame if not merged else _concat([p.frame for p in parts], names)
        return _finish(frame, parts)


def _foreign_errors_types() -> tuple[type[BaseException], ...]:
    """The exceptions readers and engines raise on bad data (those loaded, no import here)."""
    kinds: list[type[BaseException]] = [pl.exceptions.PolarsError, OSError, ValueError, TypeError]
    if "duckdb" in sys.modules:
        kinds.append(sys.modules["duckdb"].Error)
    if "pyspark.errors" in sys.modules:
        kinds.append(sys.modules["pyspark.errors"].PySparkException)
    if "py4j.protocol" in sys.modules:
        kinds.append(sys.modules["py4j.protocol"].Py4JError)
    return tuple(kinds)


@contextlib.contextmanager
def foreign_errors(name: str) -> Iterator[None]:
    """Turn what a reader or an engine raises on bad data into a LoadError naming the source."""
    try:
        yield
    except CxError:
        raise
    except _foreign_errors_types() as err:
        first = (str(err).strip().splitlines() or [type(err).__name__])[0][:300]
        msg = f"cannot load {name!r}: {first}; check the file, or load it with other settings"
        raise LoadError(msg) from err


def sample_of(frame: pl.DataFrame | pl.LazyFrame | nw.LazyFrame[Any]) -> pl.DataFrame:
    """The first rows and rows spread over the whole source, as a small Polars frame."""
    if isinstance(frame, pl.DataFrame):
        if frame.height <= 2 * _SAMPLE:
            return frame
        spread = frame.gather_every(frame.height // _SAMPLE)
        return pl.concat([frame.head(_SAMPLE), spread])
    if isinstance(frame, pl.LazyFrame):
        return frame.head(2 * _SAMPLE).collect()
    sample: pl.DataFrame = frame.head(2 * _SAMPLE).collect("polars").to_native()
    return sample


def _prepare(
    tab: Table,
    explicit: dict[str, Any],
    timestamp_format: str | None,
    layout: Layout | None,
    *,
    offset: int,
    merged: bool,
) -> _Part:
    read = tab
    sample = sample_of(tab.frame)
    if sample.height == 0:
        shown = shown_columns(sample.columns)
        msg = f"{tab.name!r} has no events: only a header with columns {shown}"
        raise LoadError(msg)
    rec = recognize(sample, explicit, timestamp_format=timestamp_format, layout=layout)
    if rec.layout == "dated_columns":
        tab, rec = dated_rows(tab, rec, explicit, timestamp_format, given=layout is not None)
        sample = sample_of(tab.frame)
    polars = isinstance(tab.frame, pl.DataFrame | pl.LazyFrame)
    if polars and (order := order_column(sample, rec)) is not None:
        tab, rec = one_row_per_order(tab, rec, order)
        sample = sample_of(tab.frame)
    rec = settle.settle_day_order(tab, sample, rec)
    part = _map(tab, sample, rec, offset=offset, merged=merged, second_look=not timestamp_format)
    part.columnar = tab is read and tab.file_format == "parquet" and not part.dropped
    return part


def dated_rows(
    tab: Table,
    rec: Recognition,
    explicit: dict[str, Any],
    timestamp_format: str | None,
    *,
    given: bool,
    strict: bool = True,
) -> tuple[Table, Recognition]:
    """A ticketing export (a row per ticket) as events: one per dated column that has a date."""
    columns = tab.frame.collect_schema().names()
    touchpoint, timestamp = (sanitize_names([*columns, n])[-1] for n in ("touchpoint", "timestamp"))
    frame = nw.from_native(tab.frame)
    dated = list(rec.dated_columns)
    melted = (
        frame.with_columns(nw.col(*dated).cast(nw.String))
        .unpivot(dated, index=[c for c in columns if c not in dated],
                 variable_name=touchpoint, value_name=timestamp)
        .filter(~nw.col(timestamp).is_null() & (nw.col(timestamp).str.strip_chars() != ""))
    )  # fmt: skip
    note = (
        f"each of the dated columns {', '.join(map(repr, dated))} made an event (rows with "
        "an empty date make none)"
    )
    out = Table(tab.name, melted.to_native(), tab.file_format, [*tab.notes, note], tab.layout)
    roles = {**explicit, "touchpoint": touchpoint, "timestamp": timestamp}
    again = recognize(
        sample_of(out.frame), roles, timestamp_format=timestamp_format, layout="events",
        strict=strict,
    )  # fmt: skip
    confidence = 1.0 if given else 0.7
    again.mapping["touchpoint"] = RoleMatch(
        touchpoint, confidence, f"the names of the dated columns {', '.join(dated)}"
    )
    again.mapping["timestamp"] = RoleMatch(
        timestamp, confidence, f"the dates of the columns {', '.join(dated)}"
    )
    return out, dataclasses.replace(again, layout="dated_columns", dated_columns=tuple(dated))


def _map(
    tab: Table,
    sample: pl.DataFrame,
    rec: Recognition,
    *,
    offset: int,
    merged: bool,
    second_look: bool,
) -> _Part:
    """Canonical columns, drop counts and the kept events of one source."""
    plan = role_plan(sample, rec, merged=merged)
    if isinstance(tab.frame, pl.DataFrame | pl.LazyFrame):
        source = tab.name if merged else None
        exprs = polars_columns(sample, rec, plan, source)
        if plan.event_index is None:
            index = pl.col(INDEX_TMP).alias("event_index")
            frame = nw.from_native(with_row_index(tab.frame, offset).select(*exprs, index))
        else:
            index = pl.col(plan.event_index).cast(pl.Int64).alias("event_index")
            frame = nw.from_native(tab.frame.select(*exprs, index))
    else:
        ts_dtype = sample.schema[rec.timestamp_columns[0]]
        zoned = isinstance(ts_dtype, pl.Datetime) and ts_dtype.time_zone is not None
        frame = map_roles(tab.frame, plan, zoned=zoned)
    counts = null_counts(frame) or collect_row(frame.select(**drop_counts(frame.columns)))
    if second_look and counts["timestamps bad"]:
        wider = settle.second_look(frame, rec)
        if wider is not None:
            return _map(tab, sample, wider, offset=offset, merged=merged, second_look=False)
    notes = list(tab.notes) + list(rec.notes)
    check_timestamps(frame, rec, counts, notes)
    for role, text in (("value", VALUE_TEXT), ("rating", RATING_TEXT)):
        bad = counts.get(text, 0)
        if bad:
            column = rec.mapping[role].column
            notes.append(f"column {column!r} ({role}): {bad:,} values are not numbers, kept empty")
    formats = format_counts(rec.timestamp_format, counts)
    if len(formats) > 1:
        each = ", ".join(f"{n:,} rows as {f}" for f, n in formats.items())
        notes.append(f"timestamps written in {len(formats)} forms, each parsed as such: {each}")
    dropped = {reason: counts[reason] for reason in DROP_REASONS if counts[reason]}
    if dropped:
        frame = frame.filter(
            ~nw.col("customer_id").is_null()
            & ~nw.col("touchpoint").is_null()
            & ~nw.col("timestamp").is_null()
        )
    temporary = (TS_TEXT, VALUE_TEXT, RATING_TEXT, FORMAT_INDEX)
    kept = [c for c in frame.columns if c not in temporary]
    # An eager Polars frame stays eager: the log wraps the data read, computed once.
    frame = with_epoch_us(frame.select(kept)).to_native()  # type: ignore[arg-type]
    if rec.timestamp_format is not None and rec.timestamp_format.note:
        notes.append(rec.timestamp_format.note)
    return _Part(tab.name, frame, rec, counts["rows"], dropped, formats, notes)


def _concat(frames: list[Any], names: Sequence[str]) -> pl.DataFrame | pl.LazyFrame:
    if not all(isinstance(f, pl.DataFrame | pl.LazyFrame) for f in frames):
        msg = "files and Polars frames can be merged into one log, DuckDB or Spark tables cannot: union them first"
        raise LoadError(msg)
    if any(isinstance(f, pl.LazyFrame) for f in frames):
        frames = [f.lazy() for f in frames]
    try:
        merged: pl.DataFrame | pl.LazyFrame = pl.concat(
            frames, how="diagonal_relaxed", rechunk=False
        )
    except pl.exceptions.PolarsError as err:
        msg = (
            f"cannot merge {list(names)!r} ({str(err).splitlines()[0]}): rename the clashing "
            "column in one of them"
        )
        raise LoadError(msg) from err
    return merged


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


def _finish(frame: pl.DataFrame | pl.LazyFrame | Any, parts: list[_Part]) -> EventLog:
    dropped: dict[str, int] = {}
    formats: dict[str, int] = {}
    for part in parts:
        for reason, n in part.dropped.items():
            dropped[reason] = dropped.get(reason, 0) + n
        for fmt, n in part.formats.items():
            formats[fmt] = formats.get(fmt, 0) + n
    notes = [note if len(parts) == 1 else f"{p.name}: {note}" for p in parts for note in p.notes]
    rows_read = sum(p.rows_read for p in parts)
    columnar = all(p.columnar for p in parts)
    # The log, once made, without holding it: a report outliving its log counts on the frame.
    made: list[weakref.ref[EventLog]] = []
    figures = functools.partial(
        report_figures, frame, by_column=columnar, log=lambda: made[0]() if made else None
    )
    if not isinstance(frame, pl.DataFrame) and not columnar:
        # A lazy source (DuckDB, Spark, reshaped Parquet) is read through only by this
        # pass: run it now, so a value failing to cast deep in the source fails the load,
        # not an analysis. Parquet events as they are were read through by the drop
        # counts already: their figures wait until read (10M events: 0.5 s of a cold load).
        figures = functools.partial(dict, figures())
    described = [p.recognition.timestamp_format for p in parts]
    report = LoadReport(
        rows_read=rows_read,
        rows_kept=rows_read - sum(dropped.values()),
        dropped=dropped,
        timestamp_format=" / ".join(dict.fromkeys(f.describe() for f in described if f)),
        timestamp_formats=formats,
        sources=tuple(p.name for p in parts),
        notes=tuple(dict.fromkeys(notes)),
        statistics=figures,
    )
    mapping = parts[0].recognition.mapping if len(parts) == 1 else _merged_mapping(parts)
    native = frame.lazy() if isinstance(frame, pl.DataFrame) else frame
    log = EventLog.from_frame(native, mapping=mapping, report=report)
    made.append(weakref.ref(log))
    return log

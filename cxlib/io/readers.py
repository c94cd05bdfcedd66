"""Readers: turn whatever a user brings into one table, whatever its format.

:func:`read` accepts a path (``str`` or ``Path``), ``bytes``, a binary or text file
object, a frame (Polars, pandas, DuckDB relation, PySpark), or a :class:`Table` read
already (a Parquet scan of files checked elsewhere: read as the Parquet it is). The format comes from the
file's first bytes, else its name (:func:`cxlib.io.sniff.detect_file_format`): delimited
or whitespace-aligned text (separator, title lines, header and encoding found out, see
:mod:`cxlib.io.sniff`), Parquet (a file or a folder, scanned lazily), JSON and JSON lines
(nested objects flattened, see :mod:`cxlib.io.nested`), XES and ``.xes.gz``, Excel
(``.xlsx``, ``.xls``, ``.ods``; the sheet with the most data, or the one chosen), a gzip
of any of these, a zip archive of several (an Amplitude export: hourly gzipped JSON
lines, merged), a DuckDB database file (``table=``), or a Spark Connect address
``sc://host:port`` (``table=``). Files are read once, eagerly, into one Polars frame;
Parquet, database tables and engine frames stay lazy where they live. Whatever a
reader raises becomes a :class:`~cxlib.errors.LoadError` saying what to do.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

import narwhals as nw
import polars as pl

from cxlib.engines.tables import SPARK_CONNECT, duckdb_table, spark_table
from cxlib.errors import LoadError
from cxlib.io import inflate, limits, sniff
from cxlib.io.limits import MAX_COLUMNS
from cxlib.io.nested import flatten
from cxlib.io.sniff import Layout
from cxlib.io.text import HEAD, read_text
from cxlib.io.xes import read_xes

__all__ = ["MAX_COLUMNS", "MAX_NAME", "Table", "read", "sanitize_names"]

#: Longest column name kept (longer ones are cut, see :func:`sanitize_names`).
MAX_NAME = 100
_PEEK_ROWS = 30
T = TypeVar("T")


@dataclass
class Table:
    """One source read: its name (for ``source`` and messages), its frame and how it was read.

    ``frame`` is an eager Polars frame for files read into memory, a Polars LazyFrame
    for Parquet and lazy input, or a narwhals LazyFrame over DuckDB or PySpark.
    ``layout`` is how a text file was split, ``sheets`` a workbook's sheets (the one
    read is ``sheet``), ``about`` what the file says about itself (an XES log's
    attributes), ``notes`` what the load report must say about the reading.
    """

    name: str
    frame: pl.DataFrame | pl.LazyFrame | nw.LazyFrame[Any]
    file_format: str
    notes: list[str] = field(default_factory=list)
    layout: Layout | None = None
    encoding: str | None = None
    sheets: tuple[str, ...] = ()
    sheet: str | None = None
    about: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Options:
    separator: str | None
    encoding: str | None
    sheet: str | int | None
    header: bool | None


def sanitize_names(columns: list[str]) -> list[str]:
    """Strip column names, name the unnamed ones, shorten long ones, make every name unique.

    A name longer than :data:`MAX_NAME` characters (a hostile header) is cut to it with
    ``…``, so messages that list the columns stay readable.

    Examples
    --------
    >>> sanitize_names(["", " a ", "a", "b", "a_2"])
    ['column_1', 'a', 'a_2', 'b', 'a_2_2']
    >>> [len(n) for n in sanitize_names(["x" * 10_000])]
    [100]
    """
    out: list[str] = []
    taken: set[str] = set()
    tried: Counter[str] = Counter()  # per base, the last suffix tried: linear in the columns
    for i, name in enumerate(columns):
        base = str(name).strip() or f"column_{i + 1}"
        if len(base) > MAX_NAME:
            base = base[: MAX_NAME - 1] + "…"
        candidate = base
        while candidate in taken:
            tried[base] = max(tried[base], 1) + 1
            candidate = f"{base}_{tried[base]}"
        out.append(candidate)
        taken.add(candidate)
    return out


def read(
    source: Any,
    *,
    separator: str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    header: bool | None = None,
    table: str | None = None,
) -> Table:
    r"""Read one source into a :class:`Table` (see the module docstring for what is accepted).

    ``separator`` is one character or ``"whitespace"``; ``encoding`` ``None`` finds out;
    ``sheet`` a name or a position from 1; ``header`` ``None`` finds out whether the
    first line names the columns.

    Examples
    --------
    >>> t = read(b"user;event;time\n1;visit;2024-01-01\n")
    >>> t.file_format, t.frame.columns, t.layout.separator
    ('csv', ['user', 'event', 'time'], ';')
    """
    if isinstance(source, Table):  # read already (its reading options were those used then)
        return _sanitized(source)
    options = _Options(separator, encoding, sheet, header)
    frame = _as_frame(source, table)
    if frame is not None:
        return _sanitized(Table("frame", frame, "frame"))
    if isinstance(source, str) and source.startswith(SPARK_CONNECT):
        return _sanitized(Table(table or source, spark_table(source, table), "spark"))
    if isinstance(source, str | Path):
        return _sanitized(_read_path(Path(source), options, table))
    if isinstance(source, bytes | bytearray | memoryview):
        raw, name = bytes(source), "bytes"
    elif hasattr(source, "read"):
        content = source.read()
        raw = content.encode("utf8") if isinstance(content, str) else bytes(content)
        name = Path(str(getattr(source, "name", "file"))).name
    else:
        msg = (
            f"cannot read a {type(source).__name__}; pass a path, bytes, a file object, "
            "or a Polars, pandas, DuckDB or PySpark frame"
        )
        raise LoadError(msg)
    kind = sniff.detect_file_format(raw[:HEAD], name)
    if kind == "duckdb":
        msg = f"{name!r} is a DuckDB database: open it by its path on the server, not as an upload"
        raise LoadError(msg)
    return _sanitized(_read_bytes(raw, name, kind, options))


def _read_path(path: Path, options: _Options, table: str | None) -> Table:
    if path.is_dir():
        return Table(path.name, pl.scan_parquet(path), "parquet")
    if not path.is_file():
        msg = f"no such file: {str(path)!r}"
        raise LoadError(msg)
    with path.open("rb") as f:
        head = f.read(HEAD)
    kind = sniff.detect_file_format(head, path.name)
    if kind == "parquet":
        return Table(path.name, pl.scan_parquet(path), "parquet")
    if kind == "duckdb":
        return Table(path.name, duckdb_table(str(path), table), "duckdb")
    if kind == "csv":
        return _read_text(path, head, path.name, options)
    return _read_bytes(path.read_bytes(), path.name, kind, options)


def _sanitized(tab: Table) -> Table:
    # A lazy source (Parquet) is opened here: its schema is the first thing read.
    names = _guard(tab.name, tab.file_format, lambda: tab.frame.collect_schema().names())
    limits.check_width(tab.name, len(names))
    frame = tab.frame
    if isinstance(frame, pl.DataFrame | pl.LazyFrame):
        tab.frame, nested = _guard(tab.name, tab.file_format, lambda: flatten(frame))
        if nested:
            names = tab.frame.collect_schema().names()
            limits.check_width(tab.name, len(names))
            tab.notes.append("nested fields flattened into columns (parent.child)")
    clean = sanitize_names(names)
    if clean != names:
        tab.frame = tab.frame.rename(dict(zip(names, clean, strict=True)))
        tab.notes.append(
            "column names cleaned (blanks stripped, unnamed and repeated ones renamed)"
        )
    return tab


def _as_frame(
    source: Any, table: str | None
) -> pl.DataFrame | pl.LazyFrame | nw.LazyFrame[Any] | None:
    if isinstance(source, nw.DataFrame | nw.LazyFrame):
        source = source.to_native()
    if isinstance(source, pl.DataFrame | pl.LazyFrame):
        return source
    module = type(source).__module__.split(".")[0]
    if module == "pandas":
        try:
            return pl.from_pandas(source)
        except (TypeError, ValueError, ImportError, pl.exceptions.PolarsError) as err:
            msg = f"cannot convert the pandas frame to Polars: {err}"
            raise LoadError(msg) from err
    if module == "duckdb" and hasattr(source, "table"):
        return duckdb_table(source, table)
    if module in ("duckdb", "pyspark"):
        lazy: nw.LazyFrame[Any] = nw.from_native(source).lazy()
        return lazy
    return None


def _read_bytes(raw: bytes, name: str, kind: str, options: _Options) -> Table:
    if kind == "csv":
        return _read_text(raw, raw[:HEAD], name, options)
    if kind == "gzip":
        inner = inflate.gunzip(raw, name)
        inner_name = name[:-3] if name.lower().endswith(".gz") else name
        inner_kind = sniff.detect_file_format(inner[:HEAD], inner_name)
        if inner_kind in ("gzip", "zip"):
            msg = f"{name!r} is an archive inside gzip: extract it yourself and load the files"
            raise LoadError(msg)
        return _read_bytes(inner, name, inner_kind, options)
    if kind == "zip":
        return _read_zip(raw, name, options)
    if kind == "parquet":
        limits.check(raw, name, "parquet")
        return Table(name, _guard(name, "Parquet", lambda: pl.read_parquet(io.BytesIO(raw))), kind)
    if kind == "excel":
        return _read_excel(raw, name, options.sheet)
    if kind == "xes":
        frame, info = read_xes(raw, name)
        about = {f"log attribute {k}": v for k, v in info.attributes.items()}
        about |= {f"classifier {k}": " + ".join(v) for k, v in info.classifiers.items()}
        about |= {f"extension {k}": v for k, v in info.extensions.items()}
        summary = info.summary()
        return Table(name, frame, kind, notes=[summary] if summary else [], about=about)
    return Table(name, _read_json(raw, name, kind), kind)


def _read_zip(raw: bytes, name: str, options: _Options) -> Table:
    names = inflate.zip_names(raw, name)
    if "xl/workbook.xml" in names or ("content.xml" in names and "mimetype" in names):
        return _read_excel(raw, name, options.sheet)
    members = inflate.unzip(raw, name)
    if not members:
        msg = f"{name!r} is an empty zip archive: put the exported files in it"
        raise LoadError(msg)
    tables = []
    for member, data in members:
        kind = sniff.detect_file_format(data[:HEAD], member)
        if kind in ("zip", "duckdb"):
            msg = f"{name!r} holds {member!r}, another archive: extract it and load the files"
            raise LoadError(msg)
        tables.append(_read_bytes(data, f"{name}/{member}", kind, options))
    frames = [t.frame for t in tables]
    if len(frames) == 1:
        tab = tables[0]
        return Table(name, tab.frame, tab.file_format, tab.notes, tab.layout, tab.encoding)
    flat = [flatten(f.lazy())[0].collect() if isinstance(f, pl.DataFrame) else f for f in frames]
    # Every member is read from bytes into memory (_read_bytes): all of them are eager frames.
    eager = cast("list[pl.DataFrame]", flat)
    merged = _guard(name, "one table", lambda: pl.concat(eager, how="diagonal_relaxed"))
    notes = [f"{len(frames):,} files of the zip archive read as one table"]
    return Table(name, merged, tables[0].file_format, notes)


def _guard(name: str, what: str, reader: Callable[[], T]) -> T:
    try:
        return reader()
    except LoadError:
        raise
    except (pl.exceptions.PolarsError, OSError, ValueError, TypeError, KeyError) as err:
        msg = f"cannot read {name!r} as {what}: {str(err).splitlines()[0][:300]}"
        raise LoadError(msg) from err


def _read_json(raw: bytes, name: str, kind: str) -> pl.DataFrame:
    if kind == "json" and raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        return _guard(name, "JSON (an array of records)", lambda: pl.read_json(io.BytesIO(raw)))
    try:
        frame = pl.read_ndjson(io.BytesIO(raw), infer_schema_length=10_000)
    except pl.exceptions.PolarsError:
        try:  # one pretty-printed object
            frame = pl.from_dicts([json.loads(raw)])
        except (ValueError, TypeError, UnicodeDecodeError, pl.exceptions.PolarsError) as err:
            msg = f"{name!r} is not valid JSON or JSON lines: {str(err)[:300]}"
            raise LoadError(msg) from err
    # One object holding the records, e.g. {"events": [{...}, ...]}: unwrap them.
    if frame.shape[0] == 1 and frame.width == 1:
        dtype = frame.dtypes[0]
        if isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct):
            column = frame.columns[0]
            return frame.explode(column).unnest(column)
    return frame


def _header_row(peek: pl.DataFrame) -> int:
    """The first row of a sheet that names its columns: most cells filled, all text."""
    filled = [sum(v is not None and str(v).strip() != "" for v in row) for row in peek.rows()]
    most = max(filled, default=0)
    return next((i for i, n in enumerate(filled) if n >= max(1, 0.8 * most)), 0)


def _whole_numbers(frame: pl.DataFrame) -> pl.DataFrame:
    """Excel stores every number as a float: columns of whole numbers become integers (ids)."""
    whole = [
        name
        for name, dtype in frame.schema.items()
        if dtype == pl.Float64
        and frame[name].drop_nulls().len() > 0
        and bool((frame[name].drop_nulls() % 1 == 0).all())
        and frame[name].drop_nulls().abs().max() < 2**53  # type: ignore[operator]
    ]
    return frame.with_columns(pl.col(whole).cast(pl.Int64)) if whole else frame


def _read_excel(raw: bytes, name: str, sheet: str | int | None) -> Table:
    import fastexcel

    if raw.startswith(b"PK\x03\x04"):  # xlsx and ods are zip archives: their sizes are listed
        limits.check(raw, name, "workbook")

    try:
        reader = fastexcel.read_excel(raw)
        sheets = reader.sheet_names
        if sheet is None and len(sheets) > 1:  # the sheet holding the most data
            sizes = {s: reader.load_sheet(s, header_row=None).total_height for s in sheets}
            sheet = max(sheets, key=lambda s: sizes[s])
        elif sheet is None:
            sheet = sheets[0] if sheets else None
        elif isinstance(sheet, int):
            sheet = sheets[sheet - 1] if 1 <= sheet <= len(sheets) else None
        if sheet not in sheets:
            msg = f"{name!r} has no sheet {sheet!r}; choose one of its sheets: {sheets!r}"
            raise LoadError(msg)
        peek = reader.load_sheet(sheet, header_row=None, n_rows=_PEEK_ROWS).to_polars()
        skip = _header_row(peek)
        frame = _whole_numbers(reader.load_sheet(sheet, header_row=skip).to_polars())
    except LoadError:
        raise
    except Exception as err:  # fastexcel raises its own error classes for broken files
        msg = f"cannot read {name!r} as an Excel workbook: {str(err).splitlines()[0][:300]}"
        raise LoadError(msg) from err
    notes = []
    if len(sheets) > 1:
        notes.append(f"sheet {sheet!r} read, of {len(sheets)}: {', '.join(map(repr, sheets))}")
    if skip:
        notes.append(
            f"the first {skip} row{'s' if skip > 1 else ''} of the sheet (a title) skipped"
        )
    tab = Table(name, frame, "excel", notes, sheets=tuple(sheets), sheet=str(sheet))
    tab.layout = Layout("", skip, True)
    return tab


def _read_text(data: bytes | Path, head: bytes, name: str, options: _Options) -> Table:
    """Delimited or aligned text (:func:`cxlib.io.text.read_text`) as a table."""
    frame, notes, lay, encoding = read_text(
        data,
        head,
        name,
        separator=options.separator,
        encoding=options.encoding,
        header=options.header,
    )
    return Table(name, frame, "csv", notes, lay, encoding)

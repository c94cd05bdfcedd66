"""Readers: turn whatever a user brings into one table, whatever its format.

:func:`read` accepts a path (``str`` or ``Path``), ``bytes``, a binary or text file
object, or a frame (Polars, pandas, DuckDB relation, PySpark). The format comes
from the file's extension, else from its first bytes: CSV / TSV / any delimiter
(sniffed; a UTF-8 BOM or a UTF-16 export is handled), Parquet (a file or a folder,
scanned lazily), JSON and JSON lines, XES and ``.xes.gz``, Excel ``.xlsx``, a
DuckDB database file (``table=``), or a Spark Connect address ``sc://host:port``
(``table=``). Files are read once, eagerly, into one Polars frame; Parquet
folders, database tables and engine frames stay lazy where they live.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import narwhals as nw
import polars as pl

from cxlib.engines.tables import SPARK_CONNECT, duckdb_table, spark_table
from cxlib.errors import LoadError
from cxlib.io import inflate
from cxlib.io.recognize import NAMES, normalize_name
from cxlib.io.xes import read_xes

__all__ = [
    "MAX_COLUMNS",
    "MAX_NAME",
    "Format",
    "Table",
    "detect_file_format",
    "read",
    "sanitize_names",
    "sniff_separator",
]

Format = Literal["csv", "parquet", "json", "jsonl", "xes", "xlsx", "duckdb"]

_EXTENSIONS: dict[str, Format] = {
    ".csv": "csv", ".tsv": "csv", ".tab": "csv", ".txt": "csv", ".parquet": "parquet",
    ".pq": "parquet", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xes": "xes",
    ".xlsx": "xlsx", ".xlsm": "xlsx", ".duckdb": "duckdb", ".ddb": "duckdb",
}  # fmt: skip
_SEPARATORS = (",", ";", "\t", "|")
#: Longest column name kept (longer ones are cut, see :func:`sanitize_names`).
MAX_NAME = 100
#: Most columns a source may have (recognising each column's role takes time).
MAX_COLUMNS = 2_000
_HEAD = 65_536
_UTF8 = {"utf8", "utf-8", "utf_8", "utf-8-sig", "utf8-sig"}


@dataclass
class Table:
    """One source read: its name (for ``source`` and messages) and its frame.

    ``frame`` is an eager Polars frame for files read into memory, a Polars LazyFrame
    for Parquet and lazy input, or a narwhals LazyFrame over DuckDB or PySpark.
    """

    name: str
    frame: pl.DataFrame | pl.LazyFrame | nw.LazyFrame
    file_format: str
    notes: list[str] = field(default_factory=list)


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


def sniff_separator(text: str) -> str:
    r"""The delimiter of a CSV text: the one giving the same number of fields (>1) on most lines.

    Examples
    --------
    >>> sniff_separator("a;b;c\n1;2,5;3\n")
    ';'
    >>> sniff_separator("only_one_column\nx\n")
    ','
    """
    lines = text.splitlines()[:50]
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of a cut sample may be partial
    best, best_score = ",", (0, 0)
    for sep in _SEPARATORS:
        widths = Counter(len(row) for row in csv.reader(lines, delimiter=sep))
        width, count = widths.most_common(1)[0] if widths else (1, 0)
        score = (count, width) if width > 1 else (0, 0)
        if score > best_score:
            best, best_score = sep, score
    return best


def detect_file_format(head: bytes, name: str = "") -> Format | Literal["gzip"]:
    r"""The format of a file from its name's extension, else from its first bytes.

    Examples
    --------
    >>> detect_file_format(b"PAR1...."), detect_file_format(b'  [{"a": 1}]')
    ('parquet', 'json')
    >>> detect_file_format(b"a,b\\n", "export.TSV")
    'csv'
    """
    # gzip whatever the name says: a ".csv" that is gzip must go through the bounded inflater.
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    suffix = Path(name).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"DUCK", 8):
        return "duckdb"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        return "xes"
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        return "jsonl"
    return "csv"


def read(
    source: Any,
    *,
    separator: str | None = None,
    encoding: str = "utf8",
    sheet: str | int | None = None,
    table: str | None = None,
) -> Table:
    r"""Read one source into a :class:`Table` (see the module docstring for what is accepted).

    Examples
    --------
    >>> t = read(b"user;event;time\n1;visit;2024-01-01\n")
    >>> t.file_format, t.frame.columns
    ('csv', ['user', 'event', 'time'])
    """
    frame = _as_frame(source, table)
    if frame is not None:
        return _sanitized(Table("frame", frame, "frame"))
    if isinstance(source, str) and source.startswith(SPARK_CONNECT):
        return _sanitized(Table(table or source, spark_table(source, table), "spark"))
    if isinstance(source, str | Path):
        path = Path(source)
        if path.is_dir():
            return _sanitized(Table(path.name, pl.scan_parquet(path), "parquet"))
        if not path.is_file():
            msg = f"no such file: {str(path)!r}"
            raise LoadError(msg)
        with path.open("rb") as f:
            head = f.read(_HEAD)
        kind = detect_file_format(head, path.name)
        if kind == "parquet":
            return _sanitized(Table(path.name, pl.scan_parquet(path), "parquet"))
        if kind == "duckdb":
            return _sanitized(Table(path.name, duckdb_table(str(path), table), "duckdb"))
        data: bytes | Path = (
            path if kind == "csv" and encoding.lower() in _UTF8 else path.read_bytes()
        )
        return _sanitized(_read_bytes(data, head, path.name, kind, separator, encoding, sheet))
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
    kind = detect_file_format(raw[:_HEAD], name)
    if kind == "duckdb":
        msg = f"{name!r} is a DuckDB database: pass its path, not its bytes"
        raise LoadError(msg)
    return _sanitized(_read_bytes(raw, raw[:_HEAD], name, kind, separator, encoding, sheet))


def _check_width(name: str, width: int) -> None:
    if width > MAX_COLUMNS:
        msg = (
            f"{name!r} has {width:,} columns (or more); an event log has a handful, at most "
            f"{MAX_COLUMNS:,}: check the separator, or keep only the columns you need"
        )
        raise LoadError(msg)


def _sanitized(tab: Table) -> Table:
    # A lazy source (Parquet) is opened here: its schema is the first thing read.
    names = _guard(tab.name, tab.file_format, lambda: tab.frame.collect_schema().names())
    _check_width(tab.name, len(names))
    clean = sanitize_names(names)
    if clean != names:
        tab.frame = tab.frame.rename(dict(zip(names, clean, strict=True)))
        tab.notes.append(
            "column names cleaned (blanks stripped, unnamed and repeated ones renamed)"
        )
    return tab


def _as_frame(source: Any, table: str | None) -> pl.DataFrame | pl.LazyFrame | nw.LazyFrame | None:
    if isinstance(source, nw.DataFrame | nw.LazyFrame):
        source = source.to_native()
    if isinstance(source, pl.DataFrame | pl.LazyFrame):
        return source
    module = type(source).__module__.split(".")[0]
    if module == "pandas":
        try:
            return pl.from_pandas(source)
        except (TypeError, ValueError, pl.exceptions.PolarsError) as err:
            msg = f"cannot convert the pandas frame to Polars: {err}"
            raise LoadError(msg) from err
    if module == "duckdb" and hasattr(source, "table"):
        return duckdb_table(source, table)
    if module in ("duckdb", "pyspark"):
        return nw.from_native(source).lazy()
    return None


def _read_bytes(
    data: bytes | Path,
    head: bytes,
    name: str,
    kind: str,
    separator: str | None,
    encoding: str,
    sheet: str | int | None,
) -> Table:
    if kind == "csv":
        return Table(name, _read_csv(data, head, name, separator, encoding), "csv")
    raw = data.read_bytes() if isinstance(data, Path) else data
    if kind == "gzip":
        inner = inflate.gunzip(raw, name)
        inner_name = name[:-3] if name.lower().endswith(".gz") else name
        kind = detect_file_format(inner[:_HEAD], inner_name)
        if kind == "gzip":
            msg = f"{name!r} is gzip inside gzip: decompress it yourself and load the file"
            raise LoadError(msg)
        return _read_bytes(inner, inner[:_HEAD], name, kind, separator, encoding, sheet)
    if kind == "parquet":
        return Table(name, _guard(name, "Parquet", lambda: pl.read_parquet(io.BytesIO(raw))), kind)
    if kind == "xlsx":
        return Table(name, _read_excel(raw, name, sheet), kind)
    if kind == "xes":
        return Table(name, read_xes(raw, name), kind)
    return Table(name, _read_json(raw, name, kind), kind)


def _guard(name: str, what: str, reader: Any) -> Any:
    try:
        return reader()
    except (pl.exceptions.PolarsError, OSError, ValueError) as err:
        msg = f"cannot read {name!r} as {what}: {str(err).splitlines()[0]}"
        raise LoadError(msg) from err


def _read_json(raw: bytes, name: str, kind: str) -> pl.DataFrame:
    if kind == "json" and raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        return _guard(name, "JSON (an array of records)", lambda: pl.read_json(io.BytesIO(raw)))
    try:
        frame = pl.read_ndjson(io.BytesIO(raw))
    except pl.exceptions.PolarsError:
        try:  # one pretty-printed object
            frame = pl.from_dicts([json.loads(raw)])
        except (ValueError, TypeError, UnicodeDecodeError, pl.exceptions.PolarsError) as err:
            msg = f"{name!r} is not valid JSON or JSON lines: {err}"
            raise LoadError(msg) from err
    # One object holding the records, e.g. {"events": [{...}, ...]}: unwrap them.
    if frame.shape[0] == 1 and frame.width == 1:
        dtype = frame.dtypes[0]
        if isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct):
            column = frame.columns[0]
            return frame.explode(column).unnest(column)
    return frame


def _read_excel(raw: bytes, name: str, sheet: str | int | None) -> pl.DataFrame:
    import fastexcel

    try:
        sheets = fastexcel.read_excel(raw).sheet_names
    except Exception as err:  # fastexcel raises its own error classes for broken files
        msg = f"cannot read {name!r} as an Excel workbook: {err}"
        raise LoadError(msg) from err
    if sheet is None:
        sheet = sheets[0] if sheets else None
    elif isinstance(sheet, int):
        sheet = sheets[sheet - 1] if 1 <= sheet <= len(sheets) else None
    if sheet not in sheets:
        msg = f"{name!r} has no sheet {sheet!r}; its sheets are {sheets!r}; pass sheet=..."
        raise LoadError(msg)
    return _guard(name, "Excel", lambda: pl.read_excel(raw, sheet_name=sheet, engine="calamine"))


def _read_csv(
    data: bytes | Path, head: bytes, name: str, separator: str | None, encoding: str
) -> pl.DataFrame:
    encoding = encoding.lower()
    # Polars would inflate these silently, without a limit: a zip bomb named ".csv".
    if packed := inflate.compressed_kind(head):
        msg = f"{name!r} is a {packed} archive, not text: extract the file inside and load it"
        raise LoadError(msg)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    if encoding not in _UTF8 and encoding != "utf8-lossy":
        raw = data.read_bytes() if isinstance(data, Path) else data
        try:
            data = raw.decode(encoding).encode("utf8")
        except LookupError as err:
            msg = f"unknown encoding {encoding!r}; use e.g. 'utf8', 'latin-1', 'cp1252'"
            raise LoadError(msg) from err
        except UnicodeDecodeError as err:
            msg = f"{name!r} is not {encoding} near byte {err.start:,}: try encoding='utf8'"
            raise LoadError(msg) from err
        head, encoding = data[:_HEAD], "utf8"
    sep = separator or sniff_separator(head.decode("utf8", errors="replace"))
    _check_width(name, head.split(b"\n", 1)[0].count(sep.encode()) + 1)  # before parsing it
    options: dict[str, Any] = {
        "separator": sep,
        "encoding": "utf8-lossy" if encoding == "utf8-lossy" else "utf8",
        "infer_schema_length": 10_000,
        "schema_overrides": _id_columns(head, sep),
    }
    try:
        try:
            return pl.read_csv(data, **options)
        except pl.exceptions.ComputeError as err:
            if "could not parse" not in str(err) or "not properly escaped" in str(err):
                raise
            # A column whose type changes after the first rows: read all as text, cast later.
            return pl.read_csv(data, **{**options, "infer_schema": False})
    except pl.exceptions.NoDataError as err:
        msg = f"{name!r} is empty: no header and no events"
        raise LoadError(msg) from err
    except pl.exceptions.PolarsError as err:
        raise _csv_error(data, name, sep, err) from err


def _id_columns(head: bytes, sep: str) -> dict[str, pl.DataType]:
    """Id-like columns of a CSV header, read as text: customer ``007`` must not become ``7``."""
    first = head.decode("utf8", errors="replace").lstrip("\ufeff").split("\n", 1)[0]
    try:
        names = next(csv.reader([first.rstrip("\r")], delimiter=sep), [])
    except csv.Error:  # a broken header: Polars will say what is wrong with it
        return {}
    known = set(NAMES["customer_id"])
    return {
        name: pl.String
        for name in names
        if normalize_name(name) in known or "id" in normalize_name(name).split("_")
    }


def _csv_error(data: bytes | Path, name: str, sep: str, err: Exception) -> LoadError:
    """A readable error for a CSV Polars refused: bad encoding, or the first line that breaks."""
    raw = data.read_bytes() if isinstance(data, Path) else data
    try:
        text = raw.decode("utf8")
    except UnicodeDecodeError as bad:
        return LoadError(f"{name!r} is not UTF-8 near byte {bad.start:,}: try encoding='latin-1'")
    reason = str(err).split("\n")[0]
    rows = csv.reader(io.StringIO(text), delimiter=sep)
    try:
        header = next(rows)
        line = next((i for i, row in enumerate(rows, 2) if row and len(row) != len(header)), None)
    except csv.Error:
        line = None
    where = f" at line {line:,}" if line else ""
    return LoadError(
        f"cannot read {name!r} as CSV with separator {sep!r}{where}: {reason}; "
        "check that line or pass separator=..."
    )

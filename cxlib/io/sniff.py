"""Sniffing: what a file is from its bytes, and how its text is laid out.

A file's name can lie (Parquet named ``.csv``, a gzip named ``.txt``), so the first bytes
decide first (:func:`detect_file_format`); the name only settles what the bytes leave
open. For text, :func:`decode` reads UTF-8, UTF-16 and, byte by byte where UTF-8 fails,
Windows-1252 (Latin-1); :func:`layout` finds the separator (``,`` ``;`` tab ``|`` or runs
of whitespace, aligned or not), the line where the table starts (title lines above a
header are skipped) and whether the first line is a header at all.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cxlib.errors import LoadError

__all__ = [
    "ENCODINGS",
    "SEPARATORS",
    "WHITESPACE",
    "Format",
    "Layout",
    "decode",
    "detect_file_format",
    "is_utf16",
    "layout",
    "sniff_separator",
    "whitespace_to_tabs",
]

Format = Literal["csv", "parquet", "json", "jsonl", "xes", "excel", "zip", "gzip", "duckdb"]

#: The separator value meaning "runs of spaces or tabs" (whitespace-aligned text).
WHITESPACE = "whitespace"
#: Separators tried when sniffing, most common first.
SEPARATORS = (",", ";", "\t", "|")
#: Encodings a person may choose (the first, ``None``, means "find out").
ENCODINGS = (None, "utf-8", "cp1252", "latin-1", "utf-16", "cp850", "mac-roman")

_EXTENSIONS: dict[str, Format] = {
    ".csv": "csv", ".tsv": "csv", ".tab": "csv", ".txt": "csv", ".dat": "csv",
    ".parquet": "parquet", ".pq": "parquet", ".json": "json", ".jsonl": "jsonl",
    ".ndjson": "jsonl", ".xes": "xes", ".xlsx": "excel", ".xlsm": "excel", ".xls": "excel",
    ".ods": "excel", ".duckdb": "duckdb", ".ddb": "duckdb", ".zip": "zip", ".gz": "gzip",
}  # fmt: skip
_MAGIC: tuple[tuple[bytes, Format], ...] = (
    (b"\x1f\x8b", "gzip"),
    (b"PAR1", "parquet"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "excel"),  # the old binary .xls
)
_REFUSED = {
    b"\x28\xb5\x2f\xfd": "a zstd archive",
    b"BZh": "a bzip2 archive",
    b"\xfd7zXZ\x00": "an xz archive",
    b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive",
    b"Rar!": "a RAR archive",
    b"SQLite format 3\x00": "an SQLite database",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x78\x01": "zlib data",
    b"\x78\x9c": "zlib data",
    b"\x78\xda": "zlib data",
}
_FALLBACK = "cx-cp1252"
_ESCAPED = re.compile("[\udc80-\udcff]")


def _cp1252_fallback(err: UnicodeError) -> tuple[str, int]:
    # A byte that is not UTF-8 is read as Windows-1252 (its 5 unused bytes as Latin-1).
    assert isinstance(err, UnicodeDecodeError)
    bad = err.object[err.start : err.end]
    return bad.decode("cp1252", errors="ignore") or bad.decode("latin-1"), err.end


codecs.register_error(_FALLBACK, _cp1252_fallback)


def is_utf16(head: bytes) -> bool:
    """Whether text is UTF-16: a byte-order mark, or ASCII with every other byte zero."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    sample = head[:2000]
    # ASCII text in UTF-16 without a BOM: every other byte is zero.
    return len(sample) >= 8 and sample[1::2].count(0) > 0.7 * len(sample[1::2])


def detect_file_format(head: bytes, name: str = "") -> Format:
    r"""The format of a file from its first bytes, else from its name's extension.

    Raises :class:`~cxlib.errors.LoadError` for what is no event log (an image, a PDF,
    an unsupported archive, binary data).

    Examples
    --------
    >>> detect_file_format(b"PAR1....", "export.csv"), detect_file_format(b'  [{"a": 1}]')
    ('parquet', 'json')
    >>> detect_file_format(b"a,b\n", "export.TSV"), detect_file_format(b"<?xml?><log>")
    ('csv', 'xes')
    >>> detect_file_format(b"%PDF-1.4", "report.csv")
    Traceback (most recent call last):
    ...
    cxlib.errors.LoadError: 'report.csv' is a PDF document, not an event log: export the data as CSV, Excel, Parquet, JSON or XES
    """
    label = name or "the file"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith(b"DUCK", 8):
        return "duckdb"
    for magic, what in _REFUSED.items():
        if head.startswith(magic):
            msg = (
                f"{label!r} is {what}, not an event log: export the data as CSV, Excel, "
                "Parquet, JSON or XES"
            )
            raise LoadError(msg)
    if is_utf16(head):
        return "csv"
    if b"\x00" in head[:4096]:
        msg = (
            f"{label!r} holds binary data that is no format read here (CSV, Excel, Parquet, "
            "JSON, XES, or a zip or gzip of them): export the data in one of these"
        )
        raise LoadError(msg)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        return "xes"
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        return "jsonl"
    return "csv" if _EXTENSIONS.get(Path(name).suffix.lower(), "csv") != "duckdb" else "duckdb"


def decode(raw: bytes, name: str, encoding: str | None) -> tuple[bytes, str | None]:
    r"""Text as UTF-8 bytes, and a note when it was not UTF-8 to begin with.

    ``encoding=None`` finds out: UTF-16 (a BOM or every other byte zero), else UTF-8 with
    any byte that is not UTF-8 read as Windows-1252 (Latin-1), and the note counts them.
    A given encoding is used as it is.

    Examples
    --------
    >>> decode("café".encode("latin-1"), "x.csv", None)
    (b'caf\xc3\xa9', "'x.csv' is not all UTF-8: 1 byte read as Windows-1252 (Latin-1)")
    >>> decode("a;b".encode("utf-16"), "x.csv", None)
    (b'a;b', "'x.csv' read as UTF-16")
    """
    if encoding is None:
        if is_utf16(raw[:4096]):
            encoding = "utf-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-16-le"
        else:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("utf-8", errors=_FALLBACK)
                escaped = raw.decode("utf-8", errors="surrogateescape")
                bad = len(_ESCAPED.findall(escaped))  # one per byte that is not UTF-8
                plural = "s" if bad != 1 else ""
                note = f"{name!r} is not all UTF-8: {bad:,} byte{plural} read as Windows-1252 (Latin-1)"
                return text.encode("utf-8"), note
            return raw.removeprefix(codecs.BOM_UTF8), None
        note = f"{name!r} read as UTF-16"
    else:
        note = None
    try:
        text = raw.decode(encoding)
    except LookupError as err:
        msg = f"the encoding {encoding!r} is unknown: choose one such as UTF-8, Latin-1 or Windows-1252"
        raise LoadError(msg) from err
    except UnicodeDecodeError as err:
        msg = (
            f"{name!r} is not {encoding} near byte {err.start:,}: choose another encoding "
            "(or leave it to be found out)"
        )
        raise LoadError(msg) from err
    return text.removeprefix("\ufeff").encode("utf-8"), note


@dataclass(frozen=True)
class Layout:
    """How a delimited text lays out its table (see :func:`layout`)."""

    #: One character, or :data:`WHITESPACE` for runs of spaces and tabs.
    separator: str
    #: Lines above the table (a title, a blank line) that are not read.
    skip_rows: int
    #: Whether the table's first line names the columns.
    header: bool


def _lines(text: str) -> list[str]:
    lines = text.splitlines()[:60]
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of a cut sample may be partial
    return lines


def _widths(lines: list[str], separator: str) -> list[int]:
    if separator == WHITESPACE:
        return [len(line.split()) for line in lines]
    try:
        return [len(row) for row in csv.reader(lines, delimiter=separator)]
    except csv.Error:
        return [1] * len(lines)


def _score(widths: list[int]) -> tuple[int, int]:
    """How many lines share the commonest width (above one field), and that width."""
    counts = Counter(w for w in widths if w > 1)
    if not counts:
        return (0, 0)
    width, n = counts.most_common(1)[0]
    return (n, width)


def sniff_separator(text: str) -> str:
    r"""The separator of a text table: the one giving the same number of fields on most lines.

    Runs of spaces (whitespace-aligned exports) are chosen only when no delimiter fits.

    Examples
    --------
    >>> sniff_separator("a;b;c\n1;2,5;3\n")
    ';'
    >>> sniff_separator("   00001 19970101  1  11.77\n   00002 19970112  2  29.33\n")
    'whitespace'
    >>> sniff_separator("only_one_column\nx\n")
    ','
    """
    lines = [line for line in _lines(text) if line.strip()]
    best, best_score = ",", (0, 0)
    for sep in SEPARATORS:
        score = _score(_widths(lines, sep))
        if score > best_score:
            best, best_score = sep, score
    most = 0.8 * len(lines)
    runs = _score([len(re.split(r"\s{2,}", line.strip())) for line in lines])
    spaces = max(_score(_widths(lines, WHITESPACE)), runs)  # one blank, or aligned columns
    if best_score[0] < most and spaces[0] > best_score[0] and spaces[0] >= most:
        return WHITESPACE
    return best


_DATA_FIELD = re.compile(r"^\s*[-+]?[\d.,:/ T-]*\d[\d.,:/ T-]*(Z|[AaPp][Mm])?\s*$")


def _is_data_row(fields: list[str]) -> bool:
    """A row whose fields include numbers or dates (a header names, it does not measure)."""
    return any(_DATA_FIELD.match(f) for f in fields if f.strip())


def _split(lines: list[str], separator: str) -> list[list[str]]:
    if separator == WHITESPACE:
        return [line.split() for line in lines]
    try:
        return list(csv.reader(lines, delimiter=separator))
    except csv.Error:
        return [[line] for line in lines]


def layout(text: str, *, separator: str | None = None, header: bool | None = None) -> Layout:
    r"""Find the separator, the title lines to skip and whether there is a header line.

    ``separator`` and ``header`` are used as given when not ``None``.

    Examples
    --------
    >>> layout("Sales report\n\nid;date;amount\n1;2024-01-01;5\n2;2024-01-02;7\n")
    Layout(separator=';', skip_rows=2, header=True)
    >>> layout("00001 19970101 1 11.77\n00002 19970112 2 29.33\n")
    Layout(separator='whitespace', skip_rows=0, header=False)
    """
    sep = separator or sniff_separator(text)
    lines = _lines(text)
    widths = _widths(lines, sep)
    _, width = _score(widths)
    # Title lines above the table have another number of fields (or none): skip them.
    skip = next((i for i, w in enumerate(widths[:20]) if w == width), 0) if width else 0
    rows = _split(lines[skip:], sep)
    if header is None:
        first_is_data = len(rows) > 1 and _is_data_row(rows[0]) and _is_data_row(rows[1])
        same_kinds = first_is_data and all(
            bool(_DATA_FIELD.match(a)) == bool(_DATA_FIELD.match(b))
            for a, b in zip(rows[0], rows[1], strict=False)
            if a.strip() and b.strip()
        )
        header = not same_kinds
    return Layout(sep, skip, header)


def whitespace_to_tabs(text: str) -> str:
    r"""A whitespace-aligned table as tab-separated text.

    Fields are split at runs of blanks when every line then has as many fields;
    otherwise (fields with spaces inside, aligned in columns) at the character positions
    blank on every line (fixed width).

    Examples
    --------
    >>> whitespace_to_tabs("   00001 19970101  1  11.77\r\n   00002 19970112  2  29.33\r\n")
    '00001\t19970101\t1\t11.77\n00002\t19970112\t2\t29.33\n'
    >>> print(whitespace_to_tabs("case  activity     amount\nc1    Create Fine  35\nc1    Payment      35\n"))
    case    activity    amount
    c1  Create Fine 35
    c1  Payment 35
    <BLANKLINE>
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line for line in text.split("\n") if line.strip()]
    sample = lines[:200]
    widths = Counter(len(line.split()) for line in sample)
    if widths and widths.most_common(1)[0][1] >= 0.95 * len(sample):
        return "".join("\t".join(line.split()) + "\n" for line in lines)
    length = max(len(line) for line in sample)
    blank = [all(len(line) <= i or line[i] in " \t" for line in sample) for i in range(length)]
    spans, start = [], None
    for i, is_blank in enumerate([*blank, True]):
        if not is_blank and start is None:
            start = i
        elif is_blank and start is not None:
            spans.append((start, i))
            start = None
    return "".join("\t".join(line[a:b].strip() for a, b in spans) + "\n" for line in lines)

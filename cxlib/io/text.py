r"""Delimited and whitespace-aligned text read into one Polars frame (:func:`read_text`).

The separator, title lines, header and encoding are found out from the file's first
bytes (:mod:`cxlib.io.sniff`) unless given. UTF-8 text is read by Polars itself; other
encodings, a file that only uses ``\r`` for line breaks, and aligned columns are decoded
first. Id-like columns stay text (customer ``007`` is not ``7``); a column whose type
changes after the first rows is read as text and cast later; a file Polars refuses gets
an error naming the first line that breaks.
"""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path
from typing import Any

import polars as pl

from cxlib.errors import LoadError
from cxlib.io import inflate, limits, sniff
from cxlib.io.recognize import NAMES, normalize_name
from cxlib.io.sniff import WHITESPACE, Layout

__all__ = ["HEAD", "read_text"]

#: The first bytes of a file looked at before it is read (its format, its layout).
HEAD = 65_536
_UTF8 = {"utf8", "utf-8", "utf-8-sig", "utf8-sig"}


def _complete_lines(head: bytes, encoding: str | None) -> bytes:
    """The first bytes up to the last line break (a cut character is no encoding error)."""
    if (encoding or "").lower().startswith("utf-16") or sniff.is_utf16(head):
        return head[: len(head) // 2 * 2]  # whole code units (a partial last line is dropped)
    end = max(head.rfind(b"\n"), head.rfind(b"\r"))
    return head[: end + 1] if end > 0 else head


def read_text(
    data: bytes | Path,
    head: bytes,
    name: str,
    *,
    separator: str | None,
    encoding: str | None,
    header: bool | None,
) -> tuple[pl.DataFrame, list[str], Layout, str]:
    """The text ``data`` (its first bytes ``head``) as a frame, with the notes, layout and encoding it was read with.

    ``separator``, ``encoding`` and ``header`` are found out where ``None``.
    """
    # Polars would inflate these silently, without a limit: a zip bomb named ".csv".
    if packed := inflate.compressed_kind(head):
        msg = f"{name!r} is a {packed} archive, not text: extract the file inside and load it"
        raise LoadError(msg)
    head_text, note = sniff.decode(_complete_lines(head, encoding), name, encoding)
    cr_only = b"\r" in head_text and b"\n" not in head_text
    text_head = head_text.decode("utf8", errors="replace").replace("\r", "\n" if cr_only else "\r")
    lay = sniff.layout(text_head, separator=separator, header=header)
    utf8 = encoding is None or encoding.lower().replace("_", "-") in _UTF8
    frame = None
    if utf8 and note is None and not cr_only and lay.separator != WHITESPACE:
        with contextlib.suppress(_NotUtf8Error):  # else a byte further down is not UTF-8
            frame = _polars_csv(data, name, lay)  # the fast path: Polars reads the file itself
    if frame is None:
        raw = data if isinstance(data, bytes) else data.read_bytes()
        text, note = sniff.decode(raw, name, encoding)
        if cr_only:
            text = text.replace(b"\r", b"\n")
        read_as = lay
        if lay.separator == WHITESPACE:
            text = sniff.whitespace_to_tabs(text.decode("utf8")).encode("utf8")
            read_as = Layout("\t", lay.skip_rows, lay.header)
        frame = _polars_csv(text, name, read_as)
    notes = [note] if note else []
    if lay.skip_rows:
        plural = "s" if lay.skip_rows > 1 else ""
        notes.append(f"the first {lay.skip_rows} line{plural} (a title) skipped")
    if not lay.header:
        notes.append("no header line: the columns are named column_1, column_2, ...")
    read_with = encoding or (
        "utf-8" if note is None else "utf-16" if "UTF-16" in note else "cp1252"
    )
    return frame, notes, lay, read_with


class _NotUtf8Error(Exception):
    """Polars met bytes that are not UTF-8: decode the file first."""


def _polars_csv(data: bytes | Path, name: str, lay: Layout) -> pl.DataFrame:
    sep = lay.separator
    head = data[:HEAD] if isinstance(data, bytes) else b""
    if isinstance(data, Path):
        with data.open("rb") as f:
            head = f.read(HEAD)
    lines = head.split(b"\n", lay.skip_rows + 1)
    first = lines[lay.skip_rows] if len(lines) > lay.skip_rows else b""
    limits.check_width(name, first.count(sep.encode()) + 1)  # before parsing it
    options: dict[str, Any] = {
        "separator": sep,
        "skip_rows": lay.skip_rows,
        "has_header": lay.header,
        "infer_schema_length": 10_000,
        "schema_overrides": _id_columns(first, sep) if lay.header else None,
    }
    try:
        try:
            frame = pl.read_csv(data, **options)
        except pl.exceptions.ComputeError as err:
            text = str(err)
            if "utf-8" in text.lower() or "utf8" in text.lower():
                raise _NotUtf8Error from err
            if "could not parse" not in text or "not properly escaped" in text:
                raise
            # A column whose type changes after the first rows: read all as text, cast later.
            frame = pl.read_csv(data, **{**options, "infer_schema": False})
    except pl.exceptions.NoDataError as err:
        msg = f"{name!r} is empty: no header and no events"
        raise LoadError(msg) from err
    except pl.exceptions.PolarsError as err:
        raise _csv_error(data, name, sep, err) from err
    if not lay.header:
        frame.columns = [f"column_{i + 1}" for i in range(frame.width)]
    return frame


def _id_columns(first: bytes, sep: str) -> dict[str, type[pl.DataType]]:
    """Id-like columns of a CSV header, read as text: customer ``007`` must not become ``7``."""
    line = first.decode("utf8", errors="replace").lstrip("\ufeff").rstrip("\r")
    try:
        names = next(csv.reader([line], delimiter=sep), [])
    except csv.Error:  # a broken header: Polars will say what is wrong with it
        return {}
    known = set(NAMES["customer_id"])
    return {
        name: pl.String
        for name in names
        if normalize_name(name) in known or "id" in normalize_name(name).split("_")
    }


def _csv_error(data: bytes | Path, name: str, sep: str, err: Exception) -> LoadError:
    """A readable error for a CSV Polars refused: the first line that breaks."""
    raw = data.read_bytes() if isinstance(data, Path) else data
    text = raw.decode("utf8", errors="replace")
    reason = str(err).split("\n")[0][:200]
    rows = csv.reader(io.StringIO(text), delimiter=sep)
    try:
        header = next(rows)
        line = next((i for i, row in enumerate(rows, 2) if row and len(row) != len(header)), None)
    except (csv.Error, StopIteration):
        line = None
    where = f" at line {line:,}" if line else ""
    return LoadError(
        f"cannot read {name!r} as a table with separator {sep!r}{where} ({reason}): "
        "check that line or choose another separator"
    )

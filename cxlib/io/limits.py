"""Size bounds before decoding: how large a file becomes once read, known from its metadata.

A small upload can decode to far more memory than its size: a 44 KB Parquet file of
30 million repeated rows (run-length encoding), an Excel workbook whose sheet XML
compresses 500 times, a gzip bomb. Each format says, before anything is decoded, how
large it will be: Parquet's footer has every column chunk's row count and uncompressed
size, an ``.xlsx`` (a zip archive) lists the size of every member, and gzip is inflated
chunk by chunk and stopped at the limit (:mod:`cxlib.io.inflate`). :func:`check` refuses a
file whose decoded size would pass :func:`limit`, with a message stating both sizes.

The limit grows with the file's size: :func:`max_expansion` times it (100 by default,
``CX_MAX_EXPANSION``), at least :data:`MIN_LIMIT` (64 MB), at most :func:`max_bytes`
(4 GB by default, ``CX_MAX_DECODED_MB`` in megabytes): a server sets both to what its
memory allows.
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from typing import Literal

from cxlib.errors import LoadError

__all__ = [
    "MAX_COLUMNS",
    "MIN_LIMIT",
    "check",
    "check_width",
    "limit",
    "max_bytes",
    "max_expansion",
    "parquet_size",
    "xlsx_size",
]

#: Most columns a source may have (recognising each column's role takes time).
MAX_COLUMNS = 2_000
#: A small file may always decode to this much.
MIN_LIMIT = 64 * 1024**2
_DEFAULT_RATIO, _DEFAULT_MB = 100, 4096
_CHUNK = 16 * 1024**2
#: Bytes per value once decoded, by Parquet physical type (text: Polars' 16-byte views).
_WIDTH = {
    "BOOLEAN": 1,
    "INT32": 4,
    "FLOAT": 4,
    "INT64": 8,
    "DOUBLE": 8,
    "INT96": 12,
    "BYTE_ARRAY": 16,
}


def _setting(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        msg = f"{name}={value!r} is not a positive whole number; set it to one or unset it"
        raise LoadError(msg)
    return number


def max_expansion() -> int:
    """Most times its own size a file may grow once read (``CX_MAX_EXPANSION``, default 100)."""
    return _setting("CX_MAX_EXPANSION", _DEFAULT_RATIO)


def max_bytes() -> int:
    """Most bytes any file may decode to (``CX_MAX_DECODED_MB`` megabytes, default 4096)."""
    return _setting("CX_MAX_DECODED_MB", _DEFAULT_MB) * 1024**2


def limit(size: int) -> int:
    """Most bytes a file of ``size`` bytes may decode to.

    Examples
    --------
    >>> limit(1_000) == MIN_LIMIT, limit(10**7) == 100 * 10**7, limit(10**12) == 4 * 1024**3
    (True, True, True)
    """
    return min(max_bytes(), max(MIN_LIMIT, max_expansion() * size))


def parquet_size(raw: bytes) -> int:
    """Bytes a Parquet file takes once read, estimated from its footer alone.

    Per column chunk, the larger of its uncompressed size and its number of values
    times their decoded width (a run-length encoded column is small on disk only).

    Examples
    --------
    >>> import polars as pl
    >>> buffer = io.BytesIO()
    >>> pl.DataFrame({"n": [7] * 1_000_000}).write_parquet(buffer)
    >>> len(buffer.getvalue()) < 5_000, parquet_size(buffer.getvalue())
    (True, 8000000)
    """
    import pyarrow.parquet as pq

    try:
        metadata = pq.ParquetFile(io.BytesIO(raw)).metadata
    except Exception as err:  # pyarrow raises ArrowInvalid, OSError, ...: all mean broken
        msg = f"cannot read the Parquet footer ({str(err).splitlines()[0]})"
        raise LoadError(msg) from err
    total = 0
    for g in range(metadata.num_row_groups):
        group = metadata.row_group(g)
        for c in range(group.num_columns):
            chunk = group.column(c)
            width = _WIDTH.get(chunk.physical_type, 16)
            total += max(chunk.total_uncompressed_size, chunk.num_values * width)
    return total


def xlsx_size(raw: bytes, most: int | None = None) -> int:
    """Bytes an ``.xlsx`` (zip) archive's members take uncompressed, as its directory lists them.

    With ``most``, each member's compressed data is also inflated chunk by chunk and
    counted (a deflate stream's real size, whatever the directory claims), stopping
    past ``most``: an archive that lies about its sizes does not get past the limit.

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
    ...     archive.writestr("xl/worksheets/sheet1.xml", "<c/>" * 250_000)
    >>> len(buffer.getvalue()) < 10_000, xlsx_size(buffer.getvalue(), most=2_000_000)
    (True, 1000000)
    """
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as err:
        msg = f"not a readable zip archive: {err}"
        raise LoadError(msg) from err
    listed = sum(member.file_size for member in members)
    if most is None or listed > most:
        return listed
    counted = 0
    for member in members:
        counted += _inflated(raw, member, most - counted)
        if counted > most:
            break
    return max(listed, counted)


def _inflated(raw: bytes, member: zipfile.ZipInfo, most: int) -> int:
    """Bytes ``member``'s data inflates to, counted up to just past ``most``."""
    start = member.header_offset
    if raw[start : start + 4] != b"PK\x03\x04":
        msg = f"not a readable zip archive: no local header for {member.filename!r}"
        raise LoadError(msg)
    name_length = int.from_bytes(raw[start + 26 : start + 28], "little")
    extra_length = int.from_bytes(raw[start + 28 : start + 30], "little")
    begin = start + 30 + name_length + extra_length
    data = raw[begin : begin + member.compress_size]
    if member.compress_type == zipfile.ZIP_STORED:
        return len(data)
    if member.compress_type != zipfile.ZIP_DEFLATED:
        msg = f"not a readable zip archive: {member.filename!r} is not deflated (Excel's way)"
        raise LoadError(msg)
    inflater, counted = zlib.decompressobj(-zlib.MAX_WBITS), 0
    try:
        while data and counted <= most:
            counted += len(inflater.decompress(data, _CHUNK))
            data = inflater.unconsumed_tail
    except zlib.error as err:
        msg = f"not a readable zip archive: {member.filename!r}: {err}"
        raise LoadError(msg) from err
    return counted


def check(raw: bytes, name: str, kind: Literal["parquet", "workbook"]) -> None:
    """Refuse ``raw`` (a file named ``name``) if it would decode to more than :func:`limit`.

    ``kind`` is ``"parquet"`` or ``"workbook"`` (an ``.xlsx`` or ``.ods``: a zip archive).

    A file too broken to tell its size is refused too (its reader would say the same).

    Examples
    --------
    >>> import polars as pl
    >>> buffer = io.BytesIO()
    >>> pl.DataFrame({"n": [7] * 10_000_000}).write_parquet(buffer)
    >>> check(buffer.getvalue(), "bomb.parquet", "parquet")
    Traceback (most recent call last):
    ...
    cxlib.errors.LoadError: 'bomb.parquet' would take about 80,000,000 bytes once read, from ... bytes: more than the 67,108,864 allowed; ...
    """
    most = limit(len(raw))
    what = "Parquet" if kind == "parquet" else "an Excel workbook"
    try:
        size = parquet_size(raw) if kind == "parquet" else xlsx_size(raw, most)
    except LoadError as err:  # its size unknown: not read at all
        msg = f"cannot read {name!r} as {what}: {err}"
        raise LoadError(msg) from err
    if size > most:
        msg = (
            f"{name!r} would take about {size:,} bytes once read, from {len(raw):,} bytes: more "
            f"than the {most:,} allowed; a server raises the limit with CX_MAX_DECODED_MB and "
            "CX_MAX_EXPANSION"
        )
        raise LoadError(msg)


def check_width(name: str, width: int) -> None:
    """Refuse a source of more than :data:`MAX_COLUMNS` columns, saying what to do."""
    if width > MAX_COLUMNS:
        msg = (
            f"{name!r} has {width:,} columns (or more); an event log has a handful, at most "
            f"{MAX_COLUMNS:,}: choose another separator, or keep only the columns you need"
        )
        raise LoadError(msg)

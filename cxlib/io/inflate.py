"""Bounded decompression: a small upload never expands into all of the server's memory.

A gzip file is inflated chunk by chunk and refused past the limit of
:func:`cxlib.io.limits.limit` (it grows with the compressed size, and a server sets it):
a zip bomb (a few kilobytes that expand to gigabytes) stops there with a clear
:class:`~cxlib.errors.LoadError` instead of exhausting the machine.
:func:`compressed_kind` names the compressed formats a reader must not hand to a
parser that would expand them on its own (Polars' CSV reader inflates gzip, zlib and
zstd silently).
"""

from __future__ import annotations

import io
import zipfile
import zlib

from cxlib.errors import LoadError
from cxlib.io.limits import limit

__all__ = ["MAX_MEMBERS", "compressed_kind", "gunzip", "unzip", "zip_names"]

#: Most files a zip archive may hold (an export of hourly files has a few thousand).
MAX_MEMBERS = 10_000
_CHUNK = 16 * 1024**2
_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"PK\x03\x04": "zip",
    b"\x28\xb5\x2f\xfd": "zstd",
    b"\x78\x01": "zlib",
    b"\x78\x9c": "zlib",
    b"\x78\xda": "zlib",
}


def compressed_kind(head: bytes) -> str | None:
    r"""The compressed format the first bytes announce, or ``None`` for anything else.

    Examples
    --------
    >>> compressed_kind(b"\x1f\x8b\x08\x00"), compressed_kind(b"PK\x03\x04"), compressed_kind(b"a,b")
    ('gzip', 'zip', None)
    """
    return next((kind for magic, kind in _MAGIC.items() if head.startswith(magic)), None)


def gunzip(raw: bytes, name: str) -> bytes:
    r"""Decompress gzip data (one or several members), refusing to expand past :func:`limit`.

    Examples
    --------
    >>> import gzip
    >>> gunzip(gzip.compress(b"a,b\n1,2\n") + gzip.compress(b"3,4\n"), "x.csv.gz")
    b'a,b\n1,2\n3,4\n'
    >>> gunzip(gzip.compress(b"a,b\n")[:10], "cut.csv.gz")
    Traceback (most recent call last):
    ...
    cxlib.errors.LoadError: 'cut.csv.gz' looks gzipped but cannot be decompressed: it ends early
    """
    most = limit(len(raw))
    chunks: list[bytes] = []
    size, data = 0, raw
    try:
        while data:
            inflater = zlib.decompressobj(wbits=31)
            while not inflater.eof:
                chunk = inflater.decompress(data, _CHUNK)
                data = inflater.unconsumed_tail
                if not chunk and not data:
                    msg = f"{name!r} looks gzipped but cannot be decompressed: it ends early"
                    raise LoadError(msg)
                size += len(chunk)
                if size > most:
                    raise _bomb(name, most, len(raw))
                chunks.append(chunk)
            data = inflater.unused_data.lstrip(b"\0")  # the next member (zero padding ends it)
    except zlib.error as err:
        msg = f"{name!r} looks gzipped but cannot be decompressed: {err}"
        raise LoadError(msg) from err
    return b"".join(chunks)


def _bomb(name: str, most: int, size: int) -> LoadError:
    return LoadError(
        f"{name!r} expands to more than {most:,} bytes from {size:,}: refused as a likely zip "
        "bomb; decompress it yourself and load the file if it is genuine"
    )


def zip_names(raw: bytes, name: str) -> set[str]:
    """The names in a zip archive's directory (nothing is inflated)."""
    try:
        return set(zipfile.ZipFile(io.BytesIO(raw)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError) as err:
        msg = f"{name!r} looks like a zip archive but cannot be opened: {err}"
        raise LoadError(msg) from err


def unzip(raw: bytes, name: str) -> list[tuple[str, bytes]]:
    r"""The files of a zip archive (folders and hidden files left out), as (name, bytes).

    Every member is inflated chunk by chunk, and the archive as a whole may not expand
    past :func:`limit` of its size, whatever its headers declare.

    Examples
    --------
    >>> out = io.BytesIO()
    >>> with zipfile.ZipFile(out, "w") as z:
    ...     z.writestr("2024/a.json", b"{}")
    ...     z.writestr("__MACOSX/._a.json", b"junk")
    >>> unzip(out.getvalue(), "export.zip")
    [('2024/a.json', b'{}')]
    """
    most = limit(len(raw))
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        members = [
            info
            for info in archive.infolist()
            if not info.is_dir()
            and not info.filename.startswith("__MACOSX/")
            and not info.filename.rsplit("/", 1)[-1].startswith(".")
        ]
        if len(members) > MAX_MEMBERS:
            msg = f"{name!r} holds {len(members):,} files, more than {MAX_MEMBERS:,}: load fewer at once"
            raise LoadError(msg)
        out, size = [], 0
        for info in members:
            chunks = []
            with archive.open(info) as member:
                while chunk := member.read(_CHUNK):
                    size += len(chunk)
                    if size > most:
                        raise _bomb(name, most, len(raw))
                    chunks.append(chunk)
            out.append((info.filename, b"".join(chunks)))
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,
        RuntimeError,
        ValueError,
        OSError,
    ) as err:
        msg = f"{name!r} looks like a zip archive but cannot be opened: {err}"
        raise LoadError(msg) from err
    return out

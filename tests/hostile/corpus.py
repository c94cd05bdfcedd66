"""Hostile input files, generated on the fly (never committed): ``CASES[name](folder)``.

Each maker writes one file into ``folder`` and returns its path. Sizes are bounded so
the whole corpus builds in a few seconds; :data:`EXPECT` says whether the loader must
give a working log (``"log"``) or a clear :class:`cxlib.LoadError` (a message part).
"""

from __future__ import annotations

import gzip
import io
import random
import zipfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["BOMB_BYTES", "CASES", "EXPECT", "build"]

HEADER = b"customer_id,timestamp,touchpoint,channel,value\n"
#: What the zip bombs expand to: more than the loader's limit for a file that small.
BOMB_BYTES = 200 * 1024**2


def _rows(n: int, *, customer: Callable[[int], str], touchpoint: Callable[[int], str]) -> bytes:
    lines = [
        f"{customer(i)},2024-01-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d},"
        f"{touchpoint(i)},web,{i % 7}\n"
        for i in range(n)
    ]
    return HEADER + "".join(lines).encode()


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _bomb_lines() -> bytes:
    # The same event over and over: it compresses about a thousand times.
    line = b"c1,2024-01-01T00:00:00,visit,web,1\n"
    return line * (BOMB_BYTES // len(line))


def gzip_bomb(folder: Path) -> Path:
    """A ``.csv`` that is gzip of 200 MB: the loader must refuse it, not expand it."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0) as z:
        z.write(HEADER)
        z.write(_bomb_lines())
    return _write(folder, "bomb.csv", out.getvalue())


def zip_bomb(folder: Path) -> Path:
    """A ``.csv`` that is a zip archive of a 200 MB CSV."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("events.csv", HEADER + _bomb_lines())
    return _write(folder, "zipped.csv", out.getvalue())


def _simple(name: str, data: Callable[[], bytes]) -> Callable[[Path], Path]:
    return lambda folder: _write(folder, name, data())


GOOD = _rows(30, customer=lambda i: f"c{i % 4}", touchpoint=lambda i: f"step{i % 5}")

CASES: dict[str, Callable[[Path], Path]] = {
    "empty": _simple("empty.csv", lambda: b""),
    "header_only": _simple("header.csv", lambda: HEADER),
    "binary": _simple("garbage.csv", lambda: random.Random(0).randbytes(100_000)),
    "binary_no_name": _simple("upload", lambda: random.Random(1).randbytes(100_000)),
    "gzip_bomb": gzip_bomb,
    "zip_bomb": zip_bomb,
    "wrong_delimiter": _simple("colon.csv", lambda: GOOD.replace(b",", b":")),
    "bom": _simple("bom.csv", lambda: b"\xef\xbb\xbf" + GOOD),
    "mixed_encodings": _simple(
        "mixed.csv", lambda: GOOD + "c9,2024-01-02,caf\u00e9,web,1\n".encode("latin-1")
    ),
    "one_long_line": _simple("long.csv", lambda: b"a" * 1024**2),
    "many_equal_columns": _simple("columns.csv", lambda: b"a," * 200_000 + b"\n" + b"1," * 200_000),
    "megabyte_touchpoint": _simple(
        "long_row.csv", lambda: GOOD + b"c1,2024-01-03," + b"x" * 1024**2 + b",web,1\n"
    ),
    "distinct_touchpoints": _simple(
        "distinct.csv",
        lambda: _rows(100_000, customer=lambda i: f"c{i % 1000}", touchpoint=lambda i: f"t{i}"),
    ),
    "equal_timestamps": _simple(
        "equal.csv",
        lambda: (
            HEADER
            + b"".join(
                b"c%d,2024-01-01T09:00:00,step%d,web,1\n" % (i % 4, i % 5) for i in range(30)
            )
        ),
    ),
    "years_1_and_9999": _simple(
        "years.csv",
        lambda: (
            HEADER
            + b"a,0001-01-01T00:00:00,start,web,1\na,9999-12-31T23:59:59,end,web,2\n"
            + b"b,0001-01-01T00:00:00,start,web,1\n"
        ),
    ),
    "duplicated_rows": _simple("dups.csv", lambda: HEADER + GOOD[len(HEADER) :] * 3),
    "nan_inf": _simple(
        "nan.csv",
        lambda: (
            HEADER
            + b"a,2024-01-01T00:00:00,start,web,nan\na,2024-01-01T00:01:00,buy,web,inf\n"
            + b"b,2024-01-01T00:00:00,start,web,-inf\nb,NaN,buy,web,1\nNaN,2024-01-01,start,web,NaN\n"
        ),
    ),
    "one_customer_1e6_events": _simple(
        "one.csv",
        lambda: _rows(1_000_000, customer=lambda i: "whale", touchpoint=lambda i: f"s{i % 50}"),
    ),
}

#: "log": a working log; any other text: a LoadError whose message contains it.
EXPECT = {
    "empty": "is empty",
    "header_only": "no events",
    "binary": "holds binary data that is no format read here",
    "binary_no_name": "holds binary data that is no format read here",
    "gzip_bomb": "likely zip bomb",
    "zip_bomb": "likely zip bomb",
    "wrong_delimiter": "no column looks like the timestamp: choose one of the columns",
    "bom": "log",
    "mixed_encodings": "log",
    "one_long_line": "no events",
    "many_equal_columns": "columns (or more)",
    "megabyte_touchpoint": "log",
    "distinct_touchpoints": "log",
    "equal_timestamps": "log",
    "years_1_and_9999": "log",
    "duplicated_rows": "log",
    "nan_inf": "log",
    "one_customer_1e6_events": "log",
}


def build(name: str, folder: Path) -> Path:
    """Write the hostile file ``name`` into ``folder``."""
    return CASES[name](folder)

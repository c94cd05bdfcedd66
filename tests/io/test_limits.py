"""Size bounds before decoding: bombs refused from their metadata, with both sizes; real files pass."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import cxlib
from cxlib import sample
from cxlib.io import limits

ROOT = Path(__file__).resolve().parents[2]


def parquet_bomb(rows: int = 30_000_000, customers: int = 8_000) -> bytes:
    """A valid event log of ``rows`` events in a few tens of kilobytes (long runs, one page)."""
    i = np.arange(rows)
    per = rows // customers
    names = pa.array([f"c{k}" for k in range(customers)])
    table = pa.table({
        "customer_id": pa.DictionaryArray.from_arrays(pa.array((i // per).astype(np.int32)), names),
        "timestamp": pa.array((1_704_067_200_000_000 + (i // per) * 60_000_000).astype("datetime64[us]")),
        "touchpoint": pa.DictionaryArray.from_arrays(
            pa.array(((i // 200) % 5).astype(np.int32)), pa.array(["visit", "view", "cart", "buy", "exit"])
        ),
    })  # fmt: skip
    out = io.BytesIO()
    pq.write_table(
        table, out, compression="zstd", compression_level=22, row_group_size=rows,
        write_statistics=False, data_page_size=1 << 30, max_rows_per_page=rows,
        dictionary_pagesize_limit=1 << 30,
    )  # fmt: skip
    return out.getvalue()


def xlsx_bomb(cells: int = 4_000_000) -> bytes:
    """A workbook whose one sheet is a few megabytes of XML compressing several hundred times."""
    row = "<row>" + '<c t="s"><v>0</v></c>' * 100 + "</row>"
    sheet = "<worksheet><sheetData>" + row * (cells // 100) + "</sheetData></worksheet>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


def named(raw: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(raw)
    handle.name = name
    return handle


def test_the_parquet_bomb_is_refused_with_both_sizes():
    raw = parquet_bomb()
    assert len(raw) < 50_000
    assert pq.ParquetFile(io.BytesIO(raw)).metadata.num_rows == 30_000_000
    with pytest.raises(cxlib.LoadError) as err:
        cxlib.load(named(raw, "events.parquet"))
    # 30M rows x (16 + 8 + 16) bytes (text views, a timestamp, text views)
    assert str(err.value) == (
        f"'events.parquet' would take about 1,200,000,000 bytes once read, from {len(raw):,} "
        "bytes: more than the 67,108,864 allowed; a server raises the limit with "
        "CX_MAX_DECODED_MB and CX_MAX_EXPANSION"
    )


def test_the_xlsx_bomb_is_refused_from_its_zip_directory():
    raw = xlsx_bomb()
    expanded = xlsx_size = limits.xlsx_size(raw)
    assert expanded > 300 * len(raw)  # the workbook expanded about 570 times
    with pytest.raises(cxlib.LoadError) as err:
        limits.check(raw, "book.xlsx", "workbook")
    assert str(err.value).startswith(
        f"'book.xlsx' would take about {xlsx_size:,} bytes once read, from {len(raw):,} bytes"
    )


def test_a_zip_directory_that_lies_about_sizes_is_counted_while_inflating():
    raw = bytearray(xlsx_bomb())
    real = limits.xlsx_size(bytes(raw))
    # Shrink the sheet's listed size in the central directory (offset 24 of its entry).
    entry = raw.rfind(b"PK\x01\x02")
    raw[entry + 24 : entry + 28] = (10).to_bytes(4, "little")
    assert limits.xlsx_size(bytes(raw)) < real  # the directory alone is fooled
    assert limits.xlsx_size(bytes(raw), most=real // 2) > real // 2  # inflating is not
    with pytest.raises(cxlib.LoadError, match="would take about"):
        limits.check(bytes(raw), "liar.xlsx", "workbook")


def test_real_files_pass(tmp_path):
    frame = pl.read_csv(sample.path("retail"))
    out = io.BytesIO()
    frame.write_parquet(out)
    assert cxlib.load(named(out.getvalue(), "retail.parquet")).report.rows_read == frame.height
    frame.write_excel(tmp_path / "retail.xlsx")
    raw = (tmp_path / "retail.xlsx").read_bytes()
    limits.check(raw, "retail.xlsx", "workbook")  # no error


def test_the_limit_is_configurable(monkeypatch):
    raw = parquet_bomb(rows=3_000_000, customers=1_000)  # 120 MB decoded
    monkeypatch.setenv("CX_MAX_EXPANSION", "100000")
    monkeypatch.setenv("CX_MAX_DECODED_MB", "200")
    limits.check(raw, "ok.parquet", "parquet")
    monkeypatch.setenv("CX_MAX_DECODED_MB", "100")
    with pytest.raises(cxlib.LoadError, match="more than the 104,857,600 allowed"):
        limits.check(raw, "big.parquet", "parquet")
    monkeypatch.setenv("CX_MAX_DECODED_MB", "lots")
    with pytest.raises(cxlib.LoadError) as err:
        limits.check(raw, "big.parquet", "parquet")
    assert str(err.value) == (
        "CX_MAX_DECODED_MB='lots' is not a positive whole number; set it to one or unset it"
    )


MEASURE = """
import io, json, resource, sys
sys.path.insert(0, {root!r})
import cxlib
raw = open({path!r}, "rb").read()
handle = io.BytesIO(raw)
handle.name = "bomb.parquet"
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    cxlib.load(handle)
    outcome = "loaded"
except cxlib.CxError as err:
    outcome = str(err)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"rise_mb": (after - before) / 1024, "outcome": outcome}}))
"""


def test_the_parquet_bomb_raises_memory_by_less_than_500_mb(tmp_path):
    path = tmp_path / "bomb.parquet"
    path.write_bytes(parquet_bomb())
    script = MEASURE.format(root=str(ROOT), path=str(path))
    # The library already imported, so the rise is the load's alone (a fresh process).
    script = script.replace("raw = open", "import pyarrow.parquet, polars\nraw = open")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    assert "more than the 67,108,864 allowed" in result["outcome"]
    assert result["rise_mb"] < 500, result

"""Reading text whatever its layout: separators, aligned columns, title lines, no header, line ends."""

from __future__ import annotations

import gzip
import io
import zipfile

import polars as pl
import pytest

from cxlib import LoadError, load
from cxlib.io import limits
from cxlib.io.readers import read
from cxlib.io.sniff import Layout, decode, layout, sniff_separator, whitespace_to_tabs

ROWS = [("u1", "visit", "2024-01-01 09:00"), ("u1", "buy", "2024-01-01 09:30"), ("u2", "visit", "2024-01-02 10:00")]  # fmt: skip
HEADER = ("user", "event", "time")


def _text(sep: str, end: str = "\n", header: bool = True) -> bytes:
    lines = [sep.join(HEADER)] if header else []
    lines += [sep.join(r) for r in ROWS]
    return (end.join(lines) + end).encode()


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_every_separator_and_line_ending(sep, end):
    table = read(_text(sep, end))
    assert table.layout == Layout(sep, 0, True)
    assert table.frame.rows() == ROWS


def test_whitespace_aligned_with_leading_spaces_and_runs():
    text = b"  user   event   time\r\n  u1     visit   2024-01-01T09:00\r\n  u2     buy     2024-01-02T10:00\r\n"
    table = read(text)
    assert table.layout.separator == "whitespace"
    assert table.frame.rows() == [
        ("u1", "visit", "2024-01-01T09:00"),
        ("u2", "buy", "2024-01-02T10:00"),
    ]


def test_fixed_width_columns_with_spaces_inside():
    text = (
        "case  activity      amount\n"
        "c1    Create Fine   35\n"
        "c1    Send Fine     11\n"
        "c2    Payment       35\n"
    )
    assert whitespace_to_tabs(text).splitlines()[1] == "c1\tCreate Fine\t35"
    assert read(text.encode()).frame["activity"].to_list() == [
        "Create Fine",
        "Send Fine",
        "Payment",
    ]


def test_title_lines_above_the_header_are_skipped():
    text = b"Export of 2024-01-05\n\n" + _text(";")
    table = read(text)
    assert table.layout == Layout(";", 2, True)
    assert table.frame.columns == list(HEADER)
    assert table.notes == ["the first 2 lines (a title) skipped"]


def test_no_header_when_the_first_line_is_data():
    table = read(_text(",", header=False))
    assert table.layout.header is False
    assert table.frame.columns == ["column_1", "column_2", "column_3"]
    assert table.frame.height == 3
    # Every role is then recognised from the data alone.
    log = load(_text(",", header=False))
    assert {r: m.column for r, m in log.mapping.items()} == {
        "timestamp": "column_3", "customer_id": "column_1", "touchpoint": "column_2",
    }  # fmt: skip


def test_a_given_separator_and_header_are_used_as_given():
    text = b"a,b;c\n1,2;3\n"
    assert read(text, separator=";").frame.columns == ["a,b", "c"]
    assert read(text, separator=";", header=False).frame.height == 2


def test_layout_and_sniffing_in_short():
    assert sniff_separator("id;amount;note\n1;2,50;a,b\n2;3,10;c\n") == ";"
    assert layout("just one column\nx\ny\n").separator == ","


@pytest.mark.parametrize(
    ("raw", "text", "note"),
    [
        ("a;é\n".encode("utf-16"), b"a;\xc3\xa9\n", "'f.csv' read as UTF-16"),
        ("a;é\n".encode("utf-16-le"), b"a;\xc3\xa9\n", "'f.csv' read as UTF-16"),
        ("a;é€\n".encode("cp1252"), "a;é€\n".encode(), "'f.csv' is not all UTF-8: 2 bytes read as Windows-1252 (Latin-1)"),
        (b"\xef\xbb\xbfa;b\n", b"a;b\n", None),
    ],
)  # fmt: skip
def test_encodings_are_found_out(raw, text, note):
    assert decode(raw, "f.csv", None) == (text, note)


def test_utf8_with_one_latin1_line_keeps_both():
    raw = "c,e,t\nx,café,2024-01-01\n".encode() + "y,crème,2024-01-02\n".encode("latin-1")
    assert read(raw).frame["e"].to_list() == ["café", "crème"]


def test_files_are_read_for_what_they_are_whatever_their_name(tmp_path):
    frame = pl.DataFrame(
        {"user": ["u1", "u2"], "event": ["a", "b"], "time": ["2024-01-01", "2024-01-02"]}
    )
    frame.write_parquet(tmp_path / "export.csv")
    (tmp_path / "export.txt").write_bytes(gzip.compress(frame.write_csv().encode()))
    frame.write_excel(tmp_path / "export.dat")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.csv", frame.write_csv())
        z.writestr("b/b.csv", frame.write_csv())
    (tmp_path / "export.json").write_bytes(archive.getvalue())
    for name, kind, rows in [("export.csv", "parquet", 2), ("export.txt", "csv", 2), ("export.dat", "excel", 2), ("export.json", "csv", 4)]:  # fmt: skip
        table = read(tmp_path / name)
        assert (table.file_format, table.frame.lazy().collect().height) == (kind, rows), name


def test_a_zip_bomb_inside_an_archive_is_refused():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.csv", b"a,b\n" + b"1,2\n" * (limits.MIN_LIMIT // 4 + 1))
    with pytest.raises(LoadError, match="likely zip bomb"):
        read(archive.getvalue())


@pytest.mark.parametrize("compression", ["snappy", "gzip", "brotli", "lz4", "zstd", "none"])
def test_parquet_with_any_compression_and_column_encoding(tmp_path, compression):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "user_id": pa.array(["u1", "u1", "u2"]).dictionary_encode(),
            "event": ["visit", "buy", "visit"],
            "ts": pa.array([1704099600, 1704101400, 1704186000], pa.int64()),
        }
    )
    path = tmp_path / "log.parquet"
    pq.write_table(
        table, path, compression=compression, use_dictionary=["event"],
        column_encoding={"ts": "DELTA_BINARY_PACKED"}, data_page_version="2.0",
    )  # fmt: skip
    log = load(path)
    assert log.report.timestamp_format == "Unix epoch (s)"
    assert log.to_polars().select("customer_id", "touchpoint").rows() == [
        ("u1", "visit"), ("u1", "buy"), ("u2", "visit"),
    ]  # fmt: skip

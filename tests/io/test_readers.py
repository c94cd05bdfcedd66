import gzip
import io

import duckdb
import polars as pl
import pytest

from cxlib import LoadError
from cxlib.io.readers import read, sanitize_names
from cxlib.io.sniff import detect_file_format, sniff_separator
from cxlib.io.xes import read_xes

ROWS = {"user_id": ["u1", "u1", "u2"], "event": ["visit", "buy", "visit"]}

XES = """<?xml version="1.0" encoding="utf-8" ?>
<log xes.version="1849-2016" xmlns="http://www.xes-standard.org/">
  <string key="origin" value="test" />
  <global scope="event"><string key="concept:name" value="__INVALID__" /></global>
  <trace>
    <string key="concept:name" value="Case 1" />
    <event>
      <string key="concept:name" value="open" />
      <date key="time:timestamp" value="2024-01-01T09:00:00+01:00" />
      <string key="customer" value="Value 1" />
      <int key="priority" value="2" />
      <list key="nested"><string key="inner" value="inner value" /></list>
    </event>
    <event>
      <string key="concept:name" value="close" />
      <date key="time:timestamp" value="2024-01-01T10:00:00+01:00" />
      <string key="customer" value="Value 1" />
      <int key="priority" value="3" />
    </event>
  </trace>
  <trace>
    <string key="concept:name" value="Case 2" />
    <event>
      <string key="concept:name" value="open" />
      <date key="time:timestamp" value="2024-01-02T09:00:00+01:00" />
      <string key="customer" value="Value 1" />
      <int key="priority" value="1" />
    </event>
  </trace>
</log>
"""


def test_xes_case_id_comes_from_the_trace_not_the_customer_attribute():
    frame, info = read_xes(XES.encode())
    assert frame.columns == [
        "case:concept:name",
        "concept:name",
        "time:timestamp",
        "customer",
        "priority",
        "nested",
    ]
    assert frame["nested"].to_list() == ["inner value", None, None]  # a list's values
    assert info.attributes == {"origin": "test"}
    assert info.globals == {"event": ("concept:name",)}
    assert frame["case:concept:name"].to_list() == ["Case 1", "Case 1", "Case 2"]
    assert frame["concept:name"].to_list() == ["open", "close", "open"]
    # Typed attributes are cast: <int> -> Int64.
    assert frame["priority"].to_list() == [2, 3, 1]


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("log.csv", "user_id,event\nu1,visit\nu1,buy\nu2,visit\n"),
        ("log.tsv", "user_id\tevent\nu1\tvisit\nu1\tbuy\nu2\tvisit\n"),
        ("crm.csv", "\ufeffuser_id;event\nu1;visit\nu1;buy\nu2;visit\n"),  # BOM and ';'
        ("pipes.txt", "user_id|event\nu1|visit\nu1|buy\nu2|visit\n"),
        ("log.json", '[{"user_id":"u1","event":"visit"},{"user_id":"u1","event":"buy"},'
         '{"user_id":"u2","event":"visit"}]'),
        ("log.jsonl", '{"user_id":"u1","event":"visit"}\n{"user_id":"u1","event":"buy"}\n'
         '{"user_id":"u2","event":"visit"}\n'),
        ("wrapped.json", '{"events": [{"user_id":"u1","event":"visit"},{"user_id":"u1","event":"buy"},'
         '{"user_id":"u2","event":"visit"}]}'),
    ],
)  # fmt: skip
def test_text_formats(tmp_path, name, content):
    frame = read(write(tmp_path, name, content)).frame
    assert frame.to_dict(as_series=False) == ROWS


def test_utf16_export_and_latin1(tmp_path):
    text = "user_id\tevent\nu1\tvisit\nu1\tbuy\nu2\tvisit\n"
    utf16 = write(tmp_path, "excel.txt", text.encode("utf-16"))
    assert read(utf16).frame.to_dict(as_series=False) == ROWS
    latin = write(tmp_path, "l.csv", "user_id,event\nu1,café\n".encode("latin-1"))
    assert read(latin, encoding="latin-1").frame["event"].to_list() == ["café"]


def test_parquet_file_and_folder_are_scanned_lazily(tmp_path):
    pl.DataFrame(ROWS).write_parquet(tmp_path / "one.parquet")
    table = read(tmp_path / "one.parquet")
    assert isinstance(table.frame, pl.LazyFrame)
    folder = tmp_path / "parts"
    folder.mkdir()
    pl.DataFrame(ROWS).head(2).write_parquet(folder / "a.parquet")
    pl.DataFrame(ROWS).tail(1).write_parquet(folder / "b.parquet")
    assert read(folder).frame.collect().to_dict(as_series=False) == ROWS


def test_parquet_bytes_without_a_name():
    buffer = io.BytesIO()
    pl.DataFrame(ROWS).write_parquet(buffer)
    assert read(buffer.getvalue()).frame.to_dict(as_series=False) == ROWS


def test_xes_plain_gzipped_and_as_bytes(tmp_path):
    plain = read(write(tmp_path, "log.xes", XES)).frame
    zipped = read(write(tmp_path, "log.xes.gz", gzip.compress(XES.encode()))).frame
    anonymous = read(gzip.compress(XES.encode())).frame
    assert plain.height == zipped.height == anonymous.height == 3


def test_excel_first_sheet_and_named_sheet(tmp_path):
    import xlsxwriter

    path = tmp_path / "store.xlsx"
    with xlsxwriter.Workbook(path) as book:
        pl.DataFrame({"x": [1]}).write_excel(book, worksheet="notes")
        pl.DataFrame(ROWS).write_excel(book, worksheet="events")
    # No sheet given: the one holding the most data, and the report says which.
    table = read(path)
    assert table.frame.to_dict(as_series=False) == ROWS
    assert (table.sheet, table.sheets) == ("events", ("notes", "events"))
    assert table.notes == ["sheet 'events' read, of 2: 'notes', 'events'"]
    assert read(path, sheet="notes").frame.columns == ["x"]
    assert read(path, sheet=2).frame.to_dict(as_series=False) == ROWS
    with pytest.raises(
        LoadError, match=r"has no sheet 'orders'; choose one of its sheets: \['notes', 'events'\]"
    ):
        read(path, sheet="orders")


def test_file_objects_binary_and_text():
    assert read(io.BytesIO(b"user_id,event\nu1,visit\n")).frame.height == 1
    assert read(io.StringIO("user_id,event\nu1,visit\n")).frame.height == 1


def test_duckdb_database_file(tmp_path):
    path = str(tmp_path / "events.duckdb")
    with duckdb.connect(path) as con:
        con.sql("CREATE TABLE events AS SELECT 'u1' AS user_id, 'visit' AS event")
        con.sql("CREATE TABLE other AS SELECT 1 AS x")
    with pytest.raises(LoadError, match=r"choose the table to load: the database has"):
        read(path)
    table = read(path, table="events")
    assert table.frame.collect("polars").to_native().to_dict(as_series=False) == {
        "user_id": ["u1"],
        "event": ["visit"],
    }


def test_frames_pass_through():
    frame = pl.DataFrame(ROWS)
    assert read(frame).frame is frame
    assert read(frame.to_pandas()).frame.to_dict(as_series=False) == ROWS


def test_sniffer_picks_the_consistent_separator():
    # Commas inside the values, semicolons between them: a European CRM export.
    assert sniff_separator("id;amount;note\n1;2,50;a,b\n2;3,10;c\n") == ";"
    assert sniff_separator('a,b\n"x;y",1\n') == ","
    assert sniff_separator("a\tb\n1\t2") == "\t"


def test_names_are_stripped_named_and_deduplicated():
    assert sanitize_names(["", "id ", "id", " ", "id_2"]) == [
        "column_1",
        "id",
        "id_2",
        "column_4",
        "id_2_2",
    ]


def test_blank_header_columns_get_names():
    frame = read(b",event\n0,visit\n").frame
    assert frame.columns == ["column_1", "event"]


@pytest.mark.parametrize(
    ("head", "name", "expected"),
    [
        (b"PAR1", "", "parquet"),
        (b"PK\x03\x04", "", "zip"),  # a workbook or an archive: its directory tells
        (b"\x1f\x8b", "", "gzip"),
        (b"<?xml", "", "xes"),
        (b"\xef\xbb\xbf[", "", "json"),
        (b"{", "", "jsonl"),
        (b"a,b", "", "csv"),
        (b"anything", "x.ndjson", "csv"),  # the content, not the name
        (b"PAR1", "x.csv", "parquet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old.csv", "excel"),
    ],
)
def test_format_detection(head, name, expected):
    assert detect_file_format(head, name) == expected


def test_a_type_change_after_the_first_rows_is_read_as_text():
    data = b"user_id,event\n" + b"1,visit\n" * 10_001 + b"abc,buy\n"
    frame = read(data).frame
    assert frame["user_id"].dtype == pl.String
    assert frame["user_id"][-1] == "abc"


# Error paths: each names the problem and the fix.


def test_missing_file(tmp_path):
    with pytest.raises(LoadError, match=r"no such file: '.*nope\.csv'"):
        read(tmp_path / "nope.csv")


def test_empty_file(tmp_path):
    with pytest.raises(LoadError, match=r"'empty\.csv' is empty: no header and no events"):
        read(write(tmp_path, "empty.csv", ""))


def test_bytes_that_are_not_utf8_are_read_as_windows_1252_with_a_note(tmp_path):
    path = write(tmp_path, "l.csv", "user_id,event\nu1,caf\xe9\nu2,\u20ac5\n".encode("cp1252"))
    table = read(path)
    assert table.frame["event"].to_list() == ["café", "€5"]
    assert table.notes == ["'l.csv' is not all UTF-8: 2 bytes read as Windows-1252 (Latin-1)"]
    assert table.encoding == "cp1252"


def test_wrong_explicit_encoding():
    with pytest.raises(LoadError, match=r"is not utf-8 near byte 2: choose another encoding"):
        read(b"a,\xe9\n1,2\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"the encoding 'klingon' is unknown: choose one such as"):
        read(b"a,b\n1,2\n", encoding="klingon")


def test_ragged_line_is_named():
    with pytest.raises(
        LoadError,
        match=r"separator ',' at line 3 \(found more fields .*\): check that line or choose another",
    ):
        read(b"a,b\n1,2\n3,4,5\n6,7\n")


def test_broken_xml(tmp_path):
    with pytest.raises(LoadError, match=r"'bad\.xes' is not valid XES \(XML\): .*line 1"):
        read(write(tmp_path, "bad.xes", "<log><trace></log>"))


def test_broken_json(tmp_path):
    with pytest.raises(LoadError, match=r"'bad\.jsonl' is not valid JSON or JSON lines"):
        read(write(tmp_path, "bad.jsonl", "{not json"))


def test_broken_gzip(tmp_path):
    with pytest.raises(LoadError, match=r"looks gzipped but cannot be decompressed"):
        read(write(tmp_path, "x.gz", b"\x1f\x8b\x08garbage"))


def test_broken_excel(tmp_path):
    with pytest.raises(LoadError, match=r"'x\.xlsx' looks like a zip archive but cannot be opened"):
        read(write(tmp_path, "x.xlsx", b"PK\x03\x04 not really a zip"))
    with pytest.raises(LoadError, match=r"cannot read 'old\.xls' as an Excel workbook"):
        read(write(tmp_path, "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 not a workbook"))


def test_unsupported_object():
    with pytest.raises(LoadError, match=r"cannot read a int; pass a path, bytes, a file object"):
        read(42)


def test_id_columns_keep_their_leading_zeros():
    frame = read(b"\xef\xbb\xbfCustomer ID;event;order_id;qty\n007;visit;0012;3\n").frame
    assert frame.row(0) == ("007", "visit", "0012", 3)

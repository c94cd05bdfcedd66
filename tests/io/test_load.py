import datetime as dt
import gzip
import importlib
import io

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxlib import CxError, EventLog, LoadError, MappingError, load
from cxlib.io.readers import Table
from tests.io.test_readers import XES

D = dt.datetime
CSV = (
    "user_id,event,timestamp,channel,revenue\n"
    "7,visit,2024-01-01 09:00:00,web,\n"
    "7,buy,2024-01-01 09:30:00,web,19.90\n"
    "8,visit,2024-01-02 10:00:00,app,\n"
)
EXPECTED = [
    ("7", D(2024, 1, 1, 9), "visit", "web", None),
    ("7", D(2024, 1, 1, 9, 30), "buy", "web", 19.9),
    ("8", D(2024, 1, 2, 10), "visit", "app", None),
]


def rows(log: EventLog) -> list[tuple]:
    return (
        log.to_polars().select("customer_id", "timestamp", "touchpoint", "channel", "value").rows()
    )


def test_canonical_columns_types_and_order():
    log = load(CSV.encode())
    schema = log.frame.to_native().collect_schema()
    assert dict(schema) == {
        "customer_id": pl.String,  # numeric ids become text
        "timestamp": pl.Datetime("us"),
        "touchpoint": pl.String,
        "channel": pl.String,
        "value": pl.Float64,
        "event_index": pl.Int64,
        "epoch_us": pl.Int64,
    }
    assert rows(log) == EXPECTED
    out = log.to_polars()
    assert out["event_index"].to_list() == [0, 1, 2]
    # 2024-01-01 09:00 UTC is 1,704,099,600 s after 1970.
    assert out["epoch_us"][0] == 1_704_099_600 * 1_000_000


def test_mapping_names_each_column_and_how_sure():
    log = load(CSV.encode(), touchpoint="event")
    assert {r: m.column for r, m in log.mapping.items()} == {
        "timestamp": "timestamp",
        "customer_id": "user_id",
        "touchpoint": "event",
        "channel": "channel",
        "value": "revenue",
    }
    assert log.mapping["touchpoint"].confidence == 1.0
    assert log.mapping["customer_id"].confidence == 0.95


def test_report_fields():
    report = load(CSV.encode()).report
    assert (report.rows_read, report.rows_kept, report.dropped, report.duplicates) == (3, 3, {}, 0)
    assert (report.time_min, report.time_max) == (D(2024, 1, 1, 9), D(2024, 1, 2, 10))
    assert (report.customers, report.touchpoints) == (2, 2)
    assert report.timestamp_format == "%Y-%m-%d %H:%M:%S"
    assert report.sources == ("bytes",)
    assert report.notes == ()


def test_csv_is_read_once_into_memory_and_wrapped_lazily():
    plan = load(CSV.encode()).frame.to_native().explain()
    assert "DF [" in plan  # an in-memory frame, not a CSV scan
    assert "csv" not in plan.lower()


def test_parquet_stays_lazy(tmp_path):
    load(CSV.encode()).to_polars().drop("event_index", "epoch_us").write_parquet(
        tmp_path / "log.parquet"
    )
    log = load(tmp_path / "log.parquet")
    assert "parquet" in log.frame.to_native().explain().lower()
    assert rows(log) == EXPECTED


def _xlsx(path):
    pl.read_csv(CSV.encode()).write_excel(path)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("log.csv", lambda p: p.write_text(CSV)),
        ("log.tsv", lambda p: p.write_text(CSV.replace(",", "\t"))),
        (
            "crm.csv",
            lambda p: p.write_bytes(
                ("\ufeff" + CSV.replace(",", ";").replace("19.90", "19,90")).encode()
            ),
        ),
        ("log.parquet", lambda p: pl.read_csv(CSV.encode()).write_parquet(p)),
        ("log.json", lambda p: pl.read_csv(CSV.encode()).write_json(p)),
        ("log.jsonl", lambda p: pl.read_csv(CSV.encode()).write_ndjson(p)),
        ("log.xlsx", _xlsx),
    ],
)
def test_every_format_gives_the_same_log(tmp_path, name, make):
    path = tmp_path / name
    make(path)
    assert rows(load(path)) == EXPECTED


@pytest.mark.parametrize("name", ["log.xes", "log.xes.gz"])
def test_xes(tmp_path, name):
    data = XES.encode()
    (tmp_path / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    log = load(tmp_path / name)
    assert log.mapping["customer_id"].column == "case:concept:name"
    out = log.to_polars()
    # +01:00 converted to UTC: 09:00 local is 08:00 UTC.
    assert out.select("customer_id", "timestamp", "touchpoint").rows() == [
        ("Case 1", D(2024, 1, 1, 8), "open"),
        ("Case 1", D(2024, 1, 1, 9), "close"),
        ("Case 2", D(2024, 1, 2, 8), "open"),
    ]
    assert log.attributes == ["customer", "priority", "nested"]


@pytest.mark.parametrize(
    ("header", "cells", "expected"),
    [
        (
            "t",
            ["2024-01-31T09:00:00Z", "2024-01-31T10:00:00+02:00"],
            [D(2024, 1, 31, 9), D(2024, 1, 31, 8)],
        ),
        ("t", ["31/01/2024 09:00", "01/02/2024 10:00"], [D(2024, 1, 31, 9), D(2024, 2, 1, 10)]),
        ("t", ["01/31/2024 09:00", "02/01/2024 10:00"], [D(2024, 1, 31, 9), D(2024, 2, 1, 10)]),
        ("t", ["1706691600", "1706778000"], [D(2024, 1, 31, 9), D(2024, 2, 1, 9)]),
        ("t", ["1706691600000", "1706778000000"], [D(2024, 1, 31, 9), D(2024, 2, 1, 9)]),
        ("t", ["1706691600000000", "1706778000000000"], [D(2024, 1, 31, 9), D(2024, 2, 1, 9)]),
        (
            "t",
            ["1706691600000000000", "1706778000000000000"],
            [D(2024, 1, 31, 9), D(2024, 2, 1, 9)],
        ),
        (
            "date,time",
            ["2024-01-31,09:00", "2024-02-01,10:00"],
            [D(2024, 1, 31, 9), D(2024, 2, 1, 10)],
        ),
    ],
)
def test_each_timestamp_form_through_load(header, cells, expected):
    text = f"user_id,event,{header}\n" + "".join(f"u,e{i},{c}\n" for i, c in enumerate(cells))
    # to_polars sorts by time within the customer.
    assert load(text.encode()).to_polars()["timestamp"].to_list() == sorted(expected)


def test_every_drop_reason_is_counted_and_noted():
    text = (
        "user_id,event,ts\n"
        "a,visit,2024-01-01 09:00\n"
        ",visit,2024-01-01 09:00\n"  # missing customer
        "a,,2024-01-01 09:00\n"  # missing touchpoint
        "a,buy,\n"  # missing timestamp
        "a,buy,2024-02-31 09:00\n"  # unparseable timestamp (no 31 February)
        "b,visit,2024-01-02 09:00\n"
    )
    report = load(text.encode()).report
    assert report.dropped == {
        "missing customer": 1,
        "missing touchpoint": 1,
        "missing timestamp": 1,
        "unparseable timestamp": 1,
    }
    assert (report.rows_read, report.rows_kept) == (6, 2)
    assert report.rows_kept == report.rows_read - sum(report.dropped.values())
    assert report.notes == (
        "column 'ts' has 1 of 5 values that are not dates, e.g. '2024-02-31 09:00': those events were dropped",
    )


def test_a_row_missing_several_things_is_counted_once():
    report = load(b"user_id,event,ts\n,,\na,b,2024-01-01 09:00\n").report
    assert report.dropped == {"missing customer": 1}


def test_duplicates_are_counted_and_kept():
    text = "user_id,event,ts\na,x,2024-01-01 09:00\na,x,2024-01-01 09:00\na,x,2024-01-01 09:00\na,y,2024-01-01 09:00\n"
    log = load(text.encode())
    # Four events, two distinct: two are copies of an earlier one.
    assert (log.report.duplicates, log.report.rows_kept) == (2, 4)


@pytest.mark.parametrize("kind", ["eager", "lazy", "duckdb", "parquet"])
def test_duplicates_on_every_kind_of_frame(kind, tmp_path):
    # Rows 1-3 identical: two copies of an earlier event; row 4 differs by an attribute only.
    frame = pl.DataFrame(
        {
            "user_id": ["a"] * 4,
            "event": ["x", "x", "x", "x"],
            "ts": [D(2024, 1, 1, 9)] * 4,
            "shop": ["s1", "s1", "s1", "s2"],
        }
    )
    frame.write_parquet(tmp_path / "log.parquet")
    source = {
        "eager": frame,
        "lazy": frame.lazy(),
        "duckdb": duckdb.from_arrow(frame.to_arrow()),
        "parquet": tmp_path / "log.parquet",  # its figures read a column per pass
    }[kind]
    report = load(source).report
    assert (report.rows_kept, report.duplicates, report.customers, report.touchpoints) == (
        4,
        2,
        1,
        1,
    )


def test_values_that_are_not_numbers_are_kept_empty_with_a_note():
    text = "user_id,event,ts,price\n" + "".join(
        f"a,x,2024-01-01 09:0{i},{p}\n" for i, p in enumerate(["1.5"] * 9 + ["n/a"])
    )
    log = load(text.encode())
    assert log.to_polars()["value"].to_list() == [1.5] * 9 + [None]
    assert log.report.notes == ("column 'price' (value): 1 values are not numbers, kept empty",)


def test_attribute_named_like_a_role_is_renamed():
    text = "user_id,event,ts,channel,canal\na,x,2024-01-01 09:00,web,tienda\n"
    log = load(text.encode(), channel="canal")
    assert log.to_polars().select("channel", "channel_2").row(0) == ("tienda", "web")


def test_epoch_as_explicit_unit():
    log = load(b"user_id,event,n\na,x,1706691600\n", timestamp="n", timestamp_format="s")
    assert log.to_polars()["timestamp"].to_list() == [D(2024, 1, 31, 9)]


def test_merge_of_several_sources(tmp_path):
    (tmp_path / "web.csv").write_text(
        "user_id,page,ts\nc1,home,2024-01-01 09:00\nc1,cart,2024-01-01 09:10\n"
    )
    (tmp_path / "store.csv").write_text(
        "cliente;evento;fecha\nc1;store_visit;02/01/2024 11:00\nc2;store_visit;03/01/2024 12:00\n"
    )
    pl.DataFrame(
        {"customer_id": ["c2"], "activity": ["call"], "time": [D(2024, 1, 4, 8)]}
    ).write_parquet(tmp_path / "calls.parquet")
    log = load([tmp_path / "web.csv", tmp_path / "store.csv", tmp_path / "calls.parquet"])
    out = log.to_polars()
    assert out.select("customer_id", "touchpoint", "source", "event_index").rows() == [
        ("c1", "home", "web.csv", 0),
        ("c1", "cart", "web.csv", 1),
        ("c1", "store_visit", "store.csv", 2),  # index continues after web.csv's two rows
        ("c2", "store_visit", "store.csv", 3),
        ("c2", "call", "calls.parquet", 4),
    ]
    assert log.report.sources == ("web.csv", "store.csv", "calls.parquet")
    assert (log.report.rows_read, log.report.customers, log.report.touchpoints) == (5, 2, 4)
    assert (
        log.mapping["customer_id"].column
        == "web.csv: user_id; store.csv: cliente; calls.parquet: customer_id"
    )
    assert log.mapping["customer_id"].reason == "per source"


def test_merge_keeps_a_source_column_of_the_data():
    a = b"user_id,event,ts,source\na,x,2024-01-01 09:00,google\n"
    log = load([a, a])
    assert log.to_polars().select("source", "source_2").rows() == [
        ("bytes", "google"),
        ("bytes_2", "google"),
    ]


def test_frames_in_and_out():
    frame = pl.read_csv(CSV.encode())
    assert rows(load(frame)) == EXPECTED
    assert rows(load(frame.lazy())) == EXPECTED
    assert rows(load(frame.to_pandas())) == EXPECTED


def test_duckdb_relation_stays_on_duckdb():
    rel = duckdb.from_arrow(pl.read_csv(CSV.encode()).to_arrow())
    log = load(rel)
    assert log.engine == "duckdb"
    assert rows(log) == EXPECTED
    assert log.report.customers == 2


def test_duckdb_relation_drops_unparseable_rows():
    rel = duckdb.sql(
        "SELECT * FROM (VALUES ('a', 'x', '31/01/2024 09:00'), ('a', 'y', '31/02/2024 09:00'),"
        " ('b', 'x', '01/02/2024 09:00')) t(cliente, evento, fecha)"
    )
    log = load(rel)
    assert log.report.dropped == {"unparseable timestamp": 1}
    assert log.to_polars()["timestamp"].to_list() == [D(2024, 1, 31, 9), D(2024, 2, 1, 9)]


@pytest.mark.spark
def test_spark_dataframe(spark):
    # Zoned ISO text and a numeric revenue as text, parsed and cast on Spark itself.
    frame = spark.createDataFrame(
        [
            ("7", "visit", "2024-01-01 09:00:00+01:00", "3.5"),
            ("7", "buy", "2024-01-01 10:30:00+01:00", None),
        ],
        ["user_id", "event", "ts", "revenue"],
    )
    log = load(frame)
    assert log.engine == "pyspark"
    assert (log.report.rows_kept, log.report.customers, log.report.duplicates) == (2, 1, 0)
    assert log.to_polars().select("customer_id", "timestamp", "value").rows() == [
        ("7", D(2024, 1, 1, 8), 3.5),
        ("7", D(2024, 1, 1, 9, 30), None),
    ]


# Error paths.


def test_only_a_header():
    with pytest.raises(
        LoadError,
        match=r"'bytes' has no events: only a header with columns \['user_id', 'event', 'ts'\]",
    ):
        load(b"user_id,event,ts\n")


def test_empty_list():
    with pytest.raises(
        LoadError, match=r"the list of sources is empty: give at least one file or frame"
    ):
        load([])


def test_mostly_unparseable_timestamps_raise():
    text = "user_id,event,fecha\n" + "a,x,31/02/2024\n" * 3 + "a,x,28/02/2024\n"
    with pytest.raises(
        MappingError,
        match=r"column 'fecha' has 3 of 4 values that are not dates, e.g. '31/02/2024' \(read as "
        r"'%d/%m/%Y'\): give the timestamp format, or choose another timestamp column",
    ):
        load(text.encode())


def test_missing_explicit_column():
    with pytest.raises(
        MappingError,
        match=r"timestamp='time' is not a column of the data; did you mean 'timestamp'\?",
    ):
        load(CSV.encode(), timestamp="time")


def test_merging_engine_frames_is_refused():
    rel = duckdb.from_arrow(pl.read_csv(CSV.encode()).to_arrow())
    with pytest.raises(
        LoadError,
        match=r"files and Polars frames can be merged into one log, DuckDB or Spark tables cannot",
    ):
        load([rel, rel])


def test_merge_with_clashing_attribute_types():
    a = pl.DataFrame(
        {"user_id": ["a"], "event": ["x"], "ts": [D(2024, 1, 1)], "x": [D(2024, 1, 1)]}
    )
    b = pl.DataFrame({"user_id": ["a"], "event": ["x"], "ts": [D(2024, 1, 1)], "x": [True]})
    with pytest.raises(
        LoadError,
        match=r"cannot merge \['frame', 'frame_2'\] \(.*\): rename the clashing column in one of them",
    ):
        load([a, b])


def test_lazy_source_failing_after_the_sample_rows():
    # The first 2,000 rows (the sample) cast fine; row 2,401 does not.
    n = 2_500
    lazy = pl.LazyFrame(
        {
            "user_id": ["a"] * n,
            "event": ["x"] * n,
            "ts": [D(2024, 1, 1)] * n,
            "k": ["1"] * 2_400 + ["abc"] * 100,
        }
    ).with_columns(pl.col("k").cast(pl.Int64))
    with pytest.raises(
        LoadError, match=r"cannot load 'frame': conversion from `str` to `i64` failed"
    ):
        load(lazy)


def test_corrupt_parquet(tmp_path):
    (tmp_path / "x.parquet").write_bytes(b"PAR1 this is not parquet PAR1")
    with pytest.raises(LoadError, match=r"cannot read 'x\.parquet' as parquet: "):
        load(tmp_path / "x.parquet")


# Whatever text or bytes arrive, load returns a log or raises the library's own error.

_cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
_header = st.lists(
    st.sampled_from(["user_id", "event", "timestamp", "ts", "value", "channel", "x", "", "fecha"])
    | _cell,
    min_size=1,
    max_size=5,
)


def _assert_log_or_cx_error(data: bytes) -> None:
    try:
        log = load(data)
    except CxError:
        return
    assert isinstance(log, EventLog)
    assert log.report.rows_kept == log.report.rows_read - sum(log.report.dropped.values())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text() | st.binary())
def test_any_text_or_bytes(data):
    _assert_log_or_cx_error(data.encode() if isinstance(data, str) else data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    _header,
    st.lists(
        st.lists(_cell | st.sampled_from(["2024-01-01 09:00", "1706691600", "7"]), max_size=5),
        max_size=8,
    ),
    st.sampled_from([",", ";", "\t"]),
)
def test_any_csv_shaped_text(header, body, sep):
    buffer = io.StringIO()
    buffer.write(sep.join(header) + "\n")
    for row in body:
        buffer.write(sep.join(row) + "\n")
    _assert_log_or_cx_error(buffer.getvalue().encode())


def test_report_figures_are_computed_once_when_first_read(monkeypatch):
    report = importlib.import_module("cxlib.io.report")
    calls = []
    real = report.log_stats
    monkeypatch.setattr(
        report, "log_stats", lambda frame, **kw: calls.append(1) or real(frame, **kw)
    )
    log = load(b"user_id,event,ts\na,x,2024-01-01 09:00\na,x,2024-01-01 09:00\nb,y,2024-01-02\n")
    assert calls == []  # a file read into memory: nothing left to validate, nothing paid yet
    assert (log.report.customers, log.report.touchpoints, log.report.duplicates) == (2, 2, 1)
    assert (log.report.time_min, log.report.time_max) == (D(2024, 1, 1, 9), D(2024, 1, 2))
    assert calls == [1]


@pytest.fixture
def calls(monkeypatch):
    """The keywords of each computation of a load report's figures, as it happens."""
    report = importlib.import_module("cxlib.io.report")
    seen: list[dict] = []
    real = report.log_stats
    monkeypatch.setattr(
        report, "log_stats", lambda frame, **kw: seen.append(kw) or real(frame, **kw)
    )
    return seen


@pytest.mark.parametrize(("name", "by_column"), [("log.parquet", True), ("log.csv", False)])
def test_report_figures_of_parquet_are_read_a_column_per_pass(calls, tmp_path, name, by_column):
    frame = pl.DataFrame({"user_id": ["a", "b"], "event": ["x", "y"], "ts": [D(2024, 1, 1)] * 2})
    if name.endswith(".parquet"):
        frame.write_parquet(tmp_path / name)
    else:
        frame.write_csv(tmp_path / name)
    log = load(tmp_path / name)
    # Read through already (into memory, or by the drop counts of the Parquet file as it
    # is): the figures wait until the report is read.
    assert calls == []
    assert log.report.customers == 2
    assert calls == [{"by_column": by_column, "journeys": None}]


def test_a_parquet_scan_given_as_a_table_is_read_as_the_file(calls, tmp_path):
    """A Parquet scan of files checked elsewhere (the dashboard's Connect) loads as the file does."""
    frame = pl.DataFrame({"user_id": ["a", "b"], "event": ["x", "y"], "ts": [D(2024, 1, 1)] * 2})
    frame.write_parquet(tmp_path / "a.parquet")
    frame.write_parquet(tmp_path / "b.parquet")
    scan = pl.scan_parquet([tmp_path / "a.parquet", tmp_path / "b.parquet"])
    log = load(Table("events", scan, "parquet"))
    assert calls == []  # the figures wait until read, a column per pass
    assert (log.report.rows_read, log.report.customers, log.report.duplicates) == (4, 2, 2)
    assert calls == [{"by_column": True, "journeys": None}]
    assert log.mapping["customer_id"].column == "user_id"


def test_a_parquet_file_with_rows_dropped_is_read_in_one_pass(calls, tmp_path):
    frame = pl.DataFrame({"user_id": ["a", None], "event": ["x", "y"], "ts": [D(2024, 1, 1)] * 2})
    frame.write_parquet(tmp_path / "log.parquet")
    assert load(tmp_path / "log.parquet").report.rows_kept == 1
    # Every pass would run the filter of the dropped rows again (and parse text timestamps).
    assert calls == [{"by_column": False, "journeys": None}]


def test_report_figures_of_a_lazy_source_are_computed_at_load(monkeypatch):
    report = importlib.import_module("cxlib.io.report")
    calls = []
    real = report.log_stats
    monkeypatch.setattr(
        report, "log_stats", lambda frame, **kw: calls.append(1) or real(frame, **kw)
    )
    frame = pl.LazyFrame({"user_id": ["a", "b"], "event": ["x", "y"], "ts": [D(2024, 1, 1)] * 2})
    log = load(frame)
    assert calls == [1]  # the pass that reads a lazy source through runs at load
    assert log.report.customers == 2
    assert calls == [1]


#: Events (customer, touchpoint, day, shop) with copies, and ties in time between others.
EVENT_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c"]),
        st.sampled_from(["x", "y"]),
        st.integers(0, 2),
        st.sampled_from(["s1", "s2", None]),
    ),
    min_size=1,
    max_size=14,
)


def _events(rows) -> pl.DataFrame:
    return pl.DataFrame(
        [(c, t, D(2024, 1, 1 + d), s) for c, t, d, s in rows],
        schema=["customer_id", "touchpoint", "timestamp", "shop"],
        orient="row",
    )


def _brute_force(rows) -> tuple[int, int, int]:
    """Distinct events, customers and touchpoints of the rows."""
    return len(set(rows)), len({r[0] for r in rows}), len({r[1] for r in rows})


@settings(max_examples=60, deadline=None)
@given(EVENT_ROWS)
def test_report_figures_by_column_are_those_of_one_pass(rows):
    from cxlib.io.report import log_stats

    frame = _events(rows).lazy()
    by_column = log_stats(frame, by_column=True)
    assert by_column == log_stats(frame)
    assert (by_column["distinct"], by_column["customers"], by_column["touchpoints"]) == (
        _brute_force(rows)
    )


@settings(max_examples=80, deadline=None)
@given(EVENT_ROWS)
def test_report_figures_on_sorted_journeys_are_those_of_the_events(rows):
    # Read once the journeys are sorted, only events tied in time with a neighbour are
    # compared: copies interleaved with other events at the same time are still found.
    from cxlib.journeys import journey_table

    first, sorted_first = load(_events(rows)), load(_events(rows))
    journey_table(sorted_first)
    assert sorted_first.cache.kept_journeys("customer") is not None
    figures = ("duplicates", "customers", "touchpoints", "time_min", "time_max")
    expected = [getattr(first.report, f) for f in figures]
    assert [getattr(sorted_first.report, f) for f in figures] == expected
    distinct, customers, touchpoints = _brute_force(rows)
    assert expected[:3] == [len(rows) - distinct, customers, touchpoints]

"""The loader's edges from issue 13: nothing is silently wrong, every failure says what to do."""

from __future__ import annotations

import io
import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib import CxError, LoadError, MappingError, load
from tests.io.shapes import SHAPES

D = pl.datetime


def _csv(rows: list[str], header: str = "customer_id,touchpoint,timestamp") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def test_iso_mixed_with_day_first_is_parsed_per_form_and_counted():
    # 24 ISO rows, then 26 day-first rows of which some days are above 12 (13/03 .. 26/03).
    rows = [f"c{i % 5},t{i % 3},2024-02-{i + 1:02d} 10:00:00" for i in range(24)]
    rows += [f"c{i % 5},t{i % 3},{i + 1:02d}/03/2024 10:00" for i in range(26)]
    log = load(_csv(rows))
    assert log.report.dropped == {}
    assert log.report.timestamp_formats == {"%Y-%m-%d %H:%M:%S": 24, "%d/%m/%Y %H:%M": 26}
    frame = log.to_polars().sort("event_index")
    # Row 24 is 01/03/2024: 1 March (day-first, as the days above 12 settle), not 3 January.
    assert frame["timestamp"][24].month == 3
    assert frame["timestamp"].dt.month().to_list()[24:] == [3] * 26


@pytest.mark.parametrize(
    ("decisive", "month"),
    [("13/01/2024 10:00", 2), ("01/13/2024 10:00", 1)],
    ids=["day-first", "month-first"],
)
def test_the_day_order_is_decided_on_the_whole_column(decisive, month):
    # 5,000 rows whose day and month are both at most 12; one row far past the sample
    # (row 4,001: the sample is the first 1,000 and every 5th) settles the order.
    rows = [f"c{i % 50},t{i % 4},01/02/2024 10:00" for i in range(5000)]
    rows[4001] = f"c1,t1,{decisive}"
    log = load(_csv(rows))
    assert log.report.dropped == {}
    # 01/02/2024 is 1 February day-first, 2 January month-first: the same for every row.
    frame = log.to_polars().sort("event_index")
    months = frame["timestamp"].dt.month().to_list()
    assert set(months[:4001]) == set(months[4002:]) == {month}
    assert frame["timestamp"][4001].day == 13
    assert log.report.notes == ()


def test_no_day_above_12_anywhere_reads_day_first_and_says_so():
    log = load(_csv(["a,x,01/02/2024 10:00", "a,y,03/04/2024 10:00"]))
    assert log.to_polars()["timestamp"][0].month == 2
    assert log.report.notes == (
        "column 'timestamp' has no day above 12: its dates were read day-first "
        "(%d/%m/%Y %H:%M); give the timestamp format if they are month-first",
    )


def test_a_second_form_past_the_sample_is_found_and_counted():
    rows = [f"c{i % 50},t{i % 4},2024-01-01 10:{i % 60:02d}:00" for i in range(5000)]
    rows[4001] = "c1,t1,2024-01-05T10:00:00+01:00"
    log = load(_csv(rows))
    assert log.report.dropped == {}
    assert log.report.timestamp_formats == {"%Y-%m-%d %H:%M:%S": 4999, "%Y-%m-%dT%H:%M:%S%#z": 1}


def test_a_few_unparseable_timestamps_are_dropped_and_named():
    log = load(_csv(["a,x,2024-01-01", "a,y,2024-01-02", "a,z,2024-13-45", "b,x,2024-01-03"]))
    assert log.report.dropped == {"unparseable timestamp": 1}
    assert log.report.notes == (
        "column 'timestamp' has 1 of 4 values that are not dates, e.g. '2024-13-45': those events were dropped",
    )


def test_an_empty_customer_column_is_an_error_naming_it():
    with pytest.raises(
        MappingError,
        match=r"^column 'customer_id' is empty \(or nearly\): fill it, or choose another column for the customer$",
    ):
        load(
            _csv(
                [",visit,2024-01-01,5", ",buy,2024-01-02,7"],
                "customer_id,touchpoint,timestamp,value",
            )
        )


def test_a_nearly_empty_id_gives_way_to_a_filled_one():
    rows = [f"{'k1' if i == 0 else ''},p{i % 9},e{i % 3},2024-01-01 10:{i:02d}" for i in range(40)]
    log = load(_csv(rows, "user_id,user_pseudo_id,event_name,event_timestamp"))
    assert log.mapping["customer_id"].column == "user_pseudo_id"


def test_an_empty_optional_column_takes_no_role_and_says_so():
    log = load(
        _csv(["a,x,2024-01-01,", "a,y,2024-01-02,"], "customer_id,touchpoint,timestamp,value")
    )
    assert "value" not in log.mapping
    assert "column 'value' is empty: not used for the value" in log.report.notes


def test_an_identifier_is_never_the_touchpoint():
    # "event" holds an id per row; "step" the touchpoints.
    rows = [f"c{i % 6},EV-{1000 + i},step{i % 4},2024-01-01 10:{i:02d}" for i in range(40)]
    log = load(_csv(rows, "customer,event,step,time"))
    assert log.mapping["touchpoint"].column == "step"
    assert (
        "column 'event' is not taken as the touchpoint: its values are nearly unique per row (40 distinct in 40 rows)"
        in log.report.notes
    )


def test_an_order_number_is_no_touchpoint_and_purchases_are_counted():
    rows = [f"INV{100 + i // 3},c{i // 6},2024-01-0{1 + i // 6} 09:00,{i}.5" for i in range(24)]
    log = load(_csv(rows, "InvoiceNo,CustomerID,InvoiceDate,Amount"))
    assert log.mapping["touchpoint"].column == "purchase"
    # 24 lines of 8 invoices (3 lines each): 8 purchases, each valued by its lines.
    assert log.report.rows_kept == 8
    assert log.to_polars().sort("event_index")["value"][0] == 0.5 + 1.5 + 2.5


def test_cr_only_line_endings():
    log = load(b"customer_id,touchpoint,timestamp\ra,x,2024-01-01\ra,y,2024-01-02\r")
    assert log.report.rows_kept == 2


FAILING = [
    b"",
    b"customer_id,touchpoint,timestamp\n",
    b"\x00\x01garbage",
    b"%PDF-1.7",
    b"user,event\nu1,visit\n",
    b"event,ts\nx,2024-01-01\n",
    b"user,ts\nu1,2024-01-01\n",
    b"user,event,ts\nu1,x,hello\nu2,y,world\n",
    b"<rss/>",
    b"{not json",
    b"PK\x03\x04broken",
    b"\x1f\x8bbroken",
]


@pytest.mark.parametrize("raw", FAILING)
def test_every_failure_is_one_sentence_without_python_advice(raw):
    with pytest.raises(LoadError) as caught:
        load(raw)
    message = str(caught.value)
    assert "\n" not in message
    assert not re.search(r"\w+=\.\.\.|\bpass \w+=|\btry encoding=", message), message


@pytest.mark.parametrize("options", [{"timestamp_format": "%Q"}, {"timestamp_format": "hello"}])
def test_a_format_that_cannot_be_used_is_named(options):
    with pytest.raises(
        MappingError,
        match=r"^the timestamp format '.*' (is not one Polars can read|has no date fields)",
    ):
        load(_csv(["a,x,2024-01-01"]), **options)


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(sorted(SHAPES)),
    cuts=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=6),
    keep=st.floats(0.1, 1.0),
)
def test_damaged_exports_give_a_log_or_a_clear_message(name, cuts, keep):
    file_name, data = SHAPES[name].make()
    damaged = bytearray(data[: max(1, int(len(data) * keep))])
    for position, byte in cuts:
        damaged[position % len(damaged)] = byte
    handle = io.BytesIO(bytes(damaged))
    handle.name = file_name
    message = ""
    try:
        load(handle).report.customers  # noqa: B018 (the report's figures are computed)
    except CxError as err:  # anything else fails the test
        message = str(err)
    assert len(message) < 1000
    assert "\n" not in message


def test_a_header_of_long_junk_columns_is_quoted_short():
    # 40 columns of 100 characters and no rows: the message quotes 20, each cut to 30.
    header = ",".join(f"{i:02d}" + "x" * 98 for i in range(40))
    with pytest.raises(LoadError, match=r"has no events: only a header") as caught:
        load(io.BytesIO((header + "\n").encode()))
    message = str(caught.value)
    assert len(message) < 1000
    assert message.count("…") == 20
    assert message.endswith("'...']")

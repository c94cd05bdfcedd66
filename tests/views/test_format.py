"""Numbers for people: the one formatting module."""

import datetime as dt

import polars as pl
import pytest

import cxlib
from cxlib import EventLog, dropoffs, sample, top_paths
from cxlib.views import format as fmt


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "–"), (0, "0 s"), (59.4, "59.4 s"), (60, "1 min"), (5_400, "1.5 h"), (172_800, "2 d")],
)
def test_format_seconds(seconds, text):
    assert fmt.format_seconds(seconds) == text


@pytest.mark.parametrize(
    ("call", "text"),
    [
        (lambda: fmt.format_count(2334), "2,334"),
        (lambda: fmt.format_count(0), "0"),
        (lambda: fmt.format_percent(0.4724), "47.2%"),
        (lambda: fmt.format_percent(1.0, digits=0), "100%"),
        (lambda: fmt.format_money(1234567.891), "1,234,567.89"),
        (lambda: fmt.format_date(dt.date(2025, 1, 6)), "2025-01-06"),
        (lambda: fmt.format_date(dt.datetime(2025, 1, 6)), "2025-01-06"),
        (lambda: fmt.format_date(dt.datetime(2025, 1, 6, 0, 0, 1)), "2025-01-06 00:00"),
    ],
)
def test_formats(call, text):
    assert call() == text


def test_dates_without_midnight_and_with_it():
    midnights = pl.DataFrame({"week": [dt.datetime(2025, 1, 6), dt.datetime(2025, 1, 13)]})
    timed = pl.DataFrame({"at": [dt.datetime(2025, 1, 6), dt.datetime(2025, 1, 6, 9, 30)]})
    assert fmt.column_formats(midnights)["week"].kind == "date"
    assert fmt.column_formats(timed)["at"].kind == "datetime"


def test_the_drop_offs_table_reads_for_people():
    table = dropoffs(EventLog.from_frame(sample.generate("retail", customers=300, seed=3)))
    formats = fmt.column_formats(table)
    assert {c: f.kind for c, f in formats.items()} == {
        "touchpoint": "text",
        "visits": "count",
        "journeys": "count",
        "exits": "count",
        "exit_rate": "share",
        "journeys_ending_share": "share",
        "journeys_ending_share_low": "share",
        "journeys_ending_share_high": "share",
    }
    assert formats["journeys_ending_share_low"].header == "journeys ending here (low)"
    assert formats["journeys_ending_share"].help == (
        "journeys ending here: journeys reaching the touchpoint that end there / journeys reaching it"
    )
    # No snake_case is left in a header.
    assert all("_" not in f.header for f in formats.values())


def test_the_funnel_table_reads_for_people():
    log = EventLog.from_frame(sample.generate("retail", customers=100, seed=3))
    table = cxlib.funnel(log, ["product_page", "add_to_cart"])
    kinds = {c: f.kind for c, f in fmt.column_formats(table).items()}
    assert kinds == {
        "step": "count",
        "touchpoint": "text",
        "customers": "count",
        "conversion": "share",
        "step_conversion": "share",
        "median_seconds_from_previous": "duration",  # the seconds since the step before
    }


def test_paths_shares_and_counts():
    table = top_paths(EventLog.from_frame(sample.generate("retail", customers=100, seed=3)), n=3)
    kinds = {c: f.kind for c, f in fmt.column_formats(table).items()}
    assert kinds == {"path": "text", "customers": "count", "share": "share"}

"""The timestamp grammar, as a property: any datetime written in any supported format reads back.

Each format of :func:`cxlib.io.timestamps.candidate_formats` (numbers, month names in
English and Spanish, zones, fractions, 12-hour clocks) writes random datetimes
(tests/io/grammar.py); detecting the column's format and parsing it must give them back,
in UTC and to the format's precision. A format given explicitly is honoured the same
way on Polars and DuckDB (tests/engines/test_timestamps_sql.py does Spark).
"""

from __future__ import annotations

import datetime as dt
import random

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib import load
from cxlib.io.timestamps import EPOCH_UNITS, candidate_formats, detect_format, parse_expr
from tests.io.grammar import ANCHOR, expected, render

FORMATS = candidate_formats() + candidate_formats(months=True)
_TIMES = st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2068, 12, 31))
#: Epoch numbers are read as times from 1990 to 2100 (cxlib.io.timestamps): older ones are
#: ambiguous (1973 in milliseconds is 94,694,400,000, also 4970 in seconds).
_EPOCH_TIMES = st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2099, 12, 31))
#: A column to write: a format of the grammar, datetimes, and the seed of its spellings.
COLUMNS = st.tuples(
    st.sampled_from(FORMATS), st.lists(_TIMES, min_size=1, max_size=10), st.integers(0, 2**16)
)


def _column(fmt: str, times: list[dt.datetime], seed: int) -> tuple[list[str], list[dt.datetime]]:
    rnd = random.Random(seed)
    texts = [render(t, fmt, rnd) for t in [ANCHOR, *times]]
    return texts, [expected(t, fmt, s) for t, s in zip([ANCHOR, *times], texts, strict=True)]


def _parse(texts: list[str]) -> list[dt.datetime | None]:
    series = pl.Series(texts)
    fmt = detect_format(series)
    assert fmt is not None, texts
    return pl.select(parse_expr(pl.lit(series), fmt, pl.String)).to_series().to_list()


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_of_the_grammar_reads_back(fmt):
    times = [dt.datetime(2024, 1, 5, 9, 5, 3, 250000), dt.datetime(1999, 11, 30, 23, 59, 59)]
    texts, want = _column(fmt, times, seed=len(fmt))
    assert _parse(texts) == want, texts


@settings(max_examples=300, deadline=None)
@given(column=COLUMNS)
def test_random_datetimes_in_random_formats_read_back(column):
    texts, want = _column(*column)
    assert _parse(texts) == want, texts


@settings(max_examples=100, deadline=None)
@given(times=st.lists(_EPOCH_TIMES, min_size=1, max_size=12), unit=st.sampled_from(EPOCH_UNITS))
def test_epoch_numbers_in_every_unit_read_back(times, unit):
    per_second = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[unit]
    epoch = dt.datetime(1970, 1, 1)
    numbers = [(t - epoch) // dt.timedelta(microseconds=1) * per_second // 1_000_000 for t in times]
    series = pl.Series(numbers)
    fmt = detect_format(series)
    assert (fmt.kind, fmt.unit) == ("epoch", unit)
    got = pl.select(parse_expr(pl.lit(series), fmt, series.dtype)).to_series().to_list()
    # Seconds and milliseconds cut the microseconds off.
    cut = {"s": 1_000_000, "ms": 1_000}.get(unit, 1)
    assert got == [t - dt.timedelta(microseconds=t.microsecond % cut) for t in times]


@settings(max_examples=50, deadline=None)
@given(times=st.lists(_TIMES, min_size=1, max_size=8))
def test_excel_serial_days_read_back_in_a_date_named_column(times):
    # Day 25,569 is 1970-01-01; a fraction of a day is the time of day (to the microsecond).
    epoch = dt.datetime(1970, 1, 1)
    days = [25_569 + (t - epoch) / dt.timedelta(days=1) for t in times]
    log = load(pl.DataFrame({"user": ["u"] * len(days), "event": ["e"] * len(days), "date": days}))
    assert log.report.timestamp_format == "Excel serial days"
    got = log.to_polars().sort("event_index")["timestamp"].to_list()
    for a, b in zip(got, times, strict=True):
        assert abs(a - b) <= dt.timedelta(microseconds=1)


def _frame(texts: list[str]) -> pl.DataFrame:
    n = len(texts)
    return pl.DataFrame(
        {"user_id": [f"u{i % 3}" for i in range(n)], "event": ["e"] * n, "t": texts}
    )


@settings(max_examples=120, deadline=None)
@given(column=COLUMNS)
def test_a_given_format_is_honoured_on_polars_and_duckdb(column):
    fmt = column[0]
    texts, want = _column(*column)
    frame = _frame(texts)
    for source in (frame, duckdb.from_arrow(frame.to_arrow())):
        log = load(source, timestamp="t", timestamp_format=fmt)
        got = log.frame.collect("polars").to_native().sort("event_index")["timestamp"]
        assert got.to_list() == want, (fmt, texts, log.engine)


def test_a_format_detected_on_duckdb_equals_polars():
    texts, want = _column("%d.%m.%Y %H:%M", [dt.datetime(2024, 3, 4, 5, 6)], seed=1)
    frame = _frame(texts)
    log = load(duckdb.from_arrow(frame.to_arrow()))
    assert log.engine == "duckdb"
    got = log.frame.collect("polars").to_native().sort("event_index")["timestamp"].to_list()
    assert got == want

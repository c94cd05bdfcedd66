import datetime as dt

import polars as pl
import pytest

from cxlib.io.timestamps import (
    TimestampFormat,
    candidate_formats,
    detect_format,
    parse_expr,
)


def parse(values: list, fmt: TimestampFormat | None = None) -> list:
    series = pl.Series("t", values)
    fmt = fmt or detect_format(series)
    assert fmt is not None
    return pl.select(parse_expr(pl.lit(series), fmt, series.dtype)).to_series().to_list()


D = dt.datetime


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # ISO without zone: read as UTC as written.
        (
            ["2024-01-31 09:30:00", "2024-02-01 10:00:00"],
            [D(2024, 1, 31, 9, 30), D(2024, 2, 1, 10)],
        ),
        # ISO with T, fraction and Z.
        (["2024-01-31T09:30:00.250Z"], [D(2024, 1, 31, 9, 30, 0, 250000)]),
        # Mixed offsets (winter/summer time): both converted to UTC.
        (
            ["2011-10-11 13:45:40.276+02:00", "2011-11-24 15:36:51.302+01:00"],
            [D(2011, 10, 11, 11, 45, 40, 276000), D(2011, 11, 24, 14, 36, 51, 302000)],
        ),
        # Minutes only.
        (["2024-01-31 09:30"], [D(2024, 1, 31, 9, 30)]),
        # Date only: midnight.
        (["2024-01-31"], [D(2024, 1, 31)]),
        # Day-first: 31 cannot be a month.
        (["31/01/2024 09:30", "05/02/2024 10:00"], [D(2024, 1, 31, 9, 30), D(2024, 2, 5, 10)]),
        # Month-first: 31 cannot be a month, so the first field is the month.
        (["01/31/2024 09:30", "02/05/2024 10:00"], [D(2024, 1, 31, 9, 30), D(2024, 2, 5, 10)]),
        # German dots, two-digit year.
        (["31.01.24 09:30"], [D(2024, 1, 31, 9, 30)]),
        # US 12-hour clock.
        (["12/31/2024 01:05 PM"], [D(2024, 12, 31, 13, 5)]),
        # Surrounding blanks are stripped.
        ([" 2024-01-31 09:30:00 "], [D(2024, 1, 31, 9, 30)]),
    ],
)
def test_text_forms_parse_to_naive_utc(values, expected):
    assert parse(values) == expected


def test_ambiguous_day_month_reads_day_first_and_keeps_the_other_order():
    fmt = detect_format(pl.Series(["01/02/2024", "03/04/2024"]))
    assert fmt.formats == ("%d/%m/%Y",)
    assert fmt.other_order == ("%m/%d/%Y",)  # the loader decides on the whole column
    assert parse(["01/02/2024"]) == [D(2024, 2, 1)]


def test_mixed_iso_forms_are_covered_by_several_formats():
    values = ["2024-01-31 09:30:00", "2024-01-31T10:00:00Z"]
    fmt = detect_format(pl.Series(values))
    assert len(fmt.formats) == 2
    assert parse(values) == [D(2024, 1, 31, 9, 30), D(2024, 1, 31, 10)]


# 2018-10-01 14:56:14.195002 UTC written in each unit.
@pytest.mark.parametrize(
    ("number", "unit"),
    [
        (1538405774, "s"),
        (1538405774195, "ms"),
        (1538405774195002, "us"),
        (1538405774195002000, "ns"),
    ],
)
def test_epoch_unit_is_decided_by_magnitude(number, unit):
    fmt = detect_format(pl.Series([number]))
    assert (fmt.kind, fmt.unit) == ("epoch", unit)
    got = parse([number])[0]
    assert got == D(2018, 10, 1, 14, 56, 14, {"s": 0, "ms": 195000}.get(unit, 195002))


def test_epoch_as_text_and_as_float_seconds():
    assert parse(["1538405774195"]) == [D(2018, 10, 1, 14, 56, 14, 195000)]
    assert parse([1538405774.5]) == [D(2018, 10, 1, 14, 56, 14, 500000)]


def test_epoch_guess_needs_a_plausible_date():
    # Customer numbers are not timestamps: 12345 seconds is 1970.
    assert detect_format(pl.Series([12345, 12346]), guess=True) is None
    assert detect_format(pl.Series([1, 2, 3])) is None
    assert detect_format(pl.Series([1538405774]), guess=True).unit == "s"


def test_absurd_epoch_numbers_become_null_not_errors():
    fmt = TimestampFormat("epoch", unit="s")
    assert parse([10**17, 1538405774], fmt) == [None, D(2018, 10, 1, 14, 56, 14)]


def test_native_datetimes_with_zone_are_converted():
    series = pl.Series([D(2024, 1, 1, 10)]).dt.replace_time_zone("Europe/Madrid")
    fmt = detect_format(series)
    assert fmt.kind == "native"
    out = pl.select(parse_expr(pl.lit(series), fmt, series.dtype)).to_series()
    assert out.dtype == pl.Datetime("us")
    assert out.to_list() == [D(2024, 1, 1, 9)]


def test_dates_are_native_midnights():
    series = pl.Series([dt.date(2024, 1, 31)])
    assert parse(series.to_list()) == [D(2024, 1, 31)]


def test_values_outside_the_format_become_null():
    fmt = TimestampFormat("text", ("%d/%m/%Y",))
    assert parse(["31/02/2024", "28/02/2024"], fmt) == [None, D(2024, 2, 28)]


@pytest.mark.parametrize("values", [["visit", "buy"], ["", " "], [None], ["12:30", "13:00"]])
def test_text_that_is_no_timestamp(values):
    assert detect_format(pl.Series(values, dtype=pl.String)) is None


def test_formats_are_unique_and_day_first_precedes_month_first():
    formats = candidate_formats()
    assert len(formats) == len(set(formats))
    assert formats.index("%d/%m/%Y") < formats.index("%m/%d/%Y")

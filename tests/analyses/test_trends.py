"""trends: hand-computed periods of a small log, an incomplete period, breakdowns, engines."""

import datetime as dt

import polars as pl
import pytest

from cxlib import AnalysisError, EventLog, trends
from tests.conftest import approx_rows


def at(day: int, hour: int, month: int = 1, year: int = 2024) -> dt.datetime:
    return dt.datetime(year, month, day, hour)


def log_of(rows: list[tuple], **columns: list) -> EventLog:
    frame = pl.DataFrame(
        rows,
        schema={"customer_id": pl.String, "timestamp": pl.Datetime("us"), "touchpoint": pl.String},
        orient="row",
    ).with_columns(**{k: pl.Series(v) for k, v in columns.items()})
    return EventLog.from_frame(frame)


# The range is 2024-01-03 00:00 to 2024-01-05 12:00 (2.5 days), so the previous range is
# 2023-12-31 12:00 to 2024-01-03 00:00.
RANGE = {"start": at(3, 0), "end": at(5, 12)}
LOG = log_of(
    [
        ("d", at(30, 9, 12, 2023), "visit"),  # before both ranges: only d's first event
        ("a", at(31, 13, 12, 2023), "visit"),  # previous range, its partial first day
        ("b", at(1, 9), "visit"),
        ("d", at(2, 10), "buy"),
        ("a", at(3, 10), "visit"),
        ("a", at(3, 11), "buy"),
        ("b", at(4, 9), "visit"),
        ("e", at(4, 10), "visit"),
        ("c", at(5, 8), "visit"),
        ("c", at(5, 9), "buy"),
        ("c", at(5, 13), "visit"),  # after the range's end: not counted
    ],
    channel=["web", "web", "app", "app", "web", "app", "app", "web", "web", "app", "web"],
)
COLUMNS = [
    "range",
    "period",
    "period_start",
    "events",
    "active_customers",
    "new_customers",
    "converted_customers",
    "converted_per_active",
    "complete",
]


def test_days_of_a_range_and_the_previous_range_hand_computed():
    out = trends(LOG, unit="day", goal="buy", **RANGE)
    assert (out.unit, out.previous_start) == ("day", at(31, 12, 12, 2023))
    assert out.table.columns == COLUMNS
    assert out.table.rows() == approx_rows(
        [
            # Jan 3: a's visit and purchase; a is not new (first event on Dec 31)
            ("current", 1, dt.date(2024, 1, 3), 2, 1, 0, 1, 1.0, True),
            # Jan 4: b and e; e is new; nobody buys
            ("current", 2, dt.date(2024, 1, 4), 2, 2, 1, 0, 0.0, True),
            # Jan 5 until noon only: c new and buying; the 13:00 visit is after the range
            ("current", 3, dt.date(2024, 1, 5), 2, 1, 1, 1, 1.0, False),
            # Dec 31 from noon: a's first event
            ("previous", 1, dt.date(2023, 12, 31), 1, 1, 1, 0, 0.0, False),
            ("previous", 2, dt.date(2024, 1, 1), 1, 1, 1, 0, 0.0, True),
            # Jan 2: d buys, d is not new (first event on Dec 30)
            ("previous", 3, dt.date(2024, 1, 2), 1, 1, 0, 1, 1.0, True),
        ]
    )


def test_weeks_mark_the_partial_weeks_and_count_each_customer_once():
    out = trends(LOG, unit="week", goal="buy", **RANGE)
    # Jan 1-7 is the week of both Jan 3 and Jan 5; Dec 25-31 and Jan 1-7 cover the previous range.
    assert out.table.rows() == approx_rows(
        [
            ("current", 1, dt.date(2024, 1, 1), 6, 4, 2, 2, 2 / 4, False),
            ("previous", 1, dt.date(2023, 12, 25), 1, 1, 1, 0, 0.0, False),
            ("previous", 2, dt.date(2024, 1, 1), 2, 2, 1, 1, 1 / 2, False),
        ]
    )


def test_breakdown_counts_per_value_with_empty_cells_as_zero():
    out = trends(LOG, unit="day", goal="buy", breakdown="channel", **RANGE)
    current = out.table.filter(pl.col("range") == "current")
    rows = current.select("period", "channel", "events", "active_customers", "new_customers",
                          "converted_customers").rows()  # fmt: skip
    assert rows == [
        (1, "app", 1, 1, 0, 1),  # a's purchase on the app
        (1, "web", 1, 1, 0, 0),
        (2, "app", 1, 1, 0, 0),  # b
        (2, "web", 1, 1, 1, 0),  # e, new
        (3, "app", 1, 1, 1, 1),  # c buys on the app
        (3, "web", 1, 1, 1, 0),
    ]
    assert out.table.height == 12  # 2 ranges x 3 days x 2 channels


def test_default_range_and_unit_come_from_the_log():
    out = trends(LOG)
    # From Dec 30 (midnight) to just after Jan 5 13:00: 7 days, drawn per day.
    assert (out.start, out.end) == (at(30, 0, 12, 2023), at(5, 13) + dt.timedelta(microseconds=1))
    assert out.unit == "day"
    current = out.table.filter(pl.col("range") == "current")
    assert current["events"].sum() == LOG.frame.collect().shape[0]
    assert current["complete"].to_list() == [True] * 6 + [False]
    assert current["converted_per_active"].null_count() == current.height  # no goal


def test_months_over_a_long_range():
    log = log_of([("a", at(15, 9, m), "visit") for m in range(1, 13)])
    out = trends(log, goal="visit")
    assert out.unit == "week"  # Jan 15 to Dec 15: under a year
    monthly = trends(log, unit="month", start=dt.date(2024, 1, 1), end=dt.date(2025, 1, 1))
    current = monthly.table.filter(pl.col("range") == "current")
    assert current["events"].to_list() == [1] * 12
    assert current["new_customers"].to_list() == [1] + [0] * 11
    assert current["complete"].all()


def test_the_same_figures_on_every_engine(on_engine):
    options = {"unit": "day", "goal": "buy", "breakdown": "channel", **RANGE}
    assert trends(on_engine(LOG), **options).table.equals(trends(LOG, **options).table)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"start": at(5, 0), "end": at(3, 0)},
            "the range from 2024-01-05 00:00:00 to 2024-01-03 00:00:00 is empty",
        ),
        ({"unit": "year"}, "unit='year' is not a period"),
        ({"goal": "by"}, "touchpoint 'by' is not in the log; did you mean 'buy'"),
        ({"breakdown": "chanel"}, "no column 'chanel' for the breakdown; did you mean 'channel'"),
    ],
)
def test_errors_name_the_problem(options, message):
    with pytest.raises(AnalysisError, match=message.replace("(", r"\(")):
        trends(LOG, **options)

"""Cohort retention and lifecycle states on hand-made calendars."""

import datetime as dt

import polars as pl
import pytest

from cxlib import AnalysisError, EventLog
from cxlib.retention import lifecycle, retention


def log_of(rows):
    """rows: (customer, datetime, touchpoint)."""
    frame = pl.DataFrame(
        rows,
        schema={"customer_id": pl.String, "timestamp": pl.Datetime("us"), "touchpoint": pl.String},
        orient="row",
    )
    return EventLog.from_frame(frame)


def day(d, h=12, m=0, s=0):
    return dt.datetime(2024, 1, d, h, m, s)


# Weeks start on Monday 2024-01-01 (w0), 01-08 (w1), 01-15 (w2), 01-22 (w3).
# a: w0, w1 (buy), w3; b: w0, w2 (buy); c: w1, w1, w3 (buy); d: Sunday 23:59:59 of w0 only
WEEKS = [
    ("a", day(1), "x"),
    ("a", day(9), "buy"),
    ("a", day(22), "x"),
    ("b", day(3), "x"),
    ("b", day(17), "buy"),
    ("c", day(10), "x"),
    ("c", day(11), "x"),
    ("c", day(24), "buy"),
    ("d", day(7, 23, 59, 59), "x"),
]
W0, W1 = dt.date(2024, 1, 1), dt.date(2024, 1, 8)


def test_weekly_retention_any_event(on_engine):
    out = retention(on_engine(log_of(WEEKS)), period="week")
    assert out.rows() == [
        # cohort w0 = a, b, d: a back in w1 and w3, b in w2
        (W0, 0, 3, 3, 1.0),
        (W0, 1, 3, 1, pytest.approx(1 / 3)),
        (W0, 2, 3, 1, pytest.approx(1 / 3)),
        (W0, 3, 3, 1, pytest.approx(1 / 3)),
        # cohort w1 = c: away in w2, back in w3
        (W1, 0, 1, 1, 1.0),
        (W1, 1, 1, 0, 0.0),
        (W1, 2, 1, 1, 1.0),
    ]


def test_retention_on_a_touchpoint():
    out = retention(log_of(WEEKS), period="week", touchpoint="buy")
    # w0: nobody buys in w0, a buys in w1, b in w2, nobody in w3; w1 (c): buys in w3
    assert out["customers"].to_list() == [0, 1, 1, 0, 0, 0, 1]
    assert out["cohort_size"].to_list() == [3, 3, 3, 3, 1, 1, 1]


def test_monthly_retention_across_month_ends(on_engine):
    rows = [
        ("a", dt.datetime(2024, 1, 31, 23), "x"),
        ("a", dt.datetime(2024, 2, 1), "x"),
        ("a", dt.datetime(2024, 3, 31), "x"),
        ("b", dt.datetime(2024, 2, 29), "x"),
    ]
    out = retention(on_engine(log_of(rows)), period="month")
    assert out.select("cohort", "period", "customers").rows() == [
        (dt.date(2024, 1, 1), 0, 1),
        (dt.date(2024, 1, 1), 1, 1),
        (dt.date(2024, 1, 1), 2, 1),
        (dt.date(2024, 2, 1), 0, 1),
        (dt.date(2024, 2, 1), 1, 0),
    ]


def test_lifecycle_states(on_engine):
    out = lifecycle(on_engine(log_of(WEEKS)), period="week")
    counts = {(p, s): n for p, s, n in out.rows()}
    w = [dt.date(2024, 1, d) for d in (1, 8, 15, 22)]
    expected = {
        # new, returning, resurrecting, dormant
        w[0]: (3, 0, 0, 0),  # a, b, d start
        w[1]: (1, 1, 0, 2),  # c new, a returns; b and d were active in w0, not now
        w[2]: (0, 0, 1, 2),  # b back after a gap; a and c gone
        w[3]: (0, 0, 2, 1),  # a and c back; b gone
    }
    for week, values in expected.items():
        got = tuple(counts[week, s] for s in ("new", "returning", "resurrecting", "dormant"))
        assert got == values, week
    assert out.height == 16
    assert out["state"].to_list()[:4] == ["new", "returning", "resurrecting", "dormant"]


def test_empty_log():
    empty = log_of([])
    assert retention(empty).height == 0
    assert lifecycle(empty).height == 0


def test_one_event_customers():
    out = retention(log_of([("a", day(1), "x"), ("b", day(2), "x")]))
    assert out.rows() == [(W0, 0, 2, 2, 1.0)]


@pytest.mark.parametrize("call", [retention, lifecycle])
def test_unknown_period_is_refused(call):
    with pytest.raises(AnalysisError, match=r"period='day' is not a period; use 'week' or 'month'"):
        call(log_of(WEEKS), period="day")


def test_unknown_touchpoint_is_refused():
    with pytest.raises(
        AnalysisError, match=r"touchpoint 'bye' is not in the log; did you mean 'buy'"
    ):
        retention(log_of(WEEKS), touchpoint="bye")

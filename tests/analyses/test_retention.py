"""Cohort retention and lifecycle states on hand-made calendars."""

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib import AnalysisError, EventLog
from cxlib.analyses.retention import lifecycle, retention


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
        # cohort w0 = a, b, d: a back in w1 and w3, b in w2; the log ends on Wednesday
        # 24 January, in w3: that week is incomplete
        (W0, 0, 3, 3, 1.0, True),
        (W0, 1, 3, 1, pytest.approx(1 / 3), True),
        (W0, 2, 3, 1, pytest.approx(1 / 3), True),
        (W0, 3, 3, 1, pytest.approx(1 / 3), False),
        # cohort w1 = c: away in w2, back in w3
        (W1, 0, 1, 1, 1.0, True),
        (W1, 1, 1, 0, 0.0, True),
        (W1, 2, 1, 1, 1.0, False),
    ]


@pytest.mark.parametrize(("last", "complete"), [(day(21, 23), True), (day(22), False)])
def test_the_last_period_is_complete_only_when_the_log_reaches_its_last_day(last, complete):
    # Sunday 21 January ends w2; an event on Monday 22nd starts w3, which has 6 days to go.
    log = log_of([("a", day(1), "x"), ("a", last, "x")])
    assert retention(log)["complete"].to_list()[-1] is complete
    assert lifecycle(log)["complete"].to_list()[-1] is complete
    assert lifecycle(log)["complete"].to_list()[0] is True


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
    counts = {(p, s): n for p, s, n, _ in out.rows()}
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
    assert out.rows() == [(W0, 0, 2, 2, 1.0, False)]  # the log ends on Tuesday


@pytest.mark.parametrize("call", [retention, lifecycle])
def test_unknown_period_is_refused(call):
    with pytest.raises(AnalysisError, match=r"period='day' is not a period; use 'week' or 'month'"):
        call(log_of(WEEKS), period="day")


def test_unknown_touchpoint_is_refused():
    with pytest.raises(
        AnalysisError, match=r"touchpoint 'bye' is not in the log; did you mean 'buy'"
    ):
        retention(log_of(WEEKS), touchpoint="bye")


def brute_force(events, touchpoint=None):
    """Cohort retention and lifecycle counts from (customer, day offset, touchpoint), week by week.

    With ``touchpoint``, a cohort's customers count in a week only when they did it then.
    """
    weeks, hits = {}, {}
    for customer, offset, name in events:
        weeks.setdefault(customer, set()).add(offset // 7)  # 2024-01-01 is a Monday
        if name == touchpoint:
            hits.setdefault(customer, set()).add(offset // 7)
    last = max(w for ws in weeks.values() for w in ws)
    first = min(w for ws in weeks.values() for w in ws)
    cohorts = {}
    for customer, ws in weeks.items():
        cohorts.setdefault(min(ws), []).append(customer)
    counted = weeks if touchpoint is None else hits
    table = {}
    for cohort, members in cohorts.items():
        for k in range(last - cohort + 1):
            came = sum(cohort + k in counted.get(c, ()) for c in members)
            table[cohort, k] = (len(members), came)
    states = {}
    for w in range(first, last + 1):
        count = dict.fromkeys(("new", "returning", "resurrecting", "dormant"), 0)
        for ws in weeks.values():
            if w in ws:
                if min(ws) == w:
                    count["new"] += 1
                elif w - 1 in ws:
                    count["returning"] += 1
                else:
                    count["resurrecting"] += 1
            elif w - 1 in ws:
                count["dormant"] += 1
        states[w] = count
    return table, states


def _by_week(out):
    monday = dt.date(2024, 1, 1)
    return {((cohort - monday).days // 7, k): (size, n) for cohort, k, size, n, *_ in out.rows()}


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", "d", "e"]),
            st.integers(0, 60),
            st.sampled_from(["x", "buy"]),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_retention_and_lifecycle_match_brute_force(events):
    log = log_of(
        [(c, dt.datetime(2024, 1, 1) + dt.timedelta(days=d, hours=9), t) for c, d, t in events]
    )
    table, states = brute_force(events)
    assert _by_week(retention(log)) == table
    if any(t == "buy" for *_, t in events):
        assert _by_week(retention(log, touchpoint="buy")) == brute_force(events, "buy")[0]
    monday = dt.date(2024, 1, 1)
    got_states = {}
    for period, state, n, _ in lifecycle(log).rows():
        got_states.setdefault((period - monday).days // 7, {})[state] = n
    assert got_states == states

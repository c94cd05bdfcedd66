import datetime as dt

import polars as pl
import pytest

from cxlib import AnalysisError, EventLog, sessionize
from cxlib.analyses.overview import customers_per_value, summary, time_range, value_counts
from tests.conftest import make_log

JOURNEYS = {"a": "visit view buy", "b": "visit", "c": "visit view"}


def test_summary_by_customer(on_engine):
    s = summary(on_engine(make_log(JOURNEYS)), goal="buy")
    # 3 customers, 6 events; only a reaches buy: 1/3.
    assert (s.customers, s.journeys, s.events, s.touchpoints) == (3, 3, 6, 3)
    assert (s.converted, s.conversion) == (1, pytest.approx(1 / 3))
    # Journey lengths 3, 1, 2 -> median 2; durations 2 min, 0, 1 min -> median 60 s.
    assert (s.median_events, s.median_seconds) == (2.0, 60.0)
    assert (s.time_min, s.time_max) == (dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1, 0, 2))


def test_summary_by_session_splits_long_pauses(on_engine):
    # One event an hour: every event is its own 30-minute session.
    s = summary(on_engine(make_log(JOURNEYS, minutes=60)), by="session", goal="buy")
    assert (s.customers, s.journeys, s.events) == (3, 6, 6)
    assert (s.median_events, s.median_seconds) == (1.0, 0.0)
    assert s.conversion == pytest.approx(1 / 3)


@pytest.mark.parametrize("goal", [None, "nowhere"])
def test_summary_without_a_reached_goal(goal):
    s = summary(make_log({"a": "x", "b": "ü ü"}), goal=goal)
    assert s.converted == (None if goal is None else 0)
    assert s.conversion == (None if goal is None else 0.0)
    assert (s.customers, s.events, s.touchpoints) == (2, 3, 2)


def test_summary_of_an_empty_log():
    empty = pl.DataFrame(
        schema={"customer_id": pl.String, "timestamp": pl.Datetime("us"), "touchpoint": pl.String}
    )
    s = summary(EventLog.from_frame(empty), goal="buy")
    assert (s.customers, s.journeys, s.events, s.conversion, s.median_events) == (
        0,
        0,
        0,
        None,
        None,
    )


def test_time_range(on_engine):
    # make_log's journeys start at 2024-01-01 00:00, one event a minute: a's third is the last.
    assert time_range(on_engine(make_log(JOURNEYS))) == (
        dt.datetime(2024, 1, 1),
        dt.datetime(2024, 1, 1, 0, 2),
    )


def test_time_range_of_an_empty_log():
    empty = pl.DataFrame(
        schema={"customer_id": pl.String, "timestamp": pl.Datetime("us"), "touchpoint": pl.String}
    )
    assert time_range(EventLog.from_frame(empty)) == (None, None)


def test_value_counts(on_engine):
    out = value_counts(on_engine(make_log(JOURNEYS)), "touchpoint")
    # visit: 3 events by all 3 customers; view: a and c; buy: a alone.
    assert out.rows() == [("visit", 3, 3, 1.0), ("view", 2, 2, 2 / 3), ("buy", 1, 1, 1 / 3)]
    assert value_counts(make_log(JOURNEYS), "touchpoint", n=1)["touchpoint"].to_list() == ["visit"]


def test_value_counts_of_sessions_are_those_of_the_log_they_were_cut_from(on_engine):
    # Cut into sessions, the log keeps its events and customers: its counts are the
    # parent's, counted once.
    log = on_engine(make_log(JOURNEYS))
    counts, total = customers_per_value(log, "touchpoint")
    sessions = sessionize(log, "1h")
    assert value_counts(sessions, "touchpoint").rows() == value_counts(log, "touchpoint").rows()
    again, customers = customers_per_value(sessions, "touchpoint")
    assert again is counts
    assert customers == total == 3


def test_value_counts_of_a_missing_column():
    with pytest.raises(AnalysisError, match="the log has no column 'channel'"):
        value_counts(make_log(JOURNEYS), "channel")

import datetime as dt

import polars as pl
import pytest

from cxlib import AnalysisError, EventLog, collapse_repeats, journey_steps, sessionize
from tests.conftest import T0, make_log


def test_equal_timestamps_keep_source_order():
    log = make_log({"a": "x y z"}, minutes=0)
    out = journey_steps(log).sort("step").collect()
    assert out["touchpoint"].to_list() == ["x", "y", "z"]
    assert out["next_touchpoint"].to_list() == ["y", "z", None]


def test_rows_out_of_time_order_are_sorted_by_time():
    frame = pl.DataFrame(
        {
            "customer_id": ["a", "a", "a"],
            "timestamp": [T0 + dt.timedelta(hours=h) for h in (2, 0, 1)],
            "touchpoint": ["late", "early", "middle"],
        }
    )
    out = journey_steps(EventLog.from_frame(frame)).sort("step").collect()
    assert out["touchpoint"].to_list() == ["early", "middle", "late"]


def test_sessions_split_on_gap_longer_than_threshold():
    # a: events at minutes 0, 20, 50 (gap 30 is not > 30) and 100 (gap 50) -> sessions 1 1 1 2
    frame = pl.DataFrame(
        {
            "customer_id": ["a"] * 4 + ["b"],
            "timestamp": [T0 + dt.timedelta(minutes=m) for m in (0, 20, 50, 100, 0)],
            "touchpoint": list("wxyzw"),
        }
    )
    out = sessionize(EventLog.from_frame(frame), "30m").to_polars()
    assert out["session_id"].to_list() == [1, 1, 1, 2, 1]
    steps = (
        journey_steps(sessionize(EventLog.from_frame(frame)), by="session").collect().to_native()
    )
    assert steps.filter(pl.col("touchpoint") == "y")["next_touchpoint"].to_list() == [None]


def test_collapse_repeats_keeps_loops():
    log = make_log({"a": "x x y y x", "b": "z"})
    out = collapse_repeats(log).to_polars()
    assert out["touchpoint"].to_list() == ["x", "y", "x", "z"]


def test_unknown_journey_kind_is_refused():
    with pytest.raises(AnalysisError, match=r"use 'customer' or 'session'"):
        journey_steps(make_log({"a": "x"}), by="visit")

"""transitions: the directly-follows table with entry and exit, checked by hand and by brute force."""

import datetime as dt
import itertools
import re
import statistics
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib import ENTRY, EXIT, AnalysisError, EventLog, sessionize, transitions
from tests.conftest import T0, brute_journeys, make_log, random_log_frames

COLUMNS = ["source", "target", "transitions", "customers", "median_seconds"]


def test_hand_computed_table():
    # a: home cart cart buy | b: home | c: home cart   (one event a minute)
    log = make_log({"a": "home cart cart buy", "b": "home", "c": "home cart"})
    out = transitions(log)
    assert out.columns == COLUMNS
    assert out.schema == pl.Schema(
        {
            "source": pl.String,
            "target": pl.String,
            "transitions": pl.Int64,
            "customers": pl.Int64,
            "median_seconds": pl.Float64,
        }
    )
    assert out.rows() == [
        (ENTRY, "home", 3, 3, None),  # all three journeys start at home
        ("home", "cart", 2, 2, 60.0),  # a and c, one minute apart
        ("buy", EXIT, 1, 1, None),
        ("cart", EXIT, 1, 1, None),  # c ends at cart
        ("cart", "buy", 1, 1, 60.0),
        ("cart", "cart", 1, 1, 60.0),  # a's loop is kept
        ("home", EXIT, 1, 1, None),  # b
    ]
    # Every event has exactly one outgoing edge: 4 + 1 + 2 events, plus 3 entry edges.
    assert out["transitions"].sum() == 7 + 3


def test_customers_counts_distinct_customers_and_median_is_over_transitions():
    # a: x at 0 s, y at 10 s, x at 20 s, y at 50 s -> x->y after 10 s and 30 s
    # b: x at 0 s, y at 100 s                      -> x->y after 100 s
    seconds = [0, 10, 20, 50, 0, 100]
    frame = pl.DataFrame(
        {
            "customer_id": ["a"] * 4 + ["b"] * 2,
            "timestamp": [T0 + dt.timedelta(seconds=s) for s in seconds],
            "touchpoint": list("xyxyxy"),
        }
    )
    out = transitions(EventLog.from_frame(frame)).filter(pl.col("source") == "x")
    # x->y happens 3 times by 2 customers; median of (10, 30, 100) = 30
    assert out.rows() == [("x", "y", 3, 2, 30.0)]


def test_median_of_an_even_number_of_times_is_the_midpoint():
    # x->y after 10 s (a) and 40 s (b): median (10 + 40) / 2 = 25
    frame = pl.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b"],
            "timestamp": [T0 + dt.timedelta(seconds=s) for s in (0, 10, 0, 40)],
            "touchpoint": list("xyxy"),
        }
    )
    row = transitions(EventLog.from_frame(frame)).filter(pl.col("source") == "x").row(0)
    assert row[4] == float(Fraction(10 + 40, 2))


def test_empty_log_gives_an_empty_table_with_the_contract_columns():
    log = make_log({})
    out = transitions(log)
    assert out.shape == (0, 5)
    assert out.columns == COLUMNS
    assert out.schema["median_seconds"] == pl.Float64


@pytest.mark.parametrize(
    ("journeys", "minutes", "expected"),
    [
        # one-event customers: each is an entry and an exit at the same touchpoint
        ({"a": "x", "b": "x"}, 1, [(ENTRY, "x", 2, 2, None), ("x", EXIT, 2, 2, None)]),
        # equal timestamps: source order decides, times are 0 s
        (
            {"a": "x y"},
            0,
            [(ENTRY, "x", 1, 1, None), ("x", "y", 1, 1, 0.0), ("y", EXIT, 1, 1, None)],
        ),
        # loops: x x x has two x->x transitions for one customer, 5 minutes apart each
        (
            {"a": "x x x"},
            5,
            [("x", "x", 2, 1, 300.0), (ENTRY, "x", 1, 1, None), ("x", EXIT, 1, 1, None)],
        ),
        # unicode touchpoints survive untouched
        (
            {"ü": "café 注文"},
            1,
            [(ENTRY, "café", 1, 1, None), ("café", "注文", 1, 1, 60.0), ("注文", EXIT, 1, 1, None)],
        ),
    ],
    ids=["one-event-customers", "equal-timestamps", "loops", "unicode"],
)
def test_edge_cases(journeys, minutes, expected):
    assert transitions(make_log(journeys, minutes=minutes)).rows() == expected


def test_rows_out_of_time_order_follow_time_not_file_order():
    frame = pl.DataFrame(
        {
            "customer_id": ["a", "a"],
            "timestamp": [T0 + dt.timedelta(minutes=1), T0],
            "touchpoint": ["second", "first"],
        }
    )
    pairs = transitions(EventLog.from_frame(frame)).select("source", "target").rows()
    assert ("first", "second") in pairs
    assert ("second", "first") not in pairs


def test_by_session_splits_journeys_at_long_pauses():
    # a: x at 0 min, y at 10 min, then 2 hours later z: two sessions x y | z
    log = make_log({"a": "x y"}, minutes=10)
    later = make_log({"a": "z"}).frame.collect("polars").to_native()
    frame = pl.concat(
        [
            log.frame.collect("polars").to_native().drop("event_index", "epoch_us"),
            later.drop("event_index", "epoch_us").with_columns(
                pl.col("timestamp") + dt.timedelta(hours=2)
            ),
        ]
    )
    log = EventLog.from_frame(frame)
    by_session = transitions(log, by="session")
    assert by_session.rows() == [
        (ENTRY, "x", 1, 1, None),
        (ENTRY, "z", 1, 1, None),  # the second session enters at z
        ("x", "y", 1, 1, 600.0),
        ("y", EXIT, 1, 1, None),  # the first session exits at y
        ("z", EXIT, 1, 1, None),
    ]
    # By customer the same events are one journey: y -> z after 1 h 50 min.
    assert ("y", "z", 1, 1, 6600.0) in transitions(log).rows()
    # An explicit gap is respected: a 3-hour gap keeps the customer in one session.
    assert transitions(sessionize(log, "3h"), by="session").rows() == transitions(log).rows()


def test_categorical_touchpoints_give_string_columns():
    frame = make_log({"a": "x y"}).frame.collect("polars").to_native()
    log = EventLog.from_frame(frame.with_columns(pl.col("touchpoint").cast(pl.Categorical)))
    out = transitions(log)
    assert out.schema["source"] == pl.String
    assert out.rows() == transitions(make_log({"a": "x y"})).rows()


@pytest.mark.parametrize("name", [ENTRY, EXIT])
def test_touchpoints_named_like_entry_or_exit_are_refused(name):
    with pytest.raises(
        AnalysisError, match=rf"touchpoint named {re.escape(repr(name))}, which cxlib"
    ):
        transitions(make_log({"a": ["x", name, "y"]}))


def test_a_log_keeps_its_last_table_for_its_journey_kind():
    # a's pause of 40 minutes cuts its sessions: sessions and customers count apart.
    frame = make_log({"a": "x y", "b": "x"}, minutes=40).frame.collect("polars").to_native()
    log = EventLog.from_frame(frame)
    for by in ["customer", "session", "session", "customer"]:
        table = transitions(log, by=by)
        assert log.cache.entries()[-1] == ("reused", "transitions", by)
        assert table.rows() == transitions(EventLog.from_frame(frame), by=by).rows()
    # by customer: x -> y once; by session: a's x and y end and start sessions.
    assert ("x", "y", 1, 1, 2400.0) in transitions(log).rows()
    assert ("x", EXIT, 2, 2, None) in transitions(log, by="session").rows()


def test_unknown_journey_kind_is_refused():
    with pytest.raises(AnalysisError, match=r"by='visit' is not a journey"):
        transitions(make_log({"a": "x"}), by="visit")


def brute_transitions(frame: pl.DataFrame, by: str) -> list[tuple]:
    """The transitions table with plain loops over journeys."""
    edges: dict[tuple[str, str], list] = {}
    for (customer, *_), rows in brute_journeys(frame, by).items():
        path = [(ENTRY, None), *((r["touchpoint"], r["epoch_us"]) for r in rows), (EXIT, None)]
        for (source, t1), (target, t2) in itertools.pairwise(path):
            seconds = (t2 - t1) / 1_000_000 if t1 is not None and t2 is not None else None
            edges.setdefault((source, target), []).append((customer, seconds))
    table = []
    for (source, target), hits in edges.items():
        times = [s for _, s in hits if s is not None]
        median = statistics.median(times) if times else None
        table.append((source, target, len(hits), len({c for c, _ in hits}), median))
    return sorted(table, key=lambda r: (-r[2], r[0], r[1]))


@settings(max_examples=250, deadline=None)
@given(raw=random_log_frames(), by=st.sampled_from(["customer", "session"]))
def test_matches_brute_force(raw, by):
    log = EventLog.from_frame(raw)
    expected = brute_transitions(log.frame.collect("polars").to_native(), by)
    assert transitions(log, by=by).rows() == expected


def test_same_result_on_every_engine(on_engine):
    # 20 minutes apart: sessions (30-minute gap) and customers are the same journeys.
    log = on_engine(make_log({"a": "x y x x", "b": "y", "c": "z ü z", "d": "x y"}, minutes=20))
    expected = [
        (ENTRY, "x", 2, 2, None),  # a, d
        ("x", "y", 2, 2, 1200.0),  # a, d
        ("y", EXIT, 2, 2, None),  # b, d
        (ENTRY, "y", 1, 1, None),
        (ENTRY, "z", 1, 1, None),
        ("x", EXIT, 1, 1, None),
        ("x", "x", 1, 1, 1200.0),
        ("y", "x", 1, 1, 1200.0),
        ("z", EXIT, 1, 1, None),
        ("z", "ü", 1, 1, 1200.0),
        ("ü", "z", 1, 1, 1200.0),
    ]
    assert transitions(log).rows() == expected
    assert transitions(log, by="session").rows() == expected

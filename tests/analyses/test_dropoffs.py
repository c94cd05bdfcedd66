"""dropoffs and next_after: per-journey exit rates with Wilson intervals, and what came next."""

from collections import Counter
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from cxlib import EXIT, AnalysisError, EventLog, dropoffs, next_after
from cxlib.analyses.dropoffs import wilson_interval
from tests.conftest import brute_journeys, make_log, random_log_frames

# a: home cart buy | b: home cart | c: home search cart buy | d: search | e: home home
SHOP = {
    "a": "home cart buy",
    "b": "home cart",
    "c": "home search cart buy",
    "d": "search",
    "e": "home home",
}


def scipy_wilson(successes, trials):
    ci = binomtest(successes, trials).proportion_ci(confidence_level=0.95, method="wilson")
    return ci.low, ci.high


def test_hand_computed_exit_rates():
    out = dropoffs(make_log(SHOP))
    assert out.columns == [
        "touchpoint",
        "visits",
        "journeys",
        "exits",
        "exit_rate",
        "journeys_ending_share",
        "journeys_ending_share_low",
        "journeys_ending_share_high",
    ]
    assert out.select("touchpoint", "journeys", "exits", "journeys_ending_share").rows() == [
        ("buy", 2, 2, 1.0),  # a and c reach buy and both end there
        ("cart", 3, 1, float(Fraction(1, 3))),  # a, b, c reach cart; b ends there
        ("home", 4, 1, float(Fraction(1, 4))),  # a, b, c, e (once, despite its loop); e ends
        ("search", 2, 1, float(Fraction(1, 2))),  # c, d reach search; d ends
    ]
    # Per visit: home has 5 events (e's loop counts twice), one of them ends a journey.
    assert out.select("touchpoint", "visits", "exit_rate").rows() == [
        ("buy", 2, 1.0),
        ("cart", 3, float(Fraction(1, 3))),
        ("home", 5, float(Fraction(1, 5))),
        ("search", 2, float(Fraction(1, 2))),
    ]
    for touchpoint, _, journeys, exits, _, _, low, high in out.iter_rows():
        assert (low, high) == pytest.approx(scipy_wilson(exits, journeys)), touchpoint


def test_the_goal_is_never_a_drop_off():
    # buy ends a and c: they converted, so buy has no row; the others are unchanged.
    out = dropoffs(make_log(SHOP), goal="buy")
    assert out["touchpoint"].to_list() == ["cart", "home", "search"]
    assert out.rows() == dropoffs(make_log(SHOP)).filter(pl.col("touchpoint") != "buy").rows()


def test_wilson_interval_known_values():
    # 1 success in 4 trials: p = 1/4, z = 1.96 -> (0.0456, 0.6994)
    assert wilson_interval(1, 4) == pytest.approx((0.04558726, 0.69935816))
    # all or nothing: the interval touches 0 or 1 exactly
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == 1.0


@settings(max_examples=200, deadline=None)
@given(trials=st.integers(1, 5000), data=st.data())
def test_wilson_interval_matches_scipy(trials, data):
    successes = data.draw(st.integers(0, trials))
    assert wilson_interval(successes, trials) == pytest.approx(
        scipy_wilson(successes, trials), abs=1e-12
    )


def test_empty_log():
    out = dropoffs(make_log({}))
    assert out.shape == (0, 8)
    assert out.schema["journeys_ending_share_low"] == pl.Float64
    assert out.schema["journeys"] == pl.Int64


@pytest.mark.parametrize(
    ("journeys", "minutes", "expected"),
    [
        # one-event customers: every journey reaching x ends there
        ({"a": "x", "b": "x"}, 1, [("x", 2, 2, 1.0)]),
        # equal timestamps: source order makes y the last event
        ({"a": "x y"}, 0, [("y", 1, 1, 1.0), ("x", 1, 0, 0.0)]),
        # loops count a journey once
        ({"a": "x x x", "b": "x y"}, 1, [("x", 2, 1, 0.5), ("y", 1, 1, 1.0)]),
        ({"ü": "café 注文"}, 1, [("注文", 1, 1, 1.0), ("café", 1, 0, 0.0)]),
    ],
    ids=["one-event-customers", "equal-timestamps", "loops", "unicode"],
)
def test_edge_cases(journeys, minutes, expected):
    out = dropoffs(make_log(journeys, minutes=minutes))
    assert out.select("touchpoint", "journeys", "exits", "journeys_ending_share").rows() == expected


def test_by_session_counts_session_journeys():
    # x y x an hour apart: by customer one journey ending at x; by session three journeys
    # (gaps over 30 minutes), two of them reaching x and ending there, one at y.
    log = make_log({"a": "x y x"}, minutes=60)
    columns = ["touchpoint", "journeys", "exits"]
    assert dropoffs(log).select(columns).rows() == [("x", 1, 1), ("y", 1, 0)]
    assert dropoffs(log, by="session").select(columns).rows() == [("x", 2, 2), ("y", 1, 1)]


def test_next_after_hand_computed():
    log = make_log(SHOP)
    # cart is followed by buy (a, c) and by the end of b's journey: 2/3 and 1/3
    assert next_after(log, "cart").rows() == [
        ("buy", 2, 2, float(Fraction(2, 3))),
        (EXIT, 1, 1, float(Fraction(1, 3))),
    ]
    # home's 5 events: cart (a, b), search (c), home (e's loop), end (e)
    assert next_after(log, "home").rows() == [
        ("cart", 2, 2, float(Fraction(2, 5))),
        (EXIT, 1, 1, float(Fraction(1, 5))),
        ("home", 1, 1, float(Fraction(1, 5))),
        ("search", 1, 1, float(Fraction(1, 5))),
    ]
    assert next_after(log, "home").columns == [
        "next_touchpoint",
        "transitions",
        "customers",
        "share",
    ]


def test_next_after_unknown_touchpoint_suggests():
    with pytest.raises(
        AnalysisError, match=r"touchpoint 'Cart' is not in the log; did you mean 'cart'\?"
    ):
        next_after(make_log(SHOP), "Cart")


def test_next_after_on_empty_log():
    with pytest.raises(AnalysisError, match=r"'x' is not in the log; the log has no events"):
        next_after(make_log({}), "x")


def brute_dropoffs(frame: pl.DataFrame, by: str) -> list[tuple]:
    reached: Counter = Counter()
    ended: Counter = Counter()
    for rows in brute_journeys(frame, by).values():
        reached.update({r["touchpoint"] for r in rows})
        ended[rows[-1]["touchpoint"]] += 1
    table = [(t, n, ended[t], ended[t] / n) for t, n in reached.items()]
    return sorted(table, key=lambda r: (-r[2], r[0]))


def brute_next_after(frame: pl.DataFrame, touchpoint: str, by: str) -> list[tuple]:
    hits = []
    for (customer, *_), rows in brute_journeys(frame, by).items():
        names = [r["touchpoint"] for r in rows] + [EXIT]
        hits += [(names[i + 1], customer) for i in range(len(rows)) if names[i] == touchpoint]
    counts = Counter(nxt for nxt, _ in hits)
    table = [
        (nxt, n, len({c for x, c in hits if x == nxt}), n / len(hits)) for nxt, n in counts.items()
    ]
    return sorted(table, key=lambda r: (-r[1], r[0]))


@settings(max_examples=250, deadline=None)
@given(raw=random_log_frames(), by=st.sampled_from(["customer", "session"]))
def test_matches_brute_force(raw, by):
    log = EventLog.from_frame(raw)
    frame = log.frame.collect("polars").to_native()
    out = dropoffs(log, by=by)
    columns = ["touchpoint", "journeys", "exits", "journeys_ending_share"]
    assert out.select(columns).rows() == brute_dropoffs(frame, by)
    # Per visit: every event counts, and each journey's one exit is one of its visits.
    visits = Counter(frame["touchpoint"].to_list())
    assert out.select("touchpoint", "visits", "exit_rate").rows() == [
        (t, visits[t], exits / visits[t]) for t, _, exits, _ in out.select(columns).rows()
    ]
    if "x" in raw["touchpoint"]:
        assert next_after(log, "x", by=by).rows() == brute_next_after(frame, "x", by)


def test_same_result_on_every_engine(on_engine):
    log = on_engine(make_log(SHOP))
    out = dropoffs(log)
    assert out.height == 4
    assert out.rows() == dropoffs(make_log(SHOP)).rows()
    assert next_after(log, "home").rows() == next_after(make_log(SHOP), "home").rows()

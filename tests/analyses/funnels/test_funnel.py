"""funnel, dropped_next, time_to_convert, conversion_over_time: hand-computed, edge cases, engines."""

import datetime as dt
from fractions import Fraction

import polars as pl
import pytest

from cxlib import (
    EXIT,
    AnalysisError,
    EventLog,
    conversion_over_time,
    dropped_next,
    funnel,
    time_to_convert,
)
from tests.conftest import T0, approx_rows, make_log

STEPS = ["home", "cart", "buy"]


def frac(numerator: int, denominator: int) -> float:
    return float(Fraction(numerator, denominator))


def timed_log(journeys: dict[str, list[tuple[str, float]]], **columns: list) -> EventLog:
    """A log from ``{"customer": [(touchpoint, minutes after T0), ...]}``."""
    rows = [
        (customer, T0 + dt.timedelta(minutes=m), tp)
        for customer, events in journeys.items()
        for tp, m in events
    ]
    frame = pl.DataFrame(
        rows,
        schema={"customer_id": pl.String, "timestamp": pl.Datetime("us"), "touchpoint": pl.String},
        orient="row",
    ).with_columns(**{k: pl.Series(v) for k, v in columns.items()})
    return EventLog.from_frame(frame)


def counts(out: pl.DataFrame) -> list[int]:
    return out["customers"].to_list()


def test_sequential_funnel_hand_computed():
    # a buys; b stops at cart; c never adds to cart; d never visits home (not in the funnel)
    log = make_log({"a": "home cart buy", "b": "home cart", "c": "home x buy", "d": "cart buy"})
    out = funnel(log, STEPS)
    assert out.schema == pl.Schema(
        {
            "step": pl.Int64,
            "touchpoint": pl.String,
            "customers": pl.Int64,
            "conversion": pl.Float64,
            "step_conversion": pl.Float64,
            "median_seconds_from_previous": pl.Float64,
        }
    )
    assert out.rows() == approx_rows(
        [
            (1, "home", 3, 1.0, 1.0, None),
            (2, "cart", 2, frac(2, 3), frac(2, 3), 60.0),  # a and b, one minute after home
            (3, "buy", 1, frac(1, 3), frac(1, 2), 60.0),  # a only
        ]
    )


@pytest.mark.parametrize(("window", "reached"), [("1h", 2), ("59m", 1), ("3600s", 2)])
def test_window_is_inclusive(window, reached):
    log = make_log({"a": "home cart"}, minutes=60)  # cart exactly one hour after home
    assert counts(funnel(log, ["home", "cart"], window=window)) == [1, int(reached == 2)]


def test_the_furthest_attempt_counts_and_the_earliest_of_equals_gives_the_times():
    # a: the first home is 50 min before cart, the second 10 min: only the second converts in 15 min
    a = [("home", 0), ("x", 20), ("home", 40), ("cart", 50)]
    # b: both homes lead to cart within the window; the earlier attempt gives the time (2 min)
    b = [("home", 0), ("home", 1), ("cart", 2)]
    out = funnel(timed_log({"a": a, "b": b}), ["home", "cart"], window="15m")
    assert counts(out) == [2, 2]
    assert out["median_seconds_from_previous"][1] == (600 + 120) / 2


def test_strict_order_allows_nothing_in_between():
    log = make_log({"a": "home cart buy", "b": "home x cart buy", "c": "home home cart"})
    # b: x sits between home and cart; c: the second home is followed right away by cart
    assert counts(funnel(log, STEPS, order="strict")) == [3, 2, 1]
    assert counts(funnel(log, STEPS, order="sequential")) == [3, 3, 2]


def test_any_order_needs_all_steps_within_one_window():
    log = timed_log(
        {
            "a": [("buy", 0), ("cart", 10), ("home", 20)],  # all three within 20 min
            "b": [("cart", 0), ("home", 10)],  # home and cart within 10 min
            "c": [("buy", 0)],  # never at home: not in the funnel
            "d": [("home", 0), ("cart", 40)],  # cart 40 min later: too late
        }
    )
    out = funnel(log, STEPS, order="any", window="20m")
    assert out.rows() == approx_rows(
        [
            (1, "home", 3, 1.0, 1.0, None),
            # a and b completed home and cart at the moment the later of the two happened
            (2, "cart", 2, frac(2, 3), frac(2, 3), 0.0),
            (3, "buy", 1, frac(1, 3), frac(1, 2), 0.0),
        ]
    )
    assert counts(funnel(log, STEPS, order="sequential", window="20m")) == [3, 0, 0]


def test_exclusions_stop_an_attempt_at_the_step_before():
    log = make_log(
        {
            "a": "home cart help buy",  # help before buy: stops at cart
            "b": "home help cart buy",  # help before cart: stops at home
            "c": "home cart buy help",  # help after the funnel: converts
            "d": "home help home cart buy",  # the second attempt starts after help
        }
    )
    out = funnel(log, STEPS, exclude=["help"])
    assert counts(out) == [4, 3, 2]
    assert out["conversion"].to_list() == pytest.approx([1.0, frac(3, 4), frac(2, 4)])
    assert counts(funnel(log, STEPS, exclude=["help"], order="any")) == [4, 3, 2]
    assert counts(funnel(log, STEPS)) == [4, 4, 4]


def test_breakdown_by_the_first_events_value():
    log = make_log(
        {"a": "home buy", "b": "home", "c": "home buy"},
        channel=["web", "app", "app", "web", "web"],  # a starts on web, b on app, c on web
    )
    out = funnel(log, ["home", "buy"], breakdown="channel")
    assert out.columns[0] == "channel"
    assert out.rows() == [
        ("app", 1, "home", 1, 1.0, 1.0, None),
        ("app", 2, "buy", 0, 0.0, 0.0, None),
        ("web", 1, "home", 2, 1.0, 1.0, None),
        ("web", 2, "buy", 2, 1.0, 1.0, 60.0),
    ]


def test_breakdown_by_session_takes_each_sessions_first_event():
    sessions = make_log(
        {"a": "home buy home buy"}, minutes=40, channel=["web", "web", "app", "app"]
    )
    out = funnel(sessions, ["home", "buy"], breakdown="channel", by="session", window="1h")
    # 40 min apart, every event is its own session: the home sessions (one on web, one on
    # app) reach step 1; the buy sessions never visit home, so they are not in the funnel
    assert out.select("channel", "step", "customers").rows() == [
        ("app", 1, 1),
        ("app", 2, 0),
        ("web", 1, 1),
        ("web", 2, 0),
    ]


def test_funnel_by_session():
    log = make_log({"a": "home buy"}, minutes=40)  # two sessions: home, then buy
    assert counts(funnel(log, ["home", "buy"], by="session")) == [1, 0]
    assert counts(funnel(log, ["home", "buy"])) == [1, 1]


@pytest.mark.parametrize(
    ("journeys", "minutes", "steps", "expected"),
    [
        ({"a": "home", "b": "buy"}, 1, ["home", "buy"], [1, 0]),  # one-event customers
        ({"a": "cart home"}, 0, ["home", "cart"], [1, 0]),  # equal times: source order
        ({"a": "home cart"}, 0, ["home", "cart"], [1, 1]),
        ({"a": "home home", "b": "home"}, 1, ["home", "home"], [2, 1]),  # a loop as two steps
        ({"a": ["café", "🛒 panier"]}, 1, ["café", "🛒 panier"], [1, 1]),  # unicode
    ],
    ids=["one-event customers", "equal times out of order", "equal times", "loops", "unicode"],
)
def test_funnel_edge_cases(journeys, minutes, steps, expected):
    assert counts(funnel(make_log(journeys, minutes=minutes), steps)) == expected


def test_empty_log_gives_zero_customers_and_no_rates():
    schema = {"customer_id": pl.String, "timestamp": pl.Datetime("us"), "touchpoint": pl.String}
    log = EventLog.from_frame(pl.DataFrame(schema=schema))
    assert funnel(log, ["home", "buy"]).rows() == [
        (1, "home", 0, None, None, None),
        (2, "buy", 0, None, None, None),
    ]
    assert dropped_next(log, ["home", "buy"]).is_empty()
    assert conversion_over_time(log, ["home", "buy"]).is_empty()
    assert time_to_convert(log, ["home", "buy"], window="1m")["customers"].to_list() == [0, 0]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"steps": ["hom", "buy"]}, r"touchpoint 'hom' is not in the log; did you mean 'home'"),
        ({"steps": []}, r"steps=\[\] must be a non-empty list of touchpoints"),
        ({"steps": "home"}, r"steps='home' must be a non-empty list"),
        ({"window": "30 days"}, r"cannot read the duration '30 days'"),
        ({"order": "loose"}, r"order='loose' is not a funnel order"),
        ({"order": "any", "steps": ["home", "home"]}, r"order='any' needs distinct steps"),
        ({"exclude": "help"}, r"exclude='help' must be a list of touchpoints"),
        ({"exclude": ["buy"]}, r"\['buy'\] cannot be both a step and excluded"),
        ({"exclude": ["hepl"]}, r"touchpoint 'hepl' is not in the log; did you mean 'help'"),
        ({"breakdown": "chanel"}, r"no column 'chanel' for the breakdown; did you mean 'channel'"),
        ({"by": "visit"}, r"use 'customer' or 'session'"),
    ],
    ids=lambda value: str(value)[:30] if isinstance(value, dict) else "",
)
def test_bad_funnels_are_refused(options, message):
    log = make_log({"a": "home help buy"}, channel=["web"] * 3)
    arguments = {"steps": ["home", "buy"], **options}
    with pytest.raises(AnalysisError, match=message):
        funnel(log, arguments.pop("steps"), **arguments)


def test_dropped_next_says_what_came_after_the_last_step():
    log = make_log(
        {
            "a": "home help",
            "b": "home",  # left after home
            "c": "home cart x",
            "d": "home cart buy",  # converted: not listed
            "e": "home search",
            "f": "home cart home y",  # the counted attempt reached cart; home came next
        }
    )
    assert dropped_next(log, STEPS).rows() == approx_rows(
        [
            (1, "home", EXIT, 1, frac(1, 3)),  # a, b, e stopped at home
            (1, "home", "help", 1, frac(1, 3)),
            (1, "home", "search", 1, frac(1, 3)),
            (2, "cart", "home", 1, frac(1, 2)),  # c and f stopped at cart
            (2, "cart", "x", 1, frac(1, 2)),
        ]
    )


def test_dropped_next_in_any_order_follows_the_latest_step_event():
    # a: cart then home (any order reaches 2); the event after home, the later one, is z
    log = make_log({"a": "cart home z", "b": "buy"})  # b never at home: not in the funnel
    assert dropped_next(log, STEPS, order="any").rows() == [(2, "cart", "z", 1, 1.0)]
    # strict: the attempt from home reaches cart; what follows cart is x
    assert dropped_next(make_log({"a": "home cart x buy"}), STEPS, order="strict").rows() == [
        (2, "cart", "x", 1, 1.0)
    ]


def test_time_to_convert_bins():
    log = timed_log(
        {
            "a": [("home", 0), ("buy", 0.5)],  # 30 s
            "b": [("home", 0), ("buy", 2)],  # 2 min
            "c": [("home", 0), ("x", 1), ("buy", 3)],  # 3 min
            "d": [("home", 0), ("buy", 90)],  # 1.5 h: outside the 1 h window
            "e": [("home", 0)],
        }
    )
    out = time_to_convert(log, ["home", "buy"], window="1h")
    assert out.columns == [
        "bin",
        "seconds_from",
        "seconds_to",
        "customers",
        "share",
        "cumulative_share",
    ]
    assert out.rows() == approx_rows(
        [
            ("< 1 min", 0, 60, 1, frac(1, 3), frac(1, 3)),
            ("1-5 min", 60, 300, 2, frac(2, 3), 1.0),
            ("5-15 min", 300, 900, 0, 0.0, 1.0),
            ("15-60 min", 900, 3600, 0, 0.0, 1.0),
            ("1-6 h", 3600, 21600, 0, 0.0, 1.0),  # the bin holding the window itself
        ]
    )
    assert time_to_convert(log, ["home", "buy"], window="200d")["seconds_to"][-1] is None


def test_time_to_convert_runs_from_the_attempt_start_in_any_order():
    log = timed_log({"a": [("buy", 0), ("home", 10)]})  # done in 10 min, buy first
    out = time_to_convert(log, ["home", "buy"], order="any", window="1h")
    assert out.filter(pl.col("customers") > 0)["bin"].to_list() == ["5-15 min"]


@pytest.mark.parametrize(
    ("period", "starts"),
    [
        ("1d", [dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 2, 1)]),
        ("1w", [dt.date(2024, 1, 1), dt.date(2024, 1, 29)]),  # Mondays
        ("1mo", [dt.date(2024, 1, 1), dt.date(2024, 2, 1)]),
    ],
)
def test_conversion_over_time_cohorts_by_attempt_start(period, starts):
    day = 24 * 60
    log = timed_log(
        {
            "a": [("home", 0), ("buy", 10)],  # 2024-01-01, converts
            "b": [("home", day), ("x", day + 1)],  # 2024-01-02 (Tuesday), does not
            "c": [("home", 31 * day), ("buy", 31 * day + 5)],  # 2024-02-01 (Thursday)
        }
    )
    out = conversion_over_time(log, ["home", "buy"], period=period)
    assert out["period_start"].to_list() == starts
    assert out["customers"].sum() == 3
    assert out["converted"].sum() == 2
    # The log ends on 2024-02-01 00:05: the period holding that moment is still filling.
    assert out["complete"].to_list() == [True] * (len(starts) - 1) + [False]
    if period == "1w":
        rows = [(starts[0], 2, 1, frac(1, 2), True), (starts[1], 1, 1, 1.0, False)]
        assert out.rows() == rows


def test_a_period_ending_exactly_at_the_last_event_is_complete():
    # The last event is at 2024-01-08 00:00, the first moment after the week of Jan 1.
    log = timed_log({"a": [("home", 0), ("buy", 7 * 24 * 60)]})
    out = conversion_over_time(log, ["home", "buy"], period="1w", window="30d")
    assert out.rows() == [(dt.date(2024, 1, 1), 1, 1, 1.0, True)]


def test_bad_period_is_refused():
    with pytest.raises(AnalysisError, match=r"period='1y' is not a cohort period"):
        conversion_over_time(make_log({"a": "home buy"}), ["home", "buy"], period="1y")


def test_funnels_agree_across_engines(on_engine):
    log = make_log(
        {
            "a": "home cart help home cart buy",
            "b": "home cart cart buy",
            "c": "cart home buy",
            "d": "home x cart",
            "e": ["café", "home"],
        },
        minutes=20,
        channel=["web", "app"] * 9,
    )
    moved = on_engine(log)
    for options in [
        {},
        {"order": "strict"},
        {"order": "any", "window": "30m"},
        {"exclude": ["help"], "window": "1h", "breakdown": "channel", "by": "session"},
    ]:
        assert funnel(moved, STEPS, **options).equals(funnel(log, STEPS, **options)), options
    assert dropped_next(moved, STEPS).equals(dropped_next(log, STEPS))
    assert time_to_convert(moved, STEPS).equals(time_to_convert(log, STEPS))
    for period in ["1w", "1mo"]:  # integer arithmetic on epoch_us, and calendar months
        assert conversion_over_time(moved, STEPS, period=period).equals(
            conversion_over_time(log, STEPS, period=period)
        )

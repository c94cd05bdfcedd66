import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib import AnalysisError, EventLog
from cxlib.predict import conversion_chance, drivers, fit, propensity
from cxlib.predict.features import (
    CUT_STEPS,
    FeatureSpec,
    cut_features,
    feature_matrix,
    prefix_matrix,
)
from cxlib.predict.propensity import feature_spec
from tests.conftest import T0, make_log

MINUTE_US = 60_000_000

# One event a minute. a: x y buy at minutes 0 1 2 | b: x z at minutes 0 1. The log ends at minute 2.
TINY = {"a": "x y buy", "b": "x z"}


def cuts(journeys, **spec_options):
    log = make_log(journeys)
    spec = feature_spec(log, goal="buy", **spec_options)
    return spec, cut_features(log, spec, cuts="training")


def test_training_cuts_are_halfway_to_the_next_event_and_before_the_goal():
    spec, rows = cuts(TINY)
    assert spec.touchpoints == ("buy", "x", "y", "z")
    # a is cut after x (now 0.5 min) and after y (now 1.5 min), never at buy;
    # b after x (now 0.5 min) and after z, its last event (now halfway to the end of the log: 1.5 min)
    assert rows.select("customer_id", "step", "touchpoint", "label").rows() == [
        ("a", 1, "x", 1),
        ("a", 2, "y", 1),
        ("b", 1, "x", 0),
        ("b", 2, "z", 0),
    ]
    assert (rows["now_us"] - rows["first_us"]).to_list() == [
        MINUTE_US // 2,
        3 * MINUTE_US // 2,
        MINUTE_US // 2,
        3 * MINUTE_US // 2,
    ]
    # running counts of buy, x, y, z
    counts = rows.select("tp_0", "tp_1", "tp_2", "tp_3").rows()
    assert counts == [(0, 1, 0, 0), (0, 1, 1, 0), (0, 1, 0, 0), (0, 1, 0, 1)]


def test_horizon_labels_late_conversions_zero_and_drops_unknown_outcomes():
    _, rows = cuts(TINY, horizon="1m")
    # a after x: buy 1.5 min after the cut > 1 min -> 0 (known: 0.5 + 1 <= 2)
    # a after y: buy 0.5 min after -> 1; b after x: known, 0; b after z: 1.5 + 1 > 2 -> unknown, left out
    assert rows.select("customer_id", "step", "label").rows() == [
        ("a", 1, 0),
        ("a", 2, 1),
        ("b", 1, 0),
    ]


def test_current_cuts_are_the_unconverted_customers_at_the_end_of_the_log():
    log = make_log(TINY)
    spec = feature_spec(log, goal="buy")
    rows = cut_features(log, spec, cuts="current")
    assert rows.select("customer_id", "step", "touchpoint").rows() == [("b", 2, "z")]
    # b's last event at minute 1, the log ends at minute 2
    assert (rows["now_us"] - rows["epoch_us"]).to_list() == [MINUTE_US]


def test_feature_matrix_columns_follow_the_names():
    log = make_log(
        {"a": "x y buy", "b": "x x z"},
        channel=["web", "app", "web", "web", "web", "store"],
        value=[1.0, 2.0, 30.0, 4.0, 5.0, None],
    )
    spec = feature_spec(log, goal="buy", stages={"x": "aware", "z": "decide", "buy": "decide"})
    rows = cut_features(log, spec, cuts="training")
    matrix = feature_matrix(rows, spec)
    assert matrix.shape == (rows.height, len(spec.names))
    b_last = dict(zip(spec.names, matrix[-1], strict=True))  # b after x x z, halfway to the end
    assert b_last == {
        "count: buy": 0,
        "count: x": 2,
        "count: y": 0,
        "count: z": 1,
        "events": 3,
        "distinct touchpoints": 2,
        "stage reached: aware": 1,
        "stage reached: decide": 1,
        "channel: app": 0,
        "channel: store": 1,
        "channel: web": 2,
        "hours since first event": pytest.approx(2 / 60),  # cut at minute 2 (end of log)
        "hours since last event": pytest.approx(0.0),  # the log ends with b's z
        "value so far": 9.0,  # 4 + 5 + missing
        "last: buy": 0,
        "last: x": 0,
        "last: y": 0,
        "last: z": 1,
    }


def test_prefix_matrix_leaves_times_channels_and_value_unknown():
    log = make_log({"a": "x y buy", "b": "x z"}, channel=["web"] * 5, value=[1.0] * 5)
    spec = feature_spec(log, goal="buy")
    row = dict(zip(spec.names, prefix_matrix(["x", "x", "elsewhere"], spec)[0], strict=True))
    assert row["count: x"] == 2
    assert row["events"] == 3
    assert row["distinct touchpoints"] == 1  # an unseen touchpoint has no column
    assert row["last: x"] == 0  # the last one, elsewhere, is unknown
    unknown = [row[k] for k in ("channel: web", "hours since last event", "value so far")]
    assert np.isnan(unknown).all()


def test_cuts_agree_on_every_engine(on_engine):
    log = make_log(TINY, channel=["web", "app", "web", "store", "web"])
    spec = feature_spec(log, goal="buy", horizon="2m")
    expected = cut_features(log, spec, cuts="training")
    assert cut_features(on_engine(log), spec, cuts="training").equals(expected)
    current = cut_features(log, spec, cuts="current")
    assert cut_features(on_engine(log), spec, cuts="current").equals(current)


def test_cuts_without_distinct_event_indexes_count_the_same():
    # A source's own event_index may repeat: channel and value cannot be matched to the
    # sorted journeys by it, and the cuts are counted per customer instead (same rows).
    log = make_log(TINY, channel=["web", "app", "web", "store", "web"], value=[1.0] * 5)
    spec = feature_spec(log, goal="buy")
    repeated = EventLog.from_frame(log.to_polars().with_columns(event_index=pl.lit(0)))
    for kind in ("training", "current"):
        expected = cut_features(log, spec, cuts=kind)
        assert cut_features(repeated, spec, cuts=kind).equals(expected)
    # a after x y: counts of buy, x, y, z and channels app, store, web
    rows = cut_features(repeated, spec, cuts="training").row(1, named=True)
    assert [rows[f"tp_{i}"] for i in range(4)] == [0, 1, 1, 0]
    assert [rows[f"ch_{i}"] for i in range(3)] == [1, 0, 1]
    assert rows["value_so_far"] == 2.0


# Customers who see the cart buy; those who only browse do not.
SIGNAL = (
    {f"buyer{i}": "ad cart buy" for i in range(30)}
    | {f"browser{i}": "ad browse" for i in range(30)}
    | {"open_cart": "ad cart", "open_browse": "ad browse browse"}
)


@pytest.fixture(scope="module")
def model():
    return fit(make_log(SIGNAL), goal="buy", order=2, min_support=1)


def test_propensity_ranks_in_flight_customers(model):
    out = propensity(model, make_log(SIGNAL))
    assert out.columns == [
        "customer_id",
        "propensity",
        "last_touchpoint",
        "events",
        "hours_since_last_event",
    ]
    assert out.schema["propensity"] == pl.Float64
    # only customers without a purchase; the one at the cart first
    assert out["customer_id"][0] == "open_cart"
    assert set(out["customer_id"]) == {"open_cart", "open_browse"} | {
        f"browser{i}" for i in range(30)
    }
    assert out["propensity"].is_sorted(descending=True)
    assert out.filter(pl.col("customer_id") == "open_browse")["events"].to_list() == [3]


def test_drivers_point_at_the_cart(model):
    table = drivers(model)
    assert table.columns == ["feature", "coefficient", "odds_ratio", "importance"]
    coefficient = dict(table.select("feature", "coefficient").iter_rows())
    assert coefficient["count: cart"] > 0
    assert coefficient["count: browse"] < 0
    assert table["importance"].is_sorted(descending=True)


def test_conversion_chance_of_a_typed_prefix(model):
    assert (
        conversion_chance(model, ["ad", "cart"]) > 0.5 > conversion_chance(model, ["ad", "browse"])
    )


def test_goal_missing_from_the_log_is_refused():
    with pytest.raises(AnalysisError, match=r"the goal 'sale' never occurs in the log"):
        fit(make_log(TINY), goal="sale")


def test_every_prefix_converting_is_refused():
    with pytest.raises(AnalysisError, match=r"all of the 2 journey prefixes before 'buy' convert"):
        fit(make_log({"a": "x buy", "b": "y buy"}), goal="buy")


def test_no_prefix_converting_is_refused():
    # c buys at its first event: no prefix before the goal, so no positive example
    with pytest.raises(AnalysisError, match=r"none of the 2 journey prefixes before 'buy' convert"):
        fit(make_log({"a": "x", "b": "y", "c": "buy"}), goal="buy")


@pytest.mark.parametrize("horizon", ["soon", "30", "-1d"])
def test_bad_horizon_is_refused(horizon):
    with pytest.raises(AnalysisError, match=r"write a number and a unit"):
        fit(make_log(TINY), goal="buy", horizon=horizon)


def reference_cuts(rows, horizon_us):
    """Training cuts by plain loops over each customer's events (time, then source order)."""
    end = max(t for _, t, _, _, _ in rows)
    by_customer: dict[str, list] = {}
    for index, (customer, t, tp, channel, value) in enumerate(rows):
        by_customer.setdefault(customer, []).append((t, index, tp, channel, value))
    out = []
    for customer, events in sorted(by_customer.items()):
        events.sort()
        goal_at = next((i for i, e in enumerate(events) if e[2] == "buy"), None)
        for step in CUT_STEPS:
            if step > len(events) or (goal_at is not None and step > goal_at):
                continue
            t = events[step - 1][0]
            following = events[step][0] if step < len(events) else end
            now = t + (following - t) // 2
            reached = goal_at is not None
            label = reached
            if horizon_us is not None:
                label = reached and events[goal_at][0] - now <= horizon_us
                if not label and now + horizon_us > end:
                    continue
            prefix = events[:step]
            out.append(
                (
                    customer,
                    step,
                    events[step - 1][2],
                    now - events[0][0],
                    int(label),
                    sum(v for *_, v in prefix if v is not None),
                    tuple(sum(e[2] == x for e in prefix) for x in ("a", "b", "buy")),
                    tuple(sum(e[3] == c for e in prefix) for c in ("app", "web")),
                )
            )
    return out


@settings(max_examples=100, deadline=None)
@given(
    events=st.lists(
        st.tuples(
            st.sampled_from(["c1", "c2", "c3"]),
            st.integers(0, 6),  # minute: equal times happen
            st.sampled_from(["a", "b", "buy"]),
            st.sampled_from(["app", "web"]),
            st.one_of(st.none(), st.integers(0, 5).map(float)),
        ),
        min_size=1,
        max_size=25,
    ),
    horizon=st.sampled_from([None, "2m"]),
)
def test_cuts_match_brute_force(events, horizon):
    rows = [(c, m * MINUTE_US, tp, ch, v) for c, m, tp, ch, v in events]
    frame = pl.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "timestamp": [T0 + dt.timedelta(microseconds=r[1]) for r in rows],
            "touchpoint": [r[2] for r in rows],
            "channel": [r[3] for r in rows],
            "value": pl.Series([r[4] for r in rows], dtype=pl.Float64),
        }
    )
    log = EventLog.from_frame(frame)
    spec = FeatureSpec(
        goal="buy",
        touchpoints=("a", "b", "buy"),
        channels=("app", "web"),
        has_value=True,
        horizon_us=None if horizon is None else 2 * MINUTE_US,
    )
    got = cut_features(log, spec, cuts="training")
    actual = [
        (
            r["customer_id"],
            r["step"],
            r["touchpoint"],
            r["now_us"] - r["first_us"],
            r["label"],
            r["value_so_far"],
            (r["tp_0"], r["tp_1"], r["tp_2"]),
            (r["ch_0"], r["ch_1"]),
        )
        for r in got.iter_rows(named=True)
    ]
    assert actual == reference_cuts(rows, spec.horizon_us)

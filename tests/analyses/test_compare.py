"""Segment comparison: membership, funnel tests per step, graph diff."""

import datetime as dt
import math
from statistics import NormalDist

import narwhals as nw
import polars as pl
import pytest

from cxlib import ENTRY, EXIT, AnalysisError, EventLog, filter_channels
from cxlib.analyses.compare import compare_segments, segment_log, two_proportion_z_test
from tests.conftest import make_log

# web customers a b c; app customers d e f
JOURNEYS = {
    "a": "home cart buy",
    "b": "home cart",
    "c": "home",
    "d": "home cart buy",
    "e": "home cart buy",
    "f": "home",
}
CHANNELS = ["web"] * 6 + ["app"] * 7


def log_():
    return make_log(JOURNEYS, channel=CHANNELS)


def test_two_proportion_z_test_textbook_case():
    # pooled 45/200 = 0.225; se = sqrt(0.225 * 0.775 * (1/100 + 1/100)); z = 0.15 / se
    z, p = two_proportion_z_test(30, 100, 15, 100)
    se = math.sqrt(0.225 * 0.775 * 0.02)
    assert z == pytest.approx(0.15 / se)
    assert p == pytest.approx(2 * (1 - NormalDist().cdf(0.15 / se)))


@pytest.mark.parametrize(
    ("counts", "expected"),
    [((0, 0, 3, 5), (0.0, 1.0)), ((5, 5, 3, 3), (0.0, 1.0)), ((0, 4, 0, 9), (0.0, 1.0))],
    ids=["empty group", "all succeed", "none succeed"],
)
def test_two_proportion_z_test_without_variation(counts, expected):
    assert two_proportion_z_test(*counts) == expected


def test_web_against_the_rest():
    out = compare_segments(log_(), ("channel", "web"), steps=["home", "cart", "buy"])
    assert (out.customers_a, out.customers_b) == (3, 3)
    rows = out.funnel.rows(named=True)
    # A: 3 -> 2 -> 1; B: 3 -> 2 -> 2
    assert [r["customers_a"] for r in rows] == [3, 2, 1]
    assert [r["customers_b"] for r in rows] == [3, 2, 2]
    assert [r["step_rate_a"] for r in rows] == pytest.approx([1, 2 / 3, 1 / 2])
    assert [r["step_rate_b"] for r in rows] == pytest.approx([1, 2 / 3, 1])
    assert [r["conversion_a"] for r in rows] == pytest.approx([1, 2 / 3, 1 / 3])
    # step 3: 1/2 vs 2/2, pooled 3/4, se = sqrt(3/4 * 1/4 * (1/2 + 1/2)) = sqrt(3)/4, z = -2/sqrt(3)
    z = -2 / math.sqrt(3)
    assert rows[2]["z"] == pytest.approx(z)
    assert rows[2]["p_value"] == pytest.approx(2 * NormalDist().cdf(z))
    assert rows[2]["difference"] == pytest.approx(-1 / 2)
    assert (rows[0]["p_value"], rows[1]["p_value"]) == (1.0, 1.0)  # no difference


def test_a_later_attempt_within_the_window_counts():
    # a (web): x 9:00 times out (y 3.5 h later), x 12:00 -> y 12:30 makes it within 1 h;
    # b (app): x 9:00 -> y 11:00, 2 h: step 1 only.
    at = [dt.datetime(2024, 1, 1, h, m) for h, m in ((9, 0), (12, 0), (12, 30), (9, 0), (11, 0))]
    log = EventLog.from_frame(
        pl.DataFrame(
            {
                "customer_id": list("aaabb"),
                "timestamp": at,
                "touchpoint": ["x", "x", "y", "x", "y"],
                "channel": ["web"] * 3 + ["app"] * 2,
            }
        )
    )
    out = compare_segments(log, ("channel", "web"), steps=["x", "y"], window="1h")
    assert out.funnel.select("customers_a", "customers_b").rows() == [(1, 1), (1, 0)]


def test_graph_diff_largest_change_first():
    edges = compare_segments(log_(), ("channel", "web"), steps=["home"]).edges
    top = edges.head(2).rows(named=True)
    # cart: A goes to buy 1/2 and exit 1/2; B to buy always (cart -> exit absent: share 0)
    assert [(r["source"], r["target"]) for r in top] == [("cart", EXIT), ("cart", "buy")]
    assert [r["share_change"] for r in top] == pytest.approx([1 / 2, -1 / 2])
    assert (top[0]["transitions_a"], top[0]["transitions_b"], top[0]["share_b"]) == (1, 0, 0.0)
    assert edges.filter(edges["source"] == "home")["share_change"].to_list() == [0.0, 0.0]


def test_edges_of_a_source_absent_from_a_segment_have_no_share():
    log = make_log({"a": "x y", "b": "x z"}, channel=["web", "web", "app", "app"])
    edges = compare_segments(log, ("channel", "web"), steps=["x"]).edges
    z_row = edges.filter(edges["source"] == "z").row(0, named=True)
    assert (z_row["share_a"], z_row["share_b"], z_row["share_change"]) == (None, 1.0, None)
    assert edges["source"].to_list()[-1] == "z"  # unknown changes last


def test_expression_and_function_segments():
    converted = nw.col("touchpoint") == "buy"
    out = compare_segments(log_(), converted, steps=["home", "cart"])
    assert (out.customers_a, out.customers_b) == (3, 3)  # a d e against b c f
    assert out.funnel["customers_b"].to_list() == [3, 1]
    out = compare_segments(
        log_(),
        lambda log: filter_channels(log, "app"),
        ("channel", ["web"]),
        steps=["home", "cart"],
    )
    assert out.funnel["customers_a"].to_list() == [3, 2]
    assert out.customers_b == 3


def test_segment_members_on_every_engine(on_engine):
    log = on_engine(log_())
    members = segment_log(log, nw.col("touchpoint") == "buy").to_polars()["customer_id"]
    rest = segment_log(log, nw.col("touchpoint") == "buy", rest=True).to_polars()["customer_id"]
    assert sorted(set(members)) == ["a", "d", "e"]
    assert sorted(set(rest)) == ["b", "c", "f"]
    assert len(members) + len(rest) == 13  # all events of each customer kept


def test_empty_segment_gives_zero_counts():
    out = compare_segments(log_(), ("channel", "store"), steps=["home", "cart"])
    assert out.customers_a == 0
    assert out.funnel["customers_a"].to_list() == [0, 0]
    assert out.funnel["p_value"].to_list() == [1.0, 1.0]


def test_unknown_segment_column_is_refused():
    with pytest.raises(
        AnalysisError,
        match=r"the log has no column 'chanel' for the segment; did you mean 'channel'",
    ):
        compare_segments(log_(), ("chanel", "web"), steps=["home"])


def test_bad_segment_is_refused():
    with pytest.raises(
        AnalysisError, match=r"segment 5 is not a segment; give a \(column, value\) pair"
    ):
        compare_segments(log_(), 5, steps=["home"])


def test_step_found_in_one_segment_only():
    # B (the rest) never buys: the funnel still has the step, with 0 customers there
    out = compare_segments(log_(), nw.col("touchpoint") == "buy", steps=["home", "buy"])
    assert out.funnel["customers_a"].to_list() == [3, 3]
    assert out.funnel["customers_b"].to_list() == [3, 0]


def test_overlapping_segments_count_shared_customers_in_both():
    out = compare_segments(log_(), ("channel", "web"), ("touchpoint", "buy"), steps=["home"])
    assert (out.customers_a, out.customers_b) == (3, 3)  # a is in both
    assert out.funnel["customers_a"].to_list() == [3]
    assert out.funnel["customers_b"].to_list() == [3]


def test_unknown_step_is_refused():
    with pytest.raises(AnalysisError, match=r"'checkout'"):
        compare_segments(log_(), ("channel", "web"), steps=["home", "checkout"])


def test_comparison_on_every_engine(on_engine):
    out = compare_segments(on_engine(log_()), ("channel", "web"), steps=["home", "cart", "buy"])
    assert out.funnel["customers_a"].to_list() == [3, 2, 1]
    assert out.funnel["customers_b"].to_list() == [3, 2, 2]
    assert out.edges.head(2)["share_change"].to_list() == pytest.approx([1 / 2, -1 / 2])
    assert out.paths_b.rows() == [("home → cart → buy", 2, 2 / 3), ("home", 1, 1 / 3)]


def test_top_paths_of_each_segment():
    out = compare_segments(log_(), ("channel", "web"), steps=["home"])
    # web: a, b, c, one path each (1/3 of 3 customers), ties by path.
    assert out.paths_a.rows() == [
        ("home", 1, 1 / 3),
        ("home → cart", 1, 1 / 3),
        ("home → cart → buy", 1, 1 / 3),
    ]
    # the rest: d and e buy (2/3), f only looks (1/3).
    assert out.paths_b.rows() == [("home → cart → buy", 2, 2 / 3), ("home", 1, 1 / 3)]
    fewer = compare_segments(log_(), ("channel", "web"), steps=["home"], paths=1)
    assert (fewer.paths_a.height, fewer.paths_b.height) == (1, 1)
    assert fewer.paths_b["path"].to_list() == ["home → cart → buy"]


def test_top_paths_of_an_empty_segment():
    out = compare_segments(log_(), ("channel", "store"), steps=["home"])
    assert out.paths_a.height == 0
    assert out.paths_a.columns == ["path", "customers", "share"]
    assert out.paths_b["customers"].sum() == 6


@pytest.mark.parametrize("paths", [0, -3, 2.5, True, None])
def test_bad_number_of_paths_is_refused(paths):
    with pytest.raises(
        AnalysisError, match=rf"paths={paths!r} must be a whole number of at least 1"
    ):
        compare_segments(log_(), ("channel", "web"), steps=["home"], paths=paths)


@pytest.mark.parametrize("name", [ENTRY, EXIT])
def test_touchpoints_named_like_entry_or_exit_are_refused(name):
    log = make_log({"a": ["x", name, "y"], "b": ["x"]})
    with pytest.raises(AnalysisError, match=r"touchpoint named .*, which cxlib reserves"):
        compare_segments(log, ("customer_id", "a"), steps=["x", "y"])

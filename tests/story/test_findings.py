"""cxlib.findings on logs built to contain each finding, and to lack it.

Each log is a few groups of identical customers (``_log``): enough of them (30 and more)
for a finding to be told, with numbers computed by hand in the comments.
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cxlib
from cxlib import EventLog
from cxlib.analyses.compare import two_proportion_z_test
from cxlib.analyses.dropoffs import wilson_interval
from cxlib.story import paths
from cxlib.story.model import ESTIMATE_SCHEMA
from ui.pages import PAGES

T0 = dt.datetime(2024, 1, 1)


def _log(*groups_of: tuple[int, str, dict]) -> EventLog:
    """``(n, "a b c", columns)``: n customers walking a → b → c, one event a minute.

    ``columns`` gives per-event lists (``channel``, ``value``, ``rating``: one entry per
    touchpoint) or per-customer scalars (attributes such as ``tier``).
    """
    rows, number = [], 0
    for n, path, columns in groups_of:
        steps = path.split()
        for _ in range(n):
            for i, touchpoint in enumerate(steps):
                row = {"customer_id": f"c{number:04d}", "timestamp": T0 + dt.timedelta(minutes=i)}
                row["touchpoint"] = touchpoint
                for name, value in columns.items():
                    row[name] = value[i] if isinstance(value, list) else value
                rows.append(row)
            number += 1
    return EventLog.from_frame(pl.DataFrame(rows))


def _kinds(story):
    return [f.kind for f in story.findings]


def _one(story, kind):
    (found,) = [f for f in story.findings if f.kind == kind]
    return found


# --- drop-off -------------------------------------------------------------------------


def test_the_largest_dropoff_with_its_wilson_interval():
    # 40 reach cart; 10 buy, 30 leave there: 30/40. home: 40 reach, nobody leaves there.
    log = _log((10, "home cart buy", {}), (30, "home cart", {}))
    found = _one(cxlib.findings(log, goal="buy"), "dropoff")
    assert found.number == 30 / 40
    assert found.interval == wilson_interval(30, 40)
    assert found.impact == 30
    assert (found.page, found.query) == ("dropoffs", (("dropoffs_after", "cart"),))
    # Wilson interval of 30/40: 0.599 to 0.857.
    assert found.sentence == (
        "The largest drop-off is at cart: 30 of the 40 customers who reached it (75%, "
        "95% interval 60–86%) left there without reaching buy."
    )
    assert found.chart.schema == pl.Schema(ESTIMATE_SCHEMA)
    assert found.chart.filter("highlight")["label"].to_list() == ["cart"]


def test_no_dropoff_when_everyone_converts():
    story = cxlib.findings(_log((40, "home cart buy", {})), goal="buy")
    assert "dropoff" not in _kinds(story)
    assert "No touchpoint reached by 30 customers or more ends journeys." in story.left_out


def test_an_end_marker_counts_where_the_journey_was_before_it():
    # Every journey reaching "lost" ends there: the 35 who leave were at "form" before.
    log = _log((40, "start form passed", {}), (35, "start form lost", {}))
    found = _one(cxlib.findings(log, goal="passed"), "dropoff")
    assert (found.number, found.impact) == (35 / 75, 35)
    assert found.query == (("dropoffs_after", "form"),)
    assert "journeys that end with lost counted where they were before" in found.sentence


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["a", "b", "c", "goal"]), min_size=1, max_size=5),
        min_size=1,
        max_size=12,
    )
)
def test_dropoff_counts_match_a_brute_force_reference(journeys):
    log = _log(*[(1, " ".join(j), {}) for j in journeys])
    if not any("goal" in j for j in journeys):
        return  # no conversion: findings would not know the goal
    found = paths.dropoff(log, goal="goal", min_customers=1)
    # Brute force: the events before the first goal; customers who never convert leave
    # at their last event.
    reached, left = {}, {}
    for j in journeys:
        before = j[: j.index("goal")] if "goal" in j else j
        for touchpoint in set(before):
            reached[touchpoint] = reached.get(touchpoint, 0) + 1
        if "goal" not in j:
            left[j[-1]] = left.get(j[-1], 0) + 1
    markers = {t for t, n in left.items() if n == reached[t]}
    if markers or not left:
        return  # end markers are recounted without them: covered by the test above
    top = min(left, key=lambda t: (-left[t], t))
    assert found.query == (("dropoffs_after", top),)
    assert (found.impact, found.number) == (left[top], left[top] / reached[top])


# --- removal effect ---------------------------------------------------------------------


def _removal_log():
    # Ten groups of customers (ids in blocks of ten: every random group gets one of each).
    blocks = [(4, "home ad cart buy", {}), (3, "home mail cart buy", {}), (3, "home ad", {})]
    return _log(*[(n * 10, path, c) for n, path, c in blocks])


def test_removal_effect_of_the_touchpoint_conversions_depend_on_most():
    log = _removal_log()
    found = _one(cxlib.findings(log, goal="buy"), "removal")
    effects = dict(cxlib.removal_effects(log, goal="buy").iter_rows())
    # home and cart: met by every converting customer, steps of the process, left aside.
    assert effects["home"] == effects["cart"] == 1.0
    assert found.query == (("graph_focus", "ad"),)
    assert found.number == effects["ad"]
    # Every random group holds the same journeys: the effects agree, the interval is tight.
    assert found.interval == pytest.approx((effects["ad"], effects["ad"]))
    assert found.impact == pytest.approx(effects["ad"] * 70)
    # The chart's counts are the converters who met each touchpoint (40 of the 70 met ad,
    # 30 mail), named so: not the conversions lost the sentence counts.
    assert dict(found.chart.select("label", "customers").iter_rows()) == {"ad": 40, "mail": 30}
    assert found.counted == "converters met it"


def test_no_removal_finding_with_few_conversions():
    story = cxlib.findings(_log((10, "ad buy", {}), (40, "ad home", {})), goal="buy")
    assert "removal" not in _kinds(story)
    assert any(n.startswith("Only 10 customers reached buy") for n in story.left_out)


# --- moment of truth --------------------------------------------------------------------


def test_moment_of_truth_is_important_and_badly_rated():
    rated = lambda *r: {"rating": list(r)}  # noqa: E731
    log = _log(
        (40, "call cart buy", rated(1.0, None, None)),
        (40, "call cart buy", rated(3.0, None, None)),
        (20, "call", rated(1.0)),
        (10, "faq cart buy", rated(4.0, None, None)),
        (30, "store buy", rated(5.0, None)),
        (60, "faq cart", rated(4.0, None)),
    )
    table = cxlib.touchpoint_importance(log, goal="buy")
    truth = table.filter("moment_of_truth").row(0, named=True)
    found = _one(cxlib.findings(log, goal="buy"), "moment_of_truth")
    assert truth["touchpoint"] == "call"
    # Ratings of call: 40 ones, 40 threes, 20 ones: 180 / 100.
    # (two separate computations of a mean: equal up to the order of the float additions)
    assert found.number == pytest.approx(truth["performance"]) == pytest.approx(1.8)
    assert found.interval == pytest.approx((truth["performance_low"], truth["performance_high"]))
    assert found.impact == 100 - 80  # customers who met call and never bought
    assert truth["importance"] > table.filter(pl.col("touchpoint") == "faq")["importance"][0]
    assert found.baseline == 4.0  # median of call 1.8, faq 4.0, store 5.0
    assert not found.is_share
    assert found.sentence.startswith("call is a moment of truth: without it")


def test_no_moment_of_truth_without_ratings():
    story = cxlib.findings(_removal_log(), goal="buy")
    assert "moment_of_truth" not in _kinds(story)
    assert story.left_out[0].startswith("This log has no satisfaction ratings")


# --- channel hand-off -------------------------------------------------------------------


def test_the_handoff_that_loses_customers():
    # web -> call_centre: 60 customers, 50 end their journey at the call (10 go on to buy).
    # web -> app: 50 customers, none ends right after. Over every hand-off: 50 of 110.
    log = _log(
        (10, "home call buy", {"channel": ["web", "call_centre", "call_centre"]}),
        (50, "home call", {"channel": ["web", "call_centre"]}),
        (50, "home cart buy", {"channel": ["web", "app", "app"]}),
    )
    found = _one(cxlib.findings(log, goal="buy"), "handoff")
    assert found.number == 50 / 60
    assert found.interval == wilson_interval(50, 60)
    assert found.baseline == 50 / 110
    assert found.impact == pytest.approx(60 * (50 / 60 - 50 / 110))
    assert found.sentence.startswith(
        "Customers handed from web to call_centre are lost there: 50 of the 60 who were"
    )
    assert found.chart["label"].to_list() == ["web → call_centre", "web → app"]


def test_no_handoff_when_hand_offs_lose_alike():
    log = _log(
        (40, "home call", {"channel": ["web", "call_centre"]}),
        (40, "home call buy", {"channel": ["web", "call_centre", "call_centre"]}),
        (40, "home cart", {"channel": ["web", "app"]}),
        (40, "home cart buy", {"channel": ["web", "app", "app"]}),
    )
    story = cxlib.findings(log, goal="buy")
    assert "handoff" not in _kinds(story)
    assert (
        "No channel hand-off loses clearly more customers than the hand-offs as a whole."
        in story.left_out
    )


@pytest.mark.parametrize(
    ("channel", "note"),
    [
        (None, "This log has no channel column: channel hand-offs cannot be told."),
        ("web", "No journey changes channel: there are no channel hand-offs to tell."),
    ],
)
def test_no_handoff_without_channels_to_change(channel, note):
    columns = {} if channel is None else {"channel": channel}
    story = cxlib.findings(_log((40, "home buy", columns), (40, "home", columns)), goal="buy")
    assert "handoff" not in _kinds(story)
    assert note in story.left_out


# --- opening ----------------------------------------------------------------------------


def test_the_opening_that_converts_best_against_the_most_common():
    # ad: 60 customers, 6 buy (10%); search: 40 customers, 30 buy (75%).
    log = _log(
        (6, "ad home buy", {}), (54, "ad home", {}), (30, "search home buy", {}), (10, "search", {})
    )
    found = _one(cxlib.findings(log, goal="buy"), "opening")
    assert (found.number, found.interval) == (30 / 40, wilson_interval(30, 40))
    assert found.impact == pytest.approx(60 * (30 / 40 - 6 / 60))
    assert found.baseline == 36 / 100
    assert (found.page, found.query) == ("paths", (("paths_from", "search"),))


def test_no_opening_when_starts_convert_alike():
    log = _log(
        (20, "ad home buy", {}), (20, "ad home", {}), (20, "search buy", {}), (20, "search", {})
    )
    story = cxlib.findings(log, goal="buy")
    assert "opening" not in _kinds(story)
    assert any(n.startswith("No way into the journeys converts clearly") for n in story.left_out)


# --- most valuable customers ------------------------------------------------------------


def test_what_the_most_valuable_customers_do_differently():
    # 150 buyers: the 30 who spend 500 all joined the club; of the 120 who spend 50, 12 did.
    log = _log(
        (30, "club buy", {"value": [None, 500.0]}),
        (12, "club buy", {"value": [None, 50.0]}),
        (108, "home buy", {"value": [None, 50.0]}),
    )
    found = _one(cxlib.findings(log, goal="buy"), "valuable_customers")
    assert found.number == 1.0
    assert found.interval == wilson_interval(30, 30)
    assert found.impact == pytest.approx(120 * (1.0 - 12 / 120))
    # 30 * 500 of 30 * 500 + 120 * 50 = 15000 / 21000
    assert "30 customers bringing 71% of it) meet club far more: 100% of them" in found.sentence
    assert "against 10% of the other buyers" in found.sentence


def test_customers_of_equal_value_are_ranked_by_id_whatever_order_their_values_add_up_in():
    # 150 buyers, the top 20% are 30: the 29 who spend 500, then one of two who spent 0.3
    # each. c0029 (in the club) paid it at once, c0030 (not) as 0.1 + 0.2, which adds up
    # to 0.30000000000000004: equal values, so the first id is in the top, and all 30 of
    # the top are in the club.
    log = _log(
        (29, "club buy", {"value": [None, 500.0]}),
        (1, "club buy", {"value": [None, 0.3]}),
        (1, "home gift buy", {"value": [None, 0.1, 0.2]}),
        (119, "home buy", {"value": [None, 0.05]}),
    )
    found = _one(cxlib.findings(log, goal="buy"), "valuable_customers")
    assert found.number == 1.0
    assert "meet club far more: 100% of them" in found.sentence


def test_too_few_buyers_to_tell_the_most_valuable():
    log = _log(
        (20, "club buy", {"value": [None, 500.0]}), (80, "home buy", {"value": [None, 50.0]})
    )
    story = cxlib.findings(log, goal="buy")
    assert "valuable_customers" not in _kinds(story)
    assert (
        "Only 100 customers brought value: the most valuable 20% of them are too few (20) "
        "to compare (at least 30 are needed)."
    ) in story.left_out


def test_no_valuable_customers_without_values():
    story = cxlib.findings(_removal_log(), goal="buy")
    assert "This log has no value column: the most valuable customers cannot be told." in (
        story.left_out
    )


# --- segment ----------------------------------------------------------------------------


def test_the_segment_that_converts_differently():
    # premium: 30 of 40 buy; basic: 16 of 80 buy.
    log = _log(
        (30, "home buy", {"tier": "premium"}),
        (10, "home", {"tier": "premium"}),
        (16, "home buy", {"tier": "basic"}),
        (64, "home", {"tier": "basic"}),
    )
    found = _one(cxlib.findings(log, goal="buy"), "segment")
    assert (found.number, found.interval) == (16 / 80, wilson_interval(16, 80))
    # Two values, one test each: both as clear; premium weighs 40 * |75% - 20%| = 22,
    # basic 80 * |20% - 75%| = 44.
    assert found.sentence.startswith("Customers whose tier is basic reach buy less often")
    assert found.impact == pytest.approx(80 * (30 / 40 - 16 / 80))
    z, p = two_proportion_z_test(16, 80, 30, 40)
    assert z < 0
    assert p < 0.05 / 2
    assert found.query == (
        ("funnel_steps", "home"),
        ("funnel_steps", "buy"),
        ("funnel_breakdown", "tier"),
    )


def test_no_segment_when_segments_convert_alike():
    log = _log(
        (20, "home buy", {"tier": "premium"}),
        (20, "home", {"tier": "premium"}),
        (20, "home buy", {"tier": "basic"}),
        (20, "home", {"tier": "basic"}),
    )
    story = cxlib.findings(log, goal="buy")
    assert "segment" not in _kinds(story)
    assert "No customer segment converts clearly differently from the other customers." in (
        story.left_out
    )


# --- the story as a whole ---------------------------------------------------------------


def test_findings_are_ranked_by_impact_and_capped():
    log = _log(
        (6, "ad home buy", {"tier": "a"}), (54, "ad home", {"tier": "a"}),
        (30, "search home buy", {"tier": "b"}), (10, "search", {"tier": "b"}),
    )  # fmt: skip
    story = cxlib.findings(log, goal="buy")
    impacts = [f.impact for f in story.findings]
    assert len(impacts) >= 3
    assert impacts == sorted(impacts, reverse=True)
    capped = cxlib.findings(log, goal="buy", max_findings=2).findings
    assert [f.sentence for f in capped] == [f.sentence for f in story.findings[:2]]
    assert (story.customers, story.converted) == (100, 36)


def test_without_a_goal_only_the_dropoff_is_told():
    story = cxlib.findings(_log((10, "home cart", {}), (30, "home", {})), goal=None)
    assert _kinds(story) == ["dropoff"]
    assert story.findings[0].sentence.endswith("left there.")
    assert story.converted is None
    assert "No conversion goal is set" in story.left_out[-1]


def test_an_unknown_goal_names_the_closest_touchpoint():
    with pytest.raises(cxlib.AnalysisError, match="did you mean 'buy'"):
        cxlib.findings(_log((40, "home buy", {})), goal="bye")


def test_the_same_story_on_duckdb(on_engine):
    log = _log(
        (10, "home call buy", {"channel": ["web", "call_centre", "call_centre"]}),
        (50, "home call", {"channel": ["web", "call_centre"]}),
        (50, "home cart buy", {"channel": ["web"] * 3}),
        (10, "home cart", {"channel": ["web"] * 2}),
    )
    here = cxlib.findings(log, goal="buy")
    there = cxlib.findings(on_engine(log), goal="buy")
    assert [f.sentence for f in there.findings] == [f.sentence for f in here.findings]
    assert there.left_out == here.left_out


@pytest.mark.parametrize("scenario", cxlib.sample.SCENARIOS)
def test_every_bundled_sample_tells_a_story(scenario):
    story = cxlib.findings(
        cxlib.load(cxlib.sample.path(scenario)), goal=cxlib.sample.GOALS[scenario]
    )
    assert 5 <= len(story.findings) <= 8
    urls = {url for _, _, url in PAGES}
    for found in story.findings:
        assert found.page in urls
        low, high = found.interval
        assert low <= found.number <= high
        assert found.chart.filter("highlight").height >= 1
        assert not math.isnan(found.impact)
        assert found.impact > 0
    assert len(story.findings) + len(story.left_out) == 7


REAL = {
    "permit_receipt.csv": "T10 Determine necessity to stop indication",
    "helpdesk.xes.gz": "Closed",
    "app_onboarding.csv": "passed",
    "running_example.csv": "pay compensation",
    "road_traffic_fines_100.xes": "Payment",
}


@pytest.mark.parametrize("name", list(REAL))
def test_findings_on_the_real_logs_never_invent(shared_data, name):
    log = cxlib.load(shared_data / name)
    story = cxlib.findings(log, goal=REAL[name])
    kinds = _kinds(story)
    # None of these logs has ratings or 150 customers with a value: always left out.
    assert "moment_of_truth" not in kinds
    assert "valuable_customers" not in kinds
    assert len(story.findings) + len(story.left_out) == 7
    if name == "running_example.csv":  # six cases: nothing can be told
        assert kinds == []
    if name == "helpdesk.xes.gz":
        # Resolve ticket comes before every closing: a step of the process, left aside.
        assert _one(story, "removal").query == (("graph_focus", "Take in charge ticket"),)
    if name == "road_traffic_fines_100.xes":
        # Sent for credit collection ends every journey it is in: an end marker.
        dropoff = _one(story, "dropoff")
        assert (dropoff.query, dropoff.impact) == ((("dropoffs_after", "Add penalty"),), 36)
    if name == "app_onboarding.csv":
        assert _one(story, "dropoff").query == (("dropoffs_after", "onboarding_welcome_screen"),)

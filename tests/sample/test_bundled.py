"""The bundled samples carry a workshop: journeys that look real, and a picture on every page.

Each bundled CSV is loaded as the app loads it (``cxlib.load`` with no arguments). The
five figures are issue 17's: the median customer has at least 4 events over at least a
day, at most a quarter of customers have one event, at least 3 channels, at least 30 %
of customers on two or more. Then what each analysis page shows is what the scenario
is built to show (:data:`cxlib.sample.DESIGNS`): its moment of truth tops
``touchpoint_importance``, its leaky channel hand-off loses the most customers, and its
segment's best and worst values convert clearly differently.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

import cxlib
from cxlib import EventLog, sample
from cxlib.analyses.overview import summary
from cxlib.journeys import journey_steps


@pytest.fixture(scope="module", params=sample.SCENARIOS)
def scenario(request):
    return request.param


@pytest.fixture(scope="module")
def bundled(scenario):
    return cxlib.load(sample.path(scenario))


@pytest.fixture(scope="module")
def customers(bundled):
    """One row per customer: events, span (first to last event), channels, converted."""
    return (
        bundled.to_polars()
        .group_by("customer_id")
        .agg(
            events=pl.len(),
            span=pl.col("timestamp").max() - pl.col("timestamp").min(),
            channels=pl.col("channel").n_unique(),
        )
    )


# --- the five figures -----------------------------------------------------------------------


def test_the_median_customer_has_at_least_four_events(bundled, customers, scenario):
    median = customers["events"].median()
    assert median >= 4
    # the Overview page shows the same figure
    assert summary(bundled, goal=sample.GOALS[scenario]).median_events == median


def test_the_median_journey_spans_at_least_a_day(bundled, customers):
    median = customers["span"].median()
    assert median >= dt.timedelta(days=1)
    assert summary(bundled).median_seconds == median.total_seconds()


def test_at_most_a_quarter_of_customers_have_one_event(customers):
    assert (customers["events"] == 1).mean() <= 0.25


def test_at_least_three_channels(bundled):
    assert bundled.to_polars()["channel"].n_unique() >= 3


def test_at_least_thirty_percent_of_customers_use_two_channels(bundled, customers, scenario):
    share = (customers["channels"] >= 2).mean()
    assert share >= 0.3
    # the Channels page's "Omnichannel customers"
    table = cxlib.omnichannel_summary(bundled, goal=sample.GOALS[scenario])
    assert table["omnichannel_share"].item() == pytest.approx(share)


# --- a picture on every page ----------------------------------------------------------------


def test_the_designed_moment_of_truth_is_the_top_one(bundled, scenario):
    """Attribution page, importance vs performance with its defaults (removal effect, rating)."""
    truth = sample.DESIGNS[scenario].moment_of_truth
    table = cxlib.touchpoint_importance(bundled, goal=sample.GOALS[scenario])
    assert table.filter("moment_of_truth")["touchpoint"][0] == truth
    # served worst: the lowest mean rating of the rated touchpoints before the goal ...
    rated = table.filter(pl.col("performance").is_not_null())
    assert rated.height >= 3
    assert rated.sort("performance")["touchpoint"][0] == truth
    # ... and journeys end there more often than at the median touchpoint
    exits = cxlib.dropoffs(bundled)
    at_truth = exits.filter(pl.col("touchpoint") == truth)["journeys_ending_share"].item()
    assert at_truth > exits["journeys_ending_share"].median() + 0.05


def handoff_losses(log: EventLog) -> pl.DataFrame:
    """Per channel hand-off (an event, then the customer's next event in another channel):
    ``handoffs`` and ``lost`` (the journey ends at the event after the hand-off)."""
    steps = journey_steps(log).collect("polars").to_native().sort("customer_id", "step")
    return (
        steps.with_columns(from_channel=pl.col("channel").shift(1).over("customer_id"))
        .filter(pl.col("from_channel") != pl.col("channel"))
        .group_by("from_channel", to_channel="channel")
        .agg(handoffs=pl.len(), lost=pl.col("next_touchpoint").is_null().sum())
        .with_columns(lost_share=pl.col("lost") / pl.col("handoffs"))
        .sort("lost_share", descending=True)
    )


def test_the_designed_handoff_loses_the_most_customers(bundled, scenario):
    """Channels page: of the hand-offs with 50 moves or more, the designed one's customers
    are the most often lost right there, by far."""
    losses = handoff_losses(bundled)
    # the hand-offs are the channel switches of cxlib.channel_switches
    switches = cxlib.channel_switches(bundled).filter("switch")
    assert losses["handoffs"].sum() == switches["transitions"].sum()
    common = losses.filter(pl.col("handoffs") >= 50)
    worst, runner_up = common.head(2).iter_rows(named=True)
    assert (worst["from_channel"], worst["to_channel"]) == sample.DESIGNS[scenario].handoff
    assert worst["lost_share"] > runner_up["lost_share"] + 0.2


def test_the_designed_segments_convert_differently(bundled, scenario):
    """Compare page: the best value of the designed attribute against the worst."""
    column, best, worst = sample.DESIGNS[scenario].segment
    goal = sample.GOALS[scenario]
    comparison = cxlib.compare_segments(bundled, (column, best), (column, worst), steps=[goal])
    row = comparison.funnel.row(0, named=True)
    assert row["conversion_a"] > row["conversion_b"] + 0.1
    assert row["p_value"] < 1e-6
    # and they are the attribute's best and worst values
    rates = (
        bundled.to_polars()
        .group_by("customer_id")
        .agg(pl.col(column).first(), converted=(pl.col("touchpoint") == goal).any())
        .group_by(column)
        .agg(pl.col("converted").mean())
        .sort("converted")
    )
    assert (rates[column][0], rates[column][-1]) == (worst, best)

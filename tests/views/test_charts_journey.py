"""Charts of trends, converter differences and one customer's journey: valid Vega-Lite, right marks."""

import polars as pl
import pytest

import cxlib
from cxlib import sample
from cxlib.views import charts, charts_journey, charts_trends


@pytest.fixture(scope="module")
def log():
    return cxlib.load(sample.path("retail"))


@pytest.mark.parametrize("breakdown", [None, "channel"])
def test_trends_charts_put_the_previous_range_on_the_current_dates(log, breakdown):
    trends = cxlib.trends(log, unit="month", goal="purchase", breakdown=breakdown)
    for figure in charts_trends.FIGURE_TITLES:
        spec = charts_trends.trends_chart(trends.table, figure, breakdown=breakdown).to_dict()
        assert spec["config"]["axis"]["labelFontSize"] == charts.FONT_SIZE
    frame = charts_trends.trends_frame(trends.table, "events", breakdown=breakdown)
    current = frame.filter(pl.col("range") == "current")
    previous = frame.filter(pl.col("range") == "previous")
    assert set(previous["period_start"]) <= set(current["period_start"])
    assert (
        current["value"].sum() == trends.table.filter(pl.col("range") == "current")["events"].sum()
    )
    # the month holding the last event is still filling: drawn hollow
    assert not current.sort("period_start")["complete"][-1]


def test_differences_chart_orders_by_adjusted_p_value(log):
    table = cxlib.converter_differences(log, goal="purchase")
    chart = charts_trends.differences_chart(table, limit=8)
    spec = chart.to_dict()
    labels = [
        f"{c}: {v}" for c, v in table.sort("p_adjusted").head(8).select("column", "value").rows()
    ]
    assert spec["layer"][0]["encoding"]["y"]["sort"] == labels
    assert spec["layer"][0]["encoding"]["x"]["scale"]["type"] == "log"
    assert chart.layer[0].data.height == 8


def test_customer_timeline_and_stages(log):
    customer = log.to_polars()["customer_id"][0]
    journey = cxlib.customer_journey(log, customer, stages=sample.STAGES["retail"])
    timeline = charts_journey.customer_timeline_chart(journey.events)
    spec = timeline.to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["line", "circle", "text"]
    assert timeline.data.height == journey.events.height
    stages = charts_journey.stage_progress_chart(journey.stages).to_dict()
    assert stages["layer"][0]["mark"]["interpolate"] == "step-after"


def test_a_long_journey_is_not_labelled_point_by_point(log):
    busiest = log.to_polars()["customer_id"].value_counts(sort=True)["customer_id"][0]
    journey = cxlib.customer_journey(log, busiest)
    assert journey.events.height > charts_journey.MAX_LABELLED
    marks = [
        layer["mark"]["type"]
        for layer in charts_journey.customer_timeline_chart(journey.events).to_dict()["layer"]
    ]
    assert marks == ["line", "circle"]

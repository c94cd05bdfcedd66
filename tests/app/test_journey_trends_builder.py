"""The Customer journey page, the Overview's trends and the funnel builder, driven through their widgets."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

import cxlib
from cxlib import sample
from tests.app.conftest import assert_clean, new_app, open_page, upload
from ui.export import csv_bytes

STEPS = ["product_page", "add_to_cart", "checkout", "purchase"]


def funnel_table(at) -> pl.DataFrame:
    return pl.from_pandas(at.dataframe[0].value)


@pytest.mark.parametrize("scenario", sample.SCENARIOS)
def test_customer_page_on_each_sample(scenario):
    log = cxlib.load(sample.path(scenario))
    customer = log.to_polars()["customer_id"][5]
    at = open_page(new_app({"scenario": scenario, "customer": customer}).run(), "pages/journey.py")
    assert_clean(at, "Customer journey")
    events = dict((m.label, m.value) for m in at.metric)
    expected = log.to_polars().filter(pl.col("customer_id") == customer)
    assert events["Events"] == f"{expected.height:,}"
    shown = pl.from_pandas(at.dataframe[0].value)
    assert shown["touchpoint"].to_list() == expected["touchpoint"].to_list()
    assert len(at.get("vega_lite_chart")) >= 2  # the timeline and the stages


def test_customer_page_search_by_part_of_an_id_then_open():
    at = open_page(new_app().run(), "pages/journey.py")
    assert any("Type a customer id" in i.value for i in at.info)
    at.text_input(key="customer").set_value("C00012").run()
    assert_clean(at, "Customer journey")
    assert at.selectbox(key="journey_search_customer").options[:2] == ["C000120", "C000121"]
    at.selectbox(key="journey_search_customer").set_value("C000121")
    at.button(key="journey_search_journey").click().run()
    assert at.text_input(key="customer").value == "C000121"
    assert at.query_params["customer"] == "C000121"
    assert pl.from_pandas(at.dataframe[0].value).height > 0


def test_customer_page_shows_rfm_and_predictions_once_trained():
    at = open_page(new_app().run(), "pages/predict.py")
    at.button(key="predict_train").click().run()
    in_flight = [pl.from_pandas(d.value) for d in at.dataframe]
    in_flight = next(t for t in in_flight if "propensity" in t.columns)
    row = in_flight.row(0, named=True)
    at.session_state["customer"] = row["customer_id"]
    at = open_page(at, "pages/journey.py")
    assert_clean(at, "Customer journey")
    metrics = dict((m.label, m.value) for m in at.metric)
    assert metrics["Chance to reach purchase"] == f"{row['propensity']:.1%}"
    assert "RFM segment" in metrics or any("Not a buying customer" in i.value for i in at.info)


@pytest.mark.parametrize(
    ("name", "case"), [("helpdesk.xes.gz", "Case 1"), ("running_example.csv", "3")]
)
def test_customer_page_on_real_logs(shared_data, name, case):
    at = open_page(new_app().run(), "pages/data.py")
    at = upload(at, (name, (shared_data / name).read_bytes()))
    at = open_page(at, "pages/journey.py")
    at.text_input(key="customer").set_value(case).run()
    assert_clean(at, "Customer journey")
    log = cxlib.load(shared_data / name)
    expected = log.to_polars().filter(pl.col("customer_id") == case)["touchpoint"].to_list()
    assert pl.from_pandas(at.dataframe[0].value)["touchpoint"].to_list() == expected


def test_overview_trends_follow_their_controls():
    at = open_page(new_app().run(), "pages/overview.py")
    assert_clean(at, "Overview")
    trends = pl.from_pandas(at.dataframe[-1].value)
    assert set(trends["range"]) == {"current", "previous"}
    log = cxlib.load(sample.path("retail"))
    # Without dates, the log's second half against its first: every event is counted once.
    assert trends["events"].sum() == log.to_polars().height
    at.selectbox(key="trends_unit").set_value("month")
    at.selectbox(key="trends_breakdown").set_value("channel").run()
    assert_clean(at, "Overview")
    monthly = pl.from_pandas(at.dataframe[-1].value)
    assert monthly["period_start"].dt.day().unique().to_list() == [1]
    assert "channel" in monthly.columns
    assert not monthly.filter(pl.col("range") == "current")["complete"].to_list()[-1]


def test_funnel_steps_move_up_and_down():
    at = open_page(new_app().run(), "pages/funnels.py")
    at.button(key="funnel_down_0").click().run()
    assert_clean(at, "Funnels")
    moved = [STEPS[1], STEPS[0], *STEPS[2:]]
    assert at.multiselect(key="funnel_steps").value == moved
    assert funnel_table(at)["touchpoint"].to_list() == moved
    at.button(key="funnel_up_1").click().run()
    assert at.multiselect(key="funnel_steps").value == STEPS


def test_a_step_condition_exclusion_range_and_attempts_are_in_the_url():
    at = open_page(new_app().run(), "pages/funnels.py")
    at.selectbox(key="funnel_where_step").set_value("checkout")
    at.selectbox(key="funnel_where_column").set_value("channel").run()
    at.multiselect(key="funnel_where_values").set_value(["app"])
    at.button(key="funnel_where_set").click().run()
    at.multiselect(key="funnel_exclude").set_value(["search"]).run()
    at.select_slider(key="funnel_between_search").set_value((2, 4))
    at.radio(key="funnel_count").set_value("attempt").run()
    assert_clean(at, "Funnels")
    steps = [*STEPS[:2], cxlib.Step("checkout", (cxlib.Where("channel", ("app",)),)), STEPS[3]]
    exclude = [cxlib.Exclusion("search", after_step=2, before_step=4)]
    log = cxlib.load(sample.path("retail"))
    expected = cxlib.funnel(log, steps, exclude=exclude, count="attempts")
    assert funnel_table(at).equals(expected)
    assert expected["touchpoint"][2] == "checkout (channel: app)"
    assert json.loads(at.query_params["funnel_where"]) == {
        "checkout": {"column": "channel", "values": ["app"], "low": None, "high": None}
    }
    assert json.loads(at.query_params["funnel_between"]) == {"search": [2, 4]}
    # The link alone rebuilds the same funnel in a new session (the bound widgets' values
    # are written to the URL by the browser; AppTest does not, so they are added here).
    link = {
        **at.query_params,
        "funnel_exclude": ["search"],
        "funnel_count": "attempts (every start of step 1)",  # bound widgets show their label
    }
    again = open_page(new_app(link).run(), "pages/funnels.py")
    assert_clean(again, "Funnels")
    assert funnel_table(again).equals(expected)


def test_the_list_as_csv_is_neutralised():
    hostile = cxlib.EventLog.from_frame(
        pl.DataFrame(
            {
                "customer_id": ["=HYPERLINK(1)", "ok"],
                "timestamp": [dt.datetime(2024, 1, 1)] * 2,
                "touchpoint": ["+cmd", "home"],
                "channel": ["@web", "app"],
            }
        )
    )
    rows = cxlib.customers_at(hostile, cxlib.GraphNode(cxlib.ENTRY)).rows
    text = csv_bytes(rows).decode()
    assert "'=HYPERLINK(1)" in text
    assert "'+cmd" in text
    assert "\n=" not in text
    assert ",+" not in text

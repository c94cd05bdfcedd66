"""The funnel's pictures: steps with conversion and drop-off labels, breakdowns, time to convert, conversion over time."""

import datetime as dt

import polars as pl

from cxlib.views import charts, charts_funnel
from tests.views.specs import FUNNEL, layer_encodings


def test_funnel_chart_labels_conversion_and_dropoff():
    chart = charts_funnel.funnel_chart(FUNNEL)
    assert chart.data["label"].to_list() == [
        "10 · 100% of start",
        "4 · 40% of start · −60%",
        "1 · 10% of start · −75%",
    ]
    bars, text = layer_encodings(chart)
    assert bars["y"]["sort"] == ["1. view", "2. cart", "3. buy"]
    assert bars["x"]["title"] == "customers (−: lost since the step before)"
    assert "color" not in bars
    # Without a breakdown the label sits above its bar from the left edge, so the bars
    # keep the plot's width however narrow it is (the Live page's column).
    assert text["x"] == {"value": 0}
    assert text["y"]["bandPosition"] == 0
    assert "padding" not in chart.to_dict()


def test_funnel_chart_with_breakdown_groups_bars():
    both = pl.concat(
        [FUNNEL.with_columns(channel=pl.lit("web")), FUNNEL.with_columns(channel=pl.lit("app"))]
    )
    chart = charts_funnel.funnel_chart(both, breakdown="channel")
    bars, _ = layer_encodings(chart)
    # Drawn under a fixed field (a column name can hold Vega-Lite syntax), titled with its name.
    assert bars["yOffset"]["field"] == "breakdown_group"
    assert bars["color"]["field"] == "breakdown_group"
    assert bars["y"]["sort"] == ["1. view", "2. cart", "3. buy"]
    assert chart.data["breakdown_group"].to_list() == ["app"] * 3 + ["web"] * 3
    # The legend goes on top, out of the way of the labels written right of the bars,
    # in rows of three.
    assert bars["color"]["legend"] == {"orient": "top", "columns": 3, "title": "channel"}


def test_a_breakdown_column_named_with_vega_lite_syntax_draws():
    both = pl.concat([FUNNEL.with_columns(**{"a.b:N[0]": pl.lit(v)}) for v in ["web", "app"]])
    chart = charts_funnel.funnel_chart(both, breakdown="a.b:N[0]")
    bars, _ = layer_encodings(chart)
    assert bars["color"]["legend"]["title"] == "a.b:N[0]"
    chart.to_dict()  # Altair validates the spec


def test_funnel_chart_with_breakdown_keeps_room_for_the_labels():
    both = pl.concat(
        [FUNNEL.with_columns(channel=pl.lit("web")), FUNNEL.with_columns(channel=pl.lit("app"))]
    )
    spec = charts_funnel.funnel_chart(both, breakdown="channel").to_dict()
    # Longest label "4 · 40% of start · −60%": 23 characters, at half the font size (14)
    # each, plus 12 for the gap: ceil(0.5 * 14 * 23) + 12 = 161 + 12.
    assert len("4 · 40% of start · −60%") == 23
    assert spec["padding"] == {"left": 5, "top": 5, "bottom": 5, "right": 173}
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}


def test_funnel_chart_where_nobody_starts():
    empty = FUNNEL.with_columns(
        customers=pl.lit(0), conversion=pl.lit(None, pl.Float64), step_conversion=None
    )
    labels = charts_funnel.funnel_chart(empty).data["label"].to_list()
    assert labels[0] == "0 · 0% of start"
    assert labels[2] == "0 · 0% of start · −0%"


def test_time_to_convert_chart_keeps_the_bin_order():
    bins = pl.DataFrame(
        {
            "bin": ["< 1 min", "1-5 min", "5-15 min"],
            "customers": [0, 3, 1],
            "share": [0.0, 0.75, 0.25],
        }
    )
    bars, text = layer_encodings(charts_funnel.time_to_convert_chart(bins))
    assert bars["x"]["sort"] == ["< 1 min", "1-5 min", "5-15 min"]
    assert (bars["y"]["field"], text["text"]["field"]) == ("customers", "share")


def test_conversion_over_time_chart_one_line_per_series():
    frame = pl.DataFrame(
        {
            "period_start": [dt.date(2024, 1, 8), dt.date(2024, 1, 1)] * 2,
            "conversion": [0.1, 0.2, 0.3, 0.4],
            "channel": ["web", "web", "app", "app"],
        }
    )
    solid, *_ = layer_encodings(
        charts_funnel.conversion_over_time_chart(frame, period="period_start")
    )
    assert solid["y"]["axis"]["format"] == ".0%"
    assert "color" not in solid
    split = charts_funnel.conversion_over_time_chart(frame, period="period_start", series="channel")
    line = split.to_dict()["layer"][0]
    assert line["encoding"]["color"]["field"] == "channel"
    assert split.layer[0].data["period_start"].to_list()[:2] == [dt.date(2024, 1, 1)] * 2


def test_a_period_still_filling_is_dashed_and_hollow_not_a_fall():
    frame = pl.DataFrame(
        {
            "period_start": [dt.date(2024, 1, d) for d in (1, 8, 15)],
            "conversion": [0.3, 0.32, 0.0],  # the last week has had no time to convert
            "complete": [True, True, False],
        }
    )
    chart = charts_funnel.conversion_over_time_chart(frame, period="period_start")
    solid, dashed, points = chart.layer
    assert solid.data["conversion"].to_list() == [0.3, 0.32]  # the solid line stops
    assert dashed.data["period_start"].to_list() == [dt.date(2024, 1, 8), dt.date(2024, 1, 15)]
    assert points.data["period_state"].to_list() == ["complete", "complete", charts.PARTIAL]
    spec = chart.to_dict()
    assert spec["layer"][2]["encoding"]["fill"]["scale"]["range"] == [charts.ACCENT, "white"]


def test_an_empty_time_to_convert_chart_has_no_null_labels_and_a_whole_number_axis():
    bins = pl.DataFrame(
        {"bin": ["< 1 min", "1-5 min"], "customers": [0, 0], "share": [None, None]},
        schema_overrides={"share": pl.Float64},
    )
    bars, text = charts_funnel.time_to_convert_chart(bins).to_dict()["layer"]
    assert bars["encoding"]["y"]["axis"] == {"format": ",d", "tickMinStep": 1}
    assert bars["encoding"]["y"]["scale"]["domain"] == [0, 1]
    assert text["transform"] == [{"filter": "(datum.customers > 0)"}]


def test_funnel_labels_have_thousands_separators():
    big = FUNNEL.with_columns(pl.col("customers") * 1000)
    assert charts_funnel.funnel_chart(big).data["label"][0] == "10,000 · 100% of start"

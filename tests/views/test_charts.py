import datetime as dt

import polars as pl
import pytest

from cxlib.views import charts


def _layer_encodings(chart):
    return [layer["encoding"] for layer in chart.to_dict()["layer"]]


def test_bar_chart_keeps_the_largest_in_order():
    frame = pl.DataFrame({"touchpoint": ["b", "a", "c", "d"], "customers": [5, 5, 9, 1]})
    chart = charts.bar_chart(frame, category="touchpoint", value="customers", limit=3)
    # Largest first, ties (a, b at 5) by name; d dropped by the limit.
    assert chart.data["touchpoint"].to_list() == ["c", "a", "b"]
    bars, text = _layer_encodings(chart)
    assert bars["y"]["sort"] == ["c", "a", "b"]
    assert bars["x"]["field"] == "customers"
    assert text["text"]["format"] == ",.0f"


def test_bar_chart_percent_format_and_title():
    frame = pl.DataFrame({"path": ["x → y"], "share": [0.25]})
    chart = charts.bar_chart(frame, category="path", value="share", percent=True, title="T")
    assert _layer_encodings(chart)[1]["text"]["format"] == ".1%"
    assert chart.to_dict()["title"] == "T"


FUNNEL = pl.DataFrame(
    {
        "step": [1, 2, 3],
        "touchpoint": ["view", "cart", "buy"],
        "customers": [10, 4, 1],
        # conversion = customers / 10; step_conversion = customers / previous step's.
        "conversion": [1.0, 4 / 10, 1 / 10],
        "step_conversion": [1.0, 4 / 10, 1 / 4],
        "median_seconds_from_previous": [None, 60.0, 30.0],
    }
)


def test_funnel_chart_labels_conversion_and_dropoff():
    chart = charts.funnel_chart(FUNNEL)
    assert chart.data["label"].to_list() == [
        "10 · 100% of start",
        "4 · 40% of start · −60%",
        "1 · 10% of start · −75%",
    ]
    bars, text = _layer_encodings(chart)
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
    chart = charts.funnel_chart(both, breakdown="channel")
    bars, _ = _layer_encodings(chart)
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
    chart = charts.funnel_chart(both, breakdown="a.b:N[0]")
    bars, _ = _layer_encodings(chart)
    assert bars["color"]["legend"]["title"] == "a.b:N[0]"
    chart.to_dict()  # Altair validates the spec


def test_funnel_chart_with_breakdown_keeps_room_for_the_labels():
    both = pl.concat(
        [FUNNEL.with_columns(channel=pl.lit("web")), FUNNEL.with_columns(channel=pl.lit("app"))]
    )
    spec = charts.funnel_chart(both, breakdown="channel").to_dict()
    # Longest label "4 · 40% of start · −60%": 23 characters, at half the font size (14)
    # each, plus 12 for the gap: ceil(0.5 * 14 * 23) + 12 = 161 + 12.
    assert len("4 · 40% of start · −60%") == 23
    assert spec["padding"] == {"left": 5, "top": 5, "bottom": 5, "right": 173}
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}


def test_funnel_chart_where_nobody_starts():
    empty = FUNNEL.with_columns(
        customers=pl.lit(0), conversion=pl.lit(None, pl.Float64), step_conversion=None
    )
    labels = charts.funnel_chart(empty).data["label"].to_list()
    assert labels[0] == "0 · 0% of start"
    assert labels[2] == "0 · 0% of start · −0%"


DROPOFFS = pl.DataFrame(
    {
        "touchpoint": ["small", "large", "tiny", "<b>ü</b>"],
        "visits": [5, 130, 1, 12],
        "journeys": [4, 100, 1, 10],
        "exits": [3, 40, 0, 5],
        "exit_rate": [3 / 5, 40 / 130, 0.0, 5 / 12],
        "journeys_ending_share": [3 / 4, 40 / 100, 0.0, 5 / 10],
        "journeys_ending_share_low": [0.30, 0.31, 0.0, 0.24],
        "journeys_ending_share_high": [0.95, 0.50, 0.79, 0.76],
    }
)


def test_dropoff_chart_keeps_the_rows_order_with_counts_and_interval():
    rows = charts.dropoff_rows(DROPOFFS)
    chart = charts.dropoff_chart(rows)
    # Highest share of journeys ending first: 3/4, 5/10, 40/100, 0/1.
    assert chart.data.select("touchpoint", "label").rows() == [
        ("small", "3/4"),
        ("<b>ü</b>", "5/10"),
        ("large", "40/100"),
        ("tiny", "0/1"),
    ]
    interval, point, _ = _layer_encodings(chart)
    share = "journeys_ending_share"
    assert (interval["x"]["field"], interval["x2"]["field"]) == (f"{share}_low", f"{share}_high")
    assert interval["x"]["scale"]["domain"] == [0, 1]
    assert point["x"]["field"] == share
    # The chart's order is the table's: the rows as given.
    assert interval["y"]["sort"] == rows["touchpoint"].to_list()


def test_dropoff_rows_share_ties_go_to_the_larger_sample():
    tied = DROPOFFS.with_columns(journeys_ending_share=pl.lit(0.5))
    assert charts.dropoff_rows(tied)["touchpoint"].to_list() == [
        "large",
        "<b>ü</b>",
        "small",
        "tiny",
    ]


@pytest.mark.parametrize(("min_journeys", "limit", "kept"), [(5, 40, 2), (1, 2, 2), (101, 40, 0)])
def test_dropoff_rows_leave_out_small_touchpoints(min_journeys, limit, kept):
    rows = charts.dropoff_rows(DROPOFFS, min_journeys=min_journeys, limit=limit)
    assert rows.height == kept
    assert (rows["journeys"] >= min_journeys).all()


MATRIX = pl.DataFrame(
    {
        "step": [0, 1, 1, 1, 2, 2],
        "touchpoint": ["(entry)", "a", "b", "c", "a", "(exit)"],
        "journeys": [4, 2, 1, 1, 1, 3],
        "share": [1.0, 2 / 4, 1 / 4, 1 / 4, 1 / 4, 3 / 4],
    }
)


def test_step_heatmap_keeps_the_busiest_touchpoints():
    chart = charts.step_heatmap(MATRIX, max_touchpoints=3)
    # Journeys over all steps: (entry) 4, (exit) 3, a 3, b 1, c 1 -> ties by name.
    cells, text = _layer_encodings(chart)
    assert cells["y"]["sort"] == ["(entry)", "(exit)", "a"]
    assert set(chart.data["touchpoint"]) == {"(entry)", "(exit)", "a"}
    assert cells["color"]["field"] == "share"
    assert text["text"]["format"] == ".0%"


def test_time_to_convert_chart_keeps_the_bin_order():
    bins = pl.DataFrame(
        {
            "bin": ["< 1 min", "1-5 min", "5-15 min"],
            "customers": [0, 3, 1],
            "share": [0.0, 0.75, 0.25],
        }
    )
    bars, text = _layer_encodings(charts.time_to_convert_chart(bins))
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
    solid, *_ = _layer_encodings(charts.conversion_over_time_chart(frame, period="period_start"))
    assert solid["y"]["axis"]["format"] == ".0%"
    assert "color" not in solid
    split = charts.conversion_over_time_chart(frame, period="period_start", series="channel")
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
    chart = charts.conversion_over_time_chart(frame, period="period_start")
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
    bars, text = charts.time_to_convert_chart(bins).to_dict()["layer"]
    assert bars["encoding"]["y"]["axis"] == {"format": ",d", "tickMinStep": 1}
    assert bars["encoding"]["y"]["scale"]["domain"] == [0, 1]
    assert text["transform"] == [{"filter": "(datum.customers > 0)"}]


def test_funnel_labels_have_thousands_separators():
    big = FUNNEL.with_columns(pl.col("customers") * 1000)
    assert charts.funnel_chart(big).data["label"][0] == "10,000 · 100% of start"


@pytest.mark.parametrize(
    "chart",
    [
        charts.funnel_chart(FUNNEL),
        charts.dropoff_chart(DROPOFFS),
        charts.step_heatmap(MATRIX),
        charts.bar_chart(DROPOFFS, category="touchpoint", value="exits"),
    ],
)
def test_charts_are_valid_vega_lite_with_large_fonts(chart):
    spec = chart.to_dict()  # validates against the Vega-Lite schema
    assert spec["config"]["axis"]["labelFontSize"] == charts.FONT_SIZE


def test_scaled_enlarges_fonts_heights_and_room_and_stays_valid():
    import altair as alt

    both = pl.concat(
        [FUNNEL.with_columns(channel=pl.lit("web")), FUNNEL.with_columns(channel=pl.lit("app"))]
    )
    spec = charts.funnel_chart(both, breakdown="channel").to_dict()
    big = charts.scaled(spec, 1.5)
    assert big["config"]["axis"]["labelFontSize"] == 21  # 14 * 1.5
    assert big["config"]["title"]["fontSize"] == 27  # 18 * 1.5
    assert big["height"] == round(spec["height"] * 1.5)
    assert big["padding"]["right"] == round(spec["padding"]["right"] * 1.5)
    assert big["layer"][1]["mark"]["fontSize"] == 21
    assert big["datasets"] is spec["datasets"]  # the data is shared, not copied
    assert spec["config"]["axis"]["labelFontSize"] == 14  # the cached spec is untouched
    alt.LayerChart.from_dict(big)  # still valid Vega-Lite

import polars as pl
import pytest

from cxlib.views import charts, charts_funnel
from tests.views.specs import FUNNEL, layer_encodings


def test_bar_chart_keeps_the_largest_in_order():
    frame = pl.DataFrame({"touchpoint": ["b", "a", "c", "d"], "customers": [5, 5, 9, 1]})
    chart = charts.bar_chart(frame, category="touchpoint", value="customers", limit=3)
    # Largest first, ties (a, b at 5) by name; d dropped by the limit.
    assert chart.data["touchpoint"].to_list() == ["c", "a", "b"]
    bars, text = layer_encodings(chart)
    assert bars["y"]["sort"] == ["c", "a", "b"]
    assert bars["x"]["field"] == "customers"
    assert text["text"]["format"] == ",.0f"


def test_bar_chart_percent_format_and_title():
    frame = pl.DataFrame({"path": ["x → y"], "share": [0.25]})
    chart = charts.bar_chart(frame, category="path", value="share", percent=True, title="T")
    assert layer_encodings(chart)[1]["text"]["format"] == ".1%"
    assert chart.to_dict()["title"] == "T"


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
    interval, point, _ = layer_encodings(chart)
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
    cells, text = layer_encodings(chart)
    assert cells["y"]["sort"] == ["(entry)", "(exit)", "a"]
    assert set(chart.data["touchpoint"]) == {"(entry)", "(exit)", "a"}
    assert cells["color"]["field"] == "share"
    assert text["text"]["format"] == ".0%"


@pytest.mark.parametrize(
    "chart",
    [
        charts_funnel.funnel_chart(FUNNEL),
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
    spec = charts_funnel.funnel_chart(both, breakdown="channel").to_dict()
    big = charts.scaled(spec, 1.5)
    assert big["config"]["axis"]["labelFontSize"] == 21  # 14 * 1.5
    assert big["config"]["title"]["fontSize"] == 27  # 18 * 1.5
    assert big["height"] == round(spec["height"] * 1.5)
    assert big["padding"]["right"] == round(spec["padding"]["right"] * 1.5)
    assert big["layer"][1]["mark"]["fontSize"] == 21
    assert big["datasets"] is spec["datasets"]  # the data is shared, not copied
    assert spec["config"]["axis"]["labelFontSize"] == 14  # the cached spec is untouched
    alt.LayerChart.from_dict(big)  # still valid Vega-Lite

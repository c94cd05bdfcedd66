import polars as pl

from cxlib.story.model import ESTIMATE_SCHEMA
from cxlib.views import charts
from cxlib.views.charts_story import estimate_chart

ESTIMATES = pl.DataFrame(
    [("cart", 0.75, 0.6, 0.86, 40, True), ("home", 0.2, 0.1, 0.3, 400, False)],
    schema=ESTIMATE_SCHEMA,
    orient="row",
)


def test_estimates_drawn_on_their_intervals_the_told_one_in_orange():
    spec = estimate_chart(ESTIMATES, axis="left there", baseline=0.5).to_dict()
    interval, point, text, baseline = spec["layer"]
    assert text["encoding"]["text"]["field"] == "text"
    assert interval["mark"]["type"] == "rule"
    assert (interval["encoding"]["x"]["field"], interval["encoding"]["x2"]["field"]) == (
        "low",
        "high",
    )
    colour = point["encoding"]["color"]
    assert colour["condition"]["value"] == charts.LOSS
    assert colour["value"] == charts.ACCENT
    assert interval["encoding"]["x"]["title"] == ["left there (95% interval)"]
    rows = next(iter(spec["datasets"].values()))
    assert [r["text"] for r in rows] == ["75% · 40 customers", "20% · 400 customers"]
    assert baseline["mark"]["strokeDash"] == [6, 4]


def test_ratings_are_not_shares():
    spec = estimate_chart(ESTIMATES.with_columns(value=pl.lit(3.2)), axis="rating", is_share=False)
    rows = next(iter(spec.to_dict()["datasets"].values()))
    assert rows[0]["text"] == "3.2 · 40 customers"
    assert len(spec.to_dict()["layer"]) == 3  # no baseline given


def test_the_counts_are_named_as_the_finding_counts_them():
    spec = estimate_chart(ESTIMATES, axis="lost", counted="converters met it").to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert rows[0]["text"] == "75% · 40 converters met it"
    tooltip = spec["layer"][0]["encoding"]["tooltip"]
    assert tooltip[-1] == {
        "field": "customers",
        "format": ",",
        "title": "converters met it",
        "type": "quantitative",
    }

import dataclasses

import polars as pl

from cxlib.predict import CalibrationBin, Evaluation
from cxlib.views.charts_predict import calibration_chart, drivers_chart, score_table, scores_chart

SCORES = Evaluation(
    split="customer",
    n_train=300,
    n_holdout=100,
    n_converters=150,
    n_non_converters=250,
    next_top1=0.5,
    next_top3=0.85,
    next_top1_baseline=0.45,
    next_top1_global=0.3,
    n_holdout_steps=500,
    enough_data=True,
    auc=0.9,
    auc_baseline=0.75,
    precision_top_decile=0.97,
    precision_top_decile_baseline=0.8,
    base_rate=0.4,
    calibration=(),
    n_holdout_prefixes=420,
    message="Scored on 100 held-out customers.",
)


def test_score_table_pairs_each_score_with_its_baseline():
    table = score_table(SCORES)
    assert table.filter(pl.col("who") == "baseline")["score"].to_list() == [0.45, 0.75, 0.8]
    # top-3 accuracy has no baseline
    assert table.filter(pl.col("measure").str.contains("top-3"))["who"].to_list() == ["model"]


def test_scores_left_out_when_there_was_too_little_data():
    too_little = dataclasses.replace(
        SCORES,
        auc=None,
        auc_baseline=None,
        precision_top_decile=None,
        precision_top_decile_baseline=None,
    )
    assert not score_table(too_little)["measure"].str.contains("conversion").any()


def test_charts_compile_to_vega_lite():
    calibration = [
        CalibrationBin("0.0-0.1", predicted=0.05, observed=0.04, n=300),
        CalibrationBin("0.9-1.0", predicted=0.95, observed=0.9, n=120),
    ]
    drivers = pl.DataFrame(
        {
            "feature": ["count: cart", "last: <script>", "events"],
            "coefficient": [1.2, -0.8, 0.1],
            "odds_ratio": [3.3, 0.45, 1.1],
            "importance": [1.2, 0.8, 0.1],
        }
    )
    for chart in (scores_chart(SCORES), calibration_chart(calibration), drivers_chart(drivers)):
        spec = chart.to_dict()
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert calibration_chart([]).to_dict()["layer"][1]["mark"]["type"] == "circle"

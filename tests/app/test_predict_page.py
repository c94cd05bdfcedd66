"""The Predict page: train, see the scores against cxlib's, try a journey, rank the what-ifs."""

from __future__ import annotations

import polars as pl
import pytest

import cxlib
from cxlib import predict, sample
from tests.app.conftest import assert_clean, new_app, open_page, plain, upload


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.fixture(scope="module")
def trained():
    """The page on the retail sample after pressing Train (training takes a few seconds)."""
    at = open_page(new_app().run(), "pages/predict.py")
    assert_clean(at, "Predict")
    assert at.selectbox(key="goal").value == sample.GOALS["retail"]
    assert [i.value for i in at.info] == [
        "Press **Train** to train both models and check them on held-out customers."
    ]
    at.button(key="predict_train").click().run()
    assert_clean(at, "Predict")
    return at


def test_training_shows_cxlib_scores(trained):
    scores = predict.evaluate(cxlib.load(sample.path("retail")), goal=sample.GOALS["retail"])
    assert [plain(s.value) for s in trained.success] == [scores.message]
    assert metric(trained, "Next touchpoint right (top 1)") == f"{scores.next_top1:.1%}"
    assert metric(trained, "Conversion ROC AUC") == f"{scores.auc:.3f}"
    assert metric(trained, "Held-out customers") == f"{scores.n_holdout:,}"


def test_in_flight_customers_are_ranked(trained):
    log = cxlib.load(sample.path("retail"))
    expected = predict.propensity(predict.fit(log, goal=sample.GOALS["retail"]), log)
    shown = next(
        pl.from_pandas(t.value) for t in trained.dataframe if "propensity" in t.value.columns
    )
    assert shown["customer_id"].to_list() == expected["customer_id"].to_list()


def test_a_typed_journey_gets_its_chance_and_next_touchpoints(trained):
    empty = metric(trained, "Chance to convert")
    trained.multiselect(key="predict_prefix").set_value(["product_page", "add_to_cart", "checkout"])
    trained.run()
    assert_clean(trained, "Predict")
    model = predict.fit(cxlib.load(sample.path("retail")), goal=sample.GOALS["retail"])
    chance = predict.conversion_chance(model, ["product_page", "add_to_cart", "checkout"])
    assert metric(trained, "Chance to convert") == f"{chance:.1%}"
    assert metric(trained, "Chance to convert") != empty


def test_what_if_table_matches_the_library(trained):
    trained.slider(key="predict_reduction").set_value(50).run()
    assert_clean(trained, "Predict")
    shown = next(
        pl.from_pandas(t.value) for t in trained.dataframe if "relative_change" in t.value.columns
    )
    expected = predict.dropoff_leverage(
        cxlib.load(sample.path("retail")), goal=sample.GOALS["retail"], reduction=0.5
    )
    assert shown["touchpoint"].to_list() == expected["touchpoint"].to_list()
    assert shown["delta"].to_list() == pytest.approx(expected["delta"].to_list())


def test_too_little_data_is_said_and_no_auc_is_shown():
    rows = ["customer,time,event"]
    for i in range(60):
        path = ["ad", "cart", "buy"] if i % 3 else ["ad", "home"]
        rows += [f"c{i},2024-01-01T00:0{k}:00,{tp}" for k, tp in enumerate(path)]
    at = upload(
        open_page(new_app().run(), "pages/data.py"), ("small.csv", "\n".join(rows).encode())
    )
    at = open_page(at, "pages/predict.py")
    at.selectbox(key="goal").set_value("buy").run()  # a new log: no goal until one is picked
    at.button(key="predict_train").click().run()
    assert_clean(at, "Predict")
    assert plain(at.warning[0].value).startswith("Too little data to judge the conversion model")
    assert all(m.label != "Conversion ROC AUC" for m in at.metric)

"""The models on the generated scenarios, whose conversion depends on the whole path."""

import pytest

from cxlib import EventLog, sample
from cxlib.predict import evaluate


@pytest.fixture(scope="module", params=sample.SCENARIOS)
def scores(request):
    scenario = request.param
    log = EventLog.from_frame(sample.generate(scenario, customers=3_000, seed=11))
    return evaluate(log, goal=sample.GOALS[scenario], seed=0, stages=sample.STAGES[scenario])


def test_conversion_model_beats_the_last_touchpoint_rate(scores):
    assert scores.enough_data is True
    assert scores.auc > scores.auc_baseline + 0.05
    assert scores.precision_top_decile > scores.precision_top_decile_baseline
    assert scores.precision_top_decile > scores.base_rate + 0.2


def test_conversion_model_is_calibrated(scores):
    # mean gap between predicted and observed rate, weighted by the prefixes in each tenth
    bins = scores.calibration
    gap = sum(abs(b.predicted - b.observed) * b.n for b in bins) / sum(b.n for b in bins)
    assert gap < 0.06


def test_next_touchpoint_beats_the_most_frequent_next(scores):
    assert scores.next_top1 > scores.next_top1_global + 0.1
    assert scores.next_top3 > scores.next_top1 + 0.2
    # The next step depends on the one before (``back`` and the came-from routes of
    # cxlib.sample.maps): the longer contexts beat the first-order chain. Measured at
    # seed 11: +0.055 (retail), +0.072 (bank), +0.045 (telecom).
    assert scores.next_top1 > scores.next_top1_baseline + 0.03

"""Touchpoint importance vs performance, and the moments of truth."""

import math
from fractions import Fraction

import pytest

from cxlib import AnalysisError
from cxlib.analyses.dropoffs import wilson_interval
from cxlib.conversion.importance import touchpoint_importance
from tests.conftest import make_log
from tests.conversion.test_markov import exact_effects

# 8 customers, no rating column: performance is 1 - journeys ending here.
# chain: entry -> ad 7, blog 1; ad -> form 5, mail 2; form -> buy 2, exit 3; mail -> buy 1, exit 1
# P = 7/8 (5/7 * 2/5 + 2/7 * 1/2) = 3/8. Without form 1/8 (effect 2/3), without mail 2/8 (1/3),
# without ad 0 (1), blog leads nowhere (0): median importance 1/2.
# 1 - journeys ending here: ad 1 (7 reach it, none end there), form 2/5 (3 of 5 end there), mail 1/2, blog 0:
# median 9/20. form is the one moment of truth: 2/3 > 1/2 and 2/5 < 9/20.
JOURNEYS = {
    "a": "ad form buy",
    "b": "ad form buy",
    "c": "ad form",
    "d": "ad form",
    "h": "ad form",
    "e": "ad mail buy",
    "f": "ad mail",
    "g": "blog",
}


def test_removal_effect_importance_and_exit_performance():
    out = touchpoint_importance(make_log(JOURNEYS), goal="buy")
    rows = {r["touchpoint"]: r for r in out.iter_rows(named=True)}
    effects = exact_effects([p.split() for p in JOURNEYS.values()], "buy")
    assert effects == {"ad": 1, "form": Fraction(2, 3), "mail": Fraction(1, 3), "blog": 0}
    for tp, effect in effects.items():
        assert rows[tp]["importance"] == pytest.approx(float(effect))
    assert {tp: rows[tp]["performance"] for tp in rows} == pytest.approx(
        {"ad": 1.0, "form": 2 / 5, "mail": 1 / 2, "blog": 0.0}
    )
    assert [tp for tp in rows if rows[tp]["moment_of_truth"]] == ["form"]
    assert out["touchpoint"].to_list() == ["ad", "form", "mail", "blog"]
    assert set(out["performance_measure"]) == {"1 - journeys ending here"}
    # form: 5 customers reach it, 2 of them convert
    form = rows["form"]
    assert (form["customers"], form["conversions"]) == (5, 2)
    assert form["conversion_rate"] == pytest.approx(2 / 5)
    assert (form["conversion_rate_low"], form["conversion_rate_high"]) == pytest.approx(
        wilson_interval(2, 5)
    )
    # 1 - journeys ending here, interval turned around: form 3/5 turned around
    low, high = wilson_interval(3, 5)
    assert (form["performance_low"], form["performance_high"]) == pytest.approx((1 - high, 1 - low))
    assert form["performance_n"] == 5


def test_lift_importance():
    out = touchpoint_importance(make_log(JOURNEYS), goal="buy", importance="lift")
    got = dict(out.select("touchpoint", "importance").rows())
    assert got == pytest.approx(
        {
            "ad": 3 / 7 - 0,  # 3 of 7 with ad convert; g without it does not
            "form": 2 / 5 - 1 / 3,  # others e, f, g: 1 of 3
            "mail": 1 / 2 - 2 / 6,  # others a b c d h g: 2 of 6
            "blog": 0 - 3 / 7,
        }
    )


def test_everyone_reaching_a_touchpoint_has_no_lift():
    out = touchpoint_importance(make_log({"a": "x buy", "b": "x"}), goal="buy", importance="lift")
    assert out.row(0, named=True)["lift"] is None
    assert out.row(0, named=True)["moment_of_truth"] is False


# a: ad(4) buy; b: ad(2) web(5) buy; c: web(3); d: mail (no rating); e: buy support(1), after converting
RATED = {"a": "ad buy", "b": "ad web buy", "c": "web", "d": "mail", "e": "buy support"}
RATINGS = [4.0, None, 2.0, 5.0, None, 3.0, None, None, 1.0]


def test_rating_performance_with_normal_interval(on_engine):
    log = on_engine(make_log(RATED, rating=RATINGS))
    out = touchpoint_importance(log, goal="buy")
    rows = {r["touchpoint"]: r for r in out.iter_rows(named=True)}
    assert set(rows) == {"ad", "web", "mail"}  # buy is the conversion, support comes after it
    half = 1.959963984540054 * math.sqrt(2) / math.sqrt(2)  # sd of (4, 2) and of (5, 3) is sqrt 2
    assert (rows["ad"]["performance"], rows["ad"]["performance_n"]) == (pytest.approx(3.0), 2)
    assert rows["ad"]["performance_low"] == pytest.approx(3.0 - half)
    assert rows["web"]["performance_high"] == pytest.approx(4.0 + half)
    assert rows["mail"]["performance"] is None
    assert rows["mail"]["moment_of_truth"] is False
    assert set(out["performance_measure"]) == {"rating"}


def test_exit_rate_performance_can_be_chosen_over_ratings():
    out = touchpoint_importance(make_log(RATED, rating=RATINGS), goal="buy", rating=None)
    # 1 - exit rate: ad reached by a, b, ends nowhere; web by b, c, c ends there; mail by d, ends
    assert dict(out.select("touchpoint", "performance").rows()) == {
        "ad": 1.0,
        "web": 0.5,
        "mail": 0.0,
    }
    assert set(out["performance_measure"]) == {"1 - journeys ending here"}


def test_single_rating_has_no_interval():
    out = touchpoint_importance(make_log({"a": "x buy"}, rating=[3.0, None]), goal="buy")
    assert out.select("performance", "performance_low", "performance_high").row(0) == (
        3.0,
        None,
        None,
    )


def test_unknown_conversion_is_refused():
    with pytest.raises(
        AnalysisError, match=r"touchpoint 'by' is not in the log; did you mean 'buy'"
    ):
        touchpoint_importance(make_log(JOURNEYS), goal="by")


def test_unknown_importance_is_refused():
    with pytest.raises(AnalysisError, match=r"importance='shap' is not a measure"):
        touchpoint_importance(make_log(JOURNEYS), goal="buy", importance="shap")

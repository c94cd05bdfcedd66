"""Attribution models on a hand-computed log, against brute force, and on every engine."""

from collections import Counter
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cxlib import AnalysisError, attribution
from cxlib.conversion.attribution import MODELS, compare_models
from tests.conftest import make_log
from tests.conversion.test_markov import exact_effects

# a: ad mail web buy   3 touches, value 100
# b: mail buy          1 touch, value 50
# c: ad                never converts
# d: buy ad            converts at its first event: nothing to credit (value 7 left out)
# e: web ad buy buy    2 touches, value 30; the second buy (999) is after the first conversion
JOURNEYS = {
    "a": "ad mail web buy",
    "b": "mail buy",
    "c": "ad",
    "d": "buy ad",
    "e": "web ad buy buy",
}
VALUES = [None, None, None, 100.0, None, 50.0, None, 7.0, None, None, None, 30.0, 999.0]
CHANNELS = [
    *["social", "email", "web", "web"],
    *["email", "store"],
    *["social"],
    *["web", "social"],
    *["web", None, "web", "web"],
]


def log_():
    return make_log(JOURNEYS, value=VALUES, channel=CHANNELS)


def credits(out, column="touchpoint"):
    return {row[column]: row["conversions"] for row in out.iter_rows(named=True)}


EXPECTED = {
    # conversions per touchpoint; 3 attributed conversions (a, b, e)
    "first_touch": {"ad": 1, "mail": 1, "web": 1},  # a ad, b mail, e web
    "last_touch": {"web": 1, "mail": 1, "ad": 1},  # a web, b mail, e ad
    # a: 1/3 each; b: mail 1; e: web 1/2, ad 1/2
    "linear": {"ad": Fraction(5, 6), "mail": Fraction(4, 3), "web": Fraction(5, 6)},
    # a: 40/20/40; b: mail 1; e: 50/50
    "position": {"ad": Fraction(9, 10), "mail": Fraction(6, 5), "web": Fraction(9, 10)},
    # half-life 1 minute, one event a minute. a: ages 3, 2, 1 min -> 1/8, 1/4, 1/2 -> 1/7, 2/7, 4/7
    # b: mail 1. e: ages 2, 1 -> 1/4, 1/2 -> web 1/3, ad 2/3
    "time_decay": {
        "ad": Fraction(1, 7) + Fraction(2, 3),
        "mail": Fraction(2, 7) + 1,
        "web": Fraction(4, 7) + Fraction(1, 3),
    },
}
# each journey's own value, shared like its conversion: a 100, b 50, e 30
EXPECTED_VALUE = {
    "first_touch": {"ad": 100, "mail": 50, "web": 30},
    "linear": {
        "ad": Fraction(100, 3) + 15,
        "mail": Fraction(100, 3) + 50,
        "web": Fraction(100, 3) + 15,
    },
}


@pytest.mark.parametrize("model", list(EXPECTED))
def test_heuristic_models_by_hand(model):
    out = attribution(log_(), goal="buy", model=model, half_life="1m")
    assert out.columns == ["touchpoint", "credit", "conversions", "value"]
    expected = EXPECTED[model]
    assert credits(out) == pytest.approx({k: float(v) for k, v in expected.items()})
    assert out["credit"].sum() == pytest.approx(1.0)
    assert out["credit"].to_list() == pytest.approx(
        [out["conversions"][i] / 3 for i in range(out.height)]
    )
    assert out["value"].null_count() == out.height  # value=False


@pytest.mark.parametrize("model", list(EXPECTED_VALUE))
def test_value_is_shared_like_each_journeys_conversion(model):
    out = attribution(log_(), goal="buy", model=model, value=True)
    got = {row["touchpoint"]: row["value"] for row in out.iter_rows(named=True)}
    assert got == pytest.approx({k: float(v) for k, v in EXPECTED_VALUE[model].items()})


def test_markov_shares_conversions_by_removal_effect():
    effects = exact_effects([p.split() for p in JOURNEYS.values()], "buy")
    total = sum(effects.values())
    out = attribution(log_(), goal="buy", model="markov", value=True)
    expected = {k: e / total for k, e in effects.items() if e > 0}
    got = {row["touchpoint"]: row for row in out.iter_rows(named=True)}
    assert set(got) == set(expected) == {"ad", "mail", "web"}
    for tp, share in expected.items():
        assert got[tp]["credit"] == pytest.approx(float(share))
        assert got[tp]["conversions"] == pytest.approx(float(share * 3))  # a, b, e
        assert got[tp]["value"] == pytest.approx(float(share * 180))  # 100 + 50 + 30


def test_by_channel_credits_the_channel_of_each_touch():
    out = attribution(log_(), goal="buy", model="last_touch", level="channel")
    assert out.columns[0] == "channel"
    # last touches: a web (web), b mail (email), e ad (no channel)
    assert credits(out, "channel") == {"(none)": 1.0, "email": 1.0, "web": 1.0}


# The other models use no expression these three do not (Spark costs seconds a query).
@pytest.mark.parametrize("model", ["markov", "position", "time_decay"])
def test_models_agree_across_engines(on_engine, model):
    expected = attribution(log_(), goal="buy", model=model, value=True, half_life="1m")
    got = attribution(on_engine(log_()), goal="buy", model=model, value=True, half_life="1m")
    assert got["touchpoint"].to_list() == expected["touchpoint"].to_list()
    for column in ("credit", "conversions", "value"):
        assert got[column].to_list() == pytest.approx(expected[column].to_list())


def test_all_models_at_once_give_the_credit_of_each_alone(on_engine):
    # compare_models counts the heuristic models in one query, their weights side by side.
    options = {"goal": "buy", "value": True, "half_life": "1m"}
    out = compare_models(on_engine(log_()), models=list(MODELS), **options)
    assert out["model"].unique(maintain_order=True).to_list() == list(MODELS)
    for model in MODELS:
        alone = attribution(log_(), model=model, **options)  # Polars, one model a query
        got = out.filter(pl.col("model") == model)
        assert got["touchpoint"].to_list() == alone["touchpoint"].to_list()
        for column in ("credit", "conversions", "value"):
            assert got[column].to_list() == pytest.approx(alone[column].to_list())


@pytest.mark.parametrize(
    "journeys",
    [{"a": "buy x"}, {"a": "x y"}, {"a": "buy buy", "b": "x"}],
    ids=["direct only", "no conversion in journeys", "repeated direct"],
)
def test_nothing_to_credit_gives_empty_table(journeys):
    log = make_log(journeys)
    if "buy" not in " ".join(journeys.values()):
        with pytest.raises(AnalysisError, match=r"touchpoint 'buy' is not in the log"):
            attribution(log, goal="buy")
        return
    for model in MODELS:
        out = attribution(log, goal="buy", model=model)
        assert out.height == 0
        assert out.columns == ["touchpoint", "credit", "conversions", "value"]


def brute_force(paths, model):
    """Credited conversions per touchpoint, journey by journey, in plain Python."""
    totals = Counter()
    for path in paths:
        if "buy" not in path or path.index("buy") == 0:
            continue
        touches = path[: path.index("buy")]
        n = len(touches)
        for i, tp in enumerate(touches):
            if model == "first_touch":
                w = Fraction(int(i == 0))
            elif model == "last_touch":
                w = Fraction(int(i == n - 1))
            elif model == "time_decay":  # one event a minute, half-life 1 minute: 2^-age
                w = Fraction(1, 2 ** (n - i)) / sum(Fraction(1, 2 ** (n - j)) for j in range(n))
            elif model == "linear" or n <= 2:
                w = Fraction(1, n)
            else:
                w = Fraction(2, 5) if i in (0, n - 1) else Fraction(1, 5) / (n - 2)
            totals[tp] += w
    return {tp: w for tp, w in totals.items() if w > 0}


@settings(max_examples=120, deadline=None)
@given(
    paths=st.lists(
        st.lists(st.sampled_from(["x", "y", "é", "buy"]), min_size=1, max_size=6),
        min_size=1,
        max_size=5,
    ),
    model=st.sampled_from(MODELS),
)
def test_models_match_brute_force_and_credits_sum_to_one(paths, model):
    assume(any("buy" in p and p.index("buy") > 0 for p in paths))  # a conversion after a touch
    log = make_log({f"c{i}": p for i, p in enumerate(paths)})
    out = attribution(log, goal="buy", model=model, half_life="1m")
    assert out["credit"].sum() == pytest.approx(1.0)
    assert (out["credit"] > 0).all()
    if model != "markov":  # Markov: checked against the exact solver in test_markov
        expected = brute_force(paths, model)
        assert credits(out) == pytest.approx({k: float(v) for k, v in expected.items()})


def test_unknown_conversion_is_refused_with_suggestion():
    with pytest.raises(
        AnalysisError, match=r"touchpoint 'by' is not in the log; did you mean 'buy'\?"
    ):
        attribution(log_(), goal="by", model="linear")


def test_unknown_model_is_refused():
    with pytest.raises(
        AnalysisError, match=r"model='shapley' is not an attribution model; use one of"
    ):
        attribution(log_(), goal="buy", model="shapley")


def test_channel_credit_needs_a_channel_column():
    with pytest.raises(AnalysisError, match=r"level='channel' needs a channel column"):
        attribution(make_log({"a": "x buy"}), goal="buy", model="first_touch", level="channel")


def test_value_needs_a_value_column():
    with pytest.raises(AnalysisError, match=r"value=True needs a value column"):
        attribution(make_log({"a": "x buy"}), goal="buy", value=True)


@pytest.mark.parametrize(
    ("half_life", "match"),
    [("0d", "must be longer than zero"), ("week", "cannot read the duration")],
)
def test_bad_half_life_is_refused(half_life, match):
    with pytest.raises(AnalysisError, match=match):
        attribution(log_(), goal="buy", model="time_decay", half_life=half_life)


def test_result_types():
    out = attribution(log_(), goal="buy", model="position", value=True)
    assert out.schema == pl.Schema(
        {
            "touchpoint": pl.String,
            "credit": pl.Float64,
            "conversions": pl.Float64,
            "value": pl.Float64,
        }
    )


def test_time_decay_weighs_from_the_last_touch_so_distant_touches_do_not_vanish():
    # A year between events, half-life 1 minute: 2 ** -525,600 is 0.0 in floating point.
    # Weighed from the last touch (mail), mail has all the credit; weighed from the
    # conversion every weight would be 0 and the shares 0 / 0.
    log = make_log({"a": "ad mail buy"}, minutes=525_600)
    out = attribution(log, goal="buy", model="time_decay", half_life="1m")
    assert credits(out) == {"mail": 1.0}
    assert out["credit"].to_list() == [1.0]

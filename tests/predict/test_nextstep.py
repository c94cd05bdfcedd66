from collections import Counter, defaultdict
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib import ENTRY, EXIT, AnalysisError, EventLog
from cxlib.predict import next_touchpoints
from cxlib.predict.nextstep import context_counts, fit_next_step, next_distribution
from tests.conftest import make_log

# a: x y z | b: x y | c: w y z
# next after each event: x->y (a, b), y->z (a), z->EXIT (a), y->EXIT (b), w->y, y->z, z->EXIT (c)
LOG = {"a": "x y z", "b": "x y", "c": "w y z"}


def dist(model, prefix, **kw):
    context, rows = next_distribution(model, prefix, **kw)
    return context, {nxt: Fraction(p).limit_denominator(1000) for nxt, p in rows}


def test_empty_prefix_is_the_first_touchpoint_distribution():
    model = fit_next_step(make_log(LOG), order=2, min_support=1)
    # two journeys start at x, one at w
    assert dist(model, []) == ((ENTRY,), {"x": Fraction(2, 3), "w": Fraction(1, 3)})


def test_longest_context_is_used_when_seen():
    model = fit_next_step(make_log(LOG), order=2, min_support=1)
    # (x, y) seen twice: followed by z (a) and by the end (b)
    assert dist(model, ["x", "y"]) == (("x", "y"), {"z": Fraction(1, 2), EXIT: Fraction(1, 2)})
    # (w, y) seen once, followed by z
    assert dist(model, ["w", "y"]) == (("w", "y"), {"z": Fraction(1)})


def test_unseen_context_backs_off_to_the_last_touchpoint():
    model = fit_next_step(make_log(LOG), order=2, min_support=1)
    # no journey starts at y: (ENTRY, y) unseen; y is followed by z twice, by the end once
    assert dist(model, ["y"]) == (("y",), {"z": Fraction(2, 3), EXIT: Fraction(1, 3)})


def test_rare_context_backs_off_below_min_support():
    model = fit_next_step(make_log(LOG), order=2, min_support=2)
    # (w, y) seen once < 2: falls back to (y,) even though it was seen
    assert dist(model, ["w", "y"])[0] == ("y",)
    # (x, y) seen twice >= 2: kept
    assert dist(model, ["x", "y"])[0] == ("x", "y")


def test_unknown_touchpoint_backs_off_to_order_zero():
    model = fit_next_step(make_log(LOG), order=3, min_support=1)
    # next after any event: y 3 (x->y twice, w->y), z 2, EXIT 3, out of 8
    expected = {EXIT: Fraction(3, 8), "y": Fraction(3, 8), "z": Fraction(2, 8)}
    assert dist(model, ["x", "nowhere"]) == ((), expected)


def test_max_order_one_is_the_first_order_chain():
    model = fit_next_step(make_log(LOG), order=3, min_support=1)
    assert dist(model, ["x", "y"], max_order=1) == (
        ("y",),
        {"z": Fraction(2, 3), EXIT: Fraction(1, 3)},
    )


def test_next_touchpoints_frame_top_n_with_ties_by_name():
    model = fit_next_step(make_log(LOG), order=1, min_support=1)
    out = next_touchpoints(model, ["y"], n=1)
    assert out.schema == pl.Schema({"touchpoint": pl.String, "probability": pl.Float64})
    assert out.rows() == [("z", pytest.approx(2 / 3))]
    # order 0: EXIT and y tie at 3/8; sorted by name, "(exit)" before "y"
    assert next_touchpoints(model, ["nowhere"], n=None)["touchpoint"].to_list() == [EXIT, "y", "z"]


def test_loops_unicode_and_equal_timestamps():
    # equal timestamps keep the source order: café -> 💳 -> café -> café
    log = make_log({"u": ["café", "💳", "café", "café"]}, minutes=0)
    model = fit_next_step(log, order=2, min_support=1)
    # café is followed by 💳, café and the end once each
    assert dist(model, ["café"], max_order=1)[1] == {
        "💳": Fraction(1, 3),
        "café": Fraction(1, 3),
        EXIT: Fraction(1, 3),
    }
    assert dist(model, ["💳", "café"]) == (("💳", "café"), {"café": Fraction(1)})
    assert model.touchpoints == ["café", "💳"]


def test_one_event_customers_enter_and_exit():
    model = fit_next_step(make_log({"a": "x", "b": "x", "c": "y"}), order=3, min_support=1)
    assert dist(model, []) == ((ENTRY,), {"x": Fraction(2, 3), "y": Fraction(1, 3)})
    assert dist(model, ["x"]) == ((ENTRY, "x"), {EXIT: Fraction(1)})


def test_counts_agree_on_every_engine(on_engine):
    log = make_log({"a": "x y x y", "b": "y", "c": "x x"})
    expected = context_counts(log, order=3)
    assert context_counts(on_engine(log), order=3).equals(expected)


def reference_counts(journeys: dict[str, list[str]], order: int) -> dict:
    """Every (context -> next) count by brute force over the padded sequences."""
    counts: dict[tuple, Counter] = defaultdict(Counter)
    for path in journeys.values():
        tokens = [ENTRY, *path, EXIT]
        for i in range(1, len(tokens)):
            for length in range(1, order + 1):
                if i - length >= 0:
                    counts[tuple(tokens[i - length : i])][tokens[i]] += 1
            if i >= 2:  # after a real event
                counts[()][tokens[i]] += 1
    return counts


@settings(max_examples=150, deadline=None)
@given(
    journeys=st.dictionaries(
        st.sampled_from(list("pqrstu")),
        st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=6),
        min_size=1,
        max_size=5,
    ),
    order=st.integers(1, 4),
    min_support=st.integers(1, 3),
    prefix=st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=5),
)
def test_model_matches_brute_force(journeys, order, min_support, prefix):
    model = fit_next_step(make_log(journeys), order=order, min_support=min_support)
    counts = reference_counts(journeys, order)
    assert {ctx: dict(rows) for ctx, rows in model.counts.items()} == {
        ctx: dict(c) for ctx, c in counts.items()
    }
    tokens = [ENTRY, *prefix]
    expected_context = ()
    for length in range(min(order, len(tokens)), 0, -1):
        context = tuple(tokens[-length:])
        seen = sum(counts[context].values()) if context in counts else 0
        if seen and (length == 1 or seen >= min_support):
            expected_context = context
            break
    context, rows = next_distribution(model, prefix)
    assert context == expected_context
    total = sum(counts[context].values())
    assert dict(rows) == {nxt: pytest.approx(n / total) for nxt, n in counts[context].items()}
    probabilities = [p for _, p in rows]
    assert probabilities == sorted(probabilities, reverse=True)


@pytest.mark.parametrize("order", [0, 6, 2.5, "3"])
def test_bad_order_is_refused(order):
    with pytest.raises(AnalysisError, match=r"give a whole number from 1 to 5"):
        fit_next_step(make_log(LOG), order=order)


@pytest.mark.parametrize("min_support", [0, -1, 1.5])
def test_bad_min_support_is_refused(min_support):
    with pytest.raises(AnalysisError, match=r"min_support=.* is not a count"):
        fit_next_step(make_log(LOG), min_support=min_support)


def test_prefix_as_one_string_is_refused():
    model = fit_next_step(make_log(LOG), order=2)
    with pytest.raises(AnalysisError, match=r"prefix='x y' is one string; give a list"):
        next_distribution(model, "x y")


@pytest.mark.parametrize("bad", [EXIT, ENTRY, 3])
def test_prefix_with_a_non_touchpoint_is_refused(bad):
    model = fit_next_step(make_log(LOG), order=2)
    with pytest.raises(AnalysisError, match=r"which is not a touchpoint"):
        next_distribution(model, ["x", bad])


@pytest.mark.parametrize("n", [0, -2, 1.5])
def test_bad_n_is_refused(n):
    model = fit_next_step(make_log(LOG), order=2)
    with pytest.raises(AnalysisError, match=r"is not a number of touchpoints"):
        next_touchpoints(model, ["x"], n=n)


def test_empty_log_is_refused():
    empty = pl.DataFrame(
        schema={"customer_id": pl.String, "timestamp": pl.Datetime("us"), "touchpoint": pl.String}
    )
    with pytest.raises(AnalysisError, match=r"no events to learn the next touchpoint from"):
        fit_next_step(EventLog.from_frame(empty))


def test_order_counts_the_entry_as_a_token():
    # order 1 ignores where the journey came from; order 2 sees the entry before x
    log = make_log({"a": "x y", "b": "z x q", "c": "z x q"})
    assert dist(fit_next_step(log, order=1, min_support=1), ["x"])[1] == {
        "q": Fraction(2, 3),
        "y": Fraction(1, 3),
    }
    assert dist(fit_next_step(log, order=2, min_support=1), ["x"])[1] == {"y": Fraction(1)}

"""Markov removal effects: hand-computed chains and an exact Fraction solver written here."""

from collections import Counter
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cxlib import ENTRY, EXIT, AnalysisError, EventLog
from cxlib.conversion.markov import (
    CONVERSION,
    conversion_chain,
    conversion_chains,
    removal_effects,
)
from cxlib.engines import to_engine
from tests.conftest import make_log


def chain_counts(paths, conversion):
    """The chain's transitions, journey by journey, cut at the first conversion."""
    counts = Counter()
    for path in paths:
        previous = ENTRY
        for touchpoint in path:
            if touchpoint == conversion:
                counts[previous, CONVERSION] += 1
                break
            counts[previous, touchpoint] += 1
            previous = touchpoint
        else:
            counts[previous, EXIT] += 1
    return counts


def p_conversion(counts, removed=None):
    """Exact absorption probability in CONVERSION from ENTRY, by Gaussian elimination.

    Removing a state makes it absorbing with no conversion (b = 0 there).
    """
    states = sorted({s for s, _ in counts} - {removed}, key=lambda s: (s != ENTRY, s))
    index = {s: i for i, s in enumerate(states)}
    out = Counter()
    for (source, _), n in counts.items():
        out[source] += n
    n = len(states)
    # rows of (I - Q) | r
    rows = [[Fraction(int(i == j)) for j in range(n)] + [Fraction(0)] for i in range(n)]
    for (source, target), count in counts.items():
        if source == removed:
            continue
        p = Fraction(count, out[source])
        if target == CONVERSION:
            rows[index[source]][n] += p
        elif target in index:
            rows[index[source]][index[target]] -= p
    for col in range(n):
        pivot = next(r for r in range(col, n) if rows[r][col] != 0)
        rows[col], rows[pivot] = rows[pivot], rows[col]
        rows[col] = [v / rows[col][col] for v in rows[col]]
        for r in range(n):
            if r != col and rows[r][col] != 0:
                rows[r] = [a - rows[r][col] * b for a, b in zip(rows[r], rows[col], strict=True)]
    return rows[index[ENTRY]][n]


def exact_effects(paths, conversion):
    counts = chain_counts(paths, conversion)
    total = p_conversion(counts)
    states = {s for s, _ in counts} - {ENTRY}
    return {x: 1 - p_conversion(counts, removed=x) / total for x in states}


def effects_of(paths, goal="buy", **kwargs):
    log = make_log({f"c{i}": path for i, path in enumerate(paths)})
    out = removal_effects(log, goal=goal, **kwargs)
    return dict(out.iter_rows())


GRAPHS = {
    # mail -> ad -> buy; every conversion passes through ad.
    # P = 2/3 * 1/2 * 1/2 + 1/3 * 1/2 = 1/3; without mail 1/6; without ad 0
    "chain": (["mail ad", "ad buy", "mail"], {"ad": Fraction(1), "mail": Fraction(1, 2)}),
    # a loop x <-> y: P(x->y) = 2/3, P(x->buy) = 1/3, y -> x, exit, buy 1/3 each.
    # b_x = 5/7, b_y = 4/7, P = 2/3 * 5/7 + 1/3 * 4/7 = 2/3.
    # Without x: P = 1/3 * 1/3 = 1/9, effect 1 - (1/9)/(2/3) = 5/6.
    # Without y: b_x = 1/3, P = 2/9, effect 1 - (2/9)/(2/3) = 2/3.
    "loop": (["x y x buy", "x y", "y buy"], {"x": Fraction(5, 6), "y": Fraction(2, 3)}),
    # a self-loop on x, events after the conversion ignored, one direct conversion.
    # x -> x, buy, z 1/3 each: b_x = 1/2; P = 2/3 * 1/2 + 1/3 (direct) = 2/3.
    # Without x only the direct conversion is left: 1 - (1/3)/(2/3) = 1/2.
    # z only leads to the exit: removing it changes nothing.
    "self-loop": (
        ["x x buy z buy", "x z", "buy x"],
        {"x": Fraction(1, 2), "z": Fraction(0)},
    ),
}


@pytest.mark.parametrize("name", list(GRAPHS))
def test_removal_effects_match_hand_and_exact_solver(name):
    paths, by_hand = GRAPHS[name]
    got = effects_of(paths)
    assert exact_effects([p.split() for p in paths], "buy") == by_hand
    assert set(got) == set(by_hand)
    for state, effect in by_hand.items():
        assert got[state] == pytest.approx(float(effect), abs=1e-12)


def test_chain_counts_cut_at_first_conversion():
    chain = conversion_chain(make_log({"a": "x x buy z buy", "b": "x z", "c": "buy x"}), goal="buy")
    assert dict(((s, t), n) for s, t, n in chain.counts.rows()) == {
        (ENTRY, "x"): 2,
        (ENTRY, CONVERSION): 1,
        ("x", "x"): 1,
        ("x", CONVERSION): 1,
        ("x", "z"): 1,
        ("z", EXIT): 1,
    }
    assert (chain.conversions, chain.direct, chain.value) == (2, 1, None)


def test_removal_effects_by_channel(on_engine):
    # channels: a web web -> buy; b app web -> buy; c app -> exit.
    # entry -> web 1/3, app 2/3; app -> web 1/2, exit 1/2; web -> web 1/3, buy 2/3 (b_web = 1)
    # P = 1/3 + 2/3 * 1/2 = 2/3; without web 0 (effect 1); without app 1/3 (effect 1/2)
    log = make_log(
        {"a": "x y buy", "b": "x y buy", "c": "x"},
        channel=["web", "web", "store", "app", "web", "store", "app"],
    )
    out = removal_effects(on_engine(log), goal="buy", level="channel")
    assert out.columns == ["channel", "removal_effect"]
    assert out.rows() == [("web", pytest.approx(1.0)), ("app", pytest.approx(0.5))]


def test_nothing_converts_after_a_touch_gives_zero_effects():
    assert effects_of(["buy x", "x y"]) == {"x": 0.0, "y": 0.0}


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["x", "y", "z", "buy"]), min_size=1, max_size=6),
        min_size=1,
        max_size=5,
    )
)
def test_removal_effects_match_exact_solver_on_random_logs(paths):
    assume(any("buy" in p for p in paths))  # a log without the conversion is refused
    got = effects_of([" ".join(p) for p in paths])
    expected = exact_effects(paths, "buy")
    assert set(got) == set(expected)
    for state, effect in expected.items():
        assert got[state] == pytest.approx(float(effect), abs=1e-9)


def _counted(chain):
    return {(source, target): n for source, target, n in chain.counts.rows()}


@settings(deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["x", "y", "z", "buy"]), min_size=1, max_size=6),
        min_size=1,
        max_size=8,
    ),
    st.integers(1, 3),
)
def test_the_groups_chains_add_up_to_the_whole_chain_they_leave_for_the_next_ask(paths, groups):
    assume(any("buy" in p for p in paths))
    log = make_log({f"c{i}": " ".join(p) for i, p in enumerate(paths)})
    chains = conversion_chains(log, goal="buy", groups=groups)
    assert ("reused", "chain", ("buy", "touchpoint")) in log.cache.entries()
    kept = conversion_chain(log, goal="buy")  # made from the groups': no count of its own
    fresh = make_log({f"c{i}": " ".join(p) for i, p in enumerate(paths)})
    alone = conversion_chain(fresh, goal="buy")
    assert _counted(kept) == chain_counts(paths, "buy")
    assert kept.counts.equals(alone.counts)
    assert (kept.conversions, kept.direct) == (alone.conversions, alone.direct)
    if chains is not None:  # every group has a conversion
        summed = Counter()
        for chain in chains:
            summed.update(_counted(chain))
        assert summed == chain_counts(paths, "buy")


@settings(deadline=None, max_examples=60)
@given(
    st.lists(
        st.lists(st.sampled_from(["x", "y", "buy"]), min_size=1, max_size=5),
        min_size=1,
        max_size=12,
    ),
    st.integers(2, 4),
)
def test_the_groups_are_the_same_on_polars_and_duckdb(paths, groups):
    # Customers are grouped by their ids' text order (c10 before c2) on every engine,
    # whatever order Polars keeps their journeys in (by a hash of the id).
    assume(any("buy" in p for p in paths))
    frame = make_log({f"c{i}": " ".join(p) for i, p in enumerate(paths)}).to_polars()
    raw = frame.select("customer_id", "timestamp", "touchpoint")
    here = conversion_chains(EventLog.from_frame(raw), goal="buy", groups=groups)
    there = conversion_chains(
        EventLog.from_frame(to_engine(raw, "duckdb")), goal="buy", groups=groups
    )
    if here is None or there is None:
        assert here is there
        return
    assert [_counted(chain) for chain in here] == [_counted(chain) for chain in there]


def test_unknown_conversion_is_refused_with_suggestion():
    with pytest.raises(
        AnalysisError, match=r"touchpoint 'bye' is not in the log; did you mean 'buy'\?"
    ):
        removal_effects(make_log({"a": "x buy"}), goal="bye")


def test_chain_by_channel_needs_a_channel_column():
    with pytest.raises(AnalysisError, match=r"level='channel' needs a channel column"):
        removal_effects(make_log({"a": "x buy"}), goal="buy", level="channel")


def test_too_many_states_are_refused(monkeypatch):
    import cxlib.conversion.markov

    monkeypatch.setattr(cxlib.conversion.markov, "MAX_STATES", 2)
    with pytest.raises(AnalysisError, match=r"would have 3 states, more than 2; group touchpoints"):
        removal_effects(make_log({"a": "x y z buy"}), goal="buy")

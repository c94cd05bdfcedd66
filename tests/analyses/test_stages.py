"""Stages: default mapping from names, stage flow with regressions and re-entries, reach."""

from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib import ENTRY, EXIT, AnalysisError
from cxlib.analyses.stages import (
    STAGE_ORDER,
    default_stages,
    stage_flow,
    stage_funnel,
    stage_reach,
    to_stages,
)
from tests.conftest import make_log

MAP = {"v": "awareness", "p": "consideration", "c": "decision", "s": "loyalty", "r": "advocacy"}

# a: v p c p c s  -> awareness consideration decision consideration decision loyalty
# b: v v p x      -> awareness consideration (repeat collapsed, x unmapped and ignored)
# c: p            -> consideration
JOURNEYS = {"a": "v p c p c s", "b": "v v p x", "c": "p"}


@pytest.mark.parametrize(
    ("name", "stage"),
    [
        ("search_ad", "awareness"),
        ("visitHome", "awareness"),
        ("store visit", "awareness"),
        ("compare_plans", "consideration"),
        ("request-quote", "consideration"),
        ("add_to_cart", "decision"),
        ("sign_contract", "decision"),
        ("apply", "decision"),
        ("call_support", "loyalty"),
        ("repeat_purchase", "loyalty"),  # loyalty beats decision
        ("renew_contract", "loyalty"),
        ("write_review", "advocacy"),
        ("share_on_social", "advocacy"),  # advocacy beats awareness
        ("Référence", None),
        ("address_change", None),  # "address" is not the word "ad"
    ],
)
def test_default_stages_guesses_from_words(name, stage):
    assert default_stages([name]).get(name) == stage


def test_stage_flow_counts_regressions_and_re_entries(on_engine):
    out = stage_flow(on_engine(make_log(JOURNEYS)), stages=MAP)
    rows = {(r["from_stage"], r["to_stage"]): r for r in out.iter_rows(named=True)}
    expected = {
        # (transitions, customers, share, direction, re_entries)
        (ENTRY, "awareness"): (2, 2, Fraction(2, 3), "entry", 0),  # a and b start aware; c not
        (ENTRY, "consideration"): (1, 1, Fraction(1, 3), "entry", 0),
        ("awareness", "consideration"): (2, 2, Fraction(1), "forward", 0),
        # 4 moves leave consideration: a twice to decision (the second re-enters it),
        # b and c to the exit
        ("consideration", "decision"): (2, 1, Fraction(2, 4), "forward", 1),
        ("consideration", EXIT): (2, 2, Fraction(2, 4), "exit", 0),
        ("decision", "consideration"): (1, 1, Fraction(1, 2), "regression", 1),
        ("decision", "loyalty"): (1, 1, Fraction(1, 2), "forward", 0),
        ("loyalty", EXIT): (1, 1, Fraction(1), "exit", 0),
    }
    assert set(rows) == set(expected)
    for key, (n, customers, share, direction, re_entries) in expected.items():
        row = rows[key]
        assert (row["transitions"], row["customers"], row["direction"]) == (n, customers, direction)
        assert row["re_entries"] == re_entries
        assert row["share"] == pytest.approx(float(share))
    assert out.schema["transitions"] == pl.Int64
    assert out.schema["share"] == pl.Float64
    # sorted in stage order: entry first, exit last within each source
    assert out["from_stage"].to_list()[:2] == [ENTRY, ENTRY]


def test_stage_reach_shares_of_all_customers(on_engine):
    out = stage_reach(on_engine(make_log(JOURNEYS)), stages=MAP)
    # 3 customers; awareness a, b; consideration all; decision and loyalty a; advocacy none
    assert out["stage"].to_list() == list(STAGE_ORDER)
    assert out["customers"].to_list() == [2, 3, 1, 1, 0]
    assert out["share"].to_list() == pytest.approx([2 / 3, 1, 1 / 3, 1 / 3, 0])


def test_default_mapping_is_used_when_none_given():
    log = make_log({"a": "visit_home product_page checkout", "b": "visit_home"})
    assert stage_reach(log)["customers"].to_list() == [2, 1, 1, 0, 0]


def test_to_stages_keeps_event_order_and_drops_unmapped():
    log = make_log({"a": "p x c v"})
    assert to_stages(log, stages=MAP).to_polars()["touchpoint"].to_list() == [
        "consideration",
        "decision",
        "awareness",
    ]


def test_custom_stage_order_decides_regressions():
    order = ["explore", "buy"]
    out = stage_flow(make_log({"a": "b e"}), stages={"e": "explore", "b": "buy"}, order=order)
    assert out.filter(pl.col("from_stage") == "buy")["direction"].to_list() == ["regression"]


@pytest.mark.parametrize("journeys", [{}, {"a": "x y"}], ids=["empty log", "nothing mapped"])
def test_nothing_to_stage_gives_empty_flow(journeys):
    log = make_log(journeys)
    assert stage_flow(log, stages=MAP).height == 0
    assert stage_reach(log, stages=MAP)["customers"].sum() == 0


def test_stage_outside_the_order_is_refused():
    with pytest.raises(
        AnalysisError, match=r"stage\(s\) \['purchase'\] are not in the stage order"
    ):
        stage_flow(make_log({"a": "x"}), stages={"x": "purchase"})


def brute_force_flow(journeys, mapping):
    """Moves between stages per journey in plain Python: (transitions, customers, re_entries)."""
    moves, customers, re_entries = {}, {}, {}
    for customer, path in journeys.items():
        stages = [mapping[t] for t in path if t in mapping]
        stages = [s for i, s in enumerate(stages) if i == 0 or stages[i - 1] != s]
        if not stages:
            continue
        chain = [ENTRY, *stages, EXIT]
        for i in range(len(chain) - 1):
            key = (chain[i], chain[i + 1])
            moves[key] = moves.get(key, 0) + 1
            customers.setdefault(key, set()).add(customer)
            if chain[i + 1] in chain[1 : i + 1]:
                re_entries[key] = re_entries.get(key, 0) + 1
    return {k: (n, len(customers[k]), re_entries.get(k, 0)) for k, n in moves.items()}


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["a", "b", "c", "d"]),
        st.lists(st.sampled_from(["v", "p", "c", "s", "r", "x"]), min_size=1, max_size=8),
        max_size=4,
    )
)
def test_stage_flow_matches_brute_force(journeys):
    out = stage_flow(make_log(journeys), stages=MAP)
    got = {(r[0], r[1]): (r[2], r[3], r[6]) for r in out.rows()}
    assert got == brute_force_flow(journeys, MAP)


def test_stage_funnel_takes_what_most_buyers_met_in_each_stage(on_engine):
    # Before buying: a met ad and product, b visit and product, c ad and cart; d never buys.
    log = on_engine(
        make_log(
            {
                "a": "ad product buy",
                "b": "visit product buy",
                "c": "ad cart buy review",
                "d": "visit visit",
            }
        )
    )
    # awareness: ad (2 buyers) over visit (1); consideration: product (2); decision: cart
    # (1, the goal left aside); review comes after the goal's stage.
    assert stage_funnel(log, goal="buy") == ["ad", "product", "cart", "buy"]
    mapping = {"ad": "awareness", "product": "decision", "cart": "decision"}
    assert stage_funnel(log, goal="buy", stages=mapping) == ["ad", "product", "buy"]


def test_stage_funnel_of_an_unknown_goal_suggests_one():
    with pytest.raises(AnalysisError, match="did you mean 'buy'"):
        stage_funnel(make_log({"a": "ad buy"}), goal="bye")

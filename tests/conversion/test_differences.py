"""converter_differences: hand-computed contingency tables, statsmodels, the drill-down, engines."""

import math
from fractions import Fraction

import numpy as np
import polars as pl
import pytest
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.multitest import multipletests

import cxlib
from cxlib import AnalysisError, Outcome, WithValue, converter_differences, customers_at, sample
from cxlib.conversion import differences
from cxlib.conversion.differences import adjust_p_values, odds_ratio_test
from tests.conftest import make_log

CELLS = ["converted_with", "dropped_with", "converted_without", "dropped_without"]
# review comes after a's purchase: it is not behaviour before converting, and nobody else has it.
GOAL_LOG = make_log(
    {
        "a": "ad email buy review",
        "b": "ad buy",
        "c": "ad email",
        "d": "email",
        "e": "home buy",
        "f": "home",
    }
)


def test_contingency_tables_before_the_goal_hand_computed():
    out = converter_differences(GOAL_LOG, goal="buy", min_journeys=1)
    cells = {row[0]: row[1:] for row in out.select("value", *CELLS).rows()}
    assert cells == {
        "ad": (2, 1, 1, 2),  # with: a, b converted, c dropped; without: e / d, f
        "email": (1, 2, 2, 1),  # with: a / c, d; without: b, e / f
        "home": (1, 1, 2, 2),  # with: e / f; without: a, b / c, d
    }
    ad = out.row(by_predicate=pl.col("value") == "ad", named=True)
    # odds with ad 2/1 over odds without 1/2: 4; se = sqrt(1/2 + 1/1 + 1/1 + 1/2) = sqrt(3)
    se = math.sqrt(3)
    assert ad["odds_ratio"] == pytest.approx(float(Fraction(2, 1) / Fraction(1, 2)))
    assert ad["odds_ratio_low"] == pytest.approx(math.exp(math.log(4) - 1.959963984540054 * se))
    assert ad["p_value"] == pytest.approx(math.erfc(math.log(4) / se / math.sqrt(2)))
    assert ad["conversion_with"] == pytest.approx(2 / 3)
    assert ad["conversion_without"] == pytest.approx(1 / 3)
    assert out["column"].unique().to_list() == ["touchpoint"]


def test_a_funnel_outcome_reads_behaviour_inside_the_attempt():
    # a converts between home (0) and buy (30); its promo after buy does not count.
    # b stops at cart, its promo within the hour counts; c's chat comes after the window.
    log = make_log(
        {
            "a": "home promo cart buy promo",
            "b": "home promo cart",
            "c": ["home", *["wait"] * 5, "chat"],
            "d": "chat",
        },
        minutes=12,
    )
    out = converter_differences(
        log, steps=["home", "cart", "buy"], window="1h", min_journeys=1, columns=["touchpoint"]
    )
    rows = out.select("value", *CELLS).rows()
    # a: converted with promo; b: dropped with promo; c: dropped with wait only
    assert rows == [("promo", 1, 1, 0, 1), ("wait", 0, 1, 1, 1)]
    promo = out.row(0, named=True)
    # a zero cell: 0.5 added to each, (1.5 * 1.5) / (1.5 * 0.5) = 3
    assert promo["odds_ratio"] == pytest.approx(3.0)


@pytest.mark.parametrize("correction", ["benjamini-hochberg", "holm"])
def test_odds_ratios_intervals_and_corrections_equal_statsmodels(correction):
    log = cxlib.load(sample.path("retail"))
    out = converter_differences(log, goal="purchase", correction=correction)
    assert out.height > 20
    assert set(out["column"]) >= {"touchpoint", "channel", "device"}
    for row in out.iter_rows(named=True):
        table = Table2x2(haldane([[row[c] for c in CELLS[:2]], [row[c] for c in CELLS[2:]]]))
        low, high = table.oddsratio_confint(alpha=0.05)
        assert (row["odds_ratio"], row["odds_ratio_low"], row["odds_ratio_high"]) == pytest.approx(
            (table.oddsratio, low, high)
        )
        assert row["p_value"] == pytest.approx(table.log_oddsratio_pvalue(), rel=1e-6, abs=1e-300)
    method = {"benjamini-hochberg": "fdr_bh", "holm": "holm"}[correction]
    expected = multipletests(out["p_value"].to_numpy(), method=method)[1]
    assert out["p_adjusted"].to_list() == pytest.approx(expected.tolist())
    assert out["significant"].to_list() == (expected < 0.05).tolist()
    assert out["significant"].any()
    assert out["p_adjusted"].is_sorted()


def haldane(cells):
    """The 2x2 table with 0.5 added to every cell when one is 0 (statsmodels' own
    shift_zeros replaces only the zero cells)."""
    table = np.array(cells, dtype=float)
    return table + 0.5 if (table == 0).any() else table


def test_a_zero_cell_adds_a_half_to_every_cell():
    # (3.5 * 5.5) / (0.5 * 2.5) = 15.4
    table = Table2x2(haldane([[3, 0], [2, 5]]), shift_zeros=False)
    assert table.oddsratio == pytest.approx(15.4)
    odds, low, high, p = odds_ratio_test(3, 0, 2, 5)
    assert (odds, low, high) == pytest.approx((table.oddsratio, *table.oddsratio_confint()))
    assert p == pytest.approx(table.log_oddsratio_pvalue())


def test_adjusted_p_values_by_hand():
    # Benjamini-Hochberg: sorted 0.01, 0.02, 0.5 times 3/1, 3/2, 3/3 -> 0.03, 0.03, 0.5
    assert adjust_p_values([0.5, 0.01, 0.02], correction="benjamini-hochberg") == pytest.approx(
        [0.5, 0.03, 0.03]
    )
    # Holm: 0.01 x 3, 0.02 x 2, 0.5 x 1 -> 0.03, 0.04, 0.5
    assert adjust_p_values([0.5, 0.01, 0.02], correction="holm") == pytest.approx([0.5, 0.03, 0.04])


def test_each_row_opens_the_journeys_it_counts():
    log = cxlib.load(sample.path("retail"))
    outcome = Outcome(steps=("product_page", "add_to_cart", "checkout"))
    out = converter_differences(log, steps=list(outcome.steps), columns=["channel", "device"])
    for row in out.head(6).iter_rows(named=True):
        for among, cell in (("converted", "converted_with"), ("dropped", "dropped_with")):
            figure = WithValue(outcome, row["column"], row["value"], among)
            assert customers_at(log, figure, page_size=1).total == row[cell], (row["value"], among)


def test_the_same_table_on_every_engine(on_engine):
    moved = on_engine(GOAL_LOG)
    for options in [{"goal": "buy"}, {"steps": ["ad", "buy"]}]:
        expected = converter_differences(GOAL_LOG, min_journeys=1, **options)
        assert converter_differences(moved, min_journeys=1, **options).equals(expected)


def test_by_default_the_attributes_with_few_values_are_compared(on_engine, monkeypatch):
    # At most 2 values: plan has 2 and ratio 2 numbers (0.0 and -0.0 are one; as text,
    # two); ident has 3 among the first 3 events, ref its third value after them.
    monkeypatch.setattr(differences, "MAX_VALUES", 2)
    monkeypatch.setattr(differences, "_FIRST_EVENTS", 3)
    log = make_log(
        {"a": "ad buy", "b": "ad", "c": "home", "d": "home"},
        plan=["free", "pro", "pro", "free", "free"],
        ratio=[0.0, -0.0, 1.0, 1.0, 0.0],
        ident=["i1", "i2", "i3", "i4", "i5"],
        ref=["r1", "r1", "r1", "r2", "r3"],
    )
    out = converter_differences(on_engine(log), goal="buy", min_journeys=1)
    assert sorted(set(out["column"])) == ["plan", "ratio", "touchpoint"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"goal": "buy", "steps": ["ad", "buy"]}, "give goal='...' or steps=\\[...\\], not both"),
        ({}, "give goal='...' or steps=\\[...\\], not both"),
        ({"goal": "by"}, "touchpoint 'by' is not in the log; did you mean 'buy'"),
        (
            {"goal": "buy", "correction": "bonferroni"},
            "correction='bonferroni' is not a correction",
        ),
        ({"goal": "buy", "min_journeys": 0}, "min_journeys=0 must be a whole number"),
        (
            {"goal": "buy", "columns": ["chanel"]},
            "no column 'chanel' for what converters do differently",
        ),
    ],
)
def test_errors_name_the_problem(options, message):
    with pytest.raises(AnalysisError, match=message):
        converter_differences(GOAL_LOG, **options)

"""RFM: values, rank scores with ties, the segment grid, value by segment."""

import datetime as dt
import re

import polars as pl
import pytest

from cxlib import AnalysisError, EventLog
from cxlib.analyses.rfm import SEGMENTS, _segment, rfm, rfm_segments

NOW = dt.datetime(2024, 2, 1)


def log_of(rows):
    """rows: (customer, days before NOW, touchpoint, value)."""
    frame = pl.DataFrame(
        [(c, NOW - dt.timedelta(days=d), tp, v) for c, d, tp, v in rows],
        schema={
            "customer_id": pl.String,
            "timestamp": pl.Datetime("us"),
            "touchpoint": pl.String,
            "value": pl.Float64,
        },
        orient="row",
    )
    return EventLog.from_frame(frame)


# c1..c5: last bought 0, 10, 20, 30, 40 days ago; 5, 4, 3, 2, 1 purchases of 100 each
FIVE = [(f"c{i}", 10 * (i - 1) + d, "buy", 100.0) for i in range(1, 6) for d in range(6 - i)] + [
    ("c3", 25, "visit", None)
]


def test_five_customers_get_one_score_each(on_engine):
    out = rfm(on_engine(log_of(FIVE)), now=NOW)
    assert out["customer_id"].to_list() == ["c1", "c2", "c3", "c4", "c5"]  # by monetary
    assert out["recency_days"].to_list() == [0.0, 10.0, 20.0, 30.0, 40.0]
    assert out["frequency"].to_list() == [5, 4, 3, 2, 1]  # the visit is no transaction
    assert out["monetary"].to_list() == [500.0, 400.0, 300.0, 200.0, 100.0]
    # 5 customers: score = rank (1 + floor(5 (rank - 1) / 5))
    assert out["rfm"].to_list() == ["555", "444", "333", "222", "111"]
    assert out["segment"].to_list() == [
        "champions",
        "loyal",
        "need attention",
        "hibernating",
        "lost",
    ]
    assert out.schema["r_score"] == pl.Int64


def test_ties_share_a_score_and_customers_without_transactions_are_left_out():
    rows = [
        ("a", 0, "buy", 50.0),
        ("b", 0, "buy", 50.0),
        ("e", 10, "buy", 20.0),
        ("c", 3, "visit", None),  # never bought
        ("d", 3, "visit", 0.0),  # a zero value is no transaction
    ]
    out = rfm(log_of(rows), now=NOW).sort("customer_id")
    assert out["customer_id"].to_list() == ["a", "b", "e"]
    # recency: e (10 days) rank 1 -> 1; a, b tie at rank 2 -> 1 + floor(5 * 1 / 3) = 2
    assert out["r_score"].to_list() == [2, 2, 1]
    assert out["f_score"].to_list() == [1, 1, 1]  # all one purchase: rank 1
    assert out["m_score"].to_list() == [2, 2, 1]


def test_conversion_touchpoint_defines_transactions_and_now_defaults_to_last_event():
    rows = [("a", 5, "buy", 10.0), ("a", 4, "fee", 3.0), ("b", 2, "visit", None)]
    out = rfm(log_of(rows), goal="buy")
    # now = b's visit (2 days before NOW); a's last transaction, the buy, 3 days before it
    assert out.select("customer_id", "recency_days", "frequency", "monetary").rows() == [
        ("a", 3.0, 1, 10.0)  # the fee is not a "buy"
    ]


# The widely used RFM grid as regular expressions over "<r><f>", lost carved out of hibernating.
GRID = {
    r"[1-2][1-2]": "hibernating",
    r"[1-2][3-4]": "at risk",
    r"[1-2]5": "cannot lose them",
    r"3[1-2]": "about to sleep",
    r"33": "need attention",
    r"[3-4][4-5]": "loyal",
    r"41": "promising",
    r"51": "new customers",
    r"[4-5][2-3]": "potential loyalists",
    r"5[4-5]": "champions",
}


def test_segment_grid_matches_the_reference_map():
    pairs = [(r, f) for r in range(1, 6) for f in range(1, 6)]
    grid = pl.DataFrame(pairs, schema=["r_score", "f_score"], orient="row")
    got = grid.select(_segment().alias("segment"))["segment"].to_list()
    for (r, f), segment in zip(pairs, got, strict=True):
        matches = [name for pattern, name in GRID.items() if re.fullmatch(pattern, f"{r}{f}")]
        expected = "lost" if (r, f) == (1, 1) else matches[0]
        assert len(matches) == 1
        assert segment == expected, (r, f)
    assert set(got) == set(SEGMENTS)


def test_value_by_segment():
    out = rfm_segments(rfm(log_of(FIVE), now=NOW))
    # 1500 in all: champions 500, loyal 400, need attention 300, hibernating 200, lost 100
    assert out.select("segment", "customers", "monetary", "monetary_share").rows() == [
        ("champions", 1, 500.0, pytest.approx(1 / 3)),
        ("loyal", 1, 400.0, pytest.approx(4 / 15)),
        ("need attention", 1, 300.0, pytest.approx(1 / 5)),
        ("hibernating", 1, 200.0, pytest.approx(2 / 15)),
        ("lost", 1, 100.0, pytest.approx(1 / 15)),
    ]
    assert out["share"].to_list() == [0.2] * 5


def test_empty_log_gives_empty_tables():
    empty = log_of([])
    assert rfm(empty).height == 0
    assert rfm_segments(rfm(empty)).height == 0


def test_rfm_needs_a_value_column():
    log = EventLog.from_frame(
        pl.DataFrame({"customer_id": ["a"], "timestamp": [NOW], "touchpoint": ["buy"]})
    )
    with pytest.raises(AnalysisError, match=r"rfm needs a value column"):
        rfm(log)

"""Chart builders of the customer-centric analyses: data, order and encodings."""

import datetime as dt

import polars as pl

from cxlib.analyses.compare import compare_segments
from cxlib.views import charts_customer as cc
from tests.conftest import make_log


def test_transition_matrix_keeps_the_given_order_and_frames_highlighted_cells():
    flow = pl.DataFrame(
        {
            "from_stage": ["(entry)", "decision"],
            "to_stage": ["decision", "awareness"],
            "transitions": [4, 1],
            "share": [1.0, 1.0],
            "direction": ["entry", "regression"],
        }
    )
    order = ["(entry)", "awareness", "decision"]
    chart = cc.transition_matrix_chart(
        flow,
        source="from_stage",
        target="to_stage",
        order=order,
        highlight="direction",
        highlight_value="regression",
    )
    cells, frame, text = chart.to_dict()["layer"]
    assert cells["encoding"]["x"]["sort"] == order
    assert frame["mark"]["stroke"] == cc.LOSS
    assert frame["transform"] == [{"filter": "(datum['direction'] === 'regression')"}]
    assert text["encoding"]["text"]["field"] == "transitions"


def test_attribution_chart_orders_by_total_credit_and_limits():
    table = pl.DataFrame(
        {
            "touchpoint": ["a", "b", "c", "b"],
            "credit": [0.5, 0.3, 0.2, 0.9],
            "conversions": [5.0, 3.0, 2.0, 9.0],
            "value": [None, None, None, None],
            "model": ["linear", "linear", "linear", "markov"],
        },
        schema_overrides={"value": pl.Float64},
    )
    chart = cc.attribution_chart(table, limit=2)
    # b: 0.3 + 0.9 = 1.2, a: 0.5, c: 0.2 (left out)
    assert chart.to_dict()["encoding"]["y"]["sort"] == ["b", "a"]
    assert sorted(set(chart.data["touchpoint"])) == ["a", "b"]


def test_importance_chart_draws_medians_and_names_moments_of_truth():
    table = pl.DataFrame(
        {
            "touchpoint": ["a", "b", "c", "d"],
            "customers": [5, 3, 2, 1],
            "importance": [0.9, 0.2, 0.5, 0.1],
            "performance": [2.0, 4.0, 3.0, None],  # d has no rating: not drawn
            "moment_of_truth": [True, False, False, False],
            "performance_measure": ["rating"] * 4,
        }
    )
    chart = cc.importance_chart(table)
    vertical, _, points, _ = chart.layer
    assert vertical.data.row(0) == (0.5, 3.0)  # medians of the three drawn points
    assert points.data["touchpoint"].to_list() == ["a", "b", "c"]
    assert points.data["kind"].to_list() == ["moment of truth", "other", "other"]


def test_lifecycle_chart_draws_dormant_below_zero():
    table = pl.DataFrame(
        {
            "period": [dt.date(2024, 1, 1)] * 4,
            "state": ["new", "returning", "resurrecting", "dormant"],
            "customers": [3, 2, 1, 4],
            "complete": [False] * 4,
        }
    )
    chart = cc.lifecycle_chart(table)
    assert chart.data["signed"].to_list() == [3, 2, 1, -4]
    assert chart.to_dict()["encoding"]["opacity"]["condition"]["value"] == 1.0


def test_rfm_chart_keeps_the_segment_order():
    segments = pl.DataFrame(
        {
            "segment": ["lost", "champions"],
            "customers": [8, 2],
            "share": [0.8, 0.2],
            "monetary": [10.0, 90.0],
            "monetary_share": [0.1, 0.9],
        }
    )
    spec = cc.rfm_segments_chart(segments).to_dict()
    assert spec["encoding"]["y"]["sort"] == ["champions", "lost"]


def test_comparison_funnel_frame_feeds_the_funnel_chart():
    log = make_log({"a": "x y", "b": "x"}, channel=["web", "web", "app"])
    frame = cc.comparison_funnel_frame(compare_segments(log, ("channel", "web"), steps=["x", "y"]))
    assert frame.select("segment", "step", "customers").rows() == [
        ("A", 1, 1),
        ("A", 2, 1),
        ("B", 1, 1),
        ("B", 2, 0),
    ]
    assert frame["step_conversion"].to_list() == [1.0, 1.0, 1.0, 0.0]


def test_edge_change_chart_leaves_out_unknown_changes():
    edges = pl.DataFrame(
        {
            "source": ["a", "z"],
            "target": ["b", "b"],
            "transitions_a": [1, 0],
            "transitions_b": [2, 1],
            "share_a": [0.5, None],
            "share_b": [1.0, 1.0],
            "share_change": [-0.5, None],
        }
    )
    assert cc.edge_change_chart(edges).data["edge"].to_list() == ["a → b"]


def test_retention_heatmap_labels_cohorts_with_their_size():
    table = pl.DataFrame(
        {
            "cohort": [dt.date(2024, 1, 8), dt.date(2024, 1, 1)],
            "period": [0, 0],
            "cohort_size": [2, 5],
            "customers": [2, 5],
            "retention": [1.0, 1.0],
            "complete": [False, True],
        }
    )
    chart = cc.retention_heatmap(table)
    spec = chart.to_dict()
    assert spec["layer"][0]["encoding"]["y"]["sort"] == ["2024-01-01 (5)", "2024-01-08 (2)"]
    # The week the log ends in is marked, pale: incomplete, not a fall.
    assert chart.data.select("cohort", "text").rows() == [
        (dt.date(2024, 1, 8), "100%*"),
        (dt.date(2024, 1, 1), "100%"),
    ]
    assert spec["layer"][0]["encoding"]["opacity"]["condition"]["test"] == "datum.complete"

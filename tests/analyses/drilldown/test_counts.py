"""The list behind each kind of figure has as many rows as the figure says, on the retail sample."""

import pytest

import cxlib
from cxlib import (
    ENTRY,
    DropOff,
    FlowThrough,
    FunnelStep,
    GraphEdge,
    GraphNode,
    InFlight,
    Listed,
    PathTaken,
    RfmSegment,
    StageMove,
    StageReached,
    Step,
    StepAt,
    Where,
    customers_at,
    sample,
)
from cxlib.analyses.overview import summary

STEPS = ("product_page", "add_to_cart", "checkout", "purchase")


@pytest.fixture(scope="module")
def log():
    return cxlib.load(sample.path("retail"))


def total(log, figure, by="customer"):
    return customers_at(log, figure, page_size=1, by=by).total


@pytest.mark.parametrize("by", ["customer", "session"])
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"order": "strict", "window": "7d"},
        {"exclude": ("search",)},
        {"count": "attempts"},
    ],
)
def test_funnel_steps_reached_and_dropped(log, options, by):
    table = cxlib.funnel(log, list(STEPS), by=by, **options)
    at = table["customers"].to_list()
    for k in range(1, len(STEPS) + 1):
        assert total(log, FunnelStep(STEPS, k, **options), by) == at[k - 1]
        if k < len(STEPS):
            dropped = FunnelStep(STEPS, k, outcome="dropped", **options)
            assert total(log, dropped, by) == at[k - 1] - at[k]


def test_funnel_steps_with_conditions_and_a_breakdown_group(log):
    steps = ("product_page", Step("checkout", (Where("channel", ("app",)),)), "purchase")
    table = cxlib.funnel(log, list(steps), breakdown="device")
    for device, k, customers in table.select("device", "step", "customers").rows():
        figure = FunnelStep(steps, k, breakdown="device", value=device)
        assert total(log, figure) == customers, (device, k)


def test_graph_nodes_and_edges(log):
    graph = cxlib.journey_graph(log)
    for node, data in graph.nodes(data=True):
        expected = data["customers"]
        assert total(log, GraphNode(node)) == expected, node
    edges = cxlib.transitions(log, by="session")
    for source, target, customers in edges.select("source", "target", "customers").rows()[:40]:
        assert total(log, GraphEdge(source, target), "session") == customers, (source, target)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"max_steps": 3},
        {"start_at": "product_page", "end_at": "purchase"},
        {"collapse_repeats": True, "max_steps": 5},
    ],
)
def test_paths(log, options):
    for path, customers in cxlib.top_paths(log, n=15, **options).select("path", "customers").rows():
        assert total(log, PathTaken(path, **options)) == customers, path


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"steps": 4, "max_nodes": 3, "start_at": "product_page", "end_at": "purchase"},
        {"collapse_repeats": True, "max_nodes": 4},
    ],
)
@pytest.mark.parametrize("by", ["customer", "session"])
def test_flow_nodes_and_bands(log, options, by):
    shown = cxlib.flow(log, by=by, **options)
    figures = {k: v for k, v in options.items() if k != "max_nodes"}
    for part in (*shown.nodes, *shown.bands):
        figure = FlowThrough(part.prefix, **figures)
        assert total(log, figure, by) == part.journeys, part


def test_step_matrix_cells(log):
    matrix = cxlib.step_matrix(log, steps=5)
    for step, touchpoint, journeys in matrix.select("step", "touchpoint", "journeys").rows():
        if touchpoint != ENTRY or step == 0:
            assert total(log, StepAt(step, touchpoint)) == journeys, (step, touchpoint)


@pytest.mark.parametrize("by", ["customer", "session"])
def test_dropoffs_exits_and_reach(log, by):
    for touchpoint, journeys, exits in (
        cxlib.dropoffs(log, by=by).select("touchpoint", "journeys", "exits").rows()
    ):
        assert total(log, DropOff(touchpoint), by) == exits, touchpoint
        assert total(log, DropOff(touchpoint, "reached"), by) == journeys, touchpoint


def test_stage_moves_and_reach(log):
    stages = sample.STAGES["retail"]
    pairs = tuple(sorted(stages.items()))
    flow = cxlib.stage_flow(log, stages=stages)
    for source, target, customers in flow.select("from_stage", "to_stage", "customers").rows():
        assert total(log, StageMove(source, target, pairs)) == customers, (source, target)
    for stage, customers in (
        cxlib.stage_reach(log, stages=stages).select("stage", "customers").rows()
    ):
        assert total(log, StageReached(stage, pairs)) == customers, stage


def test_rfm_segments(log):
    segments = cxlib.rfm_segments(cxlib.rfm(log, goal="purchase"))
    for segment, customers in segments.select("segment", "customers").rows():
        assert total(log, RfmSegment(segment, goal="purchase")) == customers, segment


def test_prediction_lists(log):
    figures = summary(log, goal="purchase")
    assert total(log, InFlight("purchase")) == figures.customers - figures.converted
    ids = tuple(log.to_polars()["customer_id"].unique().sort().head(7).to_list())
    listed = customers_at(log, Listed((*ids, "nobody"), label="top 7"))
    assert listed.total == 7
    assert listed.rows["customer_id"].to_list() == list(ids)

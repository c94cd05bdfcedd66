"""The what-if on the Journey graph page: lower drop-off at the focused touchpoint."""

from __future__ import annotations

import pytest

import cxlib
from cxlib import predict, sample
from tests.app.conftest import assert_clean, new_app, open_page

GOAL = sample.GOALS["retail"]


def metric(at, label: str):
    return next(m for m in at.metric if m.label == label)


@pytest.fixture
def graph(app):
    at = open_page(app, "pages/graph.py")
    assert_clean(at, "Journey graph")
    return at


def test_no_focus_no_what_if(graph):
    assert list(graph.metric) == []
    assert [s.value for s in graph.subheader] == [
        "Critical touchpoints",
        "Who is behind a touchpoint or a transition",
    ]


@pytest.mark.parametrize(("touchpoint", "percent"), [("product_page", 10), ("checkout", 50)])
def test_what_if_matches_the_library(graph, touchpoint, percent):
    graph.selectbox(key="graph_focus").set_value(touchpoint).run()
    if percent != 10:
        graph.slider(key="graph_whatif_reduction").set_value(percent).run()
    assert_clean(graph, "Journey graph")
    assert graph.selectbox(key="goal").value == GOAL
    log = cxlib.load(sample.path("retail"))
    expected = predict.whatif_dropoff(log, touchpoint, goal=GOAL, reduction=percent / 100)
    assert expected.delta > 0
    now = metric(graph, "Expected conversions now")
    new = metric(graph, "Expected with less drop-off")
    assert now.value == f"{expected.baseline_conversions:,.1f}"
    assert new.value == f"{expected.new_conversions:,.1f}"
    assert new.delta == f"{expected.delta:+,.1f}"
    sentence = next(m.value for m in graph.markdown if "expected conversions" in m.value)
    assert f"fell by {percent}%" in sentence
    assert f"**{expected.delta:+,.1f}**" in sentence


def test_a_link_restores_the_what_if():
    params = {"graph_focus": "checkout", "graph_whatif_reduction": "30"}
    at = open_page(new_app(params).run(), "pages/graph.py")
    assert_clean(at, "Journey graph")
    assert at.slider(key="graph_whatif_reduction").value == 30
    log = cxlib.load(sample.path("retail"))
    expected = predict.whatif_dropoff(log, "checkout", goal=GOAL, reduction=0.3)
    assert metric(at, "Expected with less drop-off").value == f"{expected.new_conversions:,.1f}"


@pytest.mark.parametrize(
    ("touchpoint", "note"),
    [
        (GOAL, "is the conversion goal"),
        # journeys are cut at their first purchase: a survey after it has no drop-off before it
        ("nps_survey", "No what-if for this touchpoint"),
    ],
)
def test_touchpoints_without_a_what_if_get_a_note(graph, touchpoint, note):
    graph.selectbox(key="graph_focus").set_value(touchpoint).run()
    assert_clean(graph, "Journey graph")
    assert list(graph.metric) == []
    assert any(note in i.value for i in graph.info)


def test_another_goal_changes_the_figures(graph):
    graph.selectbox(key="graph_focus").set_value("product_page").run()
    graph.selectbox(key="goal").set_value("add_to_cart").run()
    assert_clean(graph, "Journey graph")
    log = cxlib.load(sample.path("retail"))
    expected = predict.whatif_dropoff(log, "product_page", goal="add_to_cart", reduction=0.1)
    assert metric(graph, "Expected conversions now").value == (
        f"{expected.baseline_conversions:,.1f}"
    )

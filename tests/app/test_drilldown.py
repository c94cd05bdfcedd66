"""Every drill-down origin: the list of who is behind a figure has as many rows as the figure says."""

from __future__ import annotations

import polars as pl
import pytest

import cxlib
from cxlib import sample
from tests.app.conftest import assert_clean, new_app, open_page
from ui.drilldown import UNITS

STEPS = ["product_page", "add_to_cart", "checkout", "purchase"]


def listed(at) -> int:
    """The count of the drill-down list on the page (its metric, the last of its kind)."""
    values = [m.value for m in at.metric if m.label in set(UNITS.values())]
    assert values, [m.label for m in at.metric]
    return int(values[-1].replace(",", ""))


def table(at, index: int = 0) -> pl.DataFrame:
    return pl.from_pandas(at.dataframe[index].value)


def with_column(at, *columns: str) -> pl.DataFrame:
    """The last table on the page with these columns (the drill-down list has first_touchpoint)."""
    tables = (table(at, i) for i in range(len(at.dataframe)))
    return [t for t in tables if set(columns) <= set(t.columns)][-1]


@pytest.fixture(scope="module")
def log():
    return cxlib.load(sample.path("retail"))


def opened(file: str, key: str):
    at = open_page(new_app().run(), file)
    at.toggle(key=f"{key}_open").set_value(True).run()
    return at


def test_funnel_steps_reached_and_dropped():
    at = opened("pages/funnels.py", "funnel_who")
    assert_clean(at, "Funnels")
    customers = table(at)["customers"].to_list()
    assert listed(at) == customers[0]
    for step in (2, 4):
        at.selectbox(key="funnel_who_step").set_value(step).run()
        assert listed(at) == customers[step - 1]
    at.selectbox(key="funnel_who_step").set_value(2)
    at.radio(key="funnel_who_outcome").set_value("dropped").run()
    assert listed(at) == customers[1] - customers[2] > 0
    # the first page of the list is shown, 25 rows
    assert with_column(at, "first_touchpoint").height == 25


def test_graph_nodes_and_edges(log):
    at = opened("pages/graph.py", "graph_who")
    graph = cxlib.journey_graph(log)
    at.selectbox(key="graph_who_node").set_value("checkout").run()
    assert_clean(at, "Journey graph")
    assert listed(at) == graph.nodes["checkout"]["customers"]
    at.radio(key="graph_who_kind").set_value("edge").run()
    at.selectbox(key="graph_who_target").set_value("purchase").run()
    assert listed(at) == graph.edges["checkout", "purchase"]["customers"]


def test_paths_and_steps():
    at = opened("pages/paths.py", "paths_who")
    paths = with_column(at, "path")
    assert listed(at) == paths["customers"][0]
    at.selectbox(key="paths_who_path").set_value(paths["path"][3]).run()
    assert listed(at) == paths["customers"][3]
    at.toggle(key="paths_step_who_open").set_value(True)
    at.selectbox(key="paths_who_step").set_value(3).run()
    at.selectbox(key="paths_who_at").set_value("(exit)").run()
    matrix = with_column(at, "touchpoint", "journeys")
    expected = matrix.filter((pl.col("step") == 3) & (pl.col("touchpoint") == "(exit)"))
    assert listed(at) == expected["journeys"].item()


def test_dropoffs_ended_and_reached():
    at = opened("pages/dropoffs.py", "dropoffs_who")
    assert_clean(at, "Drop-offs")
    drops = table(at)
    row = drops.row(1, named=True)
    at.selectbox(key="dropoffs_who").set_value(row["touchpoint"]).run()
    assert listed(at) == row["exits"]
    at.radio(key="dropoffs_who_outcome").set_value("reached").run()
    assert listed(at) == row["journeys"]


def test_stage_moves_and_stages():
    at = opened("pages/stages.py", "stages_who")
    flow = with_column(at, "from_stage")
    row = flow.row(2, named=True)
    at.selectbox(key="stages_who_move").set_value(f"{row['from_stage']} → {row['to_stage']}").run()
    assert listed(at) == row["customers"]
    at.selectbox(key="stages_who_stage").set_value("decision").run()
    at.toggle(key="stages_reach_who_open").set_value(True).run()
    stages = sample.STAGES["retail"]
    reach = cxlib.stage_reach(cxlib.load(sample.path("retail")), stages=stages)
    assert listed(at) == reach.filter(pl.col("stage") == "decision")["customers"].item()


def test_rfm_segments():
    at = opened("pages/customers.py", "customers_who")
    segments = table(at)
    assert listed(at) == segments["customers"][0]
    at.selectbox(key="customers_who").set_value(segments["segment"][2]).run()
    assert listed(at) == segments["customers"][2]


def test_prediction_lists():
    at = open_page(new_app().run(), "pages/predict.py")
    at.button(key="predict_train").click().run()
    at.toggle(key="predict_who_open").set_value(True).run()
    assert_clean(at, "Predict")
    in_flight = next(
        t for t in (table(at, i) for i in range(len(at.dataframe))) if "propensity" in t.columns
    )
    assert listed(at) == in_flight.height
    at.number_input(key="predict_who_top").set_value(10).run()
    assert listed(at) == 10
    shown = with_column(at, "first_touchpoint")["customer_id"].to_list()
    assert sorted(shown) == sorted(in_flight["customer_id"].head(10).to_list())


def test_converter_differences_rows():
    at = open_page(new_app().run(), "pages/funnels.py")
    assert not any("odds_ratio" in table(at, i).columns for i in range(len(at.dataframe)))
    at.toggle(key="funnel_differences_open").set_value(True).run()  # counted when asked for
    at.toggle(key="funnel_diff_who_open").set_value(True).run()
    differences = next(
        t for t in (table(at, i) for i in range(len(at.dataframe))) if "odds_ratio" in t.columns
    )
    row = differences.row(1, named=True)
    at.selectbox(key="funnel_diff_row").set_value(1).run()
    assert listed(at) == row["converted_with"]
    at.radio(key="funnel_diff_among").set_value("dropped").run()
    assert listed(at) == row["dropped_with"]


def test_a_list_used_as_segment_filters_every_page_and_compares():
    at = opened("pages/dropoffs.py", "dropoffs_who")
    at.selectbox(key="dropoffs_who").set_value("checkout").run()
    count = listed(at)
    at.text_input(key="dropoffs_who_segment_name").set_value("left at checkout")
    at.button(key="dropoffs_who_segment").click().run()
    assert any("left at checkout" in s.value for s in at.success)
    saved = next(iter(at.session_state["cx_named_segments"].values()))
    segment_id = next(iter(saved))
    at = open_page(at, "pages/overview.py")
    at.selectbox(key="cohort").set_value(segment_id).run()
    assert_clean(at, "Overview")
    assert at.query_params["cohort"] == segment_id  # the id, not the name
    assert segment_id != "left at checkout"
    assert next(m.value for m in at.metric if m.label == "Customers") == f"{count:,}"
    at.selectbox(key="cohort").set_value(None).run()
    at = open_page(at, "pages/compare.py")
    at.selectbox(key="compare_a_column").set_value(f"named segment: {segment_id}")
    at.multiselect(key="compare_steps").set_value(["product_page", "checkout"]).run()
    assert_clean(at, "Compare segments")
    assert next(m.value for m in at.metric if m.label == "Customers in A") == f"{count:,}"


def test_a_segment_link_in_another_session_says_it_is_not_there():
    at = open_page(new_app({"cohort": "0123456789"}).run(), "pages/overview.py")
    assert_clean(at, "Overview")
    assert any("is not in this session" in c.value for c in at.caption)


def test_flow_nodes_and_bands(log):
    at = opened("pages/paths.py", "paths_flow_who")
    assert_clean(at, "Paths")
    shown = cxlib.flow(log, steps=5, max_nodes=6)
    parts = [*shown.nodes, *shown.bands]
    assert listed(at) == parts[0].journeys == shown.journeys  # the start: every journey
    for index in (3, len(shown.nodes) + 2):
        at.selectbox(key="paths_flow_who_part").set_value(index).run()
        assert listed(at) == parts[index].journeys > 0

"""The customer-centric pages: they open on every sample and real log, show a note where
the log lacks what an analysis needs, and react to their controls."""

from __future__ import annotations

import json
import re

import polars as pl
import pytest

from cxlib import sample
from cxlib.views.graph_html import HIGHLIGHT_EDGE
from tests.app.conftest import assert_clean, new_app, open_page, upload

CUSTOMER_PAGES = [
    ("pages/stages.py", "Stages"),
    ("pages/channels.py", "Channels"),
    ("pages/attribution.py", "Attribution"),
    ("pages/customers.py", "Most valuable customers"),
    ("pages/retention.py", "Retention"),
    ("pages/compare.py", "Compare segments"),
]


def infos(at) -> list[str]:
    return [i.value for i in at.info]


def table(at, index: int = 0) -> pl.DataFrame:
    return pl.from_pandas(at.dataframe[index].value)


@pytest.mark.parametrize("scenario", sample.SCENARIOS)
def test_pages_show_their_analyses_on_each_sample(scenario):
    at = new_app({"scenario": scenario}).run()
    for file, title in CUSTOMER_PAGES:
        at = open_page(at, file)
        assert_clean(at, title)
        if file not in ("pages/compare.py",):  # compare waits for segments and steps
            assert len(at.get("vega_lite_chart")) >= 1, file


def real_log(shared_data, name):
    at = open_page(new_app().run(), "pages/data.py")
    return upload(at, (name, (shared_data / name).read_bytes()))


@pytest.mark.parametrize(
    ("name", "file", "note"),
    [
        ("helpdesk.xes.gz", "pages/channels.py", "This log has no channel column"),
        ("app_onboarding.csv", "pages/customers.py", "This log has no value column"),
        ("permit_receipt.csv", "pages/attribution.py", "Pick the conversion goal"),
        ("permit_receipt.csv", "pages/stages.py", "No touchpoint has a stage yet"),
    ],
)
def test_a_missing_column_or_choice_is_a_note_not_an_error(shared_data, name, file, note):
    at = open_page(real_log(shared_data, name), file)
    assert [e.value for e in at.exception] == []
    assert [e.value for e in at.error] == []
    assert any(i.startswith(note) for i in infos(at)), infos(at)


def test_real_log_with_a_chosen_goal_gets_attribution(shared_data):
    at = open_page(real_log(shared_data, "running_example.csv"), "pages/attribution.py")
    at.selectbox(key="goal").set_value("pay compensation").run()
    assert_clean(at, "Attribution")
    credit = table(at)
    sums = dict(credit.group_by("model").agg(pl.col("credit").sum()).rows())
    assert sums == pytest.approx({"markov": 1.0, "last_touch": 1.0, "linear": 1.0})


def test_attribution_models_follow_the_choice():
    at = open_page(new_app().run(), "pages/attribution.py")
    at.multiselect(key="attribution_models").set_value(["first_touch"]).run()
    assert_clean(at, "Attribution")
    credit = table(at)
    assert set(credit["model"]) == {"first_touch"}
    assert credit["credit"].sum() == pytest.approx(1.0)


def test_editing_a_stage_changes_the_flow():
    at = open_page(new_app().run(), "pages/stages.py")
    before = table(at, -1)  # the first table is the mapping editor
    assert "regression" in set(before["direction"])
    # Put every touchpoint in awareness: nobody can move to another stage any more.
    rows = len(at.dataframe[0].value)
    key = "stages_mapping_" + at.session_state["cx_loaded"].key
    at.session_state[key] = {
        "edited_rows": {i: {"stage": "awareness"} for i in range(rows)},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert_clean(at, "Stages")
    after = table(at, -1)
    assert set(after["from_stage"]) == {"(entry)", "awareness"}
    assert set(after["direction"]) == {"entry", "exit"}


def test_compare_segments_page_tests_each_step():
    at = open_page(new_app().run(), "pages/compare.py")
    at.selectbox(key="compare_a_column").set_value("channel").run()
    at.multiselect(key="compare_a_values").set_value(["store"]).run()
    at.multiselect(key="compare_steps").set_value(["product_page", "add_to_cart"]).run()
    assert_clean(at, "Compare segments")
    tests = table(at)
    assert tests["step"].to_list() == [1, 2]
    assert tests["p_value"].is_between(0, 1).all()
    # Each segment's most common paths, shares of its own customers (the metrics).
    sizes = [int(m.value.replace(",", "")) for m in at.metric]
    for paths, size in zip((table(at, -2), table(at, -1)), sizes, strict=True):
        assert 0 < paths.height <= 10
        assert (paths["customers"] / size).to_list() == pytest.approx(paths["share"].to_list())


def test_rfm_segment_against_the_rest():
    at = open_page(new_app().run(), "pages/customers.py")
    segments = table(at)
    assert segments["customers"].sum() > 0
    at.multiselect(key="customers_steps").set_value(["product_page", "purchase"]).run()
    assert_clean(at, "Most valuable customers")
    assert len(at.get("vega_lite_chart")) >= 3
    # The chosen segment's most common paths next to the rest's (the last two tables).
    chosen = at.selectbox(key="customers_segment").value
    size = segments.filter(pl.col("segment") == chosen)["customers"].item()
    mine, rest = table(at, -2), table(at, -1)
    assert mine.columns == rest.columns == ["path", "customers", "share"]
    assert 0 < mine.height <= 10
    assert 0 < rest.height <= 10
    # Shares are of the segment's customers, and of all the others for the rest.
    assert (mine["customers"] / size).to_list() == pytest.approx(mine["share"].to_list())
    others = (rest["customers"] / rest["share"]).round(6).unique()
    assert others.len() == 1
    assert others.item() != size


def test_retention_by_month_on_a_touchpoint():
    at = open_page(new_app().run(), "pages/retention.py")
    at.radio(key="retention_period").set_value("month").run()
    at.selectbox(key="retention_touchpoint").set_value("purchase").run()
    assert_clean(at, "Retention")
    assert table(at)["period"].min() == 0


def test_moment_of_truth_names_are_escaped(tmp_path):
    # A touchpoint named like a markdown image must not become one in the warning.
    name = "![x](http://e.com/a.png)"
    rows = ["customer,time,event,score"]
    for i in range(40):
        path = ["ad", name, "buy"] if i % 4 == 0 else ["ad", name] if i % 4 == 1 else ["ad", "buy"]
        rows += [
            f"c{i},2024-01-01T00:0{k}:00,{tp},{3 if tp == name else 5}" for k, tp in enumerate(path)
        ]
    at = open_page(new_app().run(), "pages/data.py")
    upload(at, ("marks.csv", "\n".join(rows).encode()))
    at = open_page(at, "pages/attribution.py")
    at.selectbox(key="goal").set_value("buy").run()
    assert [e.value for e in at.exception] == []
    for element in [*at.warning, *at.info, *at.success]:
        assert "](http" not in element.value


def drawn_edges(at) -> list[dict]:
    """The edges of the page's graph, each as the first piece vis-network gets of it.

    An edge is drawn in pieces through hidden bends (ids ``bend...``); its first piece
    leaves a real node (a number).
    """
    page = at.get("iframe")[0].proto.srcdoc
    pieces = json.loads(re.search(r"edges = new vis\.DataSet\((.*?)\);\n", page).group(1))
    return [e for e in pieces if isinstance(e["from"], int)]


def test_channels_page_highlights_switching_edges():
    at = open_page(new_app().run(), "pages/channels.py")
    assert_clean(at, "Channels")
    assert len(at.get("iframe")) == 1
    at.slider(key="channels_top_k").set_value(0).run()  # every edge
    edges = drawn_edges(at)
    # Highlighted edges are dashed (True); edges going back are dotted (a dash pattern).
    dashed = [e for e in edges if e.get("dashes") is True]
    assert all(e["color"]["color"] == HIGHLIGHT_EDGE for e in dashed)
    switching = table(at, -1)
    # The retail sample has touchpoint pairs always, sometimes and never changing channel.
    assert len(dashed) == switching.filter(pl.col("switch_share") >= 0.5).height > 0
    at.slider(key="channels_switch_share").set_value(1.0).run()
    assert_clean(at, "Channels")
    always = switching.filter(pl.col("switch_share") == 1.0).height
    assert len([e for e in drawn_edges(at) if e.get("dashes") is True]) == always < len(edges)


def test_channels_graph_escapes_touchpoint_names():
    name = '<img src=x onerror="alert(1)">'
    rows = ["customer,time,event,channel"]
    for i in range(6):
        steps = [("ad", "web"), (name, "store" if i % 2 else "web"), ("buy", "store")]
        quoted = name.replace('"', '""')
        rows += [
            f'c{i},2024-01-01T00:0{k}:00,"{quoted if tp == name else tp}",{ch}'
            for k, (tp, ch) in enumerate(steps)
        ]
    at = open_page(new_app().run(), "pages/data.py")
    upload(at, ("hostile.csv", "\n".join(rows).encode()))
    at = open_page(at, "pages/channels.py")
    at.selectbox(key="goal").set_value("buy").run()
    assert_clean(at, "Channels")
    page = at.get("iframe")[0].proto.srcdoc
    assert name not in page
    assert "<img" not in page.replace("\\u003c", "<")
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page.replace("\\u0026", "&")
    assert any(e.get("dashes") for e in drawn_edges(at))

"""What a person does in the dashboard: upload, map columns, define a funnel, share a link."""

from __future__ import annotations

import json
import re

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

import cxlib
from cxlib import sample
from cxlib.analyses.dropoffs import MIN_JOURNEYS
from cxlib.views import charts
from tests.app.conftest import (
    PAGES,
    assert_clean,
    data_label,
    errors,
    new_app,
    open_page,
    plain,
    upload,
)
from ui import cache

STEPS = ["product_page", "add_to_cart", "checkout"]


def funnel_table(at) -> pl.DataFrame:
    """The funnel table the Funnels page shows (its first table), as Polars."""
    return pl.from_pandas(at.dataframe[0].value)


@pytest.mark.parametrize(
    "content", [b"", b"\x00\x01\x02\xff\xfe binary", b"just one column\nx\ny\n"]
)
def test_a_broken_upload_shows_the_error_and_keeps_the_data(app, content):
    before = next(m.value for m in app.metric if m.label == "Customers")
    at = upload(open_page(app, "pages/data.py"), ("broken.csv", content))
    assert len(at.error) == 1
    assert errors(at)[0].startswith("Could not load broken.csv: ")
    assert data_label(at) == "sample: retail"
    # The error stays while the file sits in the uploader; the other pages still work,
    # each saying that it shows the sample, not the file, and why.
    assert len(at.run().error) == 1
    at = open_page(at, "pages/overview.py")
    assert_clean(at, "Overview")
    assert next(m.value for m in at.metric if m.label == "Customers") == before
    banner = [plain(w.value) for w in at.warning]
    assert banner[0].startswith(
        "Showing **sample: retail**, not **broken.csv**, which did not load: "
    )
    assert banner[0].endswith(". Fix it on the Data page, or remove it there.")


def test_an_upload_replaces_the_data_and_a_good_one_after_a_bad_one_loads(shared_data):
    at = open_page(new_app().run(), "pages/data.py")
    upload(at, ("broken.csv", b"\x00\xff"))
    assert len(at.error) == 1
    upload(at, ("running_example.csv", (shared_data / "running_example.csv").read_bytes()))
    assert_clean(at, "Data")
    assert data_label(at) == "running_example.csv"
    assert at.query_params.get("scenario") is None


def test_several_files_merge_into_one_log(shared_data):
    raw = (shared_data / "running_example.csv").read_bytes()
    at = upload(open_page(new_app().run(), "pages/data.py"), ("a.csv", raw), ("b.csv", raw))
    assert_clean(at, "Data")
    assert data_label(at) == "a.csv, b.csv"
    # 42 events in each file.
    assert at.session_state["cx_loaded"].log.report.rows_kept == 2 * 42


def test_changing_a_role_reloads_with_that_column(shared_data):
    at = open_page(new_app().run(), "pages/data.py")
    upload(at, ("running_example.csv", (shared_data / "running_example.csv").read_bytes()))
    assert at.selectbox(key="data_role_touchpoint").value == "concept:name"
    at.selectbox(key="data_role_touchpoint").set_value("org:resource")
    at.button(key="data_load").click().run()
    assert_clean(at, "Data")
    log = at.session_state["cx_loaded"].log
    assert log.mapping["touchpoint"].column == "org:resource"
    assert set(log.to_polars()["touchpoint"]) == {"Pete", "Mike", "Ellen", "Sue", "Sean", "Sara"}


def test_a_funnel_defined_with_the_widgets_shows_cxlib_numbers(app):
    at = open_page(app, "pages/funnels.py")
    at.multiselect(key="funnel_steps").set_value(STEPS)
    at.selectbox(key="funnel_window").set_value("7d")
    at.selectbox(key="funnel_order").set_value("strict")
    at.run()
    assert_clean(at, "Funnels")
    expected = cxlib.funnel(cxlib.load(sample.path("retail")), STEPS, window="7d", order="strict")
    assert funnel_table(at).equals(expected)
    assert expected["customers"][0] > expected["customers"][2] > 0


def test_the_funnel_views_are_tabs_and_only_the_open_one_is_computed(app):
    cache.RESULTS.clear()  # what other tests of this process computed
    at = open_page(app, "pages/funnels.py")
    at.multiselect(key="funnel_steps").set_value(STEPS)
    at.selectbox(key="funnel_window").set_value("7d").run()
    assert [t.label for t in at.tabs] == ["Steps", "Time to convert", "Conversion over time"]
    assert len(at.get("vega_lite_chart")) == 1  # the funnel's bars only
    held = cache.RESULTS.keys()  # the results computed so far, all sessions
    computed = [str(k[0]) for k in held]
    assert not [k for k in computed if k.endswith(("time_to_convert", "conversion_over_time"))]
    at.session_state["funnel_view"] = "Time to convert"  # what a click on the tab sets
    at.run()
    assert_clean(at, "Funnels")
    (chart,) = at.get("vega_lite_chart")
    (shown,) = (pl.read_ipc_stream(ds.data.data) for ds in chart.proto.datasets)
    log = cxlib.load(sample.path("retail"))
    expected = cxlib.time_to_convert(log, STEPS, window="7d")
    assert shown.select(expected.columns).equals(expected)
    assert "step_conversion" not in at.dataframe[0].value.columns  # no funnel table


def test_a_link_opens_the_funnel_view_it_names():
    params = {"funnel_steps": STEPS, "funnel_view": "Conversion over time"}
    at = open_page(new_app(params).run(), "pages/funnels.py")
    assert_clean(at, "Funnels")
    (chart,) = at.get("vega_lite_chart")
    frames = [pl.read_ipc_stream(ds.data.data) for ds in chart.proto.datasets]
    shown = next(f for f in frames if "converted" in f.columns)
    expected = cxlib.conversion_over_time(cxlib.load(sample.path("retail")), STEPS)
    assert shown["converted"].to_list() == expected["converted"].to_list()
    assert expected["converted"].sum() > 0


def test_a_funnel_breakdown_and_exclusion_through_the_widgets(app):
    at = open_page(app, "pages/funnels.py")
    at.multiselect(key="funnel_steps").set_value(STEPS)
    at.multiselect(key="funnel_exclude").set_value(["search"])
    at.selectbox(key="funnel_breakdown").set_value("channel")
    at.run()
    assert_clean(at, "Funnels")
    log = cxlib.load(sample.path("retail"))
    expected = cxlib.funnel(log, STEPS, exclude=["search"], breakdown="channel")
    assert funnel_table(at).equals(expected)


def test_query_parameters_restore_a_view():
    params = {
        "scenario": "bank",
        "funnel_steps": ["website_visit", "account_opened"],
        "funnel_window": "1d",
        "channels": ["web", "app"],
        "journeys": "sessions",  # bound widgets keep their shown label in the URL
    }
    at = open_page(new_app(params).run(), "pages/funnels.py")
    assert_clean(at, "Funnels")
    assert data_label(at) == "sample: bank"
    assert at.multiselect(key="funnel_steps").value == ["website_visit", "account_opened"]
    assert at.selectbox(key="funnel_window").value == "1d"
    log = cxlib.sessionize(cxlib.filter_channels(cxlib.load(sample.path("bank")), ["web", "app"]))
    expected = cxlib.funnel(log, params["funnel_steps"], window="1d", by="session")
    assert funnel_table(at).equals(expected)
    whole = cxlib.funnel(cxlib.load(sample.path("bank")), params["funnel_steps"], window="1d")
    assert not funnel_table(at).equals(whole)  # the filters in the link did apply


def test_a_link_to_an_unknown_scenario_opens_the_default():
    at = new_app({"scenario": "nope"}).run()
    assert_clean(at, "Overview")
    assert data_label(at) == "sample: retail"


def test_choices_made_on_other_data_do_not_break_the_pages(app):
    app.multiselect(key="hide").set_value(["search"]).run()  # a retail-only touchpoint
    at = open_page(app, "pages/funnels.py")
    at.multiselect(key="funnel_steps").set_value(STEPS).run()
    at = open_page(at, "pages/graph.py")
    at.selectbox(key="graph_focus").set_value("checkout").run()
    at = open_page(at, "pages/data.py")
    assert at.multiselect(key="hide").value == ["search"]
    at.selectbox(key="data_scenario").set_value("bank")
    at.button(key="data_open_sample").click().run()
    assert data_label(at) == "sample: bank"
    assert at.multiselect(key="hide").value == []  # "search" is not a bank touchpoint
    for file, title, _ in PAGES:
        assert_clean(open_page(at, file), title)


def test_sidebar_filters_apply_to_the_pages(app):
    at = open_page(app, "pages/dropoffs.py")
    at.multiselect(key="channels").set_value(["store"])
    at.radio(key="journeys").set_value("session")
    at.run()
    assert_clean(at, "Drop-offs")
    shown = pl.from_pandas(at.dataframe[0].value)
    log = cxlib.sessionize(cxlib.filter_channels(cxlib.load(sample.path("retail")), ["store"]))
    table = cxlib.dropoffs(log, by="session", goal=sample.GOALS["retail"])
    assert shown.equals(charts.dropoff_rows(table, min_journeys=MIN_JOURNEYS, limit=30))
    assert shown.height >= 3


def graph_data(at, what):
    """The nodes or edges the graph page hands to vis-network."""
    page = at.get("iframe")[0].proto.srcdoc
    return json.loads(re.search(rf"{what} = new vis\.DataSet\((.*?)\);\n", page).group(1))


def test_graph_controls_prune_and_focus(app):
    at = open_page(app, "pages/graph.py")
    at.slider(key="graph_top_k").set_value(1)
    at.slider(key="graph_min_share").set_value(0.0)
    at.run()
    assert_clean(at, "Journey graph")
    # One outgoing edge per touchpoint (an edge's first piece leaves a node, the others a bend).
    sources = [e["from"] for e in graph_data(at, "edges") if isinstance(e["from"], int)]
    assert len(sources) == len(set(sources))
    at.selectbox(key="graph_focus").set_value("checkout").run()
    graph = cxlib.journey_graph(cxlib.load(sample.path("retail")), top_k=1)
    around = {"checkout", *graph.predecessors("checkout"), *graph.successors("checkout")}
    titles = {n["title"].split("\n")[0] for n in graph_data(at, "nodes") if "title" in n}
    assert titles == around
    critical = pl.from_pandas(at.dataframe[0].value)
    assert critical.equals(cxlib.critical_touchpoints(graph))


def tiny_csv(customers: int) -> bytes:
    rows = [f"c{i},2024-01-01T00:00:0{k},step{k}" for i in range(customers) for k in range(2)]
    return "\n".join(["customer_id,timestamp,touchpoint", *rows]).encode()


def test_same_file_name_new_content_is_not_a_stale_cache_hit(app):
    at = open_page(app, "pages/data.py")
    for customers in (2, 3):
        upload(at, ("log.csv", tiny_csv(customers)))
        at = open_page(at, "pages/overview.py")
        assert next(m.value for m in at.metric if m.label == "Customers") == str(customers)
        at = open_page(at, "pages/data.py")


def test_the_data_page_lists_the_1000_most_frequent_touchpoints():
    # 1,500 touchpoints, touchpoint k visited k + 1 times: the list keeps the 1,000 busiest.
    rows = ["customer_id,timestamp,touchpoint"]
    rows += [f"c{k}-{i},2024-01-01T10:00:00,t{k}" for k in range(1_500) for i in range(k + 1)]
    at = upload(open_page(new_app().run(), "pages/data.py"), ("many.csv", "\n".join(rows).encode()))
    # The touchpoint counts: the table whose first column is the touchpoint (not the preview).
    table = next(d.value for d in at.dataframe if d.value.columns[0] == "touchpoint")
    assert len(table) == 1_000
    assert table["touchpoint"].iloc[0] == "t1499"
    assert table["touchpoint"].iloc[-1] == "t500"
    assert "The 1,000 most frequent." in [c.value for c in at.caption]


def _steps_script():
    import streamlit as st

    from ui.state import progress

    try:
        with progress("Loading *x*.csv (3 KB)") as step:
            step("Reading 3 KB…")
            step("42 events read.")
            if st.session_state.get("fail"):
                raise ValueError("a reader failed")
    except ValueError:
        st.write("the caller handles it")


@pytest.mark.parametrize("fail", [False, True])
def test_a_load_names_each_step_while_it_runs(fail):
    at = AppTest.from_function(_steps_script)
    at.session_state["fail"] = fail
    [status] = at.run().status
    assert [re.sub(r"^\d+\.\d s: ", "", t.value) for t in status.text] == [
        "Reading 3 KB…",
        "42 events read.",
    ]
    if fail:
        assert status.label == "Loading *x*.csv (3 KB): failed"
        assert status.state == "error"
    else:
        assert re.fullmatch(r"Loading \*x\*\.csv \(3 KB\): done in \d+\.\d s", status.label)
        assert status.state == "complete"

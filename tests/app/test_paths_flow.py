"""The Paths page's step-by-step flow: the library's numbers, focus on a node, empty states."""

from __future__ import annotations

import json

import polars as pl

import cxlib
from cxlib import EXIT, sample
from tests.app.conftest import assert_clean, new_app, open_page
from ui.text import md

OPTIONS = {"steps": 5, "max_nodes": 6, "start_at": None, "end_at": None, "collapse_repeats": False}


def shown_nodes(at) -> list[tuple]:
    """The nodes the flow chart (the page's first chart) draws: its data with labels."""
    chart = at.get("vega_lite_chart")[0].proto
    frames = [pl.read_ipc_stream(ds.data.data) for ds in chart.datasets]
    nodes = next(f for f in frames if "label" in f.columns)
    return sorted(nodes.select("step", "name", "journeys").rows())


def test_the_flow_shows_the_librarys_numbers():
    at = open_page(new_app().run(), "pages/paths.py")
    assert_clean(at, "Paths")
    log = cxlib.load(sample.path("retail"))
    expected = cxlib.flow(log, **OPTIONS)
    assert shown_nodes(at) == sorted((n.step, n.name, n.journeys) for n in expected.nodes)
    caption = next(c.value for c in at.caption if "every column adds up" in c.value)
    assert caption.startswith(f"{expected.journeys:,} journeys")


def test_a_picked_node_focuses_the_flow_until_the_controls_change():
    at = open_page(new_app().run(), "pages/paths.py")
    log = cxlib.load(sample.path("retail"))
    dropped = cxlib.flow(log, **OPTIONS).node(3, EXIT)
    # What a click on the drop-off node at step 3 leaves in the session.
    at.session_state["paths_flow_through"] = (OPTIONS, dropped.prefix)
    at.run()
    assert_clean(at, "Paths")
    focused = cxlib.flow(log, through=dropped.prefix, **OPTIONS)
    assert focused.journeys == dropped.journeys
    assert shown_nodes(at) == sorted((n.step, n.name, n.journeys) for n in focused.nodes)
    note = f"Following the journeys at {md('step 3: (exit)')}."  # escaped, as shown
    assert any(c.value == note for c in at.caption)
    at.slider(key="paths_flow_steps").set_value(4).run()  # other controls: all journeys again
    assert_clean(at, "Paths")
    assert not any(c.value.startswith("Following") for c in at.caption)


def test_the_flow_tables_read_for_people():
    at = open_page(new_app().run(), "pages/paths.py")
    nodes = at.dataframe[0]
    assert pl.from_pandas(nodes.value).columns == ["step", "name", "kind", "journeys", "share"]
    config = nodes.proto.columns
    assert json.loads(config)["share"]["type_config"]["format"] == "percent"

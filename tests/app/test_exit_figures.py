"""One definition per figure: a touchpoint's exit figures are the same on every page."""

from __future__ import annotations

import json
import re

import polars as pl
import pytest

import cxlib
from cxlib import sample
from cxlib.rates import EXIT_RATE, JOURNEYS_ENDING_SHARE
from cxlib.views.format import format_percent
from tests.app.conftest import assert_clean, new_app, open_page

GOAL = sample.GOALS["retail"]


def graph_title(at, touchpoint: str) -> str:
    page = at.get("iframe")[0].proto.srcdoc
    nodes = json.loads(re.search(r"nodes = new vis\.DataSet\((.*?)\);\n", page).group(1))
    return next(n["title"] for n in nodes if n.get("title", "").split("\n")[0] == touchpoint)


def figure(title: str, rate) -> str:
    """The percentage a graph tooltip gives for a rate: ``<definition> = 2.0%``."""
    return re.search(rf"{re.escape(rate.definition)} = ([0-9.]+%)", title).group(1)


@pytest.mark.parametrize("touchpoint", ["checkout", "product_page", "add_to_cart"])
def test_the_same_exit_figures_on_the_graph_drop_offs_and_the_what_if(touchpoint):
    at = new_app({"graph_focus": touchpoint}).run()
    at = open_page(at, "pages/graph.py")
    assert_clean(at, "Journey graph")
    title = graph_title(at, touchpoint)
    on_graph = figure(title, EXIT_RATE), figure(title, JOURNEYS_ENDING_SHARE)
    whatif = next(m for m in at.metric if m.label == "Exit rate")
    at = open_page(at, "pages/dropoffs.py")
    assert_clean(at, "Drop-offs")
    row = pl.from_pandas(at.dataframe[0].value).filter(pl.col("touchpoint") == touchpoint)
    on_dropoffs = (
        format_percent(row["exit_rate"].item()),
        format_percent(row["journeys_ending_share"].item()),
    )
    assert on_graph == on_dropoffs
    assert whatif.value == on_graph[0]
    # and they are the library's, per visit and per journey
    log = cxlib.load(sample.path("retail"))
    table = cxlib.dropoffs(log).filter(pl.col("touchpoint") == touchpoint)
    assert on_dropoffs[0] == format_percent(table["exits"].item() / table["visits"].item())
    assert on_dropoffs[1] == format_percent(table["exits"].item() / table["journeys"].item())
    assert whatif.help == EXIT_RATE.definition


def test_the_goal_is_not_a_drop_off_anywhere():
    at = open_page(new_app().run(), "pages/dropoffs.py")
    shown = pl.from_pandas(at.dataframe[0].value)
    assert GOAL not in shown["touchpoint"].to_list()
    at = open_page(at, "pages/graph.py")
    page = at.get("iframe")[0].proto.srcdoc
    assert f'"label": "{GOAL}\\n' in page
    goal_label = re.search(rf'"label": "({GOAL}\\n[^"]*)"', page).group(1)
    assert "goal" in goal_label
    assert "exit" not in goal_label

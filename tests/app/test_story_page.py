"""The Story page: the findings of the session's data, their links and what is left out."""

from __future__ import annotations

import contextlib
from urllib.parse import parse_qsl

import cxlib
from cxlib import sample
from cxlib.story.model import HEADINGS
from tests.app.conftest import assert_clean, new_app, open_page, upload
from ui import cache, report
from ui.text import md


def _story(query=None):
    at = open_page(new_app(query).run(), "pages/story.py")
    assert_clean(at, "Story")
    return at


def test_the_story_of_the_retail_sample():
    at = _story()
    expected = cxlib.findings(cxlib.load(sample.path("retail")), goal="purchase")
    headings = [s.value for s in at.subheader]
    told = [f"{i}. {HEADINGS[f.kind]}" for i, f in enumerate(expected.findings, 1)]
    assert headings == told + (["Left out"] if expected.left_out else [])
    sentences = [m.value for m in at.markdown]
    for found in expected.findings:
        assert md(found.sentence) in sentences  # escaped: touchpoint names are data
    assert [m.value for m in at.metric] == [f.headline for f in expected.findings]
    assert len(at.get("vega_lite_chart")) == len(expected.findings)


def test_the_story_names_each_finding_while_it_is_looked_for(monkeypatch):
    cache.RESULTS.clear()  # a story computed by another test of this process shows at once
    shown = []

    @contextlib.contextmanager
    def progress(label):
        shown.append(label)
        yield shown.append

    monkeypatch.setattr(cache, "progress", progress)
    at = _story()
    told = [f"{i} of 7: {heading.lower()}" for i, heading in enumerate(HEADINGS.values(), 1)]
    assert shown == ["Reading the story", *told]
    # Done, the box gave its place to the findings.
    assert len(at.status) == 0
    # Computed once: the next run of the page reads it from the cache, with no box.
    at.run()
    assert shown == ["Reading the story", *told]


def test_the_report_holds_the_journey_graph_and_every_finding(monkeypatch):
    asked = {}
    monkeypatch.setattr(report, "download", lambda title, sections, **_: asked.update(
        title=title, sections=sections))  # fmt: skip
    _story()
    sections = asked["sections"]()  # what a click on the button writes, drawn only then
    expected = cxlib.findings(cxlib.load(sample.path("retail")), goal="purchase")
    told = [f"{i}. {HEADINGS[f.kind]}" for i, f in enumerate(expected.findings, 1)]
    assert asked["title"] == "The story of sample: retail"
    assert [s.heading for s in sections] == ["The journey graph", *told]
    assert "vis-network" in sections[0].graph
    assert [s.text for s in sections[1:]] == [f.sentence for f in expected.findings]


def test_each_finding_links_to_its_view_with_the_data_and_the_goal():
    at = _story()
    links = at.get("page_link")
    expected = cxlib.findings(cxlib.load(sample.path("retail")), goal="purchase")
    assert [link.proto.page for link in links] == [f.page for f in expected.findings]
    dropoff = next(f for f in expected.findings if f.kind == "dropoff")
    (link,) = [link for link in links if link.proto.page == "dropoffs"]
    # The link carries the data (scenario), the goal and the view's own parameters.
    query = parse_qsl(link.proto.query_string)
    assert query == [("scenario", "retail"), ("goal", "purchase"), *dropoff.query]


def test_a_log_without_a_goal_asks_for_one():
    at = open_page(new_app().run(), "pages/data.py")
    upload(at, ("log.csv", b"user,time,event\na,2024-01-01,home\na,2024-01-02,cart\n"))
    open_page(at, "pages/story.py")
    assert [e.value for e in at.exception] == []
    assert [i.value for i in at.info] == [
        "Pick the conversion goal: the touchpoint that counts as a conversion."
    ]


def test_a_link_opens_its_view():
    # What the drop-off finding's link carries, opened as a new visit.
    query = {"scenario": "retail", "goal": "purchase", "dropoffs_after": "ad_click"}
    at = open_page(new_app(query).run(), "pages/dropoffs.py")
    assert_clean(at, "Drop-offs")
    assert at.selectbox(key="dropoffs_after").value == "ad_click"


def test_every_view_offers_its_figures_as_one_file():
    at = open_page(new_app().run(), "pages/dropoffs.py")
    figures = at.session_state["cx_view_figures"]
    assert [f.heading for f in figures] == ["Journeys ending at each touchpoint"]
    assert figures[0].chart["layer"]
    assert at.sidebar.get("download_button")[0].proto.label == "Download this view (HTML)"
    open_page(at, "pages/graph.py")
    figures = at.session_state["cx_view_figures"]
    assert [f.heading for f in figures] == ["Journey graph"]
    assert figures[0].graph.startswith("<html>")

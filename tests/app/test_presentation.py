"""Presentation switches: large font, colour-blind-safe graph, anonymised customers."""

from __future__ import annotations

import json
import re

import networkx as nx

from cxlib.views import graph_html as graph_view
from tests.app.conftest import assert_clean, new_app, open_page, plain
from ui.presentation import CHART_SCALE, GRAPH_SCALE, PRESENTER_CSS


def _chart_font(at) -> int:
    """The axis label size of the page's first chart, as drawn."""
    return json.loads(at.get("vega_lite_chart")[0].proto.spec)["config"]["axis"]["labelFontSize"]


def _graph_font(at) -> int:
    page = at.get("iframe")[0].proto.srcdoc
    options = json.loads(re.search(r"var options = (\{.*?\});\n", page).group(1))
    return options["nodes"]["font"]["size"]


def test_presenter_mode_enlarges_text_charts_and_graph_from_page_to_page():
    at = open_page(new_app().run(), "pages/dropoffs.py")
    assert at.get("html") == []
    plain = _chart_font(at)
    at.toggle(key="presenter").set_value(True).run()
    assert_clean(at, "Drop-offs")
    assert [h.proto.body for h in at.get("html")] == [PRESENTER_CSS]
    assert _chart_font(at) == round(plain * CHART_SCALE)
    open_page(at, "pages/graph.py")  # it stays on from page to page
    assert [h.proto.body for h in at.get("html")] == [PRESENTER_CSS]
    assert _graph_font(at) == round(graph_view.NODE_FONT * GRAPH_SCALE)
    at.toggle(key="presenter").set_value(False).run()
    assert at.get("html") == []
    assert _graph_font(at) == graph_view.NODE_FONT


def test_a_link_opens_in_presenter_mode():
    at = open_page(new_app({"presenter": "true"}).run(), "pages/overview.py")
    assert_clean(at, "Overview")
    assert [h.proto.body for h in at.get("html")] == [PRESENTER_CSS]
    assert at.toggle(key="presenter").value


def test_colour_blind_palette_colours_the_graph_blue_to_orange():
    g = nx.DiGraph()
    g.add_node("calm", visits=4, exits=0, exit_rate=0.0)
    g.add_node("leaky", visits=2, exits=2, exit_rate=1.0)
    g.add_edge("calm", "leaky", count=2, customers=2, share=0.5, median_seconds=1.0)
    page = graph_view.graph_html(g, palette="colour-blind")
    assert '"color": "#4477aa"' in page
    assert '"color": "#ee7733"' in page
    assert "#d94f2b" not in graph_view.graph_html(g, palette="colour-blind")
    at = open_page(new_app().run(), "pages/graph.py")
    default = at.get("iframe")[0].proto.srcdoc
    at.toggle(key="colour_blind").set_value(True).run()
    assert_clean(at, "Journey graph")
    safe = at.get("iframe")[0].proto.srcdoc
    assert _node_colours(default)
    assert all(_on_gradient(c, "default") for c in _node_colours(default))
    assert all(_on_gradient(c, "colour-blind") for c in _node_colours(safe))
    assert not any(_on_gradient(c, "colour-blind") for c in _node_colours(default))


def _node_colours(page: str) -> set[tuple[int, int, int]]:
    found = re.findall(r'"color": "#([0-9a-f]{6})", "id"', page)
    # Entry and exit are grey, the goal has a colour of its own: neither is on a gradient.
    fixed = {"9aa5b1", graph_view.GOAL_COLOUR.removeprefix("#")}
    return {tuple(bytes.fromhex(c)) for c in found} - {tuple(bytes.fromhex(c)) for c in fixed}


def _on_gradient(rgb: tuple[int, int, int], palette: str) -> bool:
    low, high = graph_view.PALETTES[palette]
    t = (rgb[0] - low[0]) / (high[0] - low[0])  # from the red channel, then check all three
    return 0 <= t <= 1 and all(
        abs(lo + (hi - lo) * t - c) <= 2 for lo, hi, c in zip(low, high, rgb, strict=True)
    )


def test_anonymise_hides_customer_ids_in_views_and_keeps_the_figures():
    at = open_page(new_app().run(), "pages/overview.py")
    figures = [(m.label, m.value) for m in at.metric]
    at.toggle(key="anonymise").set_value(True).run()
    assert_clean(at, "Overview")
    assert [(m.label, m.value) for m in at.metric] == figures
    open_page(at, "pages/data.py")
    preview = at.dataframe[-1].value  # the preview, last on the page
    assert preview["customer_id"].str.startswith("customer ").all()
    original = at.session_state["cx_loaded"].log.to_polars()["customer_id"]
    assert set(preview["customer_id"]).isdisjoint(original)
    for column in at.session_state["cx_loaded"].log.attributes:
        if column in preview:
            assert preview[column].dropna().astype(str).str.startswith(f"{column} ").all()
    assert "(anonymised)" in plain(at.sidebar.caption[0].value) or any(
        "(anonymised)" in plain(s.value) for s in at.subheader
    )

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from cxlib.views import charts
from ui.export import FORMULA_STARTS, LINKED, PNG_WIDTH, csv_bytes, linked, neutralise, png_bytes


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_formula_looking_cells_get_a_quote(start):
    cell = f'{start}HYPERLINK("http://x")'
    assert neutralise(pl.DataFrame({"t": [cell]}))["t"].to_list() == [f"'{cell}"]


@pytest.mark.parametrize("cell", ["home", "a=b", " =1", "", "ü-1", "(entry)"])
def test_other_cells_are_left_alone(cell):
    assert neutralise(pl.DataFrame({"t": [cell]}))["t"].to_list() == [cell]


def test_numbers_dates_and_nulls_are_left_alone():
    frame = pl.DataFrame({"n": [-1.5, 2.0], "d": [dt.date(2024, 1, 1), None], "t": [None, "-x"]})
    assert neutralise(frame).rows() == [(-1.5, dt.date(2024, 1, 1), None), (2.0, None, "'-x")]


def test_csv_bytes():
    frame = pl.DataFrame({"path": ["=cmd", "a → b"], "customers": [2, -1], "l": [[1], [2, 3]]})
    assert csv_bytes(frame).decode() == 'path,customers,l\n\'=cmd,2,[1]\na → b,-1,"[2, 3]"\n'


def test_png_bytes_renders_offline():
    frame = pl.DataFrame({"touchpoint": ["<b>x</b>", "y"], "customers": [3, 1]})
    png = png_bytes(charts.bar_chart(frame, category="touchpoint", value="customers"))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    # Width from the PNG header: the chart's 900 px (plus axis labels) at scale 2.
    assert int.from_bytes(png[16:20], "big") >= 2 * PNG_WIDTH


def test_graphs_on_screen_link_vis_network_and_downloads_hold_it():
    # The files Streamlit serves are pyvis's own: the pinned pyvis puts these very
    # blocks in every page, so each is replaced once by its link.
    import pyvis

    import cxlib
    from cxlib import sample
    from cxlib.views.graph_html import graph_html

    lib = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2"
    static = Path(__file__).resolve().parents[2] / "static"
    for name in ("vis-network.min.js", "vis-network.css"):
        assert (static / name).read_bytes() == (lib / name).read_bytes()
    page = graph_html(cxlib.journey_graph(cxlib.load(sample.path("retail"))))
    shown = linked(page)
    for held, link in LINKED:
        assert page.count(held) == 1
        assert held not in shown
        assert shown.count(link) == 1
    assert len(shown) < len(page) - 680_000
    assert linked("<p>no graph</p>") == "<p>no graph</p>"


def test_the_graph_page_shows_the_linked_graph():
    from tests.app.conftest import new_app, open_page

    at = open_page(new_app().run(), "pages/graph.py")
    page = at.get("iframe")[0].proto.srcdoc
    assert '<script src="app/static/vis-network.min.js"></script>' in page
    assert "vis-network.min.js.map" not in page  # the script's own last line: not held

import datetime as dt

import polars as pl
import pytest

from cxlib.views import charts
from ui.export import FORMULA_STARTS, PNG_WIDTH, csv_bytes, neutralise, png_bytes


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

"""Tables and charts as people read them, with their downloads: CSV for tables, PNG for charts.

Tables read for people (:func:`column_config`): headers in words, shares as percentages,
counts with thousands separators, durations humanised, dates without midnight, money
with two decimals; the formats come from :func:`cxlib.views.format.column_formats`.
The CSV keeps the raw values and the stable column names.

Charts are given as a builder and its arguments (``export.chart(charts.bar_chart, frame,
category=...)``): their Vega-Lite spec is built once for every session
(:func:`ui.cache.chart`) and drawn at this session's presentation scale.

CSV cells are untrusted text: a cell starting with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return would run as a formula in a spreadsheet, so it gets a leading
``'`` (the OWASP advice against CSV injection); header cells (column names, which come
from the data too) as well. Files are built only when the button is clicked.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import altair as alt
import polars as pl
import streamlit as st
import vl_convert

from cxlib.views import charts
from cxlib.views.format import ColumnFormat, column_formats
from cxlib.views.report import Section
from ui import cache, presentation, report

__all__ = [
    "FORMULA_STARTS",
    "LINKED",
    "Shown",
    "chart",
    "column_config",
    "csv_bytes",
    "graph",
    "linked",
    "neutralise",
    "png_bytes",
    "show",
    "table",
]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix ``'`` to every text cell a spreadsheet would read as a formula.

    Text, categorical and enum columns are checked (and come back as text).

    Examples
    --------
    >>> neutralise(pl.DataFrame({"t": ["=1+1", "ok", "-2"], "n": [-1, 2, 3]})).rows()
    [("'=1+1", -1), ('ok', 2), ("'-2", 3)]
    """
    text = [
        name
        for name, dtype in frame.schema.items()
        if dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum)
    ]
    starts = "^[" + "".join("\\" + c if c in "+-" else c for c in FORMULA_STARTS) + "]"
    return frame.with_columns(
        pl.when(pl.col(c).cast(pl.String).str.contains(starts))
        .then(pl.lit("'") + pl.col(c).cast(pl.String))
        .otherwise(pl.col(c).cast(pl.String))
        .alias(c)
        for c in text
    )


def csv_bytes(frame: pl.DataFrame) -> bytes:
    r"""The frame as UTF-8 CSV with formula-looking cells, header cells too, neutralised.

    Examples
    --------
    >>> csv_bytes(pl.DataFrame({"@SUM(A1)": ["=1+1"], "n": [1]}))
    b"'@SUM(A1),n\n'=1+1,1\n"
    """
    # CSV has no lists: write them as their text (results are small, a Python loop is fine).
    flat = frame.with_columns(
        pl.Series(name, [None if v is None else str(v) for v in frame[name].to_list()], pl.String)
        for name, dtype in frame.schema.items()
        if dtype.is_nested()
    )
    header = io.StringIO()
    names = ["'" + c if c.startswith(FORMULA_STARTS) else c for c in frame.columns]
    # "\r\n" as the terminator makes the writer quote a name holding either; Polars ends lines with "\n".
    csv.writer(header, lineterminator="\r\n").writerow(names)
    body = neutralise(flat).write_csv(include_header=False)
    return (header.getvalue().removesuffix("\r\n") + "\n" + body).encode()


#: Width in pixels of an exported single or layered chart (on screen it fills the page).
PNG_WIDTH = 900


def png_bytes(picture: alt.TopLevelMixin | dict[str, Any]) -> bytes:
    """The chart (or its Vega-Lite spec) as a PNG at twice the screen size, drawn offline."""
    spec = picture if isinstance(picture, dict) else picture.to_dict()
    if "mark" in spec or "layer" in spec:  # a single or layered chart: a fixed width
        spec = {**spec, "width": PNG_WIDTH}
    return vl_convert.vegalite_to_png(spec, scale=2)


#: How each kind of column is shown: Streamlit's column type and its format.
_SHOWN: dict[str, tuple[Any, str]] = {
    "share": (st.column_config.NumberColumn, "percent"),
    "count": (st.column_config.NumberColumn, "localized"),
    "number": (st.column_config.NumberColumn, "%,.2f"),
    "duration": (st.column_config.NumberColumn, "duration"),
    "money": (st.column_config.NumberColumn, "accounting"),
    "date": (st.column_config.DatetimeColumn, "YYYY-MM-DD"),
    "datetime": (st.column_config.DatetimeColumn, "YYYY-MM-DD HH:mm"),
}


def _column(spec: ColumnFormat) -> Any:
    if spec.kind not in _SHOWN:  # text
        return st.column_config.Column(spec.header, help=spec.help)
    column, shown = _SHOWN[spec.kind]
    return column(spec.header, help=spec.help, format=shown)


def column_config(frame: pl.DataFrame) -> dict[str, Any]:
    """Streamlit column settings that make a result table read for people (see the module)."""
    return {name: _column(spec) for name, spec in column_formats(frame).items()}


def table(
    frame: pl.DataFrame,
    *,
    key: str,
    name: str,
    height: int | Literal["auto", "stretch", "content"] = "auto",
) -> None:
    """Show a table read for people, with a button downloading it as CSV (``<name>.csv``)."""
    # As Arrow: Streamlit would convert any other frame to pandas first, at every run.
    st.dataframe(
        frame.to_arrow(),
        hide_index=True,
        height=height,
        key=f"{key}_table",
        column_config=column_config(frame),
    )
    st.download_button(
        "Download CSV",
        data=lambda: csv_bytes(frame),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
    )


def show(spec: dict[str, Any], *, key: str, select: bool = False) -> Any:
    """Draw a Vega-Lite spec full width, at this session's presentation scale.

    With ``select``, a click on the chart's point selections reruns the page, and the
    chart's selection state is returned (``.selection``).
    """
    # theme=None: the chart keeps its own fonts and sizes, the same as in the PNG.
    return st.vega_lite_chart(
        charts.scaled(spec, presentation.chart_scale()),
        width="stretch",
        theme=None,
        key=key,
        on_select="rerun" if select else "ignore",
    )


@dataclass(frozen=True)
class Shown:
    """A chart as :func:`chart` showed it.

    ``spec`` is its Vega-Lite spec (shared: never change it); ``selection`` the points
    clicked, for a chart shown with ``select``.
    """

    spec: dict[str, Any]
    selection: Any = None


def chart(
    builder: Callable[..., alt.TopLevelMixin],
    /,
    *args: Any,
    key: str,
    name: str,
    select: bool = False,
    **options: Any,
) -> Shown:
    """Show ``builder(*args, **options)`` with a button downloading it as PNG (``<name>.png``).

    The picture is built once for every session that shows the same chart of the same data.
    With ``select``, a click on the chart's point selections reruns the page and is returned.
    """
    both = cache.chart(builder, *args, **options)
    event = show(both.arrow, key=f"{key}_chart", select=select)
    spec = both.vega_lite
    report.add(Section(options.get("title") or name.replace("_", " "), chart=spec))
    st.download_button(
        "Download PNG",
        data=lambda: png_bytes(spec),
        file_name=f"{name}.png",
        mime="image/png",
        key=f"{key}_png",
        on_click="ignore",
    )
    return Shown(spec, event.selection if select else None)


#: vis-network's script and style as every graph page holds them (pyvis puts them in),
#: and links to the same files as Streamlit serves them from ``static/``
#: (``server.enableStaticServing``).
_STATIC = Path(__file__).resolve().parents[1] / "static"
LINKED = tuple(
    (f"<{tag}>{(_STATIC / name).read_text(encoding='utf-8')}</{tag}>", link)
    for tag, name, link in (
        ("script", "vis-network.min.js", '<script src="app/static/vis-network.min.js"></script>'),
        ("style", "vis-network.css", '<link rel="stylesheet" href="app/static/vis-network.css">'),
    )
)


def linked(page: str) -> str:
    """A graph page with vis-network's script and style linked rather than held.

    The page stays self-contained for downloads and reports; on screen, every rerun
    that draws a graph sent and parsed 0.69 MB of the 1.1 MB again. Linked, chromium
    loads a graph in 0.19-0.21 s instead of 0.28-0.32 s (0.29-0.30 CPU-s instead of
    0.37-0.46, 2026-12-05). A page holding other copies (another pyvis) is left whole.
    """
    for held, link in LINKED:
        page = page.replace(held, link, 1)
    return page


def graph(page: str, *, height: int, name: str) -> None:
    """Show a journey graph page (:mod:`cxlib.views.graph_html`), ``height`` pixels high."""
    st.iframe(linked(page), height=height)
    report.add(Section(name, graph=page, graph_height=height))

"""Altair pictures of the analyses: pure functions from a result frame to a chart.

Each builder takes the small Polars frame an analysis returns (columns as documented
there), adds the labels it shows, and returns an ``alt.Chart`` (or a layer of charts)
with readable fonts, so a notebook, the dashboard and an exported PNG show the same
picture. Nothing here computes an analysis or imports Streamlit.

Touchpoint names are drawn as text by Vega, never as HTML, so they need no escaping here.
"""

from __future__ import annotations

from typing import Any, TypeVar

import altair as alt
import polars as pl

from cxlib.rates import EXIT_RATE, JOURNEYS_ENDING_SHARE
from cxlib.views.format import format_count, header

__all__ = [
    "PARTIAL",
    "bar_chart",
    "dropoff_chart",
    "dropoff_rows",
    "row_height",
    "scaled",
    "step_heatmap",
    "styled",
]

#: Font size of axis labels and titles; large enough for a projector.
FONT_SIZE = 14
#: Longest label, in pixels, before Vega truncates it with an ellipsis.
LABEL_LIMIT = 320
#: Colour of bars and points when one series is shown.
ACCENT = "#1f6f8b"
#: Colour of what was lost (drop-offs, exits).
LOSS = "#d9642b"

#: Any top-level chart: :func:`styled` returns the kind of chart it is given.
_Chart = TypeVar("_Chart", bound=alt.TopLevelMixin)


def styled(chart: _Chart, *, title: str | None) -> _Chart:
    """The house style every chart builder ends with: full width, large fonts, a title."""
    # fit-x: stretch to the page's width, but keep the height for the plot itself (the
    # default "fit" squeezes axes and title into it, and rows of bars overlap).
    chart = chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    if title:
        chart = chart.properties(title=title)
    # Altair's configure_* methods return Self, but mypy reads their copied signatures as
    # returning Any: the annotation restores the chart's own type.
    configured: _Chart = (
        chart.configure_axis(
            labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, labelLimit=LABEL_LIMIT
        )
        .configure_legend(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE)
        .configure_title(fontSize=FONT_SIZE + 4)
        .configure_view(stroke=None)
    )
    return configured


#: Vega-Lite properties measured in pixels, scaled by :func:`scaled` (``size`` is an area).
_LENGTHS = frozenset(
    {"fontSize", "labelFontSize", "titleFontSize", "labelLimit", "height", "dx", "dy",
     "padding", "step", "labelPadding", "titlePadding", "symbolSize"}
)  # fmt: skip
#: Parts of a spec that hold data, never pictures: copied as they are.
_DATA = frozenset({"datasets", "data", "values"})


def scaled(spec: dict[str, Any], factor: float) -> dict[str, Any]:
    """A Vega-Lite spec drawn ``factor`` times larger, for a projector.

    Fonts, fixed heights, label room and offsets in pixels are times ``factor``, mark
    sizes (areas) times ``factor²``. The width still follows the page. ``spec`` is not changed (its data is shared, not
    copied), so a cached spec can be scaled for one viewer.

    Examples
    --------
    >>> spec = {"height": 100, "mark": {"type": "text", "fontSize": 14, "size": 50},
    ...         "config": {"axis": {"labelFontSize": 14}}, "datasets": {"d": [{"height": 1}]}}
    >>> big = scaled(spec, 1.5)
    >>> big["height"], big["mark"], big["config"]["axis"]["labelFontSize"], big["datasets"]
    (150, {'type': 'text', 'fontSize': 21, 'size': 112}, 21, {'d': [{'height': 1}]})
    >>> spec["height"], scaled(spec, 1.0) is spec
    (100, True)
    >>> scaled({"padding": {"left": 5, "right": 131}}, 2)
    {'padding': {'left': 10, 'right': 262}}
    """
    if factor == 1:
        return spec
    return _scaled(spec, factor)  # type: ignore[no-any-return]


def _scaled(value: Any, factor: float) -> Any:
    if isinstance(value, list):
        return [_scaled(v, factor) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key in _DATA:
            out[key] = item
        elif key in _LENGTHS and _is_number(item):
            out[key] = round(item * factor)
        elif key == "padding" and isinstance(item, dict):  # {"left": 5, "right": 131, ...}
            out[key] = {side: round(v * factor) if _is_number(v) else v for side, v in item.items()}
        elif key == "size" and _is_number(item):
            out[key] = round(item * factor * factor)
        else:
            out[key] = _scaled(item, factor)
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def row_height(rows: int) -> int:
    """Height in pixels of a chart with one row (bar) per item, readable on a projector."""
    return max(120, 32 * rows)


def bar_chart(
    frame: pl.DataFrame,
    *,
    category: str,
    value: str,
    title: str | None = None,
    percent: bool = False,
    limit: int = 25,
) -> alt.LayerChart:
    """Horizontal bars of ``value`` per ``category``, largest first, with the value written.

    Only the ``limit`` largest categories are drawn (ties broken by name).

    Examples
    --------
    >>> frame = pl.DataFrame({"touchpoint": ["home", "cart", "buy"], "customers": [10, 4, 7]})
    >>> chart = bar_chart(frame, category="touchpoint", value="customers", limit=2)
    >>> [row["touchpoint"] for row in chart.data.to_dicts()]
    ['home', 'buy']
    """
    data = frame.sort([value, category], descending=[True, False], nulls_last=True).head(limit)
    order = data[category].cast(pl.String).to_list()
    fmt = ".1%" if percent else ",.0f"
    y = alt.Y(f"{category}:N", sort=order, title=None)
    # Counts tick at whole numbers only: small counts would repeat a rounded tick (0 0 0 1 1).
    axis = alt.Axis(format=fmt) if percent else alt.Axis(format=fmt, tickMinStep=1)
    x = alt.X(f"{value}:Q", title=header(value), axis=axis)
    base = alt.Chart(data).encode(y=y, x=x, tooltip=[*(alt.Tooltip(c) for c in data.columns)])
    bars = base.mark_bar(color=ACCENT)
    text = base.mark_text(align="left", dx=4, fontSize=FONT_SIZE).encode(
        text=alt.Text(f"{value}:Q", format=fmt)
    )
    layer = alt.LayerChart(layer=[bars, text], data=data).properties(height=row_height(len(data)))
    return styled(layer, title=title)


def dropoff_rows(dropoffs: pl.DataFrame, *, min_journeys: int = 1, limit: int = 40) -> pl.DataFrame:
    """The drop-offs worth reading, in the one order the Drop-offs chart and table share.

    ``dropoffs`` has the columns of :func:`cxlib.dropoffs`. Touchpoints reached by fewer
    than ``min_journeys`` journeys are left out (their interval is too wide to read);
    the rest go highest ``journeys_ending_share`` first (ties: more journeys first, then
    by name), at most ``limit`` of them.

    Examples
    --------
    >>> d = pl.DataFrame({"touchpoint": ["a", "b", "c"], "journeys": [4, 100, 60],
    ...     "journeys_ending_share": [0.75, 0.4, 0.5]})
    >>> dropoff_rows(d, min_journeys=50)["touchpoint"].to_list()
    ['c', 'b']
    """
    share = JOURNEYS_ENDING_SHARE.name
    return (
        dropoffs.filter(pl.col("journeys") >= min_journeys)
        .sort([share, "journeys", "touchpoint"], descending=[True, True, False])
        .head(limit)
    )


def dropoff_chart(rows: pl.DataFrame, *, title: str | None = None) -> alt.LayerChart:
    """The share of journeys ending at each touchpoint with its 95% interval, counts written.

    ``rows`` has the columns of :func:`cxlib.dropoffs` (from :func:`dropoff_rows`: the
    chart keeps their order). The interval is drawn as a line, so 3 of 4 shows a long
    uncertain line next to a large touchpoint's short one. Labels read
    ``"exits/journeys"``; the tooltip also gives the exit rate per visit.

    Examples
    --------
    >>> d = pl.DataFrame({"touchpoint": ["a", "b"], "visits": [5, 120], "journeys": [4, 100],
    ...     "exits": [3, 40], "exit_rate": [0.6, 1 / 3], "journeys_ending_share": [0.75, 0.4],
    ...     "journeys_ending_share_low": [0.3, 0.31], "journeys_ending_share_high": [0.95, 0.5]})
    >>> dropoff_chart(d).data.select("touchpoint", "label").rows()
    [('a', '3/4'), ('b', '40/100')]
    """
    share = JOURNEYS_ENDING_SHARE.name
    labels = [
        f"{format_count(x)}/{format_count(n)}"
        for x, n in rows.select("exits", "journeys").iter_rows()
    ]
    data = rows.with_columns(label=pl.Series(labels, dtype=pl.String))
    order = data["touchpoint"].to_list()
    y = alt.Y("touchpoint:N", sort=order, title=None)
    pct = alt.Axis(format=".0%", tickCount=10)
    tooltip: list[str | alt.Tooltip] = [
        "touchpoint",
        alt.Tooltip("journeys", format=",", title="journeys reaching it"),
        alt.Tooltip("exits", format=",", title="journeys ending there"),
        alt.Tooltip(share, format=".1%", title=JOURNEYS_ENDING_SHARE.label),
        alt.Tooltip(f"{share}_low", format=".1%", title="95% interval from"),
        alt.Tooltip(f"{share}_high", format=".1%", title="95% interval to"),
        alt.Tooltip(EXIT_RATE.name, format=".1%", title=f"{EXIT_RATE.label} (per visit)"),
    ]
    base = alt.Chart(data).encode(y=y, tooltip=tooltip)
    interval = base.mark_rule(color=LOSS, strokeWidth=3).encode(
        x=alt.X(
            f"{share}_low:Q",
            title=f"{JOURNEYS_ENDING_SHARE.label} (95% interval)",
            axis=pct,
            scale=alt.Scale(domain=[0, 1]),
        ),
        x2=f"{share}_high:Q",
    )
    point = base.mark_circle(color=LOSS, size=120, opacity=1).encode(x=f"{share}:Q")
    text = base.mark_text(align="left", dx=8, dy=-10, fontSize=FONT_SIZE - 2).encode(
        x=f"{share}:Q", text="label:N"
    )
    layer = alt.LayerChart(layer=[interval, point, text], data=data).properties(
        height=row_height(len(data))
    )
    return styled(layer, title=title)


def step_heatmap(
    step_matrix: pl.DataFrame, *, max_touchpoints: int = 30, title: str | None = None
) -> alt.LayerChart:
    """Heatmap of which touchpoint journeys are at, step by step (from :func:`cxlib.step_matrix`).

    ``step_matrix`` has ``step``, ``touchpoint``, ``journeys`` and ``share`` (of the
    journeys at that step). Only the ``max_touchpoints`` touchpoints with the most
    journeys over all steps are drawn; shares of at least 5% are written in the cell.

    Examples
    --------
    >>> m = pl.DataFrame({"step": [1, 1, 2], "touchpoint": ["a", "b", "a"],
    ...     "journeys": [3, 1, 2], "share": [0.75, 0.25, 1.0]})
    >>> sorted(step_heatmap(m, max_touchpoints=1).data["touchpoint"].unique())
    ['a']
    """
    totals = (
        step_matrix.group_by("touchpoint")
        .agg(pl.col("journeys").sum())
        .sort(["journeys", "touchpoint"], descending=[True, False])
        .head(max_touchpoints)
    )
    order = totals["touchpoint"].to_list()
    data = step_matrix.filter(pl.col("touchpoint").is_in(order)).sort("step", "touchpoint")
    encode: dict[str, Any] = {
        "x": alt.X("step:O", title="step", axis=alt.Axis(labelAngle=0)),
        "y": alt.Y("touchpoint:N", sort=order, title=None),
    }
    tooltip = ["step", "touchpoint", "journeys", alt.Tooltip("share", format=".1%")]
    base = alt.Chart(data).encode(**encode)
    cells = base.mark_rect().encode(
        color=alt.Color(
            "share:Q", scale=alt.Scale(scheme="blues"), legend=alt.Legend(format=".0%")
        ),
        tooltip=tooltip,
    )
    text = (
        base.transform_filter(alt.datum.share >= 0.05)
        .mark_text(fontSize=FONT_SIZE - 2)
        .encode(
            text=alt.Text("share:Q", format=".0%"),
            color=alt.condition(alt.datum.share > 0.5, alt.value("white"), alt.value("black")),
        )
    )
    layer = alt.LayerChart(layer=[cells, text], data=data).properties(height=row_height(len(order)))
    return styled(layer, title=title)


#: How a period that has not ended yet is named on charts.
PARTIAL = "still filling"

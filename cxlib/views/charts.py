"""Altair pictures of the analyses: pure functions from a result frame to a chart.

Each builder takes the small Polars frame an analysis returns (columns as documented
there), adds the labels it shows, and returns an ``alt.Chart`` (or a layer of charts)
with readable fonts, so a notebook, the dashboard and an exported PNG show the same
picture. Nothing here computes an analysis or imports Streamlit.

Touchpoint names are drawn as text by Vega, never as HTML, so they need no escaping here.
"""

from __future__ import annotations

import math
from typing import Any, TypeVar, cast

import altair as alt
import polars as pl

from cxlib.rates import EXIT_RATE, JOURNEYS_ENDING_SHARE
from cxlib.views.format import format_count, header

__all__ = [
    "PARTIAL",
    "bar_chart",
    "conversion_over_time_chart",
    "dropoff_chart",
    "dropoff_rows",
    "funnel_chart",
    "row_height",
    "scaled",
    "step_heatmap",
    "styled",
    "time_to_convert_chart",
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


_FUNNEL_AXIS = "customers (−: lost since the step before)"
_GROUP = "breakdown_group"


def funnel_chart(
    funnel: pl.DataFrame, *, breakdown: str | None = None, title: str | None = None
) -> alt.LayerChart:
    """Funnel bars: customers per step, labelled with conversion and drop-off.

    ``funnel`` has the columns of :func:`cxlib.funnel` (``step``, ``touchpoint``,
    ``customers``, ``conversion``, ``step_conversion``), plus the ``breakdown``
    column when the funnel was broken down. Each bar is labelled
    ``"<customers> · <conversion> of start · −<drop-off>"`` where the drop-off is
    ``1 - step_conversion``, the share lost since the step before (none on the first step;
    the axis title says so), and the count has thousands separators. Rates that are null
    (nobody at the step before) are written as 0% of start and 0% drop-off. Without a
    breakdown each label is written above its bar; with one, after the bars.

    Examples
    --------
    >>> f = pl.DataFrame({"step": [1, 2], "touchpoint": ["view", "buy"],
    ...     "customers": [8000, 2000], "conversion": [1.0, 0.25], "step_conversion": [1.0, 0.25]})
    >>> funnel_chart(f).data["label"].to_list()
    ['8,000 · 100% of start', '2,000 · 25% of start · −75%']
    """
    counts = pl.Series([format_count(n) for n in funnel["customers"].to_list()], dtype=pl.String)
    data = funnel.with_columns(
        step_label=pl.format("{}. {}", pl.col("step"), pl.col("touchpoint")),
        label=pl.format(
            "{} · {}% of start",
            counts,
            (pl.col("conversion").fill_null(0) * 100).round(0).cast(pl.Int64),
        )
        + pl.when(pl.col("step") > 1)
        .then(
            pl.format(
                " · −{}%",
                ((1 - pl.col("step_conversion").fill_null(1)) * 100).round(0).cast(pl.Int64),
            )
        )
        .otherwise(pl.lit("")),
    ).sort([*([breakdown] if breakdown else []), "step"])
    order = data.unique("step").sort("step")["step_label"].to_list()
    y = alt.Y("step_label:N", sort=order, title=None)
    # Channels by keyword, some only with a breakdown: Altair types each keyword differently.
    encode: dict[str, Any] = {"y": y, "x": alt.X("customers:Q", title=_FUNNEL_AXIS)}
    tooltip: list[str | alt.Tooltip] = [
        "step",
        "touchpoint",
        "customers",
        alt.Tooltip("conversion", format=".1%"),
    ]
    tooltip.append(alt.Tooltip("step_conversion", format=".1%"))
    if breakdown:
        # Under a fixed name: Vega-Lite reads ":", "." and "[" in a field name as syntax.
        data = data.rename({breakdown: _GROUP})
        encode["yOffset"] = alt.YOffset(f"{_GROUP}:N")
        # On top (on the right it would sit over the labels of the longest bars), in rows
        # of three so that many groups do not run off the side.
        legend = alt.Legend(orient="top", columns=3, title=breakdown)
        encode["color"] = alt.Color(f"{_GROUP}:N", legend=legend)
        tooltip.insert(0, alt.Tooltip(f"{_GROUP}:N", title=breakdown))
    if not breakdown:
        return styled(_labelled_above(data, order, tooltip), title=title)
    base = alt.Chart(data).encode(**encode, tooltip=tooltip)
    bars = base.mark_bar()
    text = base.mark_text(align="left", dx=4, fontSize=FONT_SIZE).encode(text="label:N")
    height = row_height(len(order)) * max(1, min(data[_GROUP].n_unique(), 4))
    # The longest bar ends at the plot's right edge and its label is written after it:
    # padding as wide as the longest label keeps every label in the picture.
    padding = {"left": 5, "top": 5, "bottom": 5, "right": _label_room(data["label"])}
    layer = alt.LayerChart(layer=[bars, text], data=data).properties(height=height, padding=padding)
    return styled(layer, title=title)


def _labelled_above(data: pl.DataFrame, order: list[str], tooltip: list[Any]) -> alt.LayerChart:
    """One bar per step, its label written above it from the left edge.

    The label never competes with the bar for width, so the bars keep the plot's width in
    a narrow column (labels written after the bars, with room kept for them, left no width
    for the bars at all in the Live page's column).
    """
    # Thin bars in the lower part of each row, the label in the gap above them.
    band = alt.Scale(paddingInner=0.55, paddingOuter=0.45)
    base = alt.Chart(data).encode(tooltip=tooltip)
    bars = base.mark_bar(color=ACCENT).encode(
        y=alt.Y("step_label:N", sort=order, title=None, scale=band),
        x=alt.X("customers:Q", title=_FUNNEL_AXIS),
    )
    text = base.mark_text(align="left", baseline="bottom", dy=-3, fontSize=FONT_SIZE).encode(
        y=alt.Y("step_label:N", sort=order, scale=band, bandPosition=0),
        x=alt.value(0),
        text="label:N",
    )
    layer = alt.LayerChart(layer=[bars, text], data=data)
    return layer.properties(height=max(120, 64 * len(order)))


def _label_room(labels: pl.Series) -> int:
    """Pixels to keep right of the plot for labels written after the bars (``dx`` included).

    A generous estimate: half the font size per character of the longest label (the labels
    are digits and plain words, about 0.45 of the font size wide each).

    Examples
    --------
    >>> _label_room(pl.Series(["8 · 100% of start", "2"]))
    131
    """
    # Polars types a Series' max as any Python value; of character counts it is an int.
    longest = cast("int | None", labels.str.len_chars().max()) or 0
    return math.ceil(0.5 * FONT_SIZE * longest) + 12


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


def time_to_convert_chart(bins: pl.DataFrame, *, title: str | None = None) -> alt.LayerChart:
    """Bars of converting customers per time bin (from :func:`cxlib.time_to_convert`).

    ``bins`` has ``bin`` (a label), ``customers`` and ``share``, in the order of the
    bins (shortest first); that order is kept on the axis. Bars with customers are
    labelled with their share of converting customers; the count axis has whole
    numbers only (an empty one reads 0 to 1, not ``0.000000``).

    Examples
    --------
    >>> b = pl.DataFrame({"bin": ["< 1 min", "1-5 min"], "customers": [0, 2], "share": [0.0, 1.0]})
    >>> spec = time_to_convert_chart(b).to_dict()
    >>> spec["layer"][0]["encoding"]["x"]["sort"]
    ['< 1 min', '1-5 min']
    >>> spec["layer"][0]["encoding"]["y"]["axis"]["format"]
    ',d'
    """
    order = bins["bin"].to_list()
    # Polars types a Series' max as any Python value; of customer counts it is an int.
    most = cast("int | None", bins["customers"].max()) or 0
    y = alt.Y(
        "customers:Q",
        title="customers",
        # Whole numbers only: few customers otherwise read 0 0 0 0 0 1 1 on the axis.
        axis=alt.Axis(format=",d", tickMinStep=1),
        scale=alt.Scale(domain=[0, max(most, 1)]),
    )
    base = alt.Chart(bins).encode(
        x=alt.X("bin:N", sort=order, title="time to convert", axis=alt.Axis(labelAngle=-30)),
        y=y,
        tooltip=["bin", alt.Tooltip("customers", format=","), alt.Tooltip("share", format=".1%")],
    )
    bars = base.mark_bar(color=ACCENT)
    text = (
        base.transform_filter(alt.datum.customers > 0)
        .mark_text(dy=-8, fontSize=FONT_SIZE)
        .encode(text=alt.Text("share:Q", format=".0%"))
    )
    layer = alt.LayerChart(layer=[bars, text], data=bins)
    return styled(layer.properties(height=320), title=title)


def conversion_over_time_chart(
    frame: pl.DataFrame,
    *,
    period: str,
    conversion: str = "conversion",
    series: str | None = None,
    title: str | None = None,
) -> alt.LayerChart:
    """Line of a conversion rate per period (one line per ``series`` value when given).

    When ``frame`` has a ``complete`` column (:func:`cxlib.conversion_over_time`), a
    period still filling is drawn as a hollow point at the end of a dashed line, with
    a legend saying so, so that it does not read as a fall.

    Examples
    --------
    >>> import datetime as dt
    >>> d = pl.DataFrame({"period": [dt.date(2024, 1, 1), dt.date(2024, 1, 8)],
    ...     "conversion": [0.2, 0.05], "complete": [True, False]})
    >>> spec = conversion_over_time_chart(d, period="period").to_dict()
    >>> spec["layer"][0]["encoding"]["y"]["field"], spec["layer"][1]["mark"]["strokeDash"]
    ('conversion', [5, 4])
    """
    groups = [series] if series else []
    data = frame.sort(period).with_columns(
        complete=pl.col("complete") if "complete" in frame.columns else pl.lit(value=True)
    )
    # The dashed part runs from the last complete period to the ones still filling.
    last_complete = pl.col(period) == pl.col(period).filter(pl.col("complete")).max()
    if groups:
        last_complete = last_complete.over(groups)
    tail = data.filter(~pl.col("complete") | last_complete)
    state = pl.when(pl.col("complete")).then(pl.lit("complete")).otherwise(pl.lit(PARTIAL))
    data = data.with_columns(period_state=state)
    x = alt.X(f"{period}:T", title=period.replace("_", " "))
    y = alt.Y(f"{conversion}:Q", title="conversion", axis=alt.Axis(format=".0%"))
    tooltip = [
        *(alt.Tooltip(c) for c in frame.columns if c not in (conversion, "complete")),
        alt.Tooltip(conversion, format=".1%"),
        alt.Tooltip("period_state", title="period"),
    ]
    colour: dict[str, Any] = {"color": alt.Color(f"{series}:N")} if series else {}
    line_colour: dict[str, Any] = {} if series else {"color": ACCENT}
    solid = (
        alt.Chart(data.filter(pl.col("complete")))
        .mark_line(**line_colour)
        .encode(x=x, y=y, **colour)
    )
    dashed = alt.Chart(tail).mark_line(strokeDash=[5, 4], **line_colour).encode(x=x, y=y, **colour)
    shape = alt.Fill(
        "period_state:N",
        scale=alt.Scale(domain=["complete", PARTIAL], range=[ACCENT, "white"]),
        legend=alt.Legend(title=None, orient="top"),
    )
    points = (
        alt.Chart(data)
        .mark_point(size=70, filled=False, strokeWidth=2, **line_colour)
        .encode(x=x, y=y, fill=shape, tooltip=tooltip, **colour)
    )
    layer = alt.LayerChart(layer=[solid, dashed, points])
    return styled(layer.properties(height=320), title=title)


#: How a period that has not ended yet is named on charts.
PARTIAL = "still filling"

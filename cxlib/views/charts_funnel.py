"""Altair pictures of a funnel: its steps (with a breakdown), time to convert, conversion over time.

Builders in the manner of :mod:`cxlib.views.charts` (whose fonts, colours and styling
they share), from the frames :func:`cxlib.funnel`, :func:`cxlib.time_to_convert` and
:func:`cxlib.conversion_over_time` return.
"""

from __future__ import annotations

import math
from typing import Any, cast

import altair as alt
import polars as pl

from cxlib.views.charts import ACCENT, FONT_SIZE, PARTIAL, row_height, styled
from cxlib.views.format import format_count

__all__ = ["conversion_over_time_chart", "funnel_chart", "time_to_convert_chart"]

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

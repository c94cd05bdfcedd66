"""Altair pictures of the customer-centric analyses (stages, channels, attribution, ...).

Same conventions as :mod:`cxlib.views.charts`: each builder takes the small frame an
analysis returns (columns as documented there) and returns a chart with readable
fonts. Nothing here computes an analysis or imports Streamlit; touchpoint names are
drawn as text by Vega, never as HTML.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import polars as pl

from cxlib.analyses.compare import SegmentComparison
from cxlib.analyses.rfm import SEGMENTS
from cxlib.views.charts import ACCENT, FONT_SIZE, LOSS, row_height, styled

__all__ = [
    "attribution_chart",
    "channels_used_chart",
    "comparison_funnel_frame",
    "edge_change_chart",
    "importance_chart",
    "lifecycle_chart",
    "retention_heatmap",
    "rfm_segments_chart",
    "stage_reach_chart",
    "transition_matrix_chart",
]

#: Colour of what is gained (conversions, returning customers).
GAIN = "#2a9d5c"


def transition_matrix_chart(
    frame: pl.DataFrame,
    *,
    source: str,
    target: str,
    order: list[str] | None = None,
    highlight: str | None = None,
    highlight_value: Any = True,
    title: str | None = None,
) -> alt.LayerChart:
    """Heatmap of moves ``source -> target``: colour = ``share``, text = ``transitions``.

    For :func:`cxlib.stage_flow` (``source="from_stage"``, ``target="to_stage"``) and
    :func:`cxlib.channel_switches` (``from_channel``, ``to_channel``). ``order``
    fixes the order of both axes (default: alphabetical); cells where the column
    ``highlight`` equals ``highlight_value`` (``switch`` is true, ``direction`` is
    ``"regression"``) get an orange frame.

    Examples
    --------
    >>> f = pl.DataFrame({"from_channel": ["web", "web"], "to_channel": ["web", "app"],
    ...     "transitions": [3, 1], "share": [0.75, 0.25], "switch": [False, True]})
    >>> chart = transition_matrix_chart(f, source="from_channel", target="to_channel",
    ...     highlight="switch")
    >>> chart.to_dict()["layer"][0]["encoding"]["color"]["field"]
    'share'
    """
    names = order or sorted(set(frame[source]) | set(frame[target]))
    base = alt.Chart(frame).encode(
        x=alt.X(f"{target}:N", sort=names, title="to", axis=alt.Axis(labelAngle=-30)),
        y=alt.Y(f"{source}:N", sort=names, title="from"),
        tooltip=[
            source,
            target,
            "transitions",
            alt.Tooltip("share", format=".1%", title="share of moves out"),
        ],
    )
    layers = [
        base.mark_rect().encode(
            color=alt.Color(
                "share:Q", scale=alt.Scale(scheme="blues"), legend=alt.Legend(format=".0%")
            )
        )
    ]
    if highlight:
        layers.append(
            base.transform_filter(alt.datum[highlight] == highlight_value)
            .mark_rect(fill=None, stroke=LOSS, strokeWidth=2)
            .encode()
        )
    layers.append(
        base.mark_text(fontSize=FONT_SIZE - 2).encode(
            text=alt.Text("transitions:Q", format=",.0f"),
            color=alt.condition(alt.datum.share > 0.5, alt.value("white"), alt.value("black")),
        )
    )
    height = row_height(frame[source].n_unique())
    return styled(alt.LayerChart(layer=layers, data=frame).properties(height=height), title=title)


def stage_reach_chart(reach: pl.DataFrame, *, title: str | None = None) -> alt.LayerChart:
    """Bars of the share of customers reaching each stage, in stage order (:func:`cxlib.stage_reach`).

    Examples
    --------
    >>> r = pl.DataFrame({"stage": ["awareness", "decision"], "customers": [8, 2], "share": [0.8, 0.2]})
    >>> stage_reach_chart(r).to_dict()["layer"][0]["encoding"]["y"]["sort"]
    ['awareness', 'decision']
    """
    order = reach["stage"].to_list()
    base = alt.Chart(reach).encode(
        y=alt.Y("stage:N", sort=order, title=None),
        x=alt.X("share:Q", title="customers reaching the stage", axis=alt.Axis(format=".0%")),
        tooltip=["stage", "customers", alt.Tooltip("share", format=".1%")],
    )
    bars = base.mark_bar(color=ACCENT)
    text = base.mark_text(align="left", dx=4, fontSize=FONT_SIZE).encode(
        text=alt.Text("share:Q", format=".0%")
    )
    layer = alt.LayerChart(layer=[bars, text], data=reach).properties(height=row_height(len(order)))
    return styled(layer, title=title)


def channels_used_chart(table: pl.DataFrame, *, title: str | None = None) -> alt.LayerChart:
    """Conversion rate by number of channels used (:func:`cxlib.channels_used`), customers written.

    Examples
    --------
    >>> t = pl.DataFrame({"channels": [1, 2], "customers": [10, 5], "conversions": [1, 3],
    ...     "conversion_rate": [0.1, 0.6], "value": [None, None], "value_per_customer": [None, None]})
    >>> channels_used_chart(t).data["label"].to_list()
    ['10 customers', '5 customers']
    """
    data = table.with_columns(label=pl.format("{} customers", pl.col("customers")))
    base = alt.Chart(data).encode(
        x=alt.X("channels:O", title="channels used"),
        y=alt.Y("conversion_rate:Q", title="conversion rate", axis=alt.Axis(format=".0%")),
        tooltip=[
            "channels",
            "customers",
            "conversions",
            alt.Tooltip("conversion_rate", format=".1%"),
            alt.Tooltip("value_per_customer", format=",.2f"),
        ],
    )
    bars = base.mark_bar(color=ACCENT)
    text = base.mark_text(dy=-8, fontSize=FONT_SIZE - 2).encode(text="label:N")
    return styled(alt.LayerChart(layer=[bars, text], data=data).properties(height=320), title=title)


def attribution_chart(
    table: pl.DataFrame, *, level: str = "touchpoint", limit: int = 15, title: str | None = None
) -> alt.Chart:
    """Credit per touchpoint (or channel), one bar per model when the frame has a ``model`` column.

    ``table`` has the columns of :func:`cxlib.attribution`; stack several results
    with a ``model`` column to compare models. The ``limit`` names with the most
    credit (summed over models) are drawn, the largest first.

    Examples
    --------
    >>> t = pl.DataFrame({"touchpoint": ["a", "b", "a"], "credit": [0.7, 0.3, 1.0],
    ...     "conversions": [7.0, 3.0, 10.0], "value": [None] * 3, "model": ["linear", "linear", "markov"]})
    >>> attribution_chart(t).to_dict()["encoding"]["y"]["sort"]
    ['a', 'b']
    """
    totals = (
        table.group_by(level)
        .agg(pl.col("credit").sum())
        .sort(["credit", level], descending=[True, False])
        .head(limit)
    )
    order = totals[level].to_list()
    data = table.filter(pl.col(level).is_in(order)).with_columns(pl.col("value").cast(pl.Float64))
    encode = {
        "y": alt.Y(f"{level}:N", sort=order, title=None),
        "x": alt.X("credit:Q", title="share of the credit", axis=alt.Axis(format=".0%")),
        "tooltip": [
            *(["model"] if "model" in data.columns else []),
            level,
            alt.Tooltip("credit", format=".1%"),
            alt.Tooltip("conversions", format=",.1f"),
            alt.Tooltip("value", format=",.2f"),
        ],
    }
    models = data["model"].n_unique() if "model" in data.columns else 1
    if "model" in data.columns:
        encode["yOffset"] = alt.YOffset("model:N")
        encode["color"] = alt.Color("model:N")
        chart: alt.Chart = alt.Chart(data).mark_bar().encode(**encode)
    else:
        chart = alt.Chart(data).mark_bar(color=ACCENT).encode(**encode)
    height = max(120, 12 * len(order) * (models + 1))
    return styled(chart.properties(height=height), title=title)


def importance_chart(table: pl.DataFrame, *, title: str | None = None) -> alt.LayerChart:
    """The importance-performance quadrant (:func:`cxlib.touchpoint_importance`).

    One point per touchpoint with a performance, importance across and performance
    up, the medians as cross-hairs; moments of truth (bottom right: important,
    badly served) in orange and named.

    Examples
    --------
    >>> t = pl.DataFrame({"touchpoint": ["a", "b", "c"], "customers": [5, 3, 2],
    ...     "importance": [0.9, 0.2, 0.5], "performance": [2.0, 4.0, 3.0],
    ...     "moment_of_truth": [True, False, False], "performance_measure": ["rating"] * 3})
    >>> importance_chart(t).layer[2].data.select("touchpoint", "kind").rows()
    [('a', 'moment of truth'), ('b', 'other'), ('c', 'other')]
    """
    data = table.filter(pl.col("performance").is_not_null()).with_columns(
        kind=pl.when("moment_of_truth").then(pl.lit("moment of truth")).otherwise(pl.lit("other"))
    )
    measure = data["performance_measure"][0] if data.height else "performance"
    medians = pl.DataFrame(
        {"importance": [data["importance"].median()], "performance": [data["performance"].median()]}
    )
    points = (
        alt.Chart(data)
        .mark_circle(opacity=0.85)
        .encode(
            x=alt.X("importance:Q", title="importance"),
            y=alt.Y("performance:Q", title=f"performance ({measure})", scale=alt.Scale(zero=False)),
            size=alt.Size("customers:Q", title="customers"),
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(domain=["moment of truth", "other"], range=[LOSS, ACCENT]),
                title=None,
            ),
            tooltip=[
                "touchpoint",
                "customers",
                alt.Tooltip("importance:Q", format=".3f"),
                alt.Tooltip("performance:Q", format=".2f"),
                "kind",
            ],
        )
    )
    labels = (
        alt.Chart(data)
        .mark_text(align="left", dx=8, fontSize=FONT_SIZE - 2)
        .encode(x="importance:Q", y="performance:Q", text="touchpoint:N")
    )
    vertical = (
        alt.Chart(medians).mark_rule(strokeDash=[6, 4], color="gray").encode(x="importance:Q")
    )
    horizontal = (
        alt.Chart(medians).mark_rule(strokeDash=[6, 4], color="gray").encode(y="performance:Q")
    )
    return styled(
        alt.LayerChart(layer=[vertical, horizontal, points, labels]).properties(height=460),
        title=title,
    )


def rfm_segments_chart(segments: pl.DataFrame, *, title: str | None = None) -> alt.Chart:
    """Share of customers against share of value per RFM segment (:func:`cxlib.rfm_segments`).

    Examples
    --------
    >>> s = pl.DataFrame({"segment": ["champions", "lost"], "customers": [2, 8], "share": [0.2, 0.8],
    ...     "monetary": [90.0, 10.0], "monetary_share": [0.9, 0.1]})
    >>> sorted(set(rfm_segments_chart(s).data["measure"]))
    ['customers', 'value']
    """
    data = segments.select("segment", customers="share", value="monetary_share").unpivot(
        index="segment", variable_name="measure", value_name="share"
    )
    order = [s for s in SEGMENTS if s in set(data["segment"])]
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("segment:N", sort=order, title=None),
            x=alt.X("share:Q", title="share", axis=alt.Axis(format=".0%")),
            yOffset=alt.YOffset("measure:N"),
            color=alt.Color(
                "measure:N",
                scale=alt.Scale(domain=["customers", "value"], range=[ACCENT, GAIN]),
                title=None,
            ),
            tooltip=["segment", "measure", alt.Tooltip("share", format=".1%")],
        )
    )
    return styled(chart.properties(height=row_height(len(order)) * 2), title=title)


def retention_heatmap(table: pl.DataFrame, *, title: str | None = None) -> alt.LayerChart:
    """Cohort retention heatmap (:func:`cxlib.retention`): cohorts down, periods across.

    Each cohort's label says its size; a period the log ends in before its last day is
    pale and its share is written with a ``*`` (incomplete, not a fall).

    Examples
    --------
    >>> import datetime as dt
    >>> t = pl.DataFrame({"cohort": [dt.date(2024, 1, 1)] * 2, "period": [0, 1],
    ...     "cohort_size": [4, 4], "customers": [4, 1], "retention": [1.0, 0.25],
    ...     "complete": [True, False]})
    >>> retention_heatmap(t).data.select("cohort_label", "text").rows()
    [('2024-01-01 (4)', '100%'), ('2024-01-01 (4)', '25%*')]
    """
    data = table.with_columns(
        cohort_label=pl.format("{} ({})", pl.col("cohort").cast(pl.String), pl.col("cohort_size")),
        text=pl.format("{}%", (pl.col("retention") * 100).round(0).cast(pl.Int64))
        + pl.when(pl.col("complete")).then(pl.lit("")).otherwise(pl.lit("*")),
    )
    order = data.unique("cohort").sort("cohort")["cohort_label"].to_list()
    base = alt.Chart(data).encode(
        x=alt.X("period:O", title="periods after the first"),
        y=alt.Y("cohort_label:N", sort=order, title="cohort (customers)"),
        tooltip=[
            alt.Tooltip("cohort:T"),
            "period",
            "cohort_size",
            "customers",
            alt.Tooltip("retention", format=".1%"),
            alt.Tooltip("complete", title="period complete"),
        ],
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "retention:Q", scale=alt.Scale(scheme="greens"), legend=alt.Legend(format=".0%")
        ),
        opacity=alt.condition("datum.complete", alt.value(1.0), alt.value(0.35)),
    )
    text = base.mark_text(fontSize=FONT_SIZE - 3).encode(
        text="text:N",
        color=alt.condition(alt.datum.retention > 0.5, alt.value("white"), alt.value("black")),
    )
    layer = alt.LayerChart(layer=[cells, text], data=data).properties(height=row_height(len(order)))
    return styled(layer, title=title)


def lifecycle_chart(table: pl.DataFrame, *, title: str | None = None) -> alt.Chart:
    """Stacked bars of lifecycle states per period (:func:`cxlib.lifecycle`), dormant below zero.

    A period the log ends in before its last day is pale: incomplete, not a fall.

    Examples
    --------
    >>> import datetime as dt
    >>> t = pl.DataFrame({"period": [dt.date(2024, 1, 1)] * 2, "state": ["new", "dormant"],
    ...     "customers": [3, 2], "complete": [True, True]})
    >>> lifecycle_chart(t).data["signed"].to_list()
    [3, -2]
    """
    data = table.with_columns(
        signed=pl.when(pl.col("state") == "dormant")
        .then(-pl.col("customers"))
        .otherwise(pl.col("customers"))
    )
    states = ["new", "returning", "resurrecting", "dormant"]
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            # one band per period: bars as wide as the period, not thin lines on a time axis
            x=alt.X("yearmonthdate(period):O", title="period", axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("signed:Q", title="customers (dormant below zero)"),
            color=alt.Color(
                "state:N",
                scale=alt.Scale(domain=states, range=[ACCENT, GAIN, "#8d6cab", LOSS]),
                sort=states,
                title=None,
            ),
            opacity=alt.condition("datum.complete", alt.value(1.0), alt.value(0.35)),
            tooltip=[
                alt.Tooltip("period:T"),
                "state",
                alt.Tooltip("customers", format=","),
                alt.Tooltip("complete", title="period complete"),
            ],
        )
    )
    return styled(chart.properties(height=360), title=title)


def comparison_funnel_frame(
    comparison: SegmentComparison, *, names: tuple[str, str] = ("A", "B")
) -> pl.DataFrame:
    """The two funnels of a :class:`cxlib.analyses.compare.SegmentComparison` in the shape of :func:`cxlib.funnel`.

    One row per segment and step with a ``segment`` column, ready for
    :func:`cxlib.views.charts_funnel.funnel_chart` with ``breakdown="segment"``.
    """
    f = comparison.funnel
    parts = [
        f.select(
            segment=pl.lit(name),
            step="step",
            touchpoint="touchpoint",
            customers=f"customers_{side}",
            conversion=f"conversion_{side}",
            step_conversion=f"step_rate_{side}",
        )
        for name, side in zip(names, ("a", "b"), strict=True)
    ]
    return pl.concat(parts)


def edge_change_chart(
    edges: pl.DataFrame, *, limit: int = 15, title: str | None = None
) -> alt.Chart:
    """The edges whose transition share changed most between two segments (``edges`` of a comparison).

    Bars of ``share_change`` (A minus B), gains green and losses orange.

    Examples
    --------
    >>> e = pl.DataFrame({"source": ["a", "a"], "target": ["b", "(exit)"], "transitions_a": [1, 1],
    ...     "transitions_b": [2, 0], "share_a": [0.5, 0.5], "share_b": [1.0, 0.0],
    ...     "share_change": [-0.5, 0.5]})
    >>> edge_change_chart(e).data["edge"].to_list()
    ['a → b', 'a → (exit)']
    """
    data = (
        edges.filter(pl.col("share_change").is_not_null())
        .head(limit)
        .with_columns(edge=pl.format("{} → {}", pl.col("source"), pl.col("target")))
    )
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("edge:N", sort=data["edge"].to_list(), title=None),
            x=alt.X(
                "share_change:Q", title="change in share (A − B)", axis=alt.Axis(format="+.0%")
            ),
            color=alt.condition(alt.datum.share_change > 0, alt.value(GAIN), alt.value(LOSS)),
            tooltip=[
                "source",
                "target",
                "transitions_a",
                "transitions_b",
                alt.Tooltip("share_a", format=".1%"),
                alt.Tooltip("share_b", format=".1%"),
                alt.Tooltip("share_change", format="+.1%"),
            ],
        )
    )
    return styled(chart.properties(height=row_height(len(data))), title=title)

"""The picture of a finding: its estimates with their 95% intervals (see :mod:`cxlib.story`)."""

from __future__ import annotations

import textwrap

import altair as alt
import polars as pl

from cxlib.views.charts import ACCENT, FONT_SIZE, LOSS, row_height, styled

__all__ = ["estimate_chart"]


def estimate_chart(
    estimates: pl.DataFrame,
    *,
    axis: str,
    is_share: bool = True,
    baseline: float | None = None,
    title: str | None = None,
    counted: str = "customers",
) -> alt.TopLevelMixin:
    """Each estimate as a point on its 95% interval, the one a finding tells in orange.

    ``estimates`` has the columns of :data:`cxlib.story.model.ESTIMATE_SCHEMA` (``label``,
    ``value``, ``low``, ``high``, ``customers``, ``highlight``); rows are drawn in their
    order. Each point is labelled with its value and the customers it rests on, named
    by ``counted`` (``"75% · 40 customers"``); a ``baseline`` (the rate of everyone, the
    median rating) is a dashed line.

    Examples
    --------
    >>> e = pl.DataFrame({"label": ["cart", "home"], "value": [0.75, 0.2], "low": [0.6, 0.1],
    ...     "high": [0.86, 0.3], "customers": [40, 40], "highlight": [True, False]})
    >>> spec = estimate_chart(e, axis="left there", baseline=0.5).to_dict()
    >>> spec["layer"][0]["encoding"]["y"]["sort"], len(spec["layer"])
    (['cart', 'home'], 4)
    """
    fmt = ".0%" if is_share else ".1f"
    texts = [
        f"{format(value, fmt)} · {customers:,} {counted}"
        for value, customers in estimates.select("value", "customers").iter_rows()
    ]
    data = estimates.with_columns(text=pl.Series(texts, dtype=pl.String))
    order = data["label"].to_list()
    scale = alt.Scale(domain=[0, 1]) if is_share else alt.Scale(zero=False)
    title_lines = textwrap.wrap(f"{axis} (95% interval)", 60)
    x = alt.X("low:Q", title=title_lines, scale=scale, axis=alt.Axis(format=fmt))
    colour = alt.condition(alt.datum.highlight, alt.value(LOSS), alt.value(ACCENT))
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", sort=order, title=None),
        tooltip=[
            "label",
            alt.Tooltip("value:Q", format=fmt),
            alt.Tooltip("low:Q", format=fmt),
            alt.Tooltip("high:Q", format=fmt),
            alt.Tooltip("customers:Q", format=",", title=counted),
        ],
    )
    interval = base.mark_rule(strokeWidth=3).encode(x=x, x2="high:Q", color=colour)
    point = base.mark_circle(size=140, opacity=1).encode(x="value:Q", color=colour)
    text = base.mark_text(align="left", dx=8, dy=-12, fontSize=FONT_SIZE - 2).encode(
        x="value:Q", text="text:N"
    )
    layers = [interval, point, text]
    if baseline is not None:
        rule = alt.Chart(pl.DataFrame({"baseline": [baseline]}))
        layers.append(rule.mark_rule(strokeDash=[6, 4], color="#555").encode(x="baseline:Q"))
    # Room right of the plot for the label of a point at 100%.
    padding = {"left": 5, "top": 5, "bottom": 5, "right": 150}
    layer = alt.layer(*layers).properties(height=row_height(len(order)) + 20, padding=padding)
    return styled(layer, title=title)

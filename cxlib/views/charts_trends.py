"""Altair pictures of change and difference: trends against the previous range, what converters do differently.

Same conventions as :mod:`cxlib.views.charts`: each builder takes a result of the
library and returns a chart with readable fonts; nothing here computes an analysis.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from cxlib.analyses.trends import RANGES
from cxlib.views.charts import ACCENT, LOSS, PARTIAL, row_height, styled

__all__ = ["FIGURE_TITLES", "differences_chart", "trends_chart", "trends_frame"]

#: The figures of a :class:`~cxlib.analyses.trends.Trends` table and their titles.
FIGURE_TITLES = {
    "events": "Events",
    "active_customers": "Active customers",
    "new_customers": "New customers",
    "converted_per_active": "Converted / active customers",
}
#: Colour of the previous range.
PREVIOUS = "#9a9a9a"


def trends_frame(table: pl.DataFrame, figure: str, *, breakdown: str | None = None) -> pl.DataFrame:
    """One figure of both ranges, the previous range placed on the dates of the current one.

    Columns: ``period_start`` (the current range's period), ``range``, the breakdown
    column when there is one, ``value``, ``complete``, ``previous_start`` (the date of
    the period of the range it comes from). Periods of the previous range beyond the
    current range's count are left out.

    Examples
    --------
    >>> import datetime as dt
    >>> table = pl.DataFrame({"range": ["current", "previous"], "period": [1, 1],
    ...     "period_start": [dt.date(2024, 1, 8), dt.date(2024, 1, 1)], "events": [5, 3],
    ...     "complete": [False, True]})
    >>> trends_frame(table, "events").select("period_start", "range", "value").rows()
    [(datetime.date(2024, 1, 8), 'current', 5), (datetime.date(2024, 1, 8), 'previous', 3)]
    """
    groups = [breakdown] if breakdown else []
    dates = table.filter(pl.col("range") == RANGES[0]).select("period", x="period_start").unique()
    return (
        table.join(dates, on="period", how="inner")
        .select(
            pl.col("x").alias("period_start"),
            "range",
            *groups,
            value=figure,
            complete="complete",
            previous_start="period_start",
        )
        .sort("range", "period_start", *groups)
    )


def trends_chart(
    table: pl.DataFrame, figure: str, *, breakdown: str | None = None, title: str | None = None
) -> alt.TopLevelMixin:
    """One figure per period: the range as a line, the previous range beside it in grey.

    ``table`` is a :class:`~cxlib.analyses.trends.Trends` table (``breakdown``: the column
    it was broken down by). Periods not complete are hollow points (the legend says
    "still filling"); with a breakdown, one colour per value, the previous range dashed.

    Examples
    --------
    >>> import datetime as dt
    >>> table = pl.DataFrame({"range": ["current", "previous"], "period": [1, 1],
    ...     "period_start": [dt.date(2024, 1, 8), dt.date(2024, 1, 1)], "events": [5, 3],
    ...     "complete": [False, True]})
    >>> trends_chart(table, "events").to_dict()["layer"][0]["encoding"]["y"]["title"]
    'Events'
    """
    data = trends_frame(table, figure, breakdown=breakdown).with_columns(
        state=pl.when(pl.col("complete")).then(pl.lit("complete")).otherwise(pl.lit(PARTIAL))
    )
    percent = figure == "converted_per_active"
    fmt = ".0%" if percent else ",d"
    x = alt.X("period_start:T", title=None)
    y = alt.Y("value:Q", title=FIGURE_TITLES.get(figure, figure), axis=alt.Axis(format=fmt))
    tooltip = [
        alt.Tooltip("range:N"),
        alt.Tooltip("previous_start:T", title="period"),
        *([alt.Tooltip(f"{breakdown}:N")] if breakdown else []),
        alt.Tooltip(
            "value:Q", title=FIGURE_TITLES.get(figure, figure), format=".1%" if percent else ","
        ),
        alt.Tooltip("state:N", title="period is"),
    ]
    dash = alt.StrokeDash(
        "range:N",
        scale=alt.Scale(domain=list(RANGES), range=[[1, 0], [5, 4]]),
        legend=alt.Legend(title=None, orient="top"),
    )
    if breakdown:
        colour = alt.Color(f"{breakdown}:N", legend=alt.Legend(orient="top"))
    else:
        colour = alt.Color(
            "range:N", scale=alt.Scale(domain=list(RANGES), range=[ACCENT, PREVIOUS]), legend=None
        )
    base = alt.Chart(data).encode(x=x, y=y, color=colour, detail="range:N")
    lines = base.mark_line().encode(strokeDash=dash)
    fill = alt.Fill(
        "state:N",
        scale=alt.Scale(domain=["complete", PARTIAL], range=["#444444", "white"]),
        legend=alt.Legend(title=None, orient="top"),
    )
    points = base.mark_point(size=50, filled=False, strokeWidth=2).encode(
        fill=fill, tooltip=tooltip
    )
    return styled(alt.layer(lines, points).properties(height=240), title=title)


def differences_chart(
    differences: pl.DataFrame, *, limit: int = 20, title: str | None = None
) -> alt.TopLevelMixin:
    """Odds ratios with their 95% intervals, on a log scale around 1 (from :func:`cxlib.converter_differences`).

    The ``limit`` rows with the smallest adjusted p-value are drawn, labelled
    ``column: value``; values that go with converting sit right of 1, those that go with
    dropping left of it; significant ones are coloured.

    Examples
    --------
    >>> d = pl.DataFrame({"column": ["touchpoint"], "value": ["chat"], "odds_ratio": [2.0],
    ...     "odds_ratio_low": [1.5], "odds_ratio_high": [2.7], "p_adjusted": [0.01],
    ...     "significant": [True], "converted_with": [40], "dropped_with": [10]})
    >>> differences_chart(d).layer[0].data["label"].to_list()
    ['touchpoint: chat']
    """
    data = (
        differences.sort("p_adjusted")
        .head(limit)
        .with_columns(
            label=pl.format("{}: {}", pl.col("column"), pl.col("value")),
            goes_with=pl.when(~pl.col("significant"))
            .then(pl.lit("not significant"))
            .when(pl.col("odds_ratio") > 1)
            .then(pl.lit("converting"))
            .otherwise(pl.lit("dropping")),
        )
    )
    order = data["label"].to_list()
    y = alt.Y("label:N", sort=order, title=None)
    scale = alt.Scale(type="log")
    colour = alt.Color(
        "goes_with:N",
        scale=alt.Scale(
            domain=["converting", "dropping", "not significant"], range=[ACCENT, LOSS, PREVIOUS]
        ),
        legend=alt.Legend(title="goes with", orient="top"),
    )
    tooltip: list[str | alt.Tooltip] = [
        "label",
        alt.Tooltip("odds_ratio", format=".2f"),
        alt.Tooltip("odds_ratio_low", format=".2f"),
        alt.Tooltip("odds_ratio_high", format=".2f"),
        alt.Tooltip("p_adjusted", format=".3g"),
        alt.Tooltip("converted_with", format=","),
        alt.Tooltip("dropped_with", format=","),
    ]
    base = alt.Chart(data).encode(y=y, color=colour, tooltip=tooltip)
    interval = base.mark_rule(strokeWidth=3).encode(
        x=alt.X("odds_ratio_low:Q", scale=scale, title="odds ratio (95% interval, log scale)"),
        x2="odds_ratio_high:Q",
    )
    point = base.mark_circle(size=110, opacity=1).encode(x=alt.X("odds_ratio:Q", scale=scale))
    one = alt.Chart(pl.DataFrame({"one": [1.0]})).mark_rule(color="black").encode(x="one:Q")
    layer = alt.layer(interval, point, one).properties(height=row_height(len(data)))
    return styled(layer, title=title)

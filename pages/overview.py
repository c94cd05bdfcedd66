# First, before Polars loads: a link to this page can run it before the app script.
from ui import allocator  # noqa: F401  # isort: skip
import streamlit as st

import cxlib
from cxlib import sample
from cxlib.analyses.overview import summary, value_counts
from cxlib.rates import CONVERSION
from cxlib.views import charts, charts_trends
from cxlib.views.format import format_seconds
from ui import cache, export, page, widgets
from ui.filters import MAX_OPTIONS
from ui.text import md

loaded, filters = page.start("Overview", "Headline figures of the journeys the sidebar selects.")
with widgets.errors_shown():
    touchpoints = cache.run(value_counts, loaded, filters, "touchpoint", n=MAX_OPTIONS)
    goals = widgets.keep_valid("goal", touchpoints["touchpoint"].to_list())
    default = sample.GOALS.get(loaded.scenario or "")
    goal = st.selectbox(
        "Conversion goal",
        goals,
        index=goals.index(default) if default in goals else None,
        placeholder="none",
        key="goal",
        bind="query-params",
    )
    figures = cache.run(summary, loaded, filters, goal=goal)
    channels = (
        cache.run(value_counts, loaded, filters, "channel", n=MAX_OPTIONS)
        if loaded.log.has("channel")
        else None
    )

cols = st.columns(6)
cols[0].metric("Customers", f"{figures.customers:,}")
cols[1].metric("Journeys", f"{figures.journeys:,}")
cols[2].metric("Events", f"{figures.events:,}")
conversion = "–" if figures.conversion is None else f"{figures.conversion:.1%}"
cols[3].metric(
    f"Conversion to {md(goal or '…')}",
    conversion,
    help=CONVERSION.definition,
)
median_events = "–" if figures.median_events is None else f"{figures.median_events:g}"
cols[4].metric("Median journey length", f"{median_events} events")
cols[5].metric("Median journey duration", format_seconds(figures.median_seconds))

left, right = st.columns(2)
with left:
    export.chart(
        charts.bar_chart,
        touchpoints,
        category="touchpoint",
        value="customers",
        title="Top touchpoints (customers)",
        key="overview_touchpoints",
        name="top_touchpoints",
    )
with right:
    if channels is None:
        st.info("This log has no channel column.")
    else:
        export.chart(
            charts.bar_chart,
            channels,
            category="channel",
            value="customers",
            title="Channels (customers)",
            key="overview_channels",
            name="channels",
        )
export.table(touchpoints, key="overview_touchpoint_counts", name="touchpoints")

st.subheader("Trends")
log = loaded.log
cols = st.columns(2)
unit = cols[0].selectbox(
    "Per", ["auto", "day", "week", "month"], key="trends_unit", bind="query-params",
    help="auto: days up to 60 days, weeks up to a year, months beyond",
)  # fmt: skip
breakdowns = [*(["channel"] if log.has("channel") else []), *log.attributes]
breakdown = cols[1].selectbox(
    "Breakdown", widgets.keep_valid("trends_breakdown", breakdowns), index=None,
    placeholder="none", key="trends_breakdown", bind="query-params",
)  # fmt: skip
start, end = filters.trend_range(figures.time_min, figures.time_max)
with widgets.errors_shown():
    trends = cache.run(
        cxlib.trends, loaded, filters.without_dates(), start=start, end=end,
        unit=None if unit == "auto" else unit, goal=goal, breakdown=breakdown,
    )  # fmt: skip
st.caption(
    f"From {trends.start:%Y-%m-%d} to {trends.end:%Y-%m-%d %H:%M}, per {trends.unit}, beside "
    f"the same length before (grey{', dashed' if breakdown else ''}). Hollow points are "
    "periods still filling (or cut by the range): partial counts, not a fall."
    + ("" if filters.start or filters.end else " Pick dates in the sidebar to choose the range.")
)
figures_shown = [f for f in charts_trends.FIGURE_TITLES if goal or f != "converted_per_active"]
grid = st.columns(2)
for i, name in enumerate(figures_shown):
    with grid[i % 2]:
        title = charts_trends.FIGURE_TITLES[name]
        if name == "converted_per_active":
            title = f"Reached {goal} / active customers"  # drawn as text by Vega, not Markdown
        export.chart(
            charts_trends.trends_chart,
            trends.table,
            name,
            breakdown=breakdown,
            title=title,
            key=f"overview_trend_{name}",
            name=f"trend_{name}",
        )
export.table(trends.table, key="overview_trends_table", name="trends")

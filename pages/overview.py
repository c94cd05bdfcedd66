import streamlit as st

from cxlib import sample
from cxlib.analyses.overview import summary, value_counts
from cxlib.rates import CONVERSION
from cxlib.views import charts
from cxlib.views.format import format_seconds
from ui import cache, export, page, state
from ui.filters import MAX_OPTIONS
from ui.text import md

loaded, filters = page.start("Overview", "Headline figures of the journeys the sidebar selects.")
with state.errors_shown():
    touchpoints = cache.run(value_counts, loaded, filters, "touchpoint", n=MAX_OPTIONS)
    goals = state.keep_valid("goal", touchpoints["touchpoint"].to_list())
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

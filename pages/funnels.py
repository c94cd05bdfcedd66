import streamlit as st

import cxlib
from cxlib.analyses.overview import value_counts
from cxlib.views import charts
from ui import cache, export, page, state
from ui.filters import MAX_OPTIONS

loaded, filters = page.start(
    "Funnels",
    "Pick the steps in order. A customer reaches step k when they did steps 1..k in that "
    "order, the k-th within the window of the first.",
)
log = loaded.log
with state.errors_shown():
    touchpoints = cache.run(value_counts, loaded, filters, "touchpoint", n=MAX_OPTIONS)[
        "touchpoint"
    ].to_list()
# A demo funnel for each bundled scenario; any other log starts empty.
DEMO = {
    "retail": ["product_page", "add_to_cart", "checkout", "purchase"],
    "bank": ["website_visit", "application_started", "id_check", "account_opened"],
    "telecom": ["website_visit", "plan_compare", "contract_signed"],
}
demo = [t for t in DEMO.get(loaded.scenario or "", []) if t in touchpoints]
steps = st.multiselect(
    "Steps, in order",
    state.keep_valid("funnel_steps", touchpoints),
    default=demo,
    key="funnel_steps",
    bind="query-params",
    placeholder="pick two or more touchpoints",
)
cols = st.columns(4)
window = cols[0].selectbox(
    "Conversion window",
    ["1h", "1d", "7d", "30d", "90d"],
    index=3,
    key="funnel_window",
    bind="query-params",
)
order = cols[1].selectbox(
    "Order",
    ["sequential", "strict", "any"],
    key="funnel_order",
    bind="query-params",
    help="sequential: other events may come between steps; strict: none may; any: any order",
)
exclude = cols[2].multiselect(
    "Exclusion steps",
    state.keep_valid("funnel_exclude", touchpoints),
    key="funnel_exclude",
    bind="query-params",
    placeholder="none",
)
breakdowns = [*(["channel"] if log.has("channel") else []), *log.attributes]
breakdown = cols[3].selectbox(
    "Breakdown",
    state.keep_valid("funnel_breakdown", breakdowns),
    key="funnel_breakdown",
    bind="query-params",
    index=None,
    placeholder="none",
)
if len(steps) < 2:
    st.info("Pick at least two steps to draw a funnel.")
    st.stop()

options = {"window": window, "order": order, "exclude": exclude}
with state.errors_shown():
    result = cache.run(cxlib.funnel, loaded, filters, steps, breakdown=breakdown, **options)
    times = cache.run(cxlib.time_to_convert, loaded, filters, steps, **options)
    over_time = cache.run(cxlib.conversion_over_time, loaded, filters, steps, **options)
    dropped = cache.run(cxlib.dropped_next, loaded, filters, steps, **options)

export.chart(
    charts.funnel_chart,
    result,
    breakdown=breakdown,
    title="Funnel",
    key="funnel_bars",
    name="funnel",
)
export.table(result, key="funnel_table", name="funnel")
left, right = st.columns(2)
with left:
    export.chart(
        charts.time_to_convert_chart,
        times,
        title="Time to convert",
        key="funnel_time",
        name="time_to_convert",
    )
with right:
    export.chart(
        charts.conversion_over_time_chart,
        over_time,
        period="period_start",
        title="Conversion by week of the first step",
        key="funnel_over_time",
        name="conversion_over_time",
    )
st.subheader("What dropped customers did next")
export.table(dropped, key="funnel_dropped", name="funnel_dropped_next")

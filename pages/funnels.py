# First, before Polars loads: a link to this page can run it before the app script.
from ui import allocator  # noqa: F401  # isort: skip
import streamlit as st

import cxlib
from cxlib.analyses.overview import value_counts
from cxlib.views import charts_funnel, charts_trends
from ui import cache, drilldown, export, funnel_builder, page, widgets
from ui.filters import MAX_OPTIONS
from ui.text import md

loaded, filters = page.start(
    "Funnels",
    "Pick the steps in order. A customer reaches step k when they did steps 1..k in that "
    "order, the k-th within the window of the first.",
)
with widgets.errors_shown():
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
spec = funnel_builder.draw(loaded, filters, touchpoints, demo=demo)
if spec is None:
    st.info("Pick at least two steps to draw a funnel.")
    st.stop()

steps, options = list(spec.steps), spec.options()
with widgets.errors_shown():
    result = cache.run(cxlib.funnel, loaded, filters, steps, breakdown=spec.breakdown, **options)
    dropped = cache.run(cxlib.dropped_next, loaded, filters, steps, **options)

# One view at a time, as funnel tools show them: a hidden view is neither computed nor
# drawn (each drawn chart costs the browser a redraw on every change of the funnel).
bars, timing, trend = st.tabs(
    ["Steps", "Time to convert", "Conversion over time"],
    key="funnel_view",
    on_change="rerun",
    bind="query-params",
)
if bars.open:
    with bars:
        export.chart(
            charts_funnel.funnel_chart,
            result,
            breakdown=spec.breakdown,
            title="Funnel",
            key="funnel_bars",
            name="funnel",
        )
        export.table(result, key="funnel_table", name="funnel")
if timing.open:
    with widgets.errors_shown():
        times = cache.run(cxlib.time_to_convert, loaded, filters, steps, **options)
    with timing:
        if times["customers"].sum() == 0:
            st.info("No journey went through every step within the window: no time to convert.")
        else:
            export.chart(
                charts_funnel.time_to_convert_chart,
                times,
                title="Time to convert",
                key="funnel_time",
                name="time_to_convert",
            )
if trend.open:
    with widgets.errors_shown():
        over_time = cache.run(cxlib.conversion_over_time, loaded, filters, steps, **options)
    with trend:
        export.chart(
            charts_funnel.conversion_over_time_chart,
            over_time,
            period="period_start",
            title="Conversion by week of the first step",
            key="funnel_over_time",
            name="conversion_over_time",
        )
st.subheader("What dropped customers did next")
export.table(dropped, key="funnel_dropped", name="funnel_dropped_next")

st.subheader("Who is behind a step")
names = result["touchpoint"].unique(maintain_order=True).to_list()
cols = st.columns(3)
step = cols[0].selectbox(
    "Step",
    widgets.keep_valid("funnel_who_step", list(range(1, len(names) + 1))),
    format_func=lambda k: f"{k}. {names[k - 1]}",
    key="funnel_who_step",
)
outcome = cols[1].radio(
    "Journeys that",
    ["reached", "dropped"],
    format_func={"reached": "reached it", "dropped": "stopped there"}.get,
    horizontal=True,
    key="funnel_who_outcome",
)
group = None
if spec.breakdown:
    groups = result[spec.breakdown].unique(maintain_order=True).to_list()
    group = cols[2].selectbox(
        md(spec.breakdown), widgets.keep_valid("funnel_who_group", groups), key="funnel_who_group"
    )
if outcome == "dropped" and step == len(names):
    st.info("Nobody stops at the last step: pick an earlier one, or the journeys that reached it.")
else:
    figure = cxlib.FunnelStep(
        spec.steps, step, outcome, spec.window, spec.order, spec.exclude, spec.count,
        spec.breakdown, group,
    )  # fmt: skip
    drilldown.show(loaded, filters, figure, key="funnel_who", by=spec.by)

st.subheader("What converters do differently")
st.caption(
    "Touchpoints, channels and attributes journeys had before converting or dropping, "
    "with the odds ratio of converting, its 95% interval, and p-values adjusted for testing "
    "them all at once (Benjamini-Hochberg)."
)
# Counted only when asked for: 1-2 CPU-s at 10M events on every change of the funnel.
if not st.toggle(
    "Compare converters with the others",
    key="funnel_differences_open",
    bind="query-params",
    help="Counts every touchpoint, channel and attribute value of the journeys: a few seconds on millions of events.",
):
    st.stop()
outcome_options = {k: v for k, v in options.items() if k != "count"}
with widgets.errors_shown():
    differences = cache.run(
        cxlib.converter_differences, loaded, filters, steps=steps, **outcome_options
    )
if differences.is_empty():
    st.info("Too few journeys to compare: no value was had by at least 5 journeys of each outcome.")
    st.stop()
export.chart(
    charts_trends.differences_chart,
    differences,
    title="What goes with converting",
    key="funnel_differences",
    name="converter_differences",
)
export.table(differences, key="funnel_differences_table", name="converter_differences")
rows = differences.select("column", "value").rows()
cols = st.columns(2)
picked = cols[0].selectbox(
    "Row",
    widgets.keep_valid("funnel_diff_row", list(range(len(rows)))),
    format_func=lambda i: f"{rows[i][0]}: {rows[i][1]}",
    key="funnel_diff_row",
)
among = cols[1].radio(
    "Among the journeys that", ["converted", "dropped"], horizontal=True, key="funnel_diff_among"
)
outcome_of = cxlib.Outcome(
    steps=spec.steps, window=spec.window, order=spec.order, exclude=spec.exclude
)
column, value = rows[picked]
drilldown.show(
    loaded,
    filters,
    cxlib.WithValue(outcome_of, column, value, among),
    key="funnel_diff_who",
    by=spec.by,
)

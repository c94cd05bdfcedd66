# First, before Polars loads: a link to this page can run it before the app script.
from ui import allocator  # noqa: F401  # isort: skip
import streamlit as st

import cxlib
from cxlib import predict, sample
from cxlib.analyses.customer_journey import customer_propensity, customer_rfm
from cxlib.views import charts, charts_journey
from cxlib.views.format import format_seconds
from ui import cache, customer, drilldown, export, page, widgets
from ui.text import md

loaded, filters = page.start(
    "Customer journey",
    "One customer's events in time, across channels, with values and ratings; their stages, "
    "their RFM segment and, once a model is trained on the Predict page, what they may do next.",
)
text = st.text_input(
    "Customer id",
    key=drilldown.CUSTOMER,
    bind="query-params",
    placeholder="an id or a part of it",
    help="Or open a customer from a list of customers on another page.",
)
if not text:
    st.info("Type a customer id, or a part of it, to find a customer.")
    st.stop()
with widgets.errors_shown():
    found = cache.run(cxlib.find_customers, loaded, filters, text)
if text not in found:
    if not found:
        st.info(f"No customer's id contains {md(text)} (with the sidebar's filters).")
        st.stop()
    st.caption(f"{len(found):,} customers' ids contain {md(text)}; the first ones:")
    drilldown.open_journey(found, key="journey_search")
    st.stop()

touchpoints = customer.touchpoints(loaded, filters)
stages = sample.STAGES.get(loaded.scenario or "") or cxlib.default_stages(touchpoints)
with widgets.errors_shown():
    journey = cache.run(cxlib.customer_journey, loaded, filters, text, stages=stages)
events = journey.events
cols = st.columns(5)
cols[0].metric("Events", f"{events.height:,}")
cols[1].metric("First event", f"{events['timestamp'][0]:%Y-%m-%d}")
span = (events["timestamp"][-1] - events["timestamp"][0]).total_seconds()
cols[2].metric("First to last event", format_seconds(span))
cols[3].metric("Value", "–" if not loaded.log.has("value") else f"{events['value'].sum():,.2f}")
cols[4].metric("Channels", f"{events['channel'].drop_nulls().n_unique():,}")

export.chart(
    charts_journey.customer_timeline_chart,
    events,
    title="Their events",
    key="journey_timeline",
    name="customer_timeline",
)
if not journey.stages.is_empty():
    export.chart(
        charts_journey.stage_progress_chart,
        journey.stages,
        title="Their stages",
        key="journey_stages",
        name="customer_stages",
    )
export.table(events, key="journey_events", name="customer_events")

left, right = st.columns(2)
with left:
    st.subheader("Most valuable customers")
    if not loaded.log.has("value"):
        st.info("This log has no value column, which RFM needs.")
    else:
        with widgets.errors_shown():
            score = customer_rfm(cache.run(cxlib.rfm, loaded, filters), text)
        if score is None:
            st.info("Not a buying customer: no event with a positive value.")
        else:
            st.metric("RFM segment", score.segment)
            st.caption(
                f"RFM {score.rfm}: last bought {score.recency_days:,.0f} days before the log's "
                f"end, {score.frequency:,} times, {score.monetary:,.2f} in all."
            )
with right:
    st.subheader("What next")
    goal = st.session_state.get("goal")
    if not st.session_state.get("predict_on") or goal is None:
        st.info("Train the models on the Predict page to see their likely next touchpoints.")
        st.stop()
    horizon = st.session_state.get("predict_horizon", "any")
    with widgets.errors_shown():
        model, in_flight = cache.run(
            predict.rank_in_flight,
            loaded,
            filters,
            goal=goal,
            horizon=None if horizon == "any" else horizon,
        )
    chance = customer_propensity(in_flight, text)
    if chance is None:
        st.metric("Chance to convert", "–")
        st.caption(f"They have reached {md(goal)} already.")
    else:
        st.metric(f"Chance to reach {md(goal)}", f"{chance:.1%}")
    following = predict.next_touchpoints(model, journey.touchpoints, n=3)
    export.chart(
        charts.bar_chart,
        following,
        category="touchpoint",
        value="probability",
        percent=True,
        title="Likely next",
        key="journey_next",
        name="next_touchpoints",
    )

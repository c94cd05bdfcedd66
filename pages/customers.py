# First, before Polars loads: a link to this page can run it before the app script.
from ui import allocator  # noqa: F401  # isort: skip
import streamlit as st

import cxlib
from cxlib.analyses.rfm import SEGMENTS
from cxlib.views import charts_customer, charts_funnel
from ui import cache, customer, drilldown, export, page, widgets
from ui.text import md

loaded, filters = page.start(
    "Most valuable customers",
    "RFM: how recently, how often and for how much each buying customer bought, scored 1-5 "
    "against the others; the segments; and the journeys of one segment against the rest.",
)
customer.require_column(loaded, "value", "RFM needs (revenue per event)")
with widgets.errors_shown():
    table = cache.run(cxlib.rfm, loaded, filters)
    segments = cxlib.rfm_segments(table)
if table.height == 0:
    st.info("No customer has an event with a positive value: there is no buying customer.")
    st.stop()
cols = st.columns(3)
cols[0].metric("Buying customers", f"{table.height:,}")
cols[1].metric("Value", f"{table['monetary'].sum():,.2f}")
champions = dict(zip(segments["segment"], segments["monetary_share"], strict=True))
cols[2].metric("Value from champions", f"{champions.get('champions', 0.0):.1%}")
export.chart(
    charts_customer.rfm_segments_chart,
    segments,
    title="Share of customers and of value",
    key="customers_segments",
    name="rfm_segments",
)
export.table(segments, key="customers_segments_table", name="rfm_segments")
who = st.selectbox(
    "Who is in a segment",
    widgets.keep_valid("customers_who", segments["segment"].to_list()),
    key="customers_who",
)
if who is not None:
    drilldown.show(loaded, filters, cxlib.RfmSegment(who), key="customers_who")
st.subheader("Most valuable customers")
export.table(table.head(200), key="customers_top", name="rfm")

st.subheader("One segment against the rest")
present = [s for s in SEGMENTS if s in set(segments["segment"])]
cols = st.columns(2)
chosen = cols[0].selectbox(
    "Segment",
    widgets.keep_valid("customers_segment", present),
    key="customers_segment",
    bind="query-params",
)
steps = cols[1].multiselect(
    "Funnel steps, in order",
    widgets.keep_valid("customers_steps", customer.touchpoints(loaded, filters)),
    key="customers_steps",
    bind="query-params",
    placeholder="pick two or more touchpoints",
)
if chosen is None or len(steps) < 2:
    st.info("Pick a segment and at least two funnel steps to compare its journeys with the rest.")
    st.stop()
members = tuple(
    row["customer_id"] for row in table.iter_rows(named=True) if row["segment"] == chosen
)
with widgets.errors_shown():
    comparison = cache.run(
        cxlib.compare_segments, loaded, filters, ("customer_id", members), None, steps=steps
    )
frame = charts_customer.comparison_funnel_frame(comparison, names=(chosen, "the rest"))
export.chart(
    charts_funnel.funnel_chart,
    frame,
    breakdown="segment",
    title=f"{chosen} against the rest",
    key="customers_funnel",
    name="segment_funnel",
)
export.chart(
    charts_customer.edge_change_chart,
    comparison.edges,
    title="Transitions that differ most",
    key="customers_edges",
    name="segment_edges",
)
st.subheader("Most common paths")
left, right = st.columns(2)
for column, name, paths, key in [
    (left, chosen, comparison.paths_a, "customers_paths_segment"),
    (right, "the rest", comparison.paths_b, "customers_paths_rest"),
]:
    with column:
        st.markdown(f"**{md(name)}**: share of its customers following each path")
        export.table(paths, key=key, name=key.removeprefix("customers_"))

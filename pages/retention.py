# First, before Polars loads: a link to this page can run it before the app script.
from ui import allocator  # noqa: F401  # isort: skip
import streamlit as st

import cxlib
from cxlib.views import charts_customer
from ui import cache, customer, export, page, widgets

loaded, filters = page.start(
    "Retention",
    "Customers grouped by the week or month of their first event (their cohort), and the share "
    "of each cohort active again 1, 2, 3... periods later; then who is new, returning, "
    "resurrecting or dormant each period.",
)
cols = st.columns(2)
period = cols[0].radio(
    "Period", ["week", "month"], key="retention_period", bind="query-params", horizontal=True
)
touchpoint = cols[1].selectbox(
    "Retained means doing",
    widgets.keep_valid("retention_touchpoint", customer.touchpoints(loaded, filters)),
    index=None,
    placeholder="any event",
    key="retention_touchpoint",
    bind="query-params",
)
with widgets.errors_shown():
    table = cache.run(cxlib.retention, loaded, filters, period=period, touchpoint=touchpoint)
    states = cache.run(cxlib.lifecycle, loaded, filters, period=period)
if table.height == 0:
    st.info("The filtered log has no events.")
    st.stop()
export.chart(
    charts_customer.retention_heatmap,
    table,
    title=f"Retention by {period} of first event",
    key="retention_heatmap",
    name="retention",
)
if not table["complete"].all():
    st.caption(
        f"The log ends before the last {period} is over: its pale cells (and bars below), marked "
        "*, are partial figures, not a fall. Each cohort's size is in brackets."
    )
export.table(table, key="retention_table", name="retention")
export.chart(
    charts_customer.lifecycle_chart,
    states,
    title=f"Customers per {period} by lifecycle state",
    key="retention_lifecycle",
    name="lifecycle",
)

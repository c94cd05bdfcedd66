import streamlit as st

from ui import cache, export, page, presentation, state

loaded, filters = page.start(
    "Journey graph",
    "Touchpoints as nodes (colour: exit rate, size: visits), transitions as edges (width: the "
    "weight shown). Entry on the left, exit on the right. Hover for details, drag to move.",
)
with state.errors_shown():
    touchpoints = cache.value_counts(loaded, filters, "touchpoint")["touchpoint"].to_list()
cols = st.columns(4)
weight = cols[0].selectbox(
    "Edge weight shown",
    ["count", "customers", "share", "median_seconds"],
    key="graph_weight",
    format_func={
        "count": "transitions",
        "customers": "customers",
        "share": "share",
        "median_seconds": "median time",
    }.get,
    bind="query-params",
)
top_k = cols[1].slider(
    "Top edges per touchpoint (0 = all)", 0, 10, 3, key="graph_top_k", bind="query-params"
)
min_share = cols[2].slider(
    "Minimum share of an edge",
    0.0,
    0.5,
    0.05,
    step=0.01,
    key="graph_min_share",
    bind="query-params",
)
focus = cols[3].selectbox(
    "Focus on",
    state.keep_valid("graph_focus", touchpoints),
    key="graph_focus",
    bind="query-params",
    index=None,
    placeholder="the whole graph",
)
pruning = {"top_k": top_k or None, "min_share": min_share or None}
with state.errors_shown():
    html, left_out = cache.graph_html(
        loaded,
        filters,
        weight=weight,
        focus=focus,
        height=800,
        palette=presentation.palette(),
        **pruning,
    )
    critical = cache.critical_touchpoints(loaded, filters, **pruning)
if left_out:
    st.warning(f"{left_out:,} rarely visited touchpoints are left out of the drawing.")
st.iframe(html, height=820)
st.download_button(
    "Download graph as HTML",
    data=html,
    file_name="journey_graph.html",
    mime="text/html",
    key="graph_html",
    on_click="ignore",
)
st.subheader("Critical touchpoints")
export.table(critical, key="graph_critical", name="critical_touchpoints")

import streamlit as st

import cxlib
from cxlib.analyses.overview import value_counts
from cxlib.views import charts
from ui import cache, export, page, state

loaded, filters = page.start("Paths", "The most common paths, and where journeys are step by step.")
with state.errors_shown():
    touchpoints = cache.run(value_counts, loaded, filters, "touchpoint")["touchpoint"].to_list()
any_one = {"index": None, "placeholder": "any", "bind": "query-params"}
cols = st.columns(5)
n = cols[0].slider("Paths", 5, 100, 20, key="paths_n", bind="query-params")
max_steps = cols[1].number_input(
    "Steps per path (0 = all)", 0, 50, 10, key="paths_steps", bind="query-params"
)
start_at = cols[2].selectbox(
    "From touchpoint", state.keep_valid("paths_from", touchpoints), key="paths_from", **any_one
)
end_at = cols[3].selectbox(
    "To touchpoint", state.keep_valid("paths_to", touchpoints), key="paths_to", **any_one
)
collapse = cols[4].checkbox("Collapse repeats", key="paths_collapse", bind="query-params")
with state.errors_shown():
    paths = cache.run(
        cxlib.top_paths,
        loaded,
        filters,
        n=n,
        max_steps=int(max_steps) or None,
        start_at=start_at,
        end_at=end_at,
        collapse_repeats=collapse,
    )
export.chart(
    charts.bar_chart,
    paths,
    category="path",
    value="share",
    percent=True,
    limit=n,
    title="Top paths (share of journeys)",
    key="paths_top",
    name="top_paths",
)
export.table(paths, key="paths_table", name="top_paths")

st.subheader("Step by step")
steps = st.slider("Steps", 2, 20, 8, key="paths_matrix_steps", bind="query-params")
with state.errors_shown():
    matrix = cache.run(cxlib.step_matrix, loaded, filters, steps=steps, collapse_repeats=collapse)
export.chart(
    charts.step_heatmap,
    matrix,
    title="Share of journeys at each step",
    key="paths_matrix",
    name="step_matrix",
)
export.table(matrix, key="paths_matrix_table", name="step_matrix")

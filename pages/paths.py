# First, before Polars loads: a link to this page can run it before the app script.
from ui import allocator  # noqa: F401  # isort: skip
import zlib

import streamlit as st

import cxlib
from cxlib.analyses.overview import value_counts
from cxlib.views import charts, flow_chart
from ui import cache, drilldown, export, page, widgets
from ui.filters import MAX_OPTIONS
from ui.text import md

loaded, filters = page.start(
    "Paths",
    "Where journeys go step by step, the most common paths, and the share of journeys at each "
    "touchpoint at each step.",
)
with widgets.errors_shown():
    touchpoints = cache.run(value_counts, loaded, filters, "touchpoint", n=MAX_OPTIONS)[
        "touchpoint"
    ].to_list()
any_one = {"index": None, "placeholder": "any", "bind": "query-params"}
cols = st.columns(3)
start_at = cols[0].selectbox(
    "From touchpoint", widgets.keep_valid("paths_from", touchpoints), key="paths_from", **any_one
)
end_at = cols[1].selectbox(
    "To touchpoint", widgets.keep_valid("paths_to", touchpoints), key="paths_to", **any_one
)
collapse = cols[2].checkbox("Collapse repeats", key="paths_collapse", bind="query-params")

st.subheader("Step by step flow")
cols = st.columns(2)
flow_steps = cols[0].slider("Steps", 2, 10, 5, key="paths_flow_steps", bind="query-params")
flow_nodes = cols[1].slider(
    "Touchpoints per step", 2, 12, 6, key="paths_flow_nodes", bind="query-params"
)
options = {
    "steps": flow_steps,
    "max_nodes": flow_nodes,
    "start_at": start_at,
    "end_at": end_at,
    "collapse_repeats": collapse,
}
# A click focuses the flow on the journeys of a node or band, until the controls change.
focused = st.session_state.get("paths_flow_through")
through = focused[1] if focused and focused[0] == options else ()
with widgets.errors_shown():
    journeys = cache.run(cxlib.flow, loaded, filters, through=through, **options)
if journeys.journeys == 0:
    st.info("No journey goes through the From touchpoint here: pick another one.")
else:
    shown = export.chart(
        flow_chart.flow_chart,
        journeys,
        title="Journeys step by step",
        # A new chart for every focus: the click that made it is not read again.
        key=f"paths_flow_{zlib.crc32(repr(through).encode())}",
        name="flow",
        select=True,
    )
    clicked = flow_chart.picked(journeys, shown.selection)
    if clicked is not None:
        st.session_state["paths_flow_through"] = (options, clicked.prefix)
        st.rerun()
    st.caption(
        f"{journeys.journeys:,} journeys from {md(start_at or 'their start')}; every column adds "
        "up to them. Orange bands: journeys that end there (drop-offs); green: journeys reaching "
        f"{md(end_at or 'the To touchpoint')}, never a drop-off. Click a node or band to follow "
        "its journeys."
    )
    if through:
        st.caption(f"Following the journeys at {md(flow_chart.prefix_text(through))}.")
        st.button(
            "Show all journeys",
            key="paths_flow_all",
            on_click=lambda: st.session_state.pop("paths_flow_through", None),
        )
    with st.expander("The flow as tables"):
        export.table(journeys.nodes_frame(), key="paths_flow_nodes", name="flow_nodes")
        export.table(journeys.bands_frame(), key="paths_flow_bands", name="flow_bands")
    parts = [*journeys.nodes, *journeys.bands]
    labels = [
        f"step {p.step}: {p.name}" if isinstance(p, cxlib.analyses.flow.FlowNode)
        else f"step {p.step - 1} → {p.step}: {p.source} → {p.target}"
        for p in parts
    ]  # fmt: skip
    picked = st.selectbox(
        "Who is in a node or band",
        widgets.keep_valid("paths_flow_who_part", list(range(len(parts)))),
        format_func=labels.__getitem__,
        key="paths_flow_who_part",
    )
    if picked is not None:
        figure = cxlib.FlowThrough(
            parts[picked].prefix, flow_steps, start_at, end_at, collapse_repeats=collapse
        )
        drilldown.show(loaded, filters, figure, key="paths_flow_who")

st.subheader("Top paths")
cols = st.columns(2)
n = cols[0].slider("Paths", 5, 100, 20, key="paths_n", bind="query-params")
max_steps = cols[1].number_input(
    "Steps per path (0 = all)", 0, 50, 10, key="paths_steps", bind="query-params"
)
with widgets.errors_shown():
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
if end_at is not None:
    st.caption(f"Only the journeys that reach {md(end_at)}, up to it.")
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
chosen = st.selectbox(
    "Who took a path",
    widgets.keep_valid("paths_who_path", paths["path"].to_list()),
    key="paths_who_path",
)
if chosen is not None:
    path_options = {"max_steps": int(max_steps) or None, "start_at": start_at, "end_at": end_at}
    figure = cxlib.PathTaken(chosen, collapse_repeats=collapse, **path_options)
    drilldown.show(loaded, filters, figure, key="paths_who")

st.subheader("Share of journeys at each step")
steps = st.slider("Steps", 2, 20, 8, key="paths_matrix_steps", bind="query-params")
with widgets.errors_shown():
    matrix = cache.run(cxlib.step_matrix, loaded, filters, steps=steps, collapse_repeats=collapse)
export.chart(
    charts.step_heatmap,
    matrix,
    title="Share of journeys at each step",
    key="paths_matrix",
    name="step_matrix",
)
export.table(matrix, key="paths_matrix_table", name="step_matrix")
cols = st.columns(2)
at_step = cols[0].selectbox(
    "Who was at step",
    widgets.keep_valid("paths_who_step", list(range(1, steps + 1))),
    key="paths_who_step",
)
present = [t for s, t in matrix.select("step", "touchpoint").rows() if s == at_step]
at_touchpoint = cols[1].selectbox(
    "At", widgets.keep_valid("paths_who_at", present), key="paths_who_at"
)
if at_touchpoint is not None:
    figure = cxlib.StepAt(at_step, at_touchpoint, collapse_repeats=collapse)
    drilldown.show(loaded, filters, figure, key="paths_step_who")

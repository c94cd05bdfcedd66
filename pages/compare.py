# First, before Polars loads: a link to this page can run it before the app script.
from ui import allocator  # noqa: F401  # isort: skip
import streamlit as st

import cxlib
from cxlib.analyses.overview import value_counts
from cxlib.views import charts_customer, charts_funnel
from ui import cache, customer, export, page, segments, widgets
from ui.filters import MAX_OPTIONS
from ui.text import md

loaded, filters = page.start(
    "Compare segments",
    "Two groups of customers side by side: each funnel step's conversion with a significance "
    "test, and the transitions whose share differs most.",
)
log = loaded.log
columns = ["touchpoint", *(["channel"] if log.has("channel") else []), *log.attributes]
named = segments.named(loaded)
NAMED = "named segment: "


def segment(label: str, key: str, *, rest: bool) -> tuple[str, tuple] | cxlib.Cohort | None:
    """A (column, values) segment or a named one, drawn as widgets; None for "the rest"."""
    st.markdown(f"**{label}**")
    choices = [f"{NAMED}{i}" for i in named] + columns
    options = ["(the rest)", *choices] if rest else choices
    column = st.selectbox(
        "Customers with an event where, or a named segment",
        widgets.keep_valid(f"{key}_column", options),
        format_func=lambda o: named[o.removeprefix(NAMED)].name if o.startswith(NAMED) else o,
        key=f"{key}_column",
        bind="query-params",
    )
    if column == "(the rest)":
        return None
    if column.startswith(NAMED):
        return named[column.removeprefix(NAMED)].cohort
    with widgets.errors_shown():
        values = cache.run(value_counts, loaded, filters, column, n=MAX_OPTIONS)[column].to_list()
    chosen = st.multiselect(
        "is one of",
        widgets.keep_valid(f"{key}_values", values),
        key=f"{key}_values",
        bind="query-params",
    )
    if not chosen:
        st.info(f"Pick at least one value of {md(column)} for {label}.")
        st.stop()
    return (column, tuple(chosen))


left, right = st.columns(2)
with left:
    segment_a = segment("Segment A", "compare_a", rest=False)
with right:
    segment_b = segment("Segment B", "compare_b", rest=True)
steps = st.multiselect(
    "Funnel steps, in order",
    widgets.keep_valid("compare_steps", customer.touchpoints(loaded, filters)),
    key="compare_steps",
    bind="query-params",
    placeholder="pick two or more touchpoints",
)
if len(steps) < 2:
    st.info("Pick at least two funnel steps.")
    st.stop()
with widgets.errors_shown():
    comparison = cache.run(
        cxlib.compare_segments, loaded, filters, segment_a, segment_b, steps=steps
    )
cols = st.columns(2)
cols[0].metric("Customers in A", f"{comparison.customers_a:,}")
cols[1].metric("Customers in B", f"{comparison.customers_b:,}")
frame = charts_customer.comparison_funnel_frame(comparison)
export.chart(
    charts_funnel.funnel_chart,
    frame,
    breakdown="segment",
    title="A and B",
    key="compare_funnel",
    name="compare_funnel",
)
st.caption("p_value: two-sided test that the step's conversion is the same in A and B.")
export.table(comparison.funnel, key="compare_tests", name="compare_funnel")
export.chart(
    charts_customer.edge_change_chart,
    comparison.edges,
    title="Transitions whose share changed most",
    key="compare_edges",
    name="compare_edges",
)
export.table(comparison.edges, key="compare_edges_table", name="compare_edges")
st.subheader("Most common paths")
left, right = st.columns(2)
for column, name, paths in [(left, "A", comparison.paths_a), (right, "B", comparison.paths_b)]:
    with column:
        st.markdown(f"**{name}**: share of its customers following each path")
        export.table(paths, key=f"compare_paths_{name.lower()}", name=f"paths_{name.lower()}")

# First, before Polars loads: a link to this page can run it before the app script.
from ui import allocator  # noqa: F401  # isort: skip
import streamlit as st

import cxlib
from cxlib import sample
from cxlib.analyses.overview import value_counts
from cxlib.errors import AnalysisError
from cxlib.log import ENTRY, EXIT
from cxlib.rates import EXIT_RATE
from cxlib.views import graph_page
from cxlib.views.format import format_percent
from ui import cache, drilldown, export, page, presentation, widgets
from ui.filters import MAX_OPTIONS
from ui.text import md

loaded, filters = page.start(
    "Journey graph",
    "Touchpoints in columns from the entry (left) to the exit (right); the legend above the "
    "drawing says what colour, size and width mean. Hover for the figures, drag to pan.",
)
with widgets.errors_shown():
    touchpoints = cache.run(value_counts, loaded, filters, "touchpoint", n=MAX_OPTIONS)[
        "touchpoint"
    ].to_list()
cols = st.columns(6)
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
max_nodes = cols[3].slider(
    "Touchpoints drawn apart",
    5,
    60,
    graph_page.MAX_GRAPH_NODES,
    key="graph_max_nodes",
    bind="query-params",
    help="The rarer touchpoints are drawn together as one (other) node whose numbers add up.",
)
focus = cols[4].selectbox(
    "Focus on",
    widgets.keep_valid("graph_focus", touchpoints),
    key="graph_focus",
    bind="query-params",
    index=None,
    placeholder="the whole graph",
)
goals = widgets.keep_valid("goal", touchpoints)
default_goal = sample.GOALS.get(loaded.scenario or "")
goal = cols[5].selectbox(
    "Conversion goal",
    goals,
    index=goals.index(default_goal) if default_goal in goals else None,
    placeholder="none",
    key="goal",
    bind="query-params",
)
with widgets.errors_shown():
    whole = cache.run(
        cxlib.journey_graph, loaded, filters, max_touchpoints=graph_page.MAX_GRAPH_TOUCHPOINTS
    )
picture = graph_page.journey_graph_view(
    whole,
    top_k=top_k or None,
    min_share=min_share or None,
    focus_on=focus,
    max_nodes=max_nodes,
    goal=goal,
    weight=weight,
    height=820,
    **presentation.drawing(),
)
critical = cxlib.critical_touchpoints(
    cxlib.analyses.graph.prune(whole, top_k=top_k or None, min_share=min_share or None),
    max_nodes=graph_page.MAX_CRITICAL_NODES,
)
if picture.grouped:
    st.caption(
        f"The {picture.grouped:,} rarest touchpoints are drawn together as one (other) node; "
        "hover it for their names, or draw more touchpoints apart."
    )
if picture.left_out:
    st.warning(
        f"{picture.left_out:,} rarely visited touchpoints are left out of the graph "
        f"(it is built over the {graph_page.MAX_GRAPH_TOUCHPOINTS:,} busiest)."
    )
export.graph(picture.html, height=840, name="Journey graph")
st.download_button(
    "Download graph as HTML",
    data=lambda: picture.html,  # deferred: built into a file only when clicked
    file_name="journey_graph.html",
    mime="text/html",
    key="graph_html",
    on_click="ignore",
)
st.subheader("Critical touchpoints")
export.table(critical, key="graph_critical", name="critical_touchpoints")

if focus is not None:
    st.subheader(f"What if fewer journeys left at {md(focus)}?")
    reduction = st.slider(
        "Drop-off lower by",
        5,
        50,
        10,
        step=5,
        format="%d%%",
        key="graph_whatif_reduction",
        bind="query-params",
    )
    if goal is None:
        st.info("Pick the conversion goal above to see what less drop-off here would bring.")
    elif focus in (ENTRY, EXIT):
        st.info("Focus on a touchpoint (not the entry or the exit) to see its what-if.")
    elif focus == goal:
        st.info(
            f"{md(focus)} is the conversion goal: journeys end there, so it has "
            "no drop-off to lower. Focus on a touchpoint before it."
        )
    else:
        try:
            whatif = cache.run(
                cxlib.predict.whatif_dropoff,
                loaded,
                filters,
                focus,
                goal=goal,
                reduction=reduction / 100,
            )
        except AnalysisError as err:
            st.info(f"No what-if for this touchpoint: {md(str(err))}")
        else:
            st.caption(
                "The journeys as an absorbing Markov chain: that share of the exits at "
                f"{md(focus)} moves to its other next steps (exit rate "
                f"{whatif.exit_rate:.1%} -> {whatif.new_exit_rate:.1%} of its visits)."
            )
            st.markdown(
                f"If drop-off at **{md(focus)}** fell by {reduction}%, expected "
                f"conversions would change by **{whatif.delta:+,.1f}** "
                f"(from {whatif.baseline_conversions:,.1f} to "
                f"{whatif.new_conversions:,.1f})."
            )
            m = st.columns(3)
            m[0].metric(
                "Exit rate",
                format_percent(whatif.exit_rate),
                delta=f"{format_percent(whatif.new_exit_rate)} with less drop-off",
                delta_color="off",
                help=EXIT_RATE.definition,
            )
            m[1].metric("Expected conversions now", f"{whatif.baseline_conversions:,.1f}")
            m[2].metric(
                "Expected with less drop-off",
                f"{whatif.new_conversions:,.1f}",
                delta=f"{whatif.delta:+,.1f}",
            )

st.subheader("Who is behind a touchpoint or a transition")
cols = st.columns(3)
kind = cols[0].radio(
    "Figure", ["node", "edge"], format_func={"node": "touchpoint", "edge": "transition"}.get,
    horizontal=True, key="graph_who_kind",
)  # fmt: skip
nodes = list(whole.nodes)
source = cols[1].selectbox(
    "Touchpoint" if kind == "node" else "From", widgets.keep_valid("graph_who_node", nodes),
    key="graph_who_node",
)  # fmt: skip
if kind == "node":
    figure = cxlib.GraphNode(source)
else:
    targets = sorted(whole.successors(source))
    target = cols[2].selectbox(
        "To", widgets.keep_valid("graph_who_target", targets), key="graph_who_target"
    )
    figure = cxlib.GraphEdge(source, target) if target is not None else None
if figure is not None:
    drilldown.show(loaded, filters, figure, key="graph_who")

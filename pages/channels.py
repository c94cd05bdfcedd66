# First, before Polars loads: a link to this page can run it before the app script.
from ui import allocator  # noqa: F401  # isort: skip
import dataclasses

import streamlit as st

import cxlib
from cxlib.views import charts_customer, graph_page
from ui import cache, customer, export, page, presentation, widgets

loaded, filters = page.start(
    "Channels",
    "How journeys cross channels: the channel of each event against the next one's, where "
    "converting customers started and finished, and how conversion grows with channels used.",
)
customer.require_column(loaded, "channel", "the channel analyses need")
goal = customer.pick_goal(loaded, filters)
with widgets.errors_shown():
    summary = cache.run(cxlib.omnichannel_summary, loaded, filters, goal=goal).row(0, named=True)
    switches = cache.run(cxlib.channel_switches, loaded, filters)
    used = cache.run(cxlib.channels_used, loaded, filters, goal=goal)
    ends = cache.run(cxlib.start_and_conversion_channels, loaded, filters, goal=goal)
    edges = cache.run(cxlib.switching_edges, loaded, filters)

cols = st.columns(3)
cols[0].metric("Omnichannel customers", f"{summary['omnichannel_share']:.1%}")
cols[1].metric("Omnichannel conversions", f"{summary['omnichannel_conversion_share']:.1%}")
cols[2].metric("Conversions", f"{summary['conversions']:,}")
if used["channels"].max() <= 1:
    st.info("Every customer here used one channel only: there are no hand-offs to show.")

export.chart(
    charts_customer.transition_matrix_chart,
    switches,
    source="from_channel",
    target="to_channel",
    title="Channel of an event (rows) → channel of the next (columns); off the diagonal: switches",
    key="channels_switches",
    name="channel_switches",
)
left, right = st.columns(2)
with left:
    export.chart(
        charts_customer.channels_used_chart,
        used,
        title="Conversion by channels used",
        key="channels_used",
        name="channels_used",
    )
    export.table(used, key="channels_used_table", name="channels_used")
with right:
    st.subheader("Where converting customers started and converted")
    export.table(ends, key="channels_ends", name="start_and_conversion_channels")

st.subheader("The journey graph with its channel switches")
cols = st.columns(2)
top_k = cols[0].slider(
    "Top edges per touchpoint (0 = all)", 0, 10, 3, key="channels_top_k", bind="query-params"
)
threshold = cols[1].slider(
    "Highlight transitions where at least this share switches channel",
    0.05,
    1.0,
    0.5,
    step=0.05,
    key="channels_switch_share",
    bind="query-params",
)
# Per customer, like switching_edges (the sidebar's session choice does not apply here).
per_customer = dataclasses.replace(filters, by="customer")
marked = cxlib.switching_pairs(edges, min_share=threshold)
with widgets.errors_shown():
    whole = cache.run(
        cxlib.journey_graph, loaded, per_customer, max_touchpoints=graph_page.MAX_GRAPH_TOUCHPOINTS
    )
    picture = graph_page.journey_graph_view(
        whole,
        top_k=top_k or None,
        weight="share",
        height=640,
        **presentation.drawing(),
        highlight_edges=tuple(marked),
    )
st.caption(
    f"Dashed purple edges: transitions where at least {threshold:.0%} of the moves change "
    "channel. Node colour: exit rate; node size: visits; edge label: share of the moves out "
    "of the touchpoint."
)
if picture.grouped:
    st.caption(
        f"The {picture.grouped:,} rarest touchpoints are drawn together as one (other) node."
    )
export.graph(picture.html, height=660, name="The journey graph with its channel switches")
st.subheader("Touchpoint transitions that switch channel")
export.table(edges, key="channels_edges", name="switching_edges")

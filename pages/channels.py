import streamlit as st

from cxlib import charts_customer
from ui import cache, customer, export, page, state

loaded, filters = page.start(
    "Channels",
    "How journeys cross channels: the channel of each event against the next one's, where "
    "converting customers started and finished, and how conversion grows with channels used.",
)
customer.require_column(loaded, "channel", "the channel analyses need")
goal = customer.pick_goal(loaded, filters)
with state.errors_shown():
    summary = cache.omnichannel_summary(loaded, filters, goal).row(0, named=True)
    switches = cache.channel_switches(loaded, filters)
    used = cache.channels_used(loaded, filters, goal)
    ends = cache.start_and_conversion_channels(loaded, filters, goal)
    edges = cache.switching_edges(loaded, filters)

cols = st.columns(3)
cols[0].metric("Omnichannel customers", f"{summary['omnichannel_share']:.1%}")
cols[1].metric("Omnichannel conversions", f"{summary['omnichannel_conversion_share']:.1%}")
cols[2].metric("Conversions", f"{summary['conversions']:,}")
if used["channels"].max() <= 1:
    st.info("Every customer here used one channel only: there are no hand-offs to show.")

picture = charts_customer.transition_matrix_chart(
    switches,
    source="from_channel",
    target="to_channel",
    title="Channel of an event (rows) → channel of the next (columns); off the diagonal: switches",
)
export.chart(picture, key="channels_switches", name="channel_switches")
left, right = st.columns(2)
with left:
    picture = charts_customer.channels_used_chart(used, title="Conversion by channels used")
    export.chart(picture, key="channels_used", name="channels_used")
    export.table(used, key="channels_used_table", name="channels_used")
with right:
    st.subheader("Where converting customers started and converted")
    export.table(ends, key="channels_ends", name="start_and_conversion_channels")
st.subheader("Touchpoint transitions that switch channel")
export.table(edges, key="channels_edges", name="switching_edges")

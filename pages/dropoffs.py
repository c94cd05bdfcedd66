import streamlit as st

import cxlib
from cxlib.views import charts
from ui import cache, export, page, state

loaded, filters = page.start(
    "Drop-offs",
    "Exit rate per touchpoint: journeys whose last event is there, out of journeys that reach "
    "it, with a 95% interval so small counts are not over-read.",
)
with state.errors_shown():
    table = cache.run(cxlib.dropoffs, loaded, filters)
left, right = st.columns(2)
min_journeys = left.number_input(
    "Leave out touchpoints with fewer journeys than",
    min_value=1,
    value=1,
    step=1,
    key="dropoffs_min",
    bind="query-params",
)
limit = right.slider("Touchpoints shown", 5, 100, 30, key="dropoffs_limit", bind="query-params")
export.chart(
    charts.exit_rate_chart,
    table,
    min_journeys=int(min_journeys),
    limit=limit,
    title="Exit rate by touchpoint",
    key="dropoffs_rates",
    name="exit_rates",
)
export.table(table, key="dropoffs_table", name="dropoffs")

st.subheader("What journeys did next")
after = st.selectbox(
    "After touchpoint",
    state.keep_valid("dropoffs_after", table["touchpoint"].to_list()),
    key="dropoffs_after",
    bind="query-params",
)
if after is not None:
    with state.errors_shown():
        following = cache.run(cxlib.next_after, loaded, filters, after)
    export.table(following, key="dropoffs_next", name="next_after")

# First, before Polars loads: a link to this page can run it before the app script.
from ui import allocator  # noqa: F401  # isort: skip
import streamlit as st

import cxlib
from cxlib import sample
from cxlib.analyses.dropoffs import MIN_JOURNEYS
from cxlib.analyses.overview import value_counts
from cxlib.rates import EXIT_RATE, JOURNEYS_ENDING_SHARE
from cxlib.views import charts
from ui import cache, drilldown, export, page, widgets
from ui.text import md

loaded, filters = page.start(
    "Drop-offs",
    f"Where journeys end. {JOURNEYS_ENDING_SHARE.definition.capitalize()}, with a 95% interval "
    f"so small counts are not over-read; next to it the {EXIT_RATE.definition} (the journey "
    "graph's colour). The conversion goal is never a drop-off.",
)
with widgets.errors_shown():
    touchpoints = cache.run(value_counts, loaded, filters, "touchpoint")
names = widgets.keep_valid("goal", touchpoints["touchpoint"].to_list())
default_goal = sample.GOALS.get(loaded.scenario or "")
cols = st.columns(3)
goal = cols[0].selectbox(
    "Conversion goal",
    names,
    index=names.index(default_goal) if default_goal in names else None,
    placeholder="none",
    key="goal",
    bind="query-params",
)
min_journeys = cols[1].number_input(
    "Leave out touchpoints with fewer journeys than",
    min_value=1,
    value=MIN_JOURNEYS,
    step=1,
    key="dropoffs_min",
    bind="query-params",
    help=f"From {MIN_JOURNEYS} journeys on, the 95% interval of a share is at most ±14 points.",
)
limit = cols[2].slider("Touchpoints shown", 5, 100, 30, key="dropoffs_limit", bind="query-params")
with widgets.errors_shown():
    table = cache.run(cxlib.dropoffs, loaded, filters, goal=goal)
rows = charts.dropoff_rows(table, min_journeys=int(min_journeys), limit=limit)
if rows.is_empty():
    st.info(
        f"No touchpoint is reached by {int(min_journeys):,} journeys or more: lower the minimum "
        "to see the smaller ones (their intervals are wide)."
    )
else:
    left_out = table.height - rows.height
    export.chart(
        charts.dropoff_chart,
        rows,
        title="Journeys ending at each touchpoint",
        key="dropoffs_rates",
        name="dropoffs",
    )
    if left_out:
        st.caption(
            f"{left_out:,} touchpoints with fewer journeys, or past the number shown, are left out."
        )
    export.table(rows, key="dropoffs_table", name="dropoffs")
cols = st.columns(2)
ended = cols[0].selectbox(
    "Who", widgets.keep_valid("dropoffs_who", table["touchpoint"].to_list()), key="dropoffs_who"
)
outcome = cols[1].radio(
    "Journeys that", ["exited", "reached"], format_func={"exited": "ended there", "reached": "reached it"}.get,
    horizontal=True, key="dropoffs_who_outcome",
)  # fmt: skip
if ended is not None:
    drilldown.show(loaded, filters, cxlib.DropOff(ended, outcome), key="dropoffs_who")

st.subheader("What journeys did next")
after = st.selectbox(
    "After touchpoint",
    widgets.keep_valid("dropoffs_after", table["touchpoint"].to_list()),
    key="dropoffs_after",
    bind="query-params",
)
if after is not None:
    with widgets.errors_shown():
        following = cache.run(cxlib.next_after, loaded, filters, after)
    st.caption(f"The moves out of {md(after)}, the exit included: their share of its visits.")
    export.table(following, key="dropoffs_next", name="next_after")

import time

import streamlit as st

import cxlib
from cxlib import sample
from cxlib.analyses import overview
from cxlib.analyses.overview import value_counts
from cxlib.views import charts
from cxlib.views import graph_html as graph_view
from cxlib.views.format import format_seconds
from ui import cache, live, page, presentation, state
from ui.text import md

#: Seconds between two refreshes of the figures.
REFRESH = 3.0
SPEEDS = {60: "1 min a second", 3600: "1 h a second", 86_400: "1 day a second"}
#: Touchpoints the live graph draws apart (the rest as one "other" node).
LIVE_NODES = 10

loaded, _ = page.start(
    "Live",
    f"Events stream in and the figures follow, every {REFRESH:g} s. Only the latest "
    f"{live.WINDOW:,} events are kept and analysed (journeys begun earlier are cut), so the "
    "page runs for hours in flat memory. The sidebar filters do not apply here.",
)
cols = st.columns([2, 2, 2, 1, 1])
source = cols[0].radio(
    "Events",
    ["generated", "replay"],
    key="live_source",
    horizontal=True,
    format_func={"generated": "a generated scenario", "replay": "a replay of the data"}.get,
)
if source == "generated":
    scenario = cols[1].selectbox("Scenario", sample.SCENARIOS, key="live_scenario")
    rate = cols[2].select_slider(
        "Events per second", [1, 5, 10, 20, 50, 100, 200], value=50, key="live_rate"
    )
    touchpoints, goal = list(sample.STAGES[scenario]), sample.GOALS[scenario]
    config = ("generated", scenario)
else:
    scenario = None
    speed = cols[1].selectbox(
        "Speed", list(SPEEDS), index=1, format_func=SPEEDS.get, key="live_speed"
    )
    cols[2].caption(f"Replaying {loaded.label} from its first event.")
    with state.errors_shown():
        touchpoints = cache.run(value_counts, loaded, None, "touchpoint")["touchpoint"].to_list()
    goal = sample.GOALS.get(loaded.scenario or "")
    config = ("replay", loaded.key)

# Buttons act through callbacks: they run before the script, and survive a restarted run.
cols[4].button("Reset", key="live_reset", on_click=lambda: st.session_state.pop("live_feed", None))
feed: live.Feed | None = st.session_state.get("live_feed")
if feed is None or st.session_state.get("live_config") != config:
    with state.errors_shown():
        feed = live.generated(scenario) if scenario else live.replay(loaded.log)
    st.session_state["live_feed"], st.session_state["live_config"] = feed, config
if scenario:
    feed.rate = rate
else:
    feed.speed = speed


def _toggle() -> None:
    feed.paused = not feed.paused


cols[3].button("Resume" if feed.paused else "Pause", key="live_pause", on_click=_toggle)

default = [t for t in (touchpoints[0] if touchpoints else None, goal) if t]
steps = st.multiselect(
    "Funnel steps", state.keep_valid("live_steps", touchpoints), default=default, key="live_steps"
)


@st.fragment(run_every=None if feed.paused else REFRESH)
def _figures() -> None:
    feed.tick(time.monotonic())
    log = feed.log()
    if log is None:
        st.info("Waiting for the first events…")
        return
    figures = overview.summary(log, goal=goal)
    top = st.columns(5)
    top[0].metric("Events so far", f"{feed.total:,}")
    top[1].metric("In the window", f"{figures.events:,}")
    top[2].metric("Customers", f"{figures.customers:,}")
    conversion = "–" if figures.conversion is None else f"{figures.conversion:.1%}"
    top[3].metric(f"Conversion to {md(goal or '…')}", conversion)
    top[4].metric("Median journey", format_seconds(figures.median_seconds))
    left, right = st.columns([3, 2])
    with left:
        # Fewer touchpoints apart than on the Journey graph page: legible on a projector.
        picture = graph_view.journey_graph_view(
            cxlib.journey_graph(log),
            top_k=2,
            max_nodes=LIVE_NODES,
            goal=goal,
            height=560,
            palette=presentation.palette(),
        )
        st.iframe(picture.html, height=580)
    with right:
        seen = set(value_counts(log, "touchpoint")["touchpoint"])
        if len(steps) < 2:
            st.info("Pick two or more funnel steps.")
        elif missing := [s for s in steps if s not in seen]:
            names = ", ".join(md(m) for m in missing)  # untrusted: no Markdown
            st.info(f"Waiting for {names} to happen in the window.")
        else:
            funnel = charts.funnel_chart(cxlib.funnel(log, steps))
            st.altair_chart(funnel, width="stretch", theme=None)
    if feed.paused:
        st.caption("Paused.")


_figures()

# First, before Polars loads: a link to this page can run it before the app script.
from ui import allocator  # noqa: F401  # isort: skip
import time

import streamlit as st

import cxlib
from cxlib import sample
from cxlib.analyses import overview
from cxlib.analyses.overview import value_counts
from cxlib.sample.problems import Outage
from cxlib.views import charts_funnel, graph_page
from cxlib.views.format import format_seconds
from ui import cache, export, live, page, presentation, state, widgets
from ui.filters import MAX_OPTIONS
from ui.text import md

#: Seconds between two refreshes of the figures.
REFRESH = 3.0
SPEEDS = {60: "1 min a second", 3600: "1 h a second", 86_400: "1 day a second"}
#: Touchpoints the live graph draws apart (the rest as one "other" node).
LIVE_NODES = 10
#: Choices of how many of the latest events are analysed: fewer react faster.
WINDOWS = (1_000, 2_000, 5_000, live.WINDOW)

loaded = page.start_without_filters(
    "Live",
    f"Events stream in and the figures follow, every {REFRESH:g} s, computed on the latest "
    "events only (journeys begun earlier are cut), so the page runs for hours in flat memory.",
)
with st.expander("Controls", expanded=not presentation.presenter()):
    cols = st.columns([2, 2, 2, 2])
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
        data, stages, config = state.scenario_data(scenario), sample.STAGES[scenario], scenario
    else:
        scenario, stages, data, config = None, None, loaded, loaded.key
        speed = cols[1].selectbox(
            "Speed", list(SPEEDS), index=1, format_func=SPEEDS.get, key="live_speed"
        )
        cols[2].caption(f"Replaying {md(loaded.label)} from its first event.")
    window = cols[3].select_slider(
        "Latest events analysed", WINDOWS, value=2_000, format_func="{:,}".format, key="live_window"
    )
    goal = sample.GOALS.get(data.scenario or "")
    with widgets.errors_shown():
        touchpoints = cache.run(value_counts, data, None, "touchpoint", n=MAX_OPTIONS)[
            "touchpoint"
        ].to_list()
        default = (
            cache.run(cxlib.stage_funnel, data, None, goal=goal, stages=stages)
            if goal
            else touchpoints[:2]
        )
    if st.session_state.get("live_defaults_for") != config:  # other data: its own defaults
        st.session_state["live_steps"] = default
        st.session_state["live_problem_touchpoint"] = default[-2] if len(default) > 1 else None
        st.session_state["live_defaults_for"] = config
    steps = st.multiselect("Funnel steps", touchpoints, key="live_steps")
    cols = st.columns([2, 2, 2, 1, 1, 1])
    broken = cols[0].toggle(
        "Inject a problem",
        key="live_problem",
        help="A touchpoint stops working: customers who reach it leave right there. "
        "Watch its exits grow in the graph and the funnel fall.",
    )
    failing = cols[1].selectbox(
        "Touchpoint that breaks", touchpoints, key="live_problem_touchpoint"
    )
    channels = (
        cache.run(value_counts, data, None, "channel", n=MAX_OPTIONS)["channel"].to_list()
        if data.log.has("channel")
        else []
    )
    channel = cols[2].selectbox(
        "For",
        channels,
        index=channels.index("app") if "app" in channels else None,
        format_func="{} users".format,
        placeholder="everyone",
        key="live_problem_channel",
    )

    # Buttons act through callbacks: they run before the script, and survive a restarted run.
    def _reset() -> None:
        st.session_state.pop("live_feed", None)

    feed: live.Feed | None = st.session_state.get("live_feed")
    if feed is None or st.session_state.get("live_config") != config:
        with widgets.errors_shown():
            feed = live.generated(scenario) if scenario else live.replay(loaded.log)
        st.session_state["live_feed"], st.session_state["live_config"] = feed, config
    if scenario:
        feed.rate = rate
    else:
        feed.speed = speed
    feed.window = window
    if not broken or failing is None:
        feed.outage = None
    elif feed.outage is None or (feed.outage.touchpoint, feed.outage.channel) != (failing, channel):
        feed.outage = Outage(failing, channel=channel)

    def _toggle() -> None:
        feed.paused = not feed.paused

    cols[3].button("Resume" if feed.paused else "Pause", key="live_pause", on_click=_toggle)
    cols[4].button("Step", key="live_step", on_click=lambda: feed.step(REFRESH))
    cols[5].button("Reset", key="live_reset", on_click=_reset)


@st.fragment(run_every=None if feed.paused else REFRESH)
def _figures() -> None:
    feed.tick(time.monotonic())
    log = feed.log()
    if log is None:
        st.info("Waiting for the first events…")
        return
    figures = overview.summary(log, goal=goal)
    seen = set(value_counts(log, "touchpoint")["touchpoint"])
    missing = [s for s in steps if s not in seen]
    funnel = cxlib.funnel(log, steps) if len(steps) >= 2 and not missing else None
    top = st.columns(5)
    top[0].metric("Events so far", f"{feed.total:,}")
    top[1].metric("Customers in the window", f"{figures.customers:,}")
    if goal:
        reached = "–" if figures.conversion is None else f"{figures.conversion:.1%}"
        top[2].metric(f"Reached {md(goal)}, of all customers", reached)
    if funnel is not None:
        last = funnel["conversion"][-1]
        top[3].metric(
            f"Funnel: reached {md(steps[-1])}, of those at {md(steps[0])}",
            "–" if last is None else f"{last:.1%}",
        )
    top[4].metric("Median journey", format_seconds(figures.median_seconds))
    if feed.outage is not None:
        st.warning(f"Problem injected: {md(feed.outage.label)}.")
    presenting = presentation.presenter()
    left, right = st.columns([3, 2])
    with left:
        # Fewer touchpoints apart than on the Journey graph page: legible on a projector.
        picture = graph_page.journey_graph_view(
            cxlib.journey_graph(log),
            top_k=2,
            max_nodes=LIVE_NODES,
            goal=goal,
            height=400 if presenting else 480,
            **presentation.drawing(),
        )
        st.iframe(picture.html, height=420 if presenting else 500)
    with right:
        if len(steps) < 2:
            st.info("Pick two or more funnel steps.")
        elif missing:
            names = ", ".join(md(m) for m in missing)  # untrusted: no Markdown
            st.info(f"Waiting for {names} to happen in the window.")
        else:
            export.show(
                charts_funnel.funnel_chart(funnel, title="Funnel").to_dict(), key="live_funnel"
            )
    if feed.paused:
        st.caption("Paused.")


_figures()

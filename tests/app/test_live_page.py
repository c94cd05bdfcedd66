"""The Live page: events stream in, figures follow, pause and reset work (AppTest)."""

from __future__ import annotations

import polars as pl

from tests.app.conftest import assert_clean, new_app, open_page


def _live():
    at = open_page(new_app().run(), "pages/live.py")
    assert_clean(at, "Live")
    return at


def _tick(at, seconds: float):
    """Pretend ``seconds`` passed since the feed's last tick, then run the page again."""
    feed = at.session_state["live_feed"]
    feed._last -= seconds
    return at.run()


def test_a_generated_scenario_streams_at_the_chosen_rate():
    at = _live()
    feed = at.session_state["live_feed"]
    assert feed.rate == 50
    _tick(at, 2.0)
    assert [e.value for e in at.exception] == []
    # 2 s at 50 events/s: 100 events (plus the few of the time the run itself took).
    assert 100 <= feed.total < 130
    assert at.metric[0].label == "Events so far"
    assert at.metric[0].value == f"{feed.total:,}"
    # The two conversions say what they count: any path against the funnel's order.
    assert at.metric[2].label == "Reached purchase, of all customers"
    assert at.metric[3].label == "Funnel: reached purchase, of those at visit\\_home"
    assert len(at.get("iframe")) == 1


def test_pause_stops_the_feed_and_reset_starts_again():
    at = _live()
    _tick(at, 1.0)
    at.button(key="live_pause").click().run()
    feed = at.session_state["live_feed"]
    assert feed.paused
    assert at.button(key="live_pause").label == "Resume"
    before = feed.total
    _tick(at, 5.0)
    assert feed.total == before  # paused: nothing more comes in
    at.button(key="live_reset").click().run()
    assert at.session_state["live_feed"] is not feed
    assert at.session_state["live_feed"].total < 10


def test_a_replay_of_the_loaded_data_at_one_day_a_second():
    at = _live()
    at.radio(key="live_source").set_value("replay").run()
    at.selectbox(key="live_speed").set_value(86_400).run()
    feed = at.session_state["live_feed"]
    assert feed.speed == 86_400
    _tick(at, 1.0)
    assert [e.value for e in at.exception] == []
    # The retail sample's first day or so: some events, far from all of them.
    assert 0 < feed.total < at.session_state["cx_loaded"].log.report.rows_kept


def test_the_window_stays_bounded():
    at = _live()
    feed = at.session_state["live_feed"]
    at.select_slider(key="live_window").set_value(1_000).run()
    at.select_slider(key="live_rate").set_value(200).run()
    for _ in range(4):
        _tick(at, 2.0)
    assert feed.total >= 1600
    assert feed.frame().height == 1000


def test_a_step_not_yet_seen_is_waited_for():
    at = _live()
    # Reviews come days after a purchase: none in the first 100 events.
    at.multiselect(key="live_steps").set_value(["ad_click", "review"]).run()
    _tick(at, 2.0)
    infos = [i.value for i in at.info]
    assert infos == ["Waiting for review to happen in the window."]


def test_the_default_funnel_walks_the_scenario_stages_and_the_filters_are_not_shown():
    at = _live()
    # awareness, consideration, decision: the touchpoint most buyers met before buying.
    assert at.multiselect(key="live_steps").value == [
        "visit_home",
        "product_page",
        "add_to_cart",
        "purchase",
    ]
    sidebar_keys = {w.key for w in at.sidebar if getattr(w, "key", None)}
    assert sidebar_keys.isdisjoint({"dates", "channels", "hide", "segment", "journeys"})
    at.selectbox(key="live_scenario").set_value("bank").run()
    assert at.multiselect(key="live_steps").value[-1] == "account_opened"


def test_step_advances_a_paused_feed_by_one_refresh():
    at = _live()
    at.button(key="live_pause").click().run()
    feed = at.session_state["live_feed"]
    before = feed.total
    at.button(key="live_step").click().run()
    # One refresh (3 s) at 50 events a second.
    assert feed.total - before == 150


def test_an_injected_problem_ends_the_journeys_at_the_broken_step():
    at = _live()
    at.select_slider(key="live_window").set_value(1_000).run()
    at.toggle(key="live_problem").set_value(True).run()
    feed = at.session_state["live_feed"]
    assert feed.outage.label == "add_to_cart breaks for app users"
    for _ in range(3):
        _tick(at, 20.0)
    events = feed.frame().filter(pl.col("customer_id").is_in(list(feed.outage._gone)))
    assert events.height  # app users met the broken cart...
    last = events.group_by("customer_id").agg(pl.all().last())  # the frame is in time order
    # ...and it was the last thing they did: no purchase, nothing at all after it.
    assert set(last["touchpoint"]) == {"add_to_cart"}
    assert set(last["channel"]) == {"app"}
    assert [w.value for w in at.warning] == [
        "Problem injected: add\\_to\\_cart breaks for app users."
    ]
    at.toggle(key="live_problem").set_value(False).run()
    assert feed.outage is None

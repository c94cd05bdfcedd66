"""The Live page: events stream in, figures follow, pause and reset work (AppTest)."""

from __future__ import annotations

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
    assert at.metric[3].label == "Conversion to purchase"
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
    feed.window = 300
    at.select_slider(key="live_rate").set_value(200).run()
    for _ in range(3):
        _tick(at, 2.0)
    assert feed.total >= 1200
    assert feed.frame().height == 300
    assert at.metric[1].value == "300"


def test_a_step_not_yet_seen_is_waited_for():
    at = _live()
    feed = at.session_state["live_feed"]
    feed.window = 100
    # Reviews come days after a purchase: none in the first 100 events.
    at.multiselect(key="live_steps").set_value(["ad_click", "review"]).run()
    _tick(at, 2.0)
    infos = [i.value for i in at.info]
    assert infos == ["Waiting for review to happen in the window."]

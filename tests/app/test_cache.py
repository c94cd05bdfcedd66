import threading
import time

import polars as pl
import pytest

from ui.cache import ResultCache, size_of


def test_a_result_is_computed_once_and_reused():
    cache, calls = ResultCache(ttl=60, budget=10_000), []
    for _ in range(3):
        assert cache.get_or_compute("k", lambda: calls.append(1) or "v") == "v"
    assert calls == [1]


def test_an_unused_result_expires_after_the_ttl(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    cache = ResultCache(ttl=10, budget=10_000)
    cache.get_or_compute("old", lambda: 1)
    now[0] = 105.0
    cache.get_or_compute("new", lambda: 2)
    now[0] = 112.0  # "old" unused for 12 s, "new" for 7 s
    assert cache.keys() == ["new"]


def test_past_the_budget_the_least_recently_used_go_first():
    frame = pl.DataFrame({"a": list(range(100))})  # 800 bytes
    cache = ResultCache(ttl=60, budget=2_000)
    cache.get_or_compute("a", lambda: frame)
    cache.get_or_compute("b", lambda: frame)
    cache.get_or_compute("a", lambda: frame)  # a used again: b is now the oldest
    cache.get_or_compute("c", lambda: frame)
    assert cache.keys() == ["a", "c"]


def test_a_result_larger_than_the_budget_is_not_kept():
    cache = ResultCache(ttl=60, budget=100)
    assert cache.get_or_compute("big", lambda: "x" * 1000) == "x" * 1000
    assert cache.keys() == []


def test_a_failed_computation_stores_nothing():
    cache = ResultCache(ttl=60, budget=10_000)

    def fail():
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        cache.get_or_compute("k", fail)
    assert cache.get_or_compute("k", lambda: 1) == 1


def test_sessions_asking_together_share_one_computation():
    cache, calls, started = ResultCache(ttl=60, budget=10_000), [], threading.Event()

    def slow():
        calls.append(1)
        started.set()
        time.sleep(0.2)
        return 42

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_compute("k", slow)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [42] * 8
    assert calls == [1]


def test_sizes_of_frames_tuples_and_other_results():
    frame = pl.DataFrame({"a": [1, 2, 3]})
    assert size_of(frame) == 24
    assert size_of((frame, frame)) == 48
    assert size_of({"x": 1}) > 0


def test_a_chart_is_built_once_for_every_session_and_keyed_by_content():
    from cxlib.views import charts
    from ui import cache

    built = []

    def counted(frame, **options):
        built.append(frame.height)
        return charts.bar_chart(frame, **options)

    cache.RESULTS.clear()
    frame = pl.DataFrame({"touchpoint": ["a", "b"], "customers": [3, 1]})
    first = cache.chart(counted, frame, category="touchpoint", value="customers")
    again = cache.chart(counted, frame.clone(), category="touchpoint", value="customers")
    assert again is first  # equal content, one build
    assert built == [2]
    changed = frame.with_columns(customers=pl.Series([1, 3]))
    cache.chart(counted, changed, category="touchpoint", value="customers")
    cache.chart(counted, frame, category="touchpoint", value="customers", percent=True)
    assert built == [2, 2, 2]  # other values, other options: built anew
    assert first.vega_lite["layer"][0]["mark"]["type"] == "bar"
    # Streamlit gets the data as Arrow, built once too; the same rows.
    (rows,) = first.vega_lite["datasets"].values()
    (ipc,) = first.arrow["datasets"].values()
    assert pl.read_ipc_stream(ipc).to_dicts() == rows


def _two_filters_script():
    import gc
    import weakref

    import streamlit as st

    from ui import cache, state
    from ui.filters import Filters

    loaded = state.scenario_data("retail")
    channel = st.radio("Channel", ["web", "app"], key="channel")
    before = st.session_state.get("last_log")
    log = cache.filtered(loaded, Filters(channels=(channel,)))
    gc.collect()
    st.write(f"last log alive: {before is not None and before() is not None}")
    st.session_state["last_log"] = weakref.ref(log)


def test_a_new_filter_lets_the_last_filtered_log_go_before_computing():
    # Kept in Streamlit's state of the last run, the last log (its sorted journeys: 400-700
    # MB at 10M events) lived beside the new one until the run ended.
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_two_filters_script).run()
    assert at.markdown[0].value == "last log alive: False"
    at.radio(key="channel").set_value("app").run()
    assert not at.exception
    assert at.markdown[0].value == "last log alive: False"
    at.radio(key="channel").set_value("app").run()  # the same filters: the same log
    assert at.markdown[0].value == "last log alive: True"


def _journeys_script():
    import streamlit as st

    from ui import cache, state
    from ui.filters import Filters

    loaded = state.scenario_data("retail")
    by = st.radio("Journeys", ["customer", "session"], key="by")
    gap = st.radio("Gap", ["30m", "1h"], key="gap")
    log = cache.filtered(loaded, Filters(channels=("web",), by=by, gap=gap))
    events = log if by == "customer" else log.cache.derived[0]
    st.write(f"{id(events)} {log.has('session_id')}")


def test_a_switch_to_sessions_cuts_them_from_the_events_kept():
    # The channel filter runs once: sessions (of any gap) and back to customers reuse it.
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_journeys_script).run()
    events, sessions = at.markdown[0].value.split()
    assert sessions == "False"
    at.radio(key="by").set_value("session").run()
    assert at.markdown[0].value == f"{events} True"
    at.radio(key="gap").set_value("1h").run()
    assert at.markdown[0].value == f"{events} True"
    at.radio(key="by").set_value("customer").run()
    assert at.markdown[0].value == f"{events} False"

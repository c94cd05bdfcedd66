"""converter_differences' contingency tables equal a brute force in plain Python loops, on random small logs.

The brute force follows the module's definitions word for word: a journey's outcome is
reaching the goal (behaviour: its events earlier than the first goal event, every
event when it never converts) or getting through the funnel by its best attempt (behaviour:
from the attempt's first event to its last step, to the end of the window when it
dropped); a journey has a value when one of those events has it, the outcome's
touchpoints aside. On Polars the counts take the kept journey order
(engines.polars_values_had); DuckDB the portable joins.
"""

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib import EventLog, converter_differences, filters
from cxlib.engines import category_column, to_engine
from cxlib.units import parse_duration
from tests.analyses.funnels.test_funnel_property import (
    WINDOWS,
    attributed_frames,
    brute_attempt,
)
from tests.conftest import T0, brute_journeys

CELLS = ["converted_with", "dropped_with", "converted_without", "dropped_without"]
COLUMNS = ["touchpoint", "channel", "value"]
OUTCOMES = [("y", None), (None, ["x"]), (None, ["x", "y"]), (None, ["x", "ü", "y"])]
#: Logs made from another by a filter (on Polars: its kept journeys' rows, codes included).
FILTERED = {
    "web": lambda log: filters.filter_channels(log, "web"),
    "values": lambda log: filters.filter_attribute(log, "value", [0.0]),
    "later": lambda log: filters.filter_time(log, start=T0 + dt.timedelta(minutes=2)),
}


def brute_outcome(events, goal, steps, window):
    """(converted, the events before the outcome) of one journey; None when not counted."""
    if goal is not None:
        hit = next((e["epoch_us"] for e in events if e["touchpoint"] == goal), None)
        return (hit is not None, [e for e in events if hit is None or e["epoch_us"] < hit])
    window_us = parse_duration(window)
    best = None
    for i, event in enumerate(events):
        if event["touchpoint"] == steps[0]:
            level, times, _ = brute_attempt(events, i, steps, window_us, [], "sequential")
            if best is None or level > best[0]:  # the earliest of the best attempts
                best = (level, times)
    if best is None:
        return None  # never reached step 1
    level, times = best
    converted = level == len(steps)
    end = times[-1] if converted else times[0] + window_us + 1
    return converted, [e for e in events if times[0] <= e["epoch_us"] < end]


def brute_tables(frame, goal, steps, window, by):
    """{(column, value as text): (converted_with, dropped_with, converted_without, dropped_without)}."""
    outcomes = [
        brute_outcome(events, goal, steps, window) for events in brute_journeys(frame, by).values()
    ]
    counted = [o for o in outcomes if o is not None]
    converted = sum(1 for c, _ in counted if c)
    skip = {goal} if goal is not None else set(steps)
    had = {}
    for c, events in counted:
        values = {
            (column, str(e[column]))
            for e in events
            for column in COLUMNS
            if e[column] is not None and not (column == "touchpoint" and e[column] in skip)
        }
        for value in values:
            had.setdefault(value, [0, 0])[0 if c else 1] += 1
    return {
        value: (cw, dw, converted - cw, len(counted) - converted - dw)
        for value, (cw, dw) in had.items()
        if cw + dw >= 1 and len(counted) - cw - dw >= 1
    }


def tables(log, **options):
    out = converter_differences(log, columns=COLUMNS, min_journeys=1, **options)
    return {(c, v): cells for c, v, *cells in out.select("column", "value", *CELLS).rows()}


@settings(max_examples=100, deadline=None)
@given(
    frame=attributed_frames(),
    outcome=st.sampled_from(OUTCOMES),
    window=st.sampled_from(WINDOWS),
    by=st.sampled_from(["customer", "session"]),
)
def test_contingency_tables_equal_brute_force_on_both_paths(frame, outcome, window, by):
    goal, steps = outcome
    log = EventLog.from_frame(frame)
    canonical = log.frame.collect().to_native()
    expected = brute_tables(canonical, goal, steps, window, by)
    options = {"goal": goal, "steps": steps, "window": window, "by": by}
    assert {k: tuple(v) for k, v in tables(log, **options).items()} == expected
    portable = EventLog.from_frame(to_engine(canonical, "duckdb"))
    assert {k: tuple(v) for k, v in tables(portable, **options).items()} == expected


@settings(max_examples=60, deadline=None)
@given(
    frame=attributed_frames(),
    outcome=st.sampled_from(OUTCOMES),
    window=st.sampled_from(WINDOWS),
    by=st.sampled_from(["customer", "session"]),
    made=st.sampled_from(sorted(FILTERED)),
)
def test_later_logs_count_their_own_values(frame, outcome, window, by, made):
    # On Polars a log's journeys keep each column's category codes once counted: a log
    # filtered from it takes its kept rows, codes included, and another log with other
    # values in the same columns has its own. Each must count the values of its events.
    goal, steps = outcome
    options = {"goal": goal, "steps": steps, "window": window, "by": by}
    log = EventLog.from_frame(frame)
    tables(log, **options)
    assert category_column("channel") in log.cache.journeys(by, lambda: pl.DataFrame()).columns
    renamed = frame.with_columns(channel=pl.col("channel") + " 2", value=pl.col("value") + 1)
    for later in [FILTERED[made](log), EventLog.from_frame(renamed)]:
        expected = brute_tables(later.frame.collect().to_native(), goal, steps, window, by)
        assert {k: tuple(v) for k, v in tables(later, **options).items()} == expected

"""funnel and dropped_next equal a brute force written in plain Python loops, on random small logs.

The brute force follows the definitions in cxlib.analyses.funnels.attempts word for word: every event of
step 1 (any step in "any" order) starts an attempt; in order, each next step is the
earliest matching event after the previous one (greedy), within the window of the
attempt's first event and before the first excluded event after it. A journey's level
is its best attempt's; the earliest of the best attempts gives the times and the
touchpoint that followed.
"""

import datetime as dt
import statistics
from collections import Counter

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib import EXIT, EventLog, dropped_next, funnel, funnel_levels
from cxlib.engines import to_engine
from cxlib.units import parse_duration
from tests.conftest import approx_rows, brute_journeys, random_log_frames

TOUCHPOINTS = ["x", "y", "z", "ü"]
WINDOWS = ["0s", "1m", "2m", "40m", "1h", "2h"]


def first_index(events, start, touchpoint, stop):
    """The index of the first event of ``touchpoint`` in ``events[start:stop]``, else None."""
    for j in range(start, stop):
        if events[j]["touchpoint"] == touchpoint:
            return j
    return None


def brute_attempt(events, i, steps, window_us, exclude, order):
    """(level, [time of each reached step], index of the last reached event) from start i."""
    t0 = events[i]["epoch_us"]
    limit = next(
        (j for j in range(i + 1, len(events)) if events[j]["touchpoint"] in exclude), len(events)
    )
    if order == "any":
        reach = [
            first_index(events, i, s, limit)
            for s in steps  # each step's first event at or after the start, before an exclusion
        ]
        ok = [j is not None and events[j]["epoch_us"] - t0 <= window_us for j in reach]
        level = 0
        for k in range(1, len(steps) + 1):
            if all(ok[:k]) and steps.index(events[i]["touchpoint"]) < k:
                level = k
        times = [max(events[reach[j]]["epoch_us"] for j in range(k + 1)) for k in range(level)]
        last = max(reach[:level], default=None)
        return level, times, last
    cur, times = i, [t0]
    for step in steps[1:]:
        if order == "strict":
            j = cur + 1 if cur + 1 < limit and events[cur + 1]["touchpoint"] == step else None
        else:
            j = first_index(events, cur + 1, step, limit)
        if j is None or events[j]["epoch_us"] - t0 > window_us:
            break
        cur = j
        times.append(events[j]["epoch_us"])
    return len(times), times, cur


def brute_funnel(frame, steps, window, order, exclude, by="customer"):
    window_us = parse_duration(window)
    best = {}
    for key, events in brute_journeys(frame, by).items():
        for i, event in enumerate(events):
            starts = steps if order == "any" else steps[:1]
            if event["touchpoint"] not in starts:
                continue
            level, times, last = brute_attempt(events, i, steps, window_us, exclude, order)
            if level > best.get(key, (0,))[0]:  # strictly better: the earliest of equals stays
                after = events[last + 1]["touchpoint"] if last + 1 < len(events) else EXIT
                best[key] = (level, times, after)
    n = len(steps)
    customers = [sum(1 for level, _, _ in best.values() if level >= k) for k in range(1, n + 1)]
    rows = []
    for k in range(1, n + 1):
        gaps = [
            (t[k - 1] - t[k - 2]) / 1e6 for level, t, _ in best.values() if level >= k and k > 1
        ]
        rows.append(
            (
                k,
                steps[k - 1],
                customers[k - 1],
                customers[k - 1] / customers[0] if customers[0] else None,
                customers[k - 1] / customers[max(k - 2, 0)] if customers[max(k - 2, 0)] else None,
                statistics.median(gaps) if gaps else None,
            )
        )
    dropped = Counter((level, after) for level, _, after in best.values() if level < n)
    per_step = Counter(level for level, _ in dropped.elements())
    drops = sorted(
        (
            (level, steps[level - 1], after, c, c / per_step[level])
            for (level, after), c in dropped.items()
        ),
        key=lambda row: (row[0], -row[3], row[2]),
    )
    return rows, drops


def check(frame, steps, window, order, exclude, by="customer"):
    log = EventLog.from_frame(frame)
    canonical = log.frame.collect().to_native()
    rows, drops = brute_funnel(canonical, steps, window, order, exclude, by)
    options = {"window": window, "order": order, "exclude": exclude, "by": by}
    assert funnel(log, steps, **options).rows() == approx_rows(rows)
    assert dropped_next(log, steps, **options).rows() == approx_rows(drops)


def with_every_touchpoint(frame: pl.DataFrame) -> pl.DataFrame:
    """Add a far-away customer who visits every touchpoint, so every step name is known."""
    extra = pl.DataFrame(
        {
            "customer_id": ["zz"] * len(TOUCHPOINTS),
            "timestamp": [dt.datetime(2030, 1, 1)] * len(TOUCHPOINTS),
            "touchpoint": TOUCHPOINTS,
        },
        schema=frame.schema,
    )
    return pl.concat([frame, extra])


funnel_steps = st.lists(st.sampled_from(TOUCHPOINTS), min_size=1, max_size=4)


@settings(max_examples=150, deadline=None)
@given(frame=random_log_frames(), steps=funnel_steps, window=st.sampled_from(WINDOWS))
def test_sequential_funnel_equals_brute_force(frame, steps, window):
    check(with_every_touchpoint(frame), steps, window, "sequential", [])


@settings(max_examples=150, deadline=None)
@given(frame=random_log_frames(), steps=funnel_steps, window=st.sampled_from(WINDOWS))
def test_strict_funnel_equals_brute_force(frame, steps, window):
    check(with_every_touchpoint(frame), steps, window, "strict", [])


@settings(max_examples=150, deadline=None)
@given(
    frame=random_log_frames(),
    steps=st.permutations(TOUCHPOINTS).map(lambda p: p[:3]) | st.permutations(TOUCHPOINTS[:2]),
    window=st.sampled_from(WINDOWS),
)
def test_any_order_funnel_equals_brute_force(frame, steps, window):
    check(with_every_touchpoint(frame), list(steps), window, "any", [])


@settings(max_examples=150, deadline=None)
@given(
    frame=random_log_frames(),
    order=st.sampled_from(["sequential", "strict", "any"]),
    window=st.sampled_from(WINDOWS),
    by=st.sampled_from(["customer", "session"]),
)
def test_exclusions_and_sessions_equal_brute_force(frame, order, window, by):
    # z is excluded; the steps are the other touchpoints in a fixed order
    check(with_every_touchpoint(frame), ["x", "y", "ü"], window, order, ["z"], by)


@settings(max_examples=30, deadline=None)
@given(
    frame=random_log_frames(),
    steps=st.lists(st.sampled_from(["x", "y", "ü"]), min_size=1, max_size=4),
    window=st.sampled_from(WINDOWS),
    exclude=st.sampled_from([[], ["z"]]),
    by=st.sampled_from(["customer", "session"]),
)
def test_polars_fast_path_equals_the_portable_path(frame, steps, window, exclude, by):
    # Sequential order on Polars takes engines.polars_sequential_levels; DuckDB the portable path.
    log = EventLog.from_frame(with_every_touchpoint(frame))
    portable = EventLog.from_frame(to_engine(log.frame.collect().to_native(), "duckdb"))
    options = {"window": window, "exclude": exclude, "by": by}
    fast = funnel_levels(log, steps, **options).collect().to_native()
    slow = funnel_levels(portable, steps, **options).collect("polars").to_native()
    keys = ["customer_id", "session_id"] if by == "session" else ["customer_id"]
    assert fast.sort(keys).equals(slow.sort(keys))

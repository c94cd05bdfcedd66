"""funnel and dropped_next equal a brute force written in plain Python loops, on random small logs.

The brute force follows the definitions in cxlib.analyses.funnels.attempts word for word: every event of
step 1 (any step in "any" order) starts an attempt; in order, each next step is the
earliest matching event after the previous one (greedy), within the window of the
attempt's first event and before the first event excluded on the way to that step. A
step matches an event of its touchpoint that meets its conditions. A journey's level is
its best attempt's; the earliest of the best attempts gives the times and the touchpoint
that followed. Counting attempts counts every attempt instead.
"""

import datetime as dt
import statistics
from collections import Counter

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib import (
    EXIT,
    AnalysisError,
    EventLog,
    Exclusion,
    Step,
    Where,
    dropped_next,
    funnel,
    funnel_levels,
)
from cxlib.engines import to_engine
from cxlib.units import parse_duration
from tests.conftest import T0, approx_rows, brute_journeys, random_log_frames

TOUCHPOINTS = ["x", "y", "z", "ü"]
WINDOWS = ["0s", "1m", "2m", "40m", "1h", "2h"]


def matches(event, step) -> bool:
    """Whether an event counts for a step (a touchpoint name or a cxlib.Step)."""
    if isinstance(step, str):
        return event["touchpoint"] == step
    if event["touchpoint"] != step.touchpoint:
        return False
    for where in step.where:
        value = event[where.column]
        if value is None or (where.values and value not in where.values):
            return False
        if (where.low is not None and value < where.low) or (
            where.high is not None and value > where.high
        ):
            return False
    return True


def first_index(events, start, step, stop):
    """The index of the first event matching ``step`` in ``events[start:stop]``, else None."""
    for j in range(start, stop):
        if matches(events[j], step):
            return j
    return None


def excluded_on_the_way(exclude, n):
    """For each step k (1-based), the touchpoints excluded between step k-1 and step k."""
    rules = [Exclusion(e) if isinstance(e, str) else e for e in exclude]
    return [
        {
            e.touchpoint
            for e in rules
            if e.after_step < k <= (e.before_step if e.before_step is not None else n)
        }
        for k in range(1, n + 1)
    ]


def next_excluded(events, after, touchpoints):
    """The index of the first event of ``touchpoints`` after index ``after`` (or the end)."""
    return next(
        (j for j in range(after + 1, len(events)) if events[j]["touchpoint"] in touchpoints),
        len(events),
    )


def brute_attempt(events, i, steps, window_us, exclude, order):
    """(level, [time of each reached step], index of the last reached event) from start i."""
    t0 = events[i]["epoch_us"]
    if order == "any":
        limit = next_excluded(events, i, set(exclude))
        reach = [
            first_index(events, i, s, limit)
            for s in steps  # each step's first event at or after the start, before an exclusion
        ]
        ok = [j is not None and events[j]["epoch_us"] - t0 <= window_us for j in reach]
        own = next(k for k, s in enumerate(steps) if matches(events[i], s))
        level = 0
        for k in range(1, len(steps) + 1):
            if all(ok[:k]) and own < k:
                level = k
        times = [max(events[reach[j]]["epoch_us"] for j in range(k + 1)) for k in range(level)]
        last = max(reach[:level], default=None)
        return level, times, last
    gaps = excluded_on_the_way(exclude, len(steps))
    cur, times = i, [t0]
    for k, step in enumerate(steps[1:], 2):
        if order == "strict":
            j = cur + 1 if cur + 1 < len(events) and matches(events[cur + 1], step) else None
        else:
            j = first_index(events, cur + 1, step, next_excluded(events, cur, gaps[k - 1]))
        if j is None or events[j]["epoch_us"] - t0 > window_us:
            break
        cur = j
        times.append(events[j]["epoch_us"])
    return len(times), times, cur


def brute_funnel(frame, steps, window, order, exclude, by="customer", count="journeys"):
    window_us = parse_duration(window)
    counted = []  # (level, times, after) of each counted attempt
    for events in brute_journeys(frame, by).values():
        best = None
        for i, event in enumerate(events):
            starts = steps if order == "any" else steps[:1]
            if not any(matches(event, s) for s in starts):
                continue
            level, times, last = brute_attempt(events, i, steps, window_us, exclude, order)
            if not level:
                continue  # any order: a start that covers no prefix of the steps
            after = events[last + 1]["touchpoint"] if last + 1 < len(events) else EXIT
            if count == "attempts" and level:
                counted.append((level, times, after))
            elif level > (best or (0,))[0]:  # strictly better: the earliest of equals stays
                best = (level, times, after)
        if best is not None and count == "journeys":
            counted.append(best)
    n = len(steps)
    names = [s if isinstance(s, str) else s.label for s in steps]
    customers = [sum(1 for level, _, _ in counted if level >= k) for k in range(1, n + 1)]
    rows = []
    for k in range(1, n + 1):
        gaps = [(t[k - 1] - t[k - 2]) / 1e6 for level, t, _ in counted if level >= k and k > 1]
        rows.append(
            (
                k,
                names[k - 1],
                customers[k - 1],
                customers[k - 1] / customers[0] if customers[0] else None,
                customers[k - 1] / customers[max(k - 2, 0)] if customers[max(k - 2, 0)] else None,
                statistics.median(gaps) if gaps else None,
            )
        )
    dropped = Counter((level, after) for level, _, after in counted if level < n)
    per_step = Counter(level for level, _ in dropped.elements())
    drops = sorted(
        (
            (level, names[level - 1], after, c, c / per_step[level])
            for (level, after), c in dropped.items()
        ),
        key=lambda row: (row[0], -row[3], row[2]),
    )
    return rows, drops


def check(frame, steps, window, order, exclude, by="customer", count="journeys"):
    log = EventLog.from_frame(frame)
    canonical = log.frame.collect().to_native()
    rows, drops = brute_funnel(canonical, steps, window, order, exclude, by, count)
    options = {"window": window, "order": order, "exclude": exclude, "by": by, "count": count}
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


@settings(max_examples=60, deadline=None)
@given(
    frame=random_log_frames(),
    steps=st.lists(st.sampled_from(["x", "y", "ü"]), min_size=1, max_size=4),
    window=st.sampled_from(WINDOWS),
    exclude=st.sampled_from([[], ["z"]]),
    by=st.sampled_from(["customer", "session"]),
    order=st.sampled_from(["sequential", "strict", "any"]),
    with_next=st.booleans(),
    walked=st.sampled_from(WINDOWS),
)
def test_polars_fast_path_equals_the_portable_path(
    frame, steps, window, exclude, by, order, with_next, walked
):
    # Funnels on Polars take engines.polars_funnel_walk (in order) or
    # polars_any_order_events; DuckDB the portable path. The fast path's first part is
    # kept from a funnel under another window first, as the Funnels page asks.
    if order == "any":
        steps = list(dict.fromkeys(steps))
    log = EventLog.from_frame(with_every_touchpoint(frame))
    portable = EventLog.from_frame(to_engine(log.frame.collect().to_native(), "duckdb"))
    options = {"window": window, "exclude": exclude, "by": by, "order": order}
    funnel_levels(log, steps, **{**options, "window": walked})
    options["with_next"] = with_next
    fast = funnel_levels(log, steps, **options).collect().to_native()
    slow = funnel_levels(portable, steps, **options).collect("polars").to_native()
    keys = ["customer_id", "session_id"] if by == "session" else ["customer_id"]
    assert fast.sort(keys).equals(slow.sort(keys))


@settings(max_examples=150, deadline=None)
@given(
    frame=random_log_frames(),
    steps=st.lists(st.sampled_from(["x", "ü"]), min_size=2, max_size=4),
    cut=st.sampled_from([1, 1, 2, 0]),
    other=st.lists(st.sampled_from(["x", "y", "ü"]), max_size=2),
    window=st.sampled_from(WINDOWS),
    by=st.sampled_from(["customer", "session"]),
    order=st.sampled_from(["sequential", "strict"]),
    last_order=st.sampled_from([None, None, None, "sequential", "strict", "any"]),
    exclude=st.sampled_from([[], [], [], ["z"]]),
    last_exclude=st.sampled_from([[], [], [], ["z"]]),
)
def test_a_walk_continued_from_the_last_funnel_equals_the_portable_path(
    frame, steps, cut, other, window, by, order, last_order, exclude, last_exclude
):
    # A funnel sharing its first steps with the last one walks only its other steps from
    # the kept walk (engines.polars_walk_continued): steps added, removed or changed at
    # the end, as a funnel is built. The last one is mostly in the same order (None) and
    # excludes nothing, as is this one.
    log = EventLog.from_frame(with_every_touchpoint(frame))
    portable = EventLog.from_frame(to_engine(log.frame.collect().to_native(), "duckdb"))
    options = {"window": window, "by": by, "order": order, "with_next": True}
    last = [*steps[: max(1, len(steps) - cut)], *other]
    last_order = last_order or order
    funnel_levels(log, list(dict.fromkeys(last)) if last_order == "any" else last,
                  **{**options, "order": last_order, "exclude": last_exclude})  # fmt: skip
    options["exclude"] = exclude
    fast = funnel_levels(log, steps, **options).collect().to_native()
    slow = funnel_levels(portable, steps, **options).collect("polars").to_native()
    keys = ["customer_id", "session_id"] if by == "session" else ["customer_id"]
    assert fast.sort(keys).equals(slow.sort(keys))


# --- Steps with conditions, exclusions between two steps, every attempt counted ---

CHANNELS = ["web", "app", None]
CONDITIONS = [
    None,
    Where("channel", ("app",)),
    Where("channel", ("web", "app")),
    Where("value", low=100),
    Where("value", low=10, high=100),
]


def attributed_frames():
    """Small raw logs with a channel and a value per event (nulls included)."""
    event = st.tuples(
        st.sampled_from(["a", "b", "c"]),
        st.sampled_from([0, 1, 2, 40, 41, 90]),
        st.sampled_from(TOUCHPOINTS),
        st.sampled_from(CHANNELS),
        st.sampled_from([None, 0.0, 50.0, 100.0, 150.0]),
    )
    schema = {
        "customer_id": pl.String,
        "timestamp": pl.Datetime("us"),
        "touchpoint": pl.String,
        "channel": pl.String,
        "value": pl.Float64,
    }
    far = [("zz", dt.datetime(2030, 1, 1), t, "web", 0.0) for t in TOUCHPOINTS]
    return st.lists(event, max_size=25).map(
        lambda events: pl.DataFrame(
            [(c, T0 + dt.timedelta(minutes=m), *rest) for c, m, *rest in events] + far,
            schema=schema,
            orient="row",
        )
    )


@st.composite
def conditioned_funnels(draw, *, distinct=False, scoped=True):
    """(steps, exclude): one definition per touchpoint (so steps never overlap)."""
    condition = {t: draw(st.sampled_from(CONDITIONS)) for t in ["x", "y", "ü"]}
    if distinct:
        names = list(draw(st.permutations(["x", "y", "ü"])))[: draw(st.integers(1, 3))]
    else:
        names = draw(st.lists(st.sampled_from(["x", "y", "ü"]), min_size=1, max_size=4))
    steps = [Step(t, (condition[t],)) if condition[t] else t for t in names]
    n = len(steps)
    choices = [[], ["z"]]
    if scoped and n >= 2:
        choices.append([Exclusion("z", before_step=2)])
    if scoped and n >= 3:
        choices.append([Exclusion("z", after_step=2)])
    return steps, draw(st.sampled_from(choices))


@settings(max_examples=150, deadline=None)
@given(
    frame=attributed_frames(),
    definition=conditioned_funnels(),
    window=st.sampled_from(WINDOWS),
    order=st.sampled_from(["sequential", "strict"]),
    by=st.sampled_from(["customer", "session"]),
    count=st.sampled_from(["journeys", "attempts"]),
)
def test_conditions_scoped_exclusions_and_attempts_equal_brute_force(
    frame, definition, window, order, by, count
):
    steps, exclude = definition
    check(frame, steps, window, order, exclude, by, count)


@settings(max_examples=80, deadline=None)
@given(
    frame=attributed_frames(),
    definition=conditioned_funnels(distinct=True, scoped=False),
    window=st.sampled_from(WINDOWS),
    count=st.sampled_from(["journeys", "attempts"]),
)
def test_conditions_in_any_order_equal_brute_force(frame, definition, window, count):
    steps, exclude = definition
    check(frame, steps, window, "any", exclude, "customer", count)


@settings(max_examples=40, deadline=None)
@given(
    frame=attributed_frames(),
    definition=conditioned_funnels(),
    window=st.sampled_from(WINDOWS),
    by=st.sampled_from(["customer", "session"]),
    count=st.sampled_from(["journeys", "attempts"]),
)
def test_fast_path_with_conditions_equals_the_portable_path(frame, definition, window, by, count):
    steps, exclude = definition
    log = EventLog.from_frame(frame)
    portable = EventLog.from_frame(to_engine(log.frame.collect().to_native(), "duckdb"))
    options = {"window": window, "exclude": exclude, "by": by, "count": count}
    fast = funnel_levels(log, steps, **options).collect().to_native()
    slow = funnel_levels(portable, steps, **options).collect("polars").to_native()
    keys = ["customer_id", "session_id"] if by == "session" else ["customer_id"]
    order = [*keys, "start_us"]
    assert fast.sort(order).equals(slow.sort(order))


def test_two_steps_matching_the_same_events_are_refused():
    frame = pl.DataFrame(
        {
            "customer_id": ["a", "a"],
            "timestamp": [T0, T0],
            "touchpoint": ["x", "x"],
            "channel": ["app", "web"],
        }
    )
    log = EventLog.from_frame(frame)
    on_app = Step("x", (Where("channel", ("app",)),))
    with pytest.raises(AnalysisError, match=r"'x' and 'x \(channel: app\)' both match 1 events"):
        funnel(log, ["x", on_app])
    on_web = Step("x", (Where("channel", ("web",)),))
    assert funnel(log, [on_web, on_app], window="1h")["customers"].to_list() == [1, 0]


def test_conditions_on_a_log_whose_own_event_index_repeats():
    # The source's own event_index is kept (and repeats): events are told apart another way.
    frame = pl.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b"],
            "timestamp": [T0, T0 + dt.timedelta(minutes=1)] * 2,
            "touchpoint": ["x", "y", "x", "y"],
            "channel": ["web", "app", "web", "web"],
            "event_index": [0, 1, 0, 1],
        }
    )
    log = EventLog.from_frame(frame)
    on_app = Step("y", (Where("channel", ("app",)),))
    assert funnel(log, ["x", on_app])["customers"].to_list() == [2, 1]
    portable = EventLog.from_frame(to_engine(frame, "duckdb"))
    assert funnel(portable, ["x", on_app])["customers"].to_list() == [2, 1]

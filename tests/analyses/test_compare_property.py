"""compare_segments equals plain Python loops over each segment's journeys, on random small logs.

Segments given as conditions are counted in one pass over the whole log's journeys
(a flag per segment); segments given as functions on logs of their own. Both must
give what the loops give: the customers, each edge's transitions, the top paths
(ties by path) and, for the funnel, what the same funnel gives on the segment's log.
"""

from collections import Counter

import narwhals as nw
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib import ENTRY, EXIT, EventLog, compare_segments, funnel
from cxlib.analyses.compare import segment_log
from cxlib.analyses.paths import PATH_SEP
from cxlib.engines import to_engine
from tests.conftest import brute_journeys, random_log_frames

STEPS = [["x", "y"], ["y", "x", "z"], ["ü"]]


def with_channels(frame: pl.DataFrame, channels: list[str]) -> pl.DataFrame:
    """The frame with a channel per event, cycling through ``channels``."""
    return frame.with_columns(
        channel=pl.Series([channels[i % len(channels)] for i in range(frame.height)])
    )


def brute(journeys: dict, members: set, paths: int) -> tuple[int, Counter, list[tuple]]:
    """Customers, transitions per edge and top paths of the members' journeys."""
    edges: Counter = Counter()
    counted: Counter = Counter()
    for (customer,), rows in journeys.items():
        if customer not in members:
            continue
        names = [r["touchpoint"] for r in rows]
        edges.update(zip([ENTRY, *names], [*names, EXIT], strict=True))
        counted[PATH_SEP.join(names)] += 1
    top = sorted(counted.items(), key=lambda item: (-item[1], item[0]))[:paths]
    return len(members), edges, [(p, c, c / len(members)) for p, c in top]


def customers_with(journeys: dict, channel: str) -> set:
    return {k[0] for k, rows in journeys.items() if any(r["channel"] == channel for r in rows)}


@settings(max_examples=120, deadline=None)
@given(
    frame=random_log_frames(),
    channels=st.sampled_from([["web"], ["web", "app"], ["app", "web", "web"]]),
    steps=st.sampled_from(STEPS),
    order=st.sampled_from(["sequential", "strict", "any"]),
    against=st.sampled_from(["rest", "app"]),
    paths=st.sampled_from([1, 3]),
)
def test_comparison_equals_loops_over_each_segment(frame, channels, steps, order, against, paths):
    frame = with_channels(frame, channels)
    log = EventLog.from_frame(frame)
    journeys = brute_journeys(log.to_polars())
    everyone = {k[0] for k in journeys}
    members_a = customers_with(journeys, "web")
    members_b = everyone - members_a if against == "rest" else customers_with(journeys, "app")
    segment_b = None if against == "rest" else ("channel", "app")
    present = set(frame["touchpoint"])
    if not set(steps) <= present:
        return  # a step the log lacks is refused (test_compare)
    out = compare_segments(
        log, ("channel", "web"), segment_b, steps=steps, order=order, paths=paths
    )
    for members, size, side in (
        (members_a, out.customers_a, "a"),
        (members_b, out.customers_b, "b"),
    ):
        expected_size, edges, top = brute(journeys, members, paths)
        assert size == expected_size
        got = {
            (r["source"], r["target"]): r[f"transitions_{side}"]
            for r in out.edges.iter_rows(named=True)
            if r[f"transitions_{side}"]
        }
        assert got == dict(edges)
        assert getattr(out, f"paths_{side}").rows() == top
    # Segments as functions take their own logs: the same figures as conditions.
    as_logs = compare_segments(
        log,
        lambda log: segment_log(log, ("channel", "web")),
        (lambda log: segment_log(log, ("channel", "web"), rest=True))
        if segment_b is None
        else (lambda log: segment_log(log, ("channel", "app"))),
        steps=steps,
        order=order,
        paths=paths,
    )
    assert out.funnel.equals(as_logs.funnel)
    assert out.edges.equals(as_logs.edges)
    assert (out.paths_a.equals(as_logs.paths_a), out.paths_b.equals(as_logs.paths_b)) == (True,) * 2
    # And the funnel is the segment's own funnel where it meets every step.
    segment = segment_log(log, ("channel", "web"))
    if members_a and set(steps) <= set(segment.to_polars()["touchpoint"]):
        own = funnel(segment, steps, order=order)["customers"].to_list()
        assert out.funnel["customers_a"].to_list() == own


@settings(max_examples=25, deadline=None)
@given(frame=random_log_frames(), order=st.sampled_from(["sequential", "any"]))
def test_comparison_on_duckdb_equals_polars(frame, order):
    frame = with_channels(frame, ["web", "app", "app"])
    if not {"x", "y"} <= set(frame["touchpoint"]):
        return
    log = EventLog.from_frame(frame)
    duck = EventLog.from_frame(to_engine(log.frame.collect("polars").to_native(), "duckdb"))
    segment = nw.col("channel") == "web"
    fast = compare_segments(log, segment, steps=["x", "y"], order=order)
    portable = compare_segments(duck, segment, steps=["x", "y"], order=order)
    assert fast.funnel.equals(portable.funnel)
    assert fast.edges.equals(portable.edges)
    assert (fast.paths_a.equals(portable.paths_a), fast.paths_b.equals(portable.paths_b)) == (
        True,
        True,
    )

"""On real public logs, transitions equal the directly-follows counts computed here by hand.

The reference reads the raw CSV values in plain Python (its own timestamp parsing),
sorts each case's events by (time, row order) and counts consecutive pairs, entry
and exit included.
"""

import datetime as dt
import itertools
import statistics
from collections import Counter, defaultdict

import polars as pl
import pytest

from cxlib import ENTRY, EXIT, EventLog, transitions


def directly_follows(rows: list[tuple[str, int, int, str]]) -> list[tuple]:
    """Rows of (case, time in microseconds, row number, activity) -> the transitions table."""
    cases: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for case, time_us, row, activity in rows:
        cases[case].append((time_us, row, activity))
    counts: Counter = Counter()
    customers: dict[tuple, set] = defaultdict(set)
    seconds: dict[tuple, list] = defaultdict(list)
    for case, events in cases.items():
        events.sort()
        path = [(None, ENTRY), *((t, a) for t, _, a in events), (None, EXIT)]
        for (t1, a), (t2, b) in itertools.pairwise(path):
            counts[a, b] += 1
            customers[a, b].add(case)
            if t1 is not None and t2 is not None:
                seconds[a, b].append((t2 - t1) / 1_000_000)
    table = [
        (a, b, n, len(customers[a, b]), statistics.median(seconds[a, b]) if seconds[a, b] else None)
        for (a, b), n in counts.items()
    ]
    return sorted(table, key=lambda r: (-r[2], r[0], r[1]))


def microseconds(moment: dt.datetime) -> int:
    return (moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)


def assert_same(log: EventLog, expected: list[tuple]) -> None:
    out = transitions(log, by="customer")
    assert [r[:4] for r in out.rows()] == [r[:4] for r in expected]
    # Entry and exit edges have no time: compare those as NaN.
    medians = out["median_seconds"].fill_null(float("nan")).to_list()
    reference = [float("nan") if r[4] is None else r[4] for r in expected]
    assert medians == pytest.approx(reference, rel=1e-12, nan_ok=True)


def test_permit_receipt(shared_data):
    raw = pl.read_csv(
        shared_data / "permit_receipt.csv",
        columns=["case:concept:name", "concept:name", "time:timestamp"],
        infer_schema=False,
    )
    frame = raw.select(
        customer_id=pl.col("case:concept:name"),
        timestamp=pl.col("time:timestamp")
        .str.to_datetime("%Y-%m-%d %H:%M:%S%.f%:z", time_zone="UTC")
        .dt.replace_time_zone(None),
        touchpoint=pl.col("concept:name"),
    )
    # Reference: Python's own ISO parser, offsets (+01:00 / +02:00) applied.
    rows = [
        (case, microseconds(dt.datetime.fromisoformat(stamp)), i, activity)
        for i, (case, activity, stamp) in enumerate(raw.iter_rows())
    ]
    expected = directly_follows(rows)
    assert sum(n for a, _, n, _, _ in expected if a == ENTRY) == 1434  # cases, per the README
    assert_same(EventLog.from_frame(frame), expected)


def test_app_onboarding(shared_data):
    raw = pl.read_csv(
        shared_data / "app_onboarding.csv",
        columns=["user_pseudo_id", "event_name", "event_timestamp"],
        schema_overrides={"event_timestamp": pl.Int64},
    )
    frame = raw.select(
        customer_id=pl.col("user_pseudo_id"),
        timestamp=pl.from_epoch("event_timestamp", time_unit="ns"),  # epoch nanoseconds
        touchpoint=pl.col("event_name"),
    )
    # Reference: the raw nanoseconds; every value is a whole number of microseconds.
    rows = [
        (user, stamp // 1000, i, event)
        for i, (user, event, stamp) in enumerate(
            raw.select("user_pseudo_id", "event_name", "event_timestamp").iter_rows()
        )
    ]
    expected = directly_follows(rows)
    assert sum(n for a, _, n, _, _ in expected if a == ENTRY) == 4139  # users, per the README
    assert_same(EventLog.from_frame(frame), expected)

"""What each customer had (channels used, touchpoints reached), counted by runs of rows, against a count per customer in Python."""

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib.engines import polars_sets
from cxlib.engines.polars_sets import channel_counts, reach_counts

#: One customer's events: (channel or None, value or None); the conversion's step or None.
customers = st.lists(
    st.tuples(
        st.lists(
            st.tuples(
                st.sampled_from(["web", "app", "store", "call", None]),
                st.one_of(st.none(), st.integers(0, 9).map(float)),
            ),
            min_size=1,
            max_size=6,
        ),
        st.one_of(st.none(), st.integers(1, 6)),
    ),
    max_size=6,
)


def steps_of(journeys: list) -> pl.DataFrame:
    rows = [
        (i, step, channel, goal if goal is None or goal <= len(events) else None, value)
        for i, (events, goal) in enumerate(journeys, 1)
        for step, (channel, value) in enumerate(events, 1)
    ]
    schema = {
        "_customer": pl.UInt32,
        "step": pl.Int64,
        "channel": pl.Categorical,
        "conv_step": pl.Int64,
        "_value": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def by_hand(journeys: list) -> list[tuple]:
    """Channels used, then customers, conversions, omnichannel conversions and value for each."""
    per: dict[int, list] = {}
    for events, goal in journeys:
        goal = goal if goal is not None and goal <= len(events) else None
        used = {c for c, _ in events if c is not None}
        before = {c for c, _ in events[:goal] if c is not None} if goal else set()
        row = per.setdefault(len(used), [0, 0, 0, 0.0])
        row[0] += 1
        row[1] += goal is not None
        row[2] += goal is not None and len(before) >= 2
        row[3] += sum(v for _, v in events if v is not None)
    return [(k, *v) for k, v in sorted(per.items())]


def by_runs(count, steps: pl.DataFrame, sparse: bool):
    """``count(steps)``; sparse: the codes found among those present, not looked up in a table."""
    with pytest.MonkeyPatch.context() as patch:
        if sparse:
            patch.setattr(polars_sets, "_SMALL", 0)
        out = count(steps, goal_step="conv_step")
    assert out is not None
    return out


@settings(max_examples=150, deadline=None)
@given(customers, st.booleans())
def test_counts_by_runs_equal_a_count_per_customer(journeys, sparse):
    assert by_runs(channel_counts, steps_of(journeys), sparse).rows() == by_hand(journeys)


def test_more_channels_than_bits_are_left_to_grouping():
    steps = steps_of([([(f"c{i}", None) for i in range(65)], None)])
    assert channel_counts(steps, goal_step="conv_step") is None
    assert channel_counts(steps.head(64), goal_step="conv_step").rows() == [(64, 1, 0, 0, 0.0)]


#: One customer's touchpoints (from an alphabet of up to 150, so that some logs need
#: several words of bits) and the step of their first conversion or None.
reaching = st.integers(1, 150).flatmap(
    lambda size: st.lists(
        st.tuples(
            st.lists(st.integers(0, size - 1).map(lambda i: f"t{i}"), min_size=1, max_size=8),
            st.one_of(st.none(), st.integers(1, 8)),
        ),
        max_size=8,
    )
)


def reach_by_hand(journeys: list) -> tuple[list[tuple], int, int]:
    """Per touchpoint: customers who had it before converting, of them who converted, exits."""
    per: dict[str, list[int]] = {}
    for events, goal in journeys:
        goal = goal if goal is not None and goal <= len(events) else None
        for touchpoint in set(events[: goal - 1] if goal else events):
            row = per.setdefault(touchpoint, [0, 0, 0])
            row[0] += 1
            row[1] += goal is not None
        if goal is None:
            per[events[-1]][2] += 1
    converted = sum(g is not None and g <= len(e) for e, g in journeys)
    return sorted((t, *v) for t, v in per.items()), len(journeys), converted


def reach_steps(journeys: list) -> pl.DataFrame:
    rows = [
        (i, touchpoint, goal if goal is not None and goal <= len(events) else None)
        for i, (events, goal) in enumerate(journeys, 1)
        for touchpoint in events
    ]
    schema = {"_customer": pl.UInt32, "touchpoint": pl.Categorical, "conv_step": pl.Int64}
    return pl.DataFrame(rows, schema=schema, orient="row")


@settings(max_examples=200, deadline=None)
@given(reaching, st.booleans())
def test_reach_by_runs_equals_a_count_per_customer(journeys, sparse):
    table, customers, conversions = by_runs(reach_counts, reach_steps(journeys), sparse)
    assert (sorted(table.rows()), customers, conversions) == reach_by_hand(journeys)


def test_more_touchpoints_than_four_words_are_left_to_grouping():
    steps = reach_steps([([f"t{i}" for i in range(257)], None)])
    assert reach_counts(steps, goal_step="conv_step") is None
    table, customers, conversions = reach_counts(steps.head(256), goal_step="conv_step")
    assert (table.height, customers, conversions) == (256, 1, 0)
    assert table.filter(pl.col("exits") == 1)["touchpoint"].to_list() == ["t255"]

"""The channels each customer used, counted by runs of rows, against a count per customer in Python."""

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib.engines import polars_channels
from cxlib.engines.polars_channels import channel_counts

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


@settings(max_examples=150, deadline=None)
@given(customers, st.booleans())
def test_counts_by_runs_equal_a_count_per_customer(journeys, sparse):
    # sparse: the channels' codes found among those present, not looked up in a table.
    with pytest.MonkeyPatch.context() as patch:
        if sparse:
            patch.setattr(polars_channels, "_SMALL", 0)
        out = channel_counts(steps_of(journeys), goal_step="conv_step")
    assert out is not None
    assert out.rows() == by_hand(journeys)


def test_more_channels_than_bits_are_left_to_grouping():
    steps = steps_of([([(f"c{i}", None) for i in range(65)], None)])
    assert channel_counts(steps, goal_step="conv_step") is None
    assert channel_counts(steps.head(64), goal_step="conv_step").rows() == [(64, 1, 0, 0, 0.0)]

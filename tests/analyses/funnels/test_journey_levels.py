"""journey_levels: each journey's funnel level keyed as its journey table groups journeys.

On Polars the table groups journeys by the integer code ``_journey`` and only the levels
are computed, from the funnel's walk; elsewhere they are funnel_levels'. Both must give
each customer the level funnel_levels gives.
"""

import datetime as dt

import narwhals as nw
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib import EventLog, funnel_levels
from cxlib.analyses.funnels.attempts import journey_levels
from cxlib.engines import to_engine
from cxlib.journeys import journey_table
from tests.analyses.funnels.test_funnel_property import WINDOWS, with_every_touchpoint
from tests.conftest import random_log_frames


def levels_by_customer(log: EventLog, steps: list[str], **options) -> dict[str, int]:
    """journey_levels of the log's journey table, named by customer."""
    table = journey_table(log)
    levels = journey_levels(log, table, steps, **options)
    names = table.frame.select(*table.keys, "customer_id").unique()
    joined = levels.join(names, on=table.keys).select("customer_id", "level")
    return dict(joined.collect("polars").rows())


def t(hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2024, 1, 1, hour, minute)


# a: the attempt from 9:00 misses the hour (cart 70 min later); the one from 9:30 reaches buy.
# b: other comes between cart and buy: strict order stops at cart.
# c: never at home (no row). d: buy, cart, home: in order only home; any order all three.
HAND = pl.DataFrame(
    [
        ("a", t(9, 0), "home"),
        ("a", t(9, 30), "home"),
        ("a", t(10, 10), "cart"),
        ("a", t(10, 20), "buy"),
        ("b", t(9, 0), "home"),
        ("b", t(9, 10), "cart"),
        ("b", t(9, 15), "other"),
        ("b", t(9, 20), "buy"),
        ("c", t(9, 0), "cart"),
        ("d", t(9, 0), "buy"),
        ("d", t(9, 5), "cart"),
        ("d", t(9, 10), "home"),
    ],
    schema=["customer_id", "timestamp", "touchpoint"],
    orient="row",
)


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("sequential", {"a": 3, "b": 3, "d": 1}),
        ("strict", {"a": 3, "b": 2, "d": 1}),
        ("any", {"a": 3, "b": 3, "d": 3}),
    ],
)
def test_levels_of_a_hand_made_log(on_engine, order, expected):
    log = on_engine(EventLog.from_frame(HAND))
    got = levels_by_customer(log, ["home", "cart", "buy"], window="1h", order=order)
    assert got == expected


def test_levels_in_memory_are_keyed_by_the_journey_code():
    log = EventLog.from_frame(HAND)
    table = journey_table(log)
    levels = journey_levels(log, table, ["home", "cart"]).collect()
    assert table.keys == ["_journey"]
    assert levels.columns == ["_journey", "level"]


@settings(max_examples=80, deadline=None)
@given(
    frame=random_log_frames(),
    steps=st.lists(st.sampled_from(["x", "y", "ü"]), min_size=1, max_size=4),
    window=st.sampled_from(WINDOWS),
    walked=st.sampled_from(WINDOWS),
    order=st.sampled_from(["sequential", "strict", "any"]),
)
def test_levels_equal_funnel_levels_on_every_path(frame, steps, window, walked, order):
    if order == "any":
        steps = list(dict.fromkeys(steps))
    log = EventLog.from_frame(with_every_touchpoint(frame))
    duck = EventLog.from_frame(to_engine(log.frame.collect().to_native(), "duckdb"))
    # funnel_levels under another window first: its walk is the one journey_levels reuses.
    funnel_levels(log, steps, window=walked, order=order)
    options = {"window": window, "order": order}
    levels = funnel_levels(log, steps, **options).select("customer_id", "level")
    expected = dict(levels.collect().rows())
    assert levels_by_customer(log, steps, **options) == expected
    assert levels_by_customer(duck, steps, **options) == expected


def test_levels_only_of_journeys_that_reach_step_one():
    log = EventLog.from_frame(HAND)
    table = journey_table(log)
    levels = journey_levels(log, table, ["other", "buy"]).collect()
    # Only b has "other" (then buy, 5 minutes later).
    assert levels.select(nw.col("level")).rows() == [(2,)]

"""An outage injected into a stream of sample journeys: who meets it leaves right there."""

from __future__ import annotations

import itertools

import polars as pl

from cxlib import sample
from cxlib.sample.problems import Outage


def test_nobody_goes_on_after_the_broken_touchpoint():
    outage = Outage("add_to_cart", channel="app")
    batches = itertools.islice(sample.stream("retail", seed=1, batch_size=2_000), 20)
    kept = pl.concat([outage.apply(batch) for batch in batches])
    assert outage.label == "add_to_cart breaks for app users"
    failed = kept.filter((pl.col("touchpoint") == "add_to_cart") & (pl.col("channel") == "app"))
    assert failed.height > 20  # the stream does reach the broken touchpoint...
    last = kept.group_by("customer_id").agg(pl.col("timestamp").max().alias("last"))
    at_failure = failed.group_by("customer_id").agg(pl.col("timestamp").min().alias("failed"))
    ends = at_failure.join(last, on="customer_id")
    # ...and every customer who met it has no later event, in that batch or any later one.
    assert (ends["last"] == ends["failed"]).all()
    assert set(outage._gone) == set(at_failure["customer_id"])


def test_other_channels_and_touchpoints_go_on():
    batch = pl.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b"],
            "timestamp": pl.datetime_range(
                pl.datetime(2025, 1, 1), pl.datetime(2025, 1, 1, 0, 3), "1m", eager=True
            ),
            "touchpoint": ["add_to_cart", "purchase", "add_to_cart", "purchase"],
            "channel": ["web", "web", "app", "app"],
        }
    )
    assert Outage("add_to_cart", channel="app").apply(batch)["customer_id"].to_list() == [
        "a",
        "a",
        "b",
    ]
    assert Outage("add_to_cart").apply(batch)["touchpoint"].to_list() == [
        "add_to_cart",
        "add_to_cart",
    ]

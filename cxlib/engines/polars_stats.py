"""A load report's figures read off a log's sorted journeys (Polars, in memory).

Counted on the events as loaded, the figures (customers, touchpoints, time range,
duplicated events) take a pass over every column: 10M events in memory, 0.6-0.7 s,
most of it hashing every whole event and counting the distinct hashes. Once the
journeys are sorted, customers are numbered, touchpoints are categories and a
customer's events are in time order: identical events share their customer and time,
so they are neighbours, and only events tied in time with a neighbour are compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from cxlib.engines.polars_sort import SortedJourneys

__all__ = ["sorted_log_stats"]


def sorted_log_stats(
    journeys: SortedJourneys, events: pl.DataFrame, content: Sequence[str]
) -> dict[str, Any]:
    """Rows, customers, touchpoints, time range and distinct events, as :func:`cxlib.io.report.log_stats` counts them.

    ``journeys`` are the sorted journeys by customer of the log whose rows are
    ``events`` (``_row`` numbers them); ``content`` the columns two identical events
    agree on. Only the events sharing their customer and time with the one before or
    after are hashed (as a whole, ``content``), then counted distinct.

    Examples
    --------
    >>> import datetime as dt
    >>> events = pl.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, d) for d in (1, 2, 2, 2)],
    ...     "touchpoint": ["x", "y", "y", "y"]})
    >>> journeys = pl.DataFrame({"_customer": [1, 1, 1, 2], "_row": [0, 1, 2, 3],
    ...     "epoch_us": events["timestamp"].dt.epoch("us"), "timestamp": events["timestamp"],
    ...     "touchpoint": events["touchpoint"].cast(pl.Categorical)})
    >>> row = sorted_log_stats(journeys, events, events.columns)
    >>> row["rows"], row["distinct"], row["customers"], row["touchpoints"], row["time_min"].day
    (4, 3, 2, 2, 1)
    """
    customer, time = pl.col("_customer"), pl.col("epoch_us")
    # Whether each row has its customer and time in common with the row before, or after.
    after = ((customer == customer.shift(1)) & (time == time.shift(1))).fill_null(False)
    tied = journeys.select(after | after.shift(-1).fill_null(False)).to_series()
    figures = journeys.select(
        rows=pl.len(),
        customers=customer.n_unique(),
        touchpoints=pl.col("touchpoint").to_physical().n_unique(),
        time_min=pl.col("timestamp").min(),
        time_max=pl.col("timestamp").max(),
    ).row(0, named=True)
    compared = journeys["_row"].filter(tied)
    alike = events.select(content)[compared].hash_rows(seed=0).n_unique() if len(compared) else 0
    return figures | {"distinct": figures["rows"] - len(compared) + alike}

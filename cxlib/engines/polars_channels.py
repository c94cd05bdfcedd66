"""The channels each customer used, read off the sorted journeys by NumPy (Polars, in memory).

A customer's events are one run of rows of the journeys sorted by customer. Each
event's channel is a bit; a bitwise or over the run gives the set of channels the
customer used, and its count of ones how many: no grouping by customer and channel
(10M events, 1M customers: 0.1 s, where the two ``group_by`` took 0.5 s).
"""

from __future__ import annotations

from typing import cast

import numpy as np
import polars as pl

__all__ = ["channel_counts"]

#: Channels a bit each in 64 bits; a log with more is counted by grouping.
_MOST = 64
#: Codes up to this are looked up in a table of bits (one entry per code).
_SMALL = 1 << 16


def channel_counts(steps: pl.DataFrame, *, goal_step: str) -> pl.DataFrame | None:
    """Customers, conversions and value by the number of channels used, from rows in journey order.

    ``steps`` has one row per event, each customer's rows together (``_customer``),
    with ``channel`` (Categorical, null for none), ``step``, ``goal_step`` (the step of the
    customer's first conversion, null for none) and ``_value``. A customer's channels
    are the distinct channels of their events; those up to the conversion, of the events
    up to and including it. ``None`` when there are more than 64 channels.

    Returns ``channels``, ``customers``, ``conversions`` (customers who converted),
    ``omnichannel_conversions`` (of those, who used two channels or more up to the
    conversion) and ``value`` (the sum over their events, 0 for none), by ``channels``.

    Examples
    --------
    >>> steps = pl.DataFrame({"_customer": [1, 1, 1, 2], "step": [1, 2, 3, 1],
    ...     "channel": pl.Series(["web", "app", "store", None], dtype=pl.Categorical),
    ...     "conv_step": [2, 2, 2, None], "_value": [1.0, None, 2.0, 5.0]})
    >>> channel_counts(steps, goal_step="conv_step").rows()
    [(0, 1, 0, 0, 5.0), (3, 1, 1, 1, 3.0)]
    """
    bits = _bits(steps["channel"].to_physical())
    if bits is None:
        return None
    if not steps.height:
        none = np.zeros(0, dtype=np.int64)
        return _counted(none, none, none, np.zeros(0))
    customer = steps["_customer"].to_numpy()
    starts = np.flatnonzero(np.concatenate(([True], customer[1:] != customer[:-1])))
    goal = steps[goal_step]
    before = (steps["step"] <= goal).fill_null(False).to_numpy()
    used = np.bitwise_count(np.bitwise_or.reduceat(bits, starts)).astype(np.int64)
    up_to = np.bitwise_count(np.bitwise_or.reduceat(np.where(before, bits, 0), starts))
    converted = goal.is_not_null().to_numpy()[starts]
    values = np.add.reduceat(steps["_value"].cast(pl.Float64).fill_null(0.0).to_numpy(), starts)
    return _counted(used, converted, converted & (up_to >= 2), values)


def _bits(codes: pl.Series) -> np.ndarray | None:
    """Each row's channel as a bit of 64 (none for null), ``None`` for more than 64 channels.

    The codes of categories are not dense: each is looked up in a table of bits where
    they are small (10M events: 0.03 s), else found among the channels present.

    Examples
    --------
    >>> _bits(pl.Series([7, None, 3, 7], dtype=pl.UInt32)).tolist()
    [2, 0, 1, 2]
    """
    top = int(cast("int | None", codes.max()) or 0) + 1  # null's code: no bit
    filled = codes.fill_null(top).to_numpy()
    if top <= _SMALL:
        known = np.flatnonzero(np.bincount(filled, minlength=top + 1)[:top])
    else:
        known = codes.drop_nulls().unique().sort().to_numpy()
    if known.size > _MOST:
        return None
    present = np.left_shift(np.uint64(1), np.arange(known.size, dtype=np.uint64))
    if top > _SMALL:  # every code is among those present but null's, after them all
        bits: np.ndarray = np.append(present, np.uint64(0))[np.searchsorted(known, filled)]
        return bits
    bit = np.zeros(top + 1, dtype=np.uint64)
    bit[known] = present
    bits = bit[filled]
    return bits


def _counted(
    used: np.ndarray, converted: np.ndarray, omni: np.ndarray, values: np.ndarray
) -> pl.DataFrame:
    """The customers' figures summed by ``used`` (channels), counts that occur only."""
    size = int(used.max()) + 1 if used.size else 0
    customers = np.bincount(used, minlength=size)
    present = np.flatnonzero(customers)
    return pl.DataFrame(
        {
            "channels": present.astype(np.int64),
            "customers": customers[present].astype(np.int64),
            "conversions": np.bincount(used, converted, size)[present].astype(np.int64),
            "omnichannel_conversions": np.bincount(used, omni, size)[present].astype(np.int64),
            "value": np.bincount(used, values, size)[present],
        }
    )

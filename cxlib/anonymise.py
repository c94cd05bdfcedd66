"""Pseudonyms for presenting a log to a room: customer ids and attributes replaced.

:func:`anonymise` gives a log whose ``customer_id`` reads ``customer 1``, ``customer 2``,
... and whose attribute columns (segment, region, ...) read ``<column> 1``, ... Numbers
are given in the order of a salted SHA-256 hash of each value, so they are stable (the
same value and salt give the same pseudonym every time) and say nothing of the original
order. Touchpoints, channels, times, values and ratings are kept: the analyses give the
same figures. Apply it to the whole log before filtering, so a customer keeps one
pseudonym in every view and export.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import narwhals as nw

from cxlib.engines import require_polars
from cxlib.log import EventLog

__all__ = ["anonymise", "pseudonyms"]


def pseudonyms(values: Iterable[Any], *, prefix: str, salt: str = "") -> dict[Any, str]:
    """Map each distinct non-null value to ``"<prefix> <n>"``, numbered in salted-hash order.

    Examples
    --------
    >>> names = pseudonyms(["bob", "alice", "bob", None], prefix="customer")
    >>> sorted(names.values()), names == pseudonyms(["alice", "bob"], prefix="customer")
    (['customer 1', 'customer 2'], True)
    """
    distinct = {v for v in values if v is not None}
    ordered = sorted(distinct, key=lambda v: hashlib.sha256(f"{salt}\0{v}".encode()).digest())
    return {value: f"{prefix} {n}" for n, value in enumerate(ordered, 1)}


def anonymise(log: EventLog, *, salt: str = "") -> EventLog:
    """The log with customer ids and attribute values replaced by stable pseudonyms.

    Runs on Polars logs (what the dashboard loads); attributes become text.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["ann", "bo", "ann"],
    ...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10, 11)],
    ...     "touchpoint": ["visit", "visit", "buy"], "city": ["Oslo", "Rome", "Oslo"]}))
    >>> out = anonymise(log).to_polars()
    >>> out.select("customer_id", "touchpoint", "city").rows()
    [('customer 1', 'visit', 'city 2'), ('customer 2', 'visit', 'city 1'), ('customer 2', 'buy', 'city 1')]
    """
    require_polars(log.frame, what="anonymise")
    frame = log.frame
    for column in ["customer_id", *log.attributes]:
        text = nw.col(column).cast(nw.String)
        values = frame.select(text).unique().collect("polars")[column]
        prefix = "customer" if column == "customer_id" else column
        names = pseudonyms(values.to_list(), prefix=prefix, salt=salt)
        frame = frame.with_columns(text.replace_strict(names, default=None, return_dtype=nw.String))
    return log.with_frame(frame)

"""What a figure counts: its members, one row per customer, journey or funnel attempt."""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

import narwhals as nw

from cxlib.journeys import JourneyBy, journey_keys, with_sessions
from cxlib.log import EventLog

__all__ = ["Members", "Unit", "customers_of", "journeys_of"]

#: What the rows of a figure are: customers, journeys (customers or sessions, as ``by``
#: says) or funnel attempts.
Unit = Literal["customer", "journey", "attempt"]


class Members(NamedTuple):
    """The rows a figure counts: ``frame`` (lazy, one row each), its ``keys`` and their ``unit``."""

    frame: nw.LazyFrame[Any]
    keys: list[str]
    unit: Unit


def customers_of(frame: nw.LazyFrame[Any]) -> Members:
    """The distinct customers of the rows of ``frame``."""
    return Members(frame.select("customer_id").unique(), ["customer_id"], "customer")


def journeys_of(frame: nw.LazyFrame[Any], log: EventLog, by: JourneyBy) -> Members:
    """The distinct journeys (``by`` customer or session) of the rows of ``frame``."""
    keys = journey_keys(with_sessions(log, by), by)
    return Members(frame.select(*keys).unique(), keys, "journey")

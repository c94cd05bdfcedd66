"""Conversions: a customer converts at their first event at the goal touchpoint.

Shared by the analyses that cut or split journeys at the first conversion
(attribution, Markov chain, omnichannel, importance).
"""

from __future__ import annotations

from typing import Any

import narwhals as nw

from cxlib.journeys import journey_steps
from cxlib.log import EventLog

__all__ = ["with_conversion_step"]


def with_conversion_step(log: EventLog, goal: str) -> nw.LazyFrame[Any]:
    """:func:`cxlib.journey_steps` plus ``conv_step``: the step of the customer's first conversion.

    ``conv_step`` is null for customers who never reach ``goal``. A column
    ``_converts`` already in the frame marks the conversion events instead of the
    touchpoint (used when ``touchpoint`` holds something else, e.g. the channel).

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 4, "touchpoint": ["x", "buy", "buy", "x"]}))
    >>> out = with_conversion_step(log, "buy").sort("customer_id", "step").collect()
    >>> out["conv_step"].to_list()
    [2, 2, 2, None]
    """
    converts = (
        nw.col("_converts")
        if "_converts" in log.columns
        else nw.col("touchpoint").cast(nw.String) == goal
    )
    return journey_steps(log).with_columns(
        conv_step=nw.when(converts).then(nw.col("step")).min().over("customer_id")
    )

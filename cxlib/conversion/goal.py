"""Conversions: a customer converts at their first event at the goal touchpoint.

Shared by the analyses that cut or split journeys at the first conversion
(attribution, Markov chain, omnichannel, importance).
"""

from __future__ import annotations

from collections.abc import Sequence

import narwhals as nw

from cxlib.engines import with_first_step
from cxlib.journeys import Journeys, journey_table
from cxlib.log import EventLog

__all__ = ["with_conversion_step"]


def with_conversion_step(
    log: EventLog, goal: str, *, columns: Sequence[str] = (), next_of: Sequence[str] = ()
) -> Journeys:
    """The customers' :func:`cxlib.journeys.journey_table` plus ``conv_step``: the step of their first conversion.

    ``conv_step`` is null for customers who never reach ``goal``. ``columns`` and
    ``next_of`` are :func:`~cxlib.journeys.journey_table`'s; group customers by the
    table's ``customer`` column (integer codes on Polars).

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 4, "touchpoint": ["x", "buy", "buy", "x"]}))
    >>> out = with_conversion_step(log, "buy").frame.sort("customer_id", "step").collect()
    >>> out["conv_step"].to_list()
    [2, 2, 2, None]
    """
    table = journey_table(log, columns=columns, next_of=next_of)
    converts = nw.col("touchpoint") == goal
    if table.ordered:  # journeys in order: found by fills over the rows, no grouping
        marked = table.frame.with_columns(_converts=converts)
        return table._replace(frame=with_first_step(marked, "_converts", "conv_step"))
    first = nw.when(converts).then(nw.col("step")).min().over(table.customer)
    return table._replace(frame=table.frame.with_columns(conv_step=first))

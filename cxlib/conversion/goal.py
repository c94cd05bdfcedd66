"""Conversions: a customer converts at their first event at the goal touchpoint.

Shared by the analyses that cut or split journeys at the first conversion
(attribution, Markov chain, omnichannel, importance, the story).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import narwhals as nw
import polars as pl

from cxlib.engines import collected_together, first_steps_where, reach_counts, with_column
from cxlib.journeys import Journeys, journey_table
from cxlib.log import EventLog

__all__ = ["Reach", "reach", "with_conversion_step"]

#: Events before the customer's first conversion (all events of one who never converts).
_BEFORE = nw.col("conv_step").is_null() | (nw.col("step") < nw.col("conv_step"))


def with_conversion_step(
    log: EventLog,
    goal: str | None,
    *,
    columns: Sequence[str] = (),
    next_of: Sequence[str] = (),
    categories: Sequence[str] = (),
) -> Journeys:
    """The customers' :func:`cxlib.journeys.journey_table` plus ``conv_step``: the step of their first conversion.

    ``conv_step`` is null for customers who never reach ``goal`` (for every customer
    without a goal). ``columns``, ``next_of`` and ``categories`` are
    :func:`~cxlib.journeys.journey_table`'s; group customers by the table's ``customer``
    column and count touchpoints as they are (integer codes and categories on Polars:
    several times faster than ids and text), then cast ``touchpoint`` to text.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 4, "touchpoint": ["x", "buy", "buy", "x"]}))
    >>> out = with_conversion_step(log, "buy").frame.sort("customer_id", "step").collect()
    >>> out["conv_step"].to_list()
    [2, 2, 2, None]
    """
    table = journey_table(log, columns=columns, next_of=next_of, categories=categories)
    if goal is None:
        return table._replace(frame=table.frame.with_columns(conv_step=nw.lit(None, nw.Int64)))
    converts = nw.col("touchpoint") == goal
    if table.ordered:
        # Journeys in order: found by runs of rows, no grouping, once per log and goal
        # (the rows are the log's sorted journeys whatever the columns): the channel page's
        # three analyses, attribution's models and the story's findings read the same steps.
        steps = log.cache.reused(
            "conversion steps", goal, lambda: first_steps_where(table.frame, converts)
        )
        return table._replace(frame=with_column(table.frame, "conv_step", steps))
    first = nw.when(converts).then(nw.col("step")).min().over(table.customer)
    return table._replace(frame=table.frame.with_columns(conv_step=first))


class Reach(NamedTuple):
    """Who reached each touchpoint before converting (:func:`reach`)."""

    #: Per ``touchpoint`` (text): the ``customers`` who reached it before their first
    #: conversion, the ``conversions`` of them (who then converted), and the ``exits``:
    #: journeys that ended there without a conversion.
    table: pl.DataFrame
    #: Customers of the log, and those who converted.
    customers: int
    conversions: int


def reach(log: EventLog, goal: str | None) -> Reach:
    """Who reached each touchpoint before converting to ``goal``, counted once per log and goal.

    Touchpoint importance, the story's drop-off and its removal effect's steps of the
    process read the same counts: kept in ``log.cache``. 10M events: 0.5-0.6 s, where
    counted apart, by customer id, they took 2.2 s. In memory they are counted by runs
    of sorted rows (:func:`cxlib.engines.reach_counts`): 0.24 s once the conversion steps
    are found, where grouping by touchpoint and customer took 0.46 s.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b", "b", "c"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 5,
    ...     "touchpoint": ["ad", "buy", "ad", "mail", "buy"]}))
    >>> counted = reach(log, "buy")
    >>> counted.table.sort("touchpoint").rows(), counted.customers, counted.conversions
    ([('ad', 2, 1, 0), ('mail', 1, 0, 1)], 3, 2)
    """

    def count() -> Reach:
        table = with_conversion_step(log, goal)
        if table.ordered:  # each customer's rows together: counted by runs of rows
            picked = table.frame.select(table.customer, "touchpoint", "conv_step")
            counted = reach_counts(picked.collect("polars").to_native(), goal_step="conv_step")
            if counted is not None:
                return Reach(*counted)
        steps, text = table.frame, nw.col("touchpoint").cast(nw.String)
        converted = ~nw.col("conv_step").is_null()
        reached = (
            steps.filter(_BEFORE)
            .group_by("touchpoint", table.customer)
            .agg(converted=converted.max())
            .group_by("touchpoint")
            .agg(
                customers=nw.len().cast(nw.Int64),
                conversions=nw.col("converted").cast(nw.Int64).sum().cast(nw.Int64),
            )
            .with_columns(text)
        )
        left = (
            steps.filter(~converted & nw.col("next_touchpoint").is_null())
            .group_by("touchpoint")
            .agg(exits=nw.len().cast(nw.Int64))
            .with_columns(text)
        )
        converts = nw.when(nw.col("step") == nw.col("conv_step")).then(1).otherwise(0)
        counts = steps.select(
            customers=(nw.col("step") == 1).cast(nw.Int64).sum().cast(nw.Int64),
            conversions=converts.sum().cast(nw.Int64),
        )
        touchpoints, exits, totals = collected_together(reached, left, counts)
        joined = touchpoints.join(exits, on="touchpoint", how="left")
        customers, conversions = totals.row(0)
        return Reach(joined.with_columns(pl.col("exits").fill_null(0)), customers, conversions)

    return log.cache.reused("reach", goal, count)

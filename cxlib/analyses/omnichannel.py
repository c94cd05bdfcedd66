"""Omnichannel: how journeys cross channels (web, app, store, call centre, ...).

A **channel switch** is an event followed, in the same customer's journey, by an
event in another channel. A customer is **omnichannel** when their events use at
least two channels; a conversion is omnichannel when the journey up to and
including the customer's first conversion used at least two. Events without a
channel count as the channel ``"(none)"`` in the switch matrix and are not a
channel when channels are counted.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import polars as pl

from cxlib.analyses.transitions import transitions
from cxlib.checks import require_touchpoints
from cxlib.conversion.goal import with_conversion_step
from cxlib.engines import channel_counts
from cxlib.errors import AnalysisError
from cxlib.journeys import journey_table, relabelled
from cxlib.log import ENTRY, EXIT, EventLog

__all__ = [
    "NO_CHANNEL",
    "channel_log",
    "channel_or_none",
    "channel_switches",
    "channels_used",
    "omnichannel_summary",
    "start_and_conversion_channels",
    "switching_edges",
    "switching_pairs",
]

#: The channel of events that have none.
NO_CHANNEL = "(none)"


def _require_channel(log: EventLog, what: str) -> None:
    if not log.has("channel"):
        msg = (
            f"{what} needs a channel column and the log has none; "
            "map one when loading the log (channel=...)"
        )
        raise AnalysisError(msg)


def channel_log(log: EventLog) -> EventLog:
    """The log with each event's touchpoint replaced by its channel (``"(none)"`` when missing).

    Every touchpoint analysis then runs on channels.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 2, "touchpoint": ["x", "y"],
    ...     "channel": ["web", None]}))
    >>> channel_log(log).to_polars()["touchpoint"].to_list()
    ['web', '(none)']
    """
    _require_channel(log, "a channel analysis")
    return relabelled(log, channel_or_none("channel"), columns=["channel"])


def channel_or_none(column: str) -> nw.Expr:
    """The channel in ``column``, ``"(none)"`` where it is missing."""
    return nw.col(column).cast(nw.String).fill_null(NO_CHANNEL)


def channel_switches(log: EventLog) -> pl.DataFrame:
    """The channel-switch matrix: the channel of each event -> the channel of the next.

    One row per pair of consecutive events' channels in a customer's journey:
    ``from_channel``, ``to_channel``, ``transitions`` (Int64), ``customers``
    (distinct customers, Int64), ``share`` (``transitions`` / all transitions out
    of ``from_channel``, Float64) and ``switch`` (whether the channel changed).
    Staying in a channel is on the diagonal (``switch`` false). Sorted by
    ``from_channel``, ``to_channel``.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a"] * 3,
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 3, "touchpoint": ["x", "y", "z"],
    ...     "channel": ["web", "web", "store"]}))
    >>> channel_switches(log).select("from_channel", "to_channel", "share", "switch").rows()
    [('web', 'store', 0.5, True), ('web', 'web', 0.5, False)]
    """
    table = transitions(channel_log(log)).filter(
        (pl.col("source") != ENTRY) & (pl.col("target") != EXIT)
    )
    return table.select(
        from_channel="source",
        to_channel="target",
        transitions="transitions",
        customers="customers",
        share=(pl.col("transitions") / pl.col("transitions").sum().over("source")).cast(pl.Float64),
        switch=pl.col("source") != pl.col("target"),
    ).sort("from_channel", "to_channel")


def switching_edges(log: EventLog) -> pl.DataFrame:
    """For each touchpoint transition, how often it crosses channels (to highlight in the graph).

    One row per ``source -> target`` touchpoint pair with ``transitions`` (Int64),
    ``switches`` (those whose two events are in different channels, a missing
    channel counting as ``"(none)"``; Int64) and ``switch_share`` = ``switches`` /
    ``transitions`` (Float64). Entry and exit moves are not listed. Sorted by
    ``switches`` descending, then ``source``, ``target``.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 4, "touchpoint": ["x", "y", "x", "y"],
    ...     "channel": ["web", "store", "web", "web"]}))
    >>> switching_edges(log).rows()
    [('x', 'y', 2, 1, 0.5)]
    """
    _require_channel(log, "switching_edges")
    steps = journey_table(log, next_of=["channel"]).frame
    table: pl.DataFrame = (
        steps.filter(~nw.col("next_touchpoint").is_null())
        .group_by("touchpoint", "next_touchpoint")
        .agg(
            transitions=nw.len().cast(nw.Int64),
            switches=(channel_or_none("channel") != channel_or_none("next_channel"))
            .cast(nw.Int64)
            .sum()
            .cast(nw.Int64),
        )
        .collect("polars")
        .to_native()
        .select(
            pl.col("touchpoint").cast(pl.String).alias("source"),
            pl.col("next_touchpoint").cast(pl.String).alias("target"),
            "transitions",
            "switches",
        )
    )
    return table.with_columns(
        switch_share=(pl.col("switches") / pl.col("transitions")).cast(pl.Float64),
    ).sort(["switches", "source", "target"], descending=[True, False, False])


def switching_pairs(edges: pl.DataFrame, *, min_share: float) -> list[tuple[str, str]]:
    """Transitions that change channel in at least ``min_share`` of their moves.

    Takes the table of :func:`switching_edges` and returns its ``(source, target)``
    pairs at or above the share, to highlight on the journey graph.

    Examples
    --------
    >>> edges = pl.DataFrame({"source": ["a", "b"], "target": ["b", "c"],
    ...                       "switch_share": [0.25, 0.75]})
    >>> switching_pairs(edges, min_share=0.5)
    [('b', 'c')]
    """
    return edges.filter(pl.col("switch_share") >= min_share).select("source", "target").rows()


def start_and_conversion_channels(log: EventLog, *, goal: str) -> pl.DataFrame:
    """Where converting customers started against where they converted.

    One row per ``start_channel`` (channel of the customer's first event) and
    ``conversion_channel`` (channel of their first ``goal`` event) with
    ``customers`` (Int64) and ``share`` = ``customers`` / all converting customers
    (Float64). Sorted by ``customers`` descending, then the channels.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 3, "touchpoint": ["ad", "buy", "ad"],
    ...     "channel": ["web", "store", "app"]}))
    >>> start_and_conversion_channels(log, goal="buy").rows()
    [('web', 'store', 1, 1.0)]
    """
    _require_channel(log, "an omnichannel analysis")
    journeys = with_conversion_step(log, goal, columns=["channel"])
    channel = channel_or_none("channel")
    at_conversion = nw.col("step") == nw.col("conv_step")
    table: pl.DataFrame = (
        journeys.frame.filter((nw.col("step") == 1) | at_conversion)
        .group_by(journeys.customer)
        .agg(
            start_channel=nw.when(nw.col("step") == 1).then(channel).max(),
            conversion_channel=nw.when(at_conversion).then(channel).max(),
        )
        .filter(~nw.col("conversion_channel").is_null())
        .group_by("start_channel", "conversion_channel")
        .agg(customers=nw.len().cast(nw.Int64))
        .collect("polars")
        .to_native()
    )
    if table.height == 0:
        require_touchpoints(log, [goal])
    return table.with_columns(
        share=(pl.col("customers") / pl.col("customers").sum()).cast(pl.Float64)
    ).sort(["customers", "start_channel", "conversion_channel"], descending=[True, False, False])


def _by_channel_count(log: EventLog, goal: str) -> pl.DataFrame:
    """Customers, conversions and value by the number of channels used, counted once per log and goal.

    :func:`channels_used` and :func:`omnichannel_summary` (one page) read the same table.
    """
    return log.cache.reused("channel counts", goal, lambda: _channel_counts(log, goal))


def _channel_counts(log: EventLog, goal: str) -> pl.DataFrame:
    _require_channel(log, "an omnichannel analysis")
    valued = log.has("value")
    value = nw.col("value").cast(nw.Float64) if valued else nw.lit(None, nw.Float64)
    journeys = with_conversion_step(log, goal, columns=["value"] * valued, categories=["channel"])
    steps = journeys.frame.with_columns(_value=value)
    table = None
    if journeys.ordered:  # each customer's rows together: counted by runs of rows
        picked = steps.select(journeys.customer, "channel", "step", "conv_step", "_value")
        table = channel_counts(picked.collect("polars").to_native(), goal_step="conv_step")
    if table is None:
        table = _grouped_channel_counts(steps, journeys.customer)
    if table["conversions"].sum() == 0:
        require_touchpoints(log, [goal])
    return table


def _grouped_channel_counts(steps: nw.LazyFrame[Any], customer: str) -> pl.DataFrame:
    """:func:`_channel_counts` by two groupings: distinct channels per customer, then customers per number of channels."""
    pairs = steps.group_by(customer, "channel").agg(
        first_step=nw.col("step").min(),
        conv_step=nw.col("conv_step").min(),
        value=nw.col("_value").sum(),
    )
    real = ~nw.col("channel").is_null()
    customers = pairs.group_by(customer).agg(
        channels=real.cast(nw.Int64).sum().cast(nw.Int64),
        to_conversion=(real & (nw.col("first_step") <= nw.col("conv_step")))
        .cast(nw.Int64)
        .sum()
        .cast(nw.Int64),
        converted=(~nw.col("conv_step").is_null()).cast(nw.Int64).max(),
        value=nw.col("value").sum(),
    )
    table: pl.DataFrame = (
        customers.group_by("channels")
        .agg(
            customers=nw.len().cast(nw.Int64),
            conversions=nw.col("converted").sum().cast(nw.Int64),
            omnichannel_conversions=((nw.col("converted") == 1) & (nw.col("to_conversion") >= 2))
            .cast(nw.Int64)
            .sum()
            .cast(nw.Int64),
            value=nw.col("value").sum().cast(nw.Float64),
        )
        .sort("channels")
        .collect("polars")
        .to_native()
    )
    return table.cast({"channels": pl.Int64})


def channels_used(log: EventLog, *, goal: str) -> pl.DataFrame:
    """Conversion rate and value by the number of channels a customer used.

    One row per ``channels`` (distinct channels in the customer's events; 0 when
    none of them has a channel) with ``customers``, ``conversions`` (customers who
    reached ``goal`` at least once), ``conversion_rate`` = ``conversions`` /
    ``customers``, ``value`` (summed value of all their events; null without a
    value column) and ``value_per_customer`` = ``value`` / ``customers``.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 3, "touchpoint": ["ad", "buy", "ad"],
    ...     "channel": ["web", "store", "web"]}))
    >>> channels_used(log, goal="buy").select("channels", "customers", "conversion_rate").rows()
    [(1, 1, 0.0), (2, 1, 1.0)]
    """
    table = _by_channel_count(log, goal)
    return table.select(
        "channels",
        "customers",
        "conversions",
        conversion_rate=(pl.col("conversions") / pl.col("customers")).cast(pl.Float64),
        # SQL engines sum only-null values to null where Polars gives 0
        value=pl.col("value").fill_null(0.0) if log.has("value") else pl.lit(None, pl.Float64),
        value_per_customer=(pl.col("value").fill_null(0.0) / pl.col("customers")).cast(pl.Float64)
        if log.has("value")
        else pl.lit(None, pl.Float64),
    )


def omnichannel_summary(log: EventLog, *, goal: str) -> pl.DataFrame:
    """How omnichannel the customers and the conversions are, in one row.

    ``customers``; ``omnichannel_customers`` (at least two channels in their
    events) and ``omnichannel_share`` = that / ``customers``; ``conversions``
    (customers who converted) and ``omnichannel_conversions`` (those whose journey
    up to and including the first conversion used at least two channels), with
    ``omnichannel_conversion_share`` = that / ``conversions``. Counts are Int64,
    shares Float64.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "a", "b", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 5,
    ...     "touchpoint": ["ad", "buy", "call", "ad", "buy"],
    ...     "channel": ["web", "web", "phone", "web", "store"]}))
    >>> omnichannel_summary(log, goal="buy").row(0)
    (2, 2, 1.0, 2, 1, 0.5)
    """
    table = _by_channel_count(log, goal)
    customers = int(table["customers"].sum())
    omni = int(table.filter(pl.col("channels") >= 2)["customers"].sum())
    conversions = int(table["conversions"].sum())
    omni_conversions = int(table["omnichannel_conversions"].sum())
    return pl.DataFrame(
        {
            "customers": [customers],
            "omnichannel_customers": [omni],
            "omnichannel_share": [omni / customers if customers else 0.0],
            "conversions": [conversions],
            "omnichannel_conversions": [omni_conversions],
            "omnichannel_conversion_share": [
                omni_conversions / conversions if conversions else 0.0
            ],
        },
        schema={
            "customers": pl.Int64,
            "omnichannel_customers": pl.Int64,
            "omnichannel_share": pl.Float64,
            "conversions": pl.Int64,
            "omnichannel_conversions": pl.Int64,
            "omnichannel_conversion_share": pl.Float64,
        },
    )

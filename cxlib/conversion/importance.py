"""Touchpoint importance against performance, and the moments of truth.

For each touchpoint met on the way to a conversion:

- **importance**: how much it matters for converting. Either its Markov
  **removal effect** (:func:`cxlib.removal_effects`: the share of conversions lost
  without it) or its conversion **lift**: the conversion rate of customers whose
  journey (before their first conversion) contains it, minus that of the
  customers whose journey does not.
- **performance**: how well it serves customers. The mean satisfaction rating of
  its events where the log has a rating column, else ``1 - journeys ending here``
  (the share of journeys reaching it that did not end there, :func:`cxlib.dropoffs`).

A **moment of truth** is a touchpoint of high importance and low performance:
importance above the median of the touchpoints and performance below theirs.
The goal touchpoint itself, and touchpoints met only after converting,
are not listed.
"""

from __future__ import annotations

import math
from typing import Literal, get_args

import narwhals as nw
import polars as pl

from cxlib.analyses.dropoffs import Z95, dropoffs, wilson_interval
from cxlib.checks import require_touchpoints
from cxlib.conversion.goal import reach
from cxlib.conversion.markov import removal_effects
from cxlib.engines import collected_in_memory
from cxlib.errors import check_choice
from cxlib.journeys import journey_table
from cxlib.log import EventLog
from cxlib.rates import JOURNEYS_ENDING_SHARE

__all__ = ["Importance", "touchpoint_importance"]

Importance = Literal["removal_effect", "lift"]


def _reach(log: EventLog, goal: str) -> pl.DataFrame:
    """Customers whose journey reaches each touchpoint before converting, and how many convert."""
    counted = reach(log, goal)
    table = counted.table.select("touchpoint", "customers", "conversions")
    all_customers, all_conversions = counted.customers, counted.conversions
    if not all_conversions:
        require_touchpoints(log, [goal])
    others = all_customers - pl.col("customers")
    low, high = _wilson(table["conversions"], table["customers"])
    return table.with_columns(
        conversion_rate=(pl.col("conversions") / pl.col("customers")).cast(pl.Float64),
        conversion_rate_low=low,
        conversion_rate_high=high,
        lift=(
            pl.col("conversions") / pl.col("customers")
            - pl.when(others > 0).then((all_conversions - pl.col("conversions")) / others)
        ).cast(pl.Float64),
    )


def _wilson(successes: pl.Series, trials: pl.Series) -> tuple[pl.Series, pl.Series]:
    pairs = [wilson_interval(x, n) for x, n in zip(successes, trials, strict=True)]
    return (
        pl.Series([p[0] for p in pairs], dtype=pl.Float64),
        pl.Series([p[1] for p in pairs], dtype=pl.Float64),
    )


def _rating_performance(log: EventLog, rating: str) -> pl.DataFrame:
    """Mean rating per touchpoint with a normal 95 % interval (null below two ratings)."""
    score = nw.col(rating).cast(nw.Float64)
    events = journey_table(log, columns=[rating], steps=False).frame
    table: pl.DataFrame = (
        collected_in_memory(
            events.filter(~score.is_null())
            .group_by("touchpoint")
            .agg(
                performance_n=nw.len().cast(nw.Int64),
                performance=score.mean().cast(nw.Float64),
                _std=score.std().cast(nw.Float64),
            )
        )
        .to_native()
        .with_columns(pl.col("touchpoint").cast(pl.String))
    )
    half = Z95 * pl.col("_std") / pl.col("performance_n").cast(pl.Float64).sqrt()
    big_enough = pl.col("performance_n") >= 2
    return table.select(
        "touchpoint",
        "performance",
        performance_low=pl.when(big_enough).then(pl.col("performance") - half),
        performance_high=pl.when(big_enough).then(pl.col("performance") + half),
        performance_n="performance_n",
    )


def _exit_performance(log: EventLog) -> pl.DataFrame:
    """``1 - journeys ending here`` per touchpoint, with the Wilson interval turned around."""
    share = JOURNEYS_ENDING_SHARE.name
    return dropoffs(log).select(
        "touchpoint",
        performance=1 - pl.col(share),
        performance_low=1 - pl.col(f"{share}_high"),
        performance_high=1 - pl.col(f"{share}_low"),
        performance_n="journeys",
    )


def touchpoint_importance(
    log: EventLog,
    *,
    goal: str,
    importance: Importance = "removal_effect",
    rating: str | None = "rating",
) -> pl.DataFrame:
    """Importance and performance of each touchpoint on the way to the ``goal`` touchpoint.

    Parameters
    ----------
    log
        The event log.
    goal
        The touchpoint that counts as a conversion (a customer's first one).
    importance
        ``"removal_effect"`` (Markov) or ``"lift"`` (conversion rate with minus
        without the touchpoint); see the module docstring.
    rating
        The rating column to measure performance with. Performance is ``1 - exit
        rate`` when the log has no such column or ``rating=None``. Touchpoints
        without any rating get no performance and are never moments of truth.

    Returns
    -------
    polars.DataFrame
        One row per touchpoint met before a conversion (or in a journey that
        never converts), sorted by ``importance`` descending then ``touchpoint``:

        - ``customers``: customers whose journey reaches it before their first
          conversion; ``conversions``: those of them who then convert;
        - ``conversion_rate`` = ``conversions / customers``, with its Wilson 95 %
          interval ``conversion_rate_low``, ``conversion_rate_high``;
        - ``lift``: ``conversion_rate`` minus the rate of the other customers
          (null when every customer reaches the touchpoint);
        - ``importance``: the removal effect or the lift, as chosen;
        - ``performance`` with ``performance_low``, ``performance_high`` (normal
          95 % interval of the mean rating, null below two ratings; or the Wilson
          interval of ``1 - journeys ending here``) and ``performance_n`` (ratings, or
          journeys reaching the touchpoint); ``performance_measure``:
          ``"rating"`` or ``"1 - journeys ending here"``;
        - ``moment_of_truth``: importance above the median and performance below it.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": list("aabbcc"),
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 6,
    ...     "touchpoint": ["ad", "buy", "mail", "buy", "ad", "call"]}))
    >>> out = touchpoint_importance(log, goal="buy", importance="lift")
    >>> out.select("touchpoint", "customers", "conversions", "importance", "performance").rows()
    [('mail', 1, 1, 0.5, 1.0), ('ad', 2, 1, -0.5, 1.0), ('call', 1, 0, -1.0, 0.0)]
    """
    check_choice(importance, get_args(Importance), name="importance", what="a measure")
    table = _reach(log, goal).filter(pl.col("touchpoint") != goal)
    if importance == "removal_effect":
        effects = removal_effects(log, goal=goal)
        table = table.join(effects, on="touchpoint", how="left").with_columns(
            importance=pl.col("removal_effect").fill_null(0.0)
        )
    else:
        table = table.with_columns(importance=pl.col("lift"))
    rated = rating if rating is not None and log.has(rating) else None
    performance = _exit_performance(log) if rated is None else _rating_performance(log, rated)
    table = table.join(performance, on="touchpoint", how="left")
    judged = table.filter(pl.col("performance").is_not_null() & pl.col("importance").is_not_null())
    high = judged["importance"].median() if judged.height else math.nan
    low = judged["performance"].median() if judged.height else math.nan
    return table.select(
        "touchpoint",
        "customers",
        "conversions",
        "conversion_rate",
        "conversion_rate_low",
        "conversion_rate_high",
        "lift",
        pl.col("importance").cast(pl.Float64),
        pl.col("performance").cast(pl.Float64),
        pl.col("performance_low").cast(pl.Float64),
        pl.col("performance_high").cast(pl.Float64),
        pl.col("performance_n").cast(pl.Int64),
        performance_measure=pl.lit("1 - journeys ending here" if rated is None else "rating"),
        moment_of_truth=((pl.col("importance") > high) & (pl.col("performance") < low)).fill_null(
            False
        ),
    ).sort(["importance", "touchpoint"], descending=[True, False], nulls_last=True)

"""Funnels: how many journeys get through an ordered list of steps within a conversion window.

The figures of a funnel (:func:`funnel`) and what journeys that stopped did next
(:func:`dropped_next`), both from the per-journey attempts of
:func:`cxlib.analyses.funnels.attempts.funnel_levels`, whose module docstring defines the
semantics (attempts, window, order, exclusions).
"""

from __future__ import annotations

from collections.abc import Sequence

import narwhals as nw
import polars as pl

from cxlib.analyses.funnels.attempts import FunnelOrder, funnel_levels
from cxlib.analyses.funnels.steps import Exclusion, FunnelCount, Step, step_names
from cxlib.checks import require_column
from cxlib.journeys import JourneyBy, journey_keys, journey_table, with_sessions
from cxlib.log import EXIT, EventLog
from cxlib.units import SECOND_US

__all__ = ["FunnelOrder", "dropped_next", "funnel"]


def funnel(
    log: EventLog,
    steps: Sequence[str | Step],
    *,
    window: str = "30d",
    order: FunnelOrder = "sequential",
    exclude: Sequence[str | Exclusion] = (),
    breakdown: str | None = None,
    by: JourneyBy = "customer",
    count: FunnelCount = "journeys",
) -> pl.DataFrame:
    """How many journeys reach each step of a funnel, and how fast.

    Columns: ``step`` (1..n), ``touchpoint``, ``customers``, ``conversion``,
    ``step_conversion``, ``median_seconds_from_previous``; with ``breakdown`` the
    attribute column comes first and every figure is computed within its value.

    - ``touchpoint``: the step's touchpoint, with its conditions in brackets for a
      :class:`~cxlib.analyses.funnels.steps.Step` that has some (``checkout (channel: app)``);
    - ``customers``: journeys (customers, or sessions with ``by="session"``) whose level
      is at least the step (see :mod:`cxlib.analyses.funnels.attempts` for the semantics of
      ``window``, ``order``, ``exclude`` and step conditions); with ``count="attempts"``,
      attempts reaching the step;
    - ``conversion``: customers at the step / customers at step 1;
    - ``step_conversion``: customers at the step / customers at the previous step (1.0
      at step 1);
    - ``median_seconds_from_previous``: median, over the journeys reaching the step, of
      the seconds from the previous step to this one in their counted attempt (in
      ``"any"`` order, from the moment steps 1..k-1 were all done to the moment steps
      1..k were); null at step 1.

    Rates are null when their denominator is 0. ``breakdown`` takes the attribute's value
    at the journey's first event.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": list("aaab"),
    ...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10, 11, 9)],
    ...     "touchpoint": ["home", "cart", "buy", "home"]}))
    >>> funnel(log, ["home", "cart", "buy"]).rows()
    [(1, 'home', 2, 1.0, 1.0, None), (2, 'cart', 1, 0.5, 0.5, 3600.0), (3, 'buy', 1, 0.5, 1.0, 3600.0)]
    """
    if breakdown is not None:
        require_column(log, breakdown, purpose="the breakdown")
    levels = funnel_levels(
        log, steps, window=window, order=order, exclude=exclude, by=by, count=count
    )
    n = len(steps)
    groups: list[str] = []
    if breakdown is not None:
        keys = journey_keys(with_sessions(log, by), by)
        table = journey_table(log, by=by, columns=[breakdown])
        first = table.first_steps().select(*keys, breakdown)
        levels = levels.join(first, on=keys, how="left")
        groups = [breakdown]
    aggs = [(nw.col("level") >= k).cast(nw.Int64).sum().alias(f"c{k}") for k in range(1, n + 1)]
    aggs += [
        ((nw.col(f"at_{k}") - nw.col(f"at_{k - 1}")) / SECOND_US).median().alias(f"m{k}")
        for k in range(2, n + 1)
    ]
    wide = (levels.group_by(*groups).agg(*aggs) if groups else levels.select(*aggs)).collect(
        "polars"
    )
    return _long(wide.to_native(), step_names(steps), groups)


def _long(wide: pl.DataFrame, steps: list[str], groups: list[str]) -> pl.DataFrame:
    """Reshape the one-row-per-group aggregate into one row per group and step."""
    parts = []
    for k, touchpoint in enumerate(steps, 1):
        median = pl.col(f"m{k}") if k > 1 else pl.lit(None)
        parts.append(
            wide.select(
                *groups,
                step=pl.lit(k, pl.Int64),
                touchpoint=pl.lit(touchpoint, pl.String),
                customers=pl.col(f"c{k}").cast(pl.Int64).fill_null(0),
                _first=pl.col("c1").cast(pl.Int64).fill_null(0),
                _previous=pl.col(f"c{max(k - 1, 1)}").cast(pl.Int64).fill_null(0),
                median_seconds_from_previous=median.cast(pl.Float64),
            )
        )
    out = pl.concat(parts)

    def rate(denominator: str) -> pl.Expr:
        return (
            pl.when(pl.col(denominator) > 0).then(pl.col("customers") / pl.col(denominator))
        ).cast(pl.Float64)

    out = out.select(
        *groups,
        "step",
        "touchpoint",
        "customers",
        conversion=rate("_first"),
        step_conversion=rate("_previous"),
        median_seconds_from_previous="median_seconds_from_previous",
    )
    return out.sort([*groups, "step"], nulls_last=True)


def dropped_next(
    log: EventLog,
    steps: Sequence[str | Step],
    *,
    window: str = "30d",
    order: FunnelOrder = "sequential",
    exclude: Sequence[str | Exclusion] = (),
    by: JourneyBy = "customer",
    count: FunnelCount = "journeys",
) -> pl.DataFrame:
    """What journeys that stopped at a step did instead: the touchpoint that came next.

    Columns: ``step`` and ``touchpoint`` (the last step the journey reached, before the
    funnel's last), ``next_touchpoint`` (the event right after the journey's last
    reached step event in its counted attempt; :data:`~cxlib.EXIT` when the journey
    ended there), ``customers`` and ``share`` (customers / all journeys that stopped at
    that step). Sorted by ``step``, ``customers`` (descending), ``next_touchpoint``.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": list("aabb"),
    ...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10, 9, 10)],
    ...     "touchpoint": ["home", "help", "home", "buy"]}))
    >>> dropped_next(log, ["home", "buy"]).rows()
    [(1, 'home', 'help', 1, 1.0)]
    """
    levels = funnel_levels(
        log, steps, window=window, order=order, exclude=exclude, by=by, count=count, with_next=True
    )
    counts: pl.DataFrame = (
        levels.filter(nw.col("level") < len(steps))
        .group_by("level", "after_last")
        .agg(customers=nw.len())
        .collect("polars")
        .to_native()
    )
    names = dict(enumerate(step_names(steps), 1))
    return (
        counts.select(
            step=pl.col("level").cast(pl.Int64),
            touchpoint=pl.col("level").cast(pl.Int64).replace_strict(names, return_dtype=pl.String),
            next_touchpoint=pl.col("after_last").cast(pl.String).fill_null(EXIT),
            customers=pl.col("customers").cast(pl.Int64),
        )
        .with_columns(
            share=(pl.col("customers") / pl.col("customers").sum().over("step")).cast(pl.Float64)
        )
        .sort(["step", "customers", "next_touchpoint"], descending=[False, True, False])
    )

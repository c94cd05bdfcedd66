"""Drop-offs: at which touchpoints journeys end, and what customers do next.

A journey **drops off** at a touchpoint when its last event is there. Two figures
say how often (:mod:`cxlib.rates`): the **exit rate**, per visit (visits that end
the journey / visits, as on the journey graph), and the **journeys ending here**
share, per journey (journeys reaching the touchpoint that end there / journeys
reaching it). The per-journey share gets a Wilson interval, so that a touchpoint
seen three times is not over-read. A journey ending at its goal converted: the goal
is never a drop-off.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import narwhals as nw
import polars as pl

from cxlib.analyses.transitions import transitions
from cxlib.checks import check_known
from cxlib.journeys import JourneyBy, journey_table
from cxlib.log import ENTRY, EventLog
from cxlib.rates import EXIT_RATE, JOURNEYS_ENDING_SHARE

__all__ = ["MIN_JOURNEYS", "dropoffs", "next_after", "wilson_interval"]

#: Two-sided 95% normal quantile, 1.959963984540054.
Z95 = NormalDist().inv_cdf(0.975)
#: Fewest journeys for a touchpoint's share to be read on its own: from 50 journeys on,
#: the Wilson 95% interval of a share is at most ±14 points (±13.4 at a share of 50%).
MIN_JOURNEYS = 50


def wilson_interval(successes: int, trials: int, *, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``successes / trials`` (95% by default).

    With ``p = successes / trials`` and ``n = trials``, the interval is
    ``(p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)``. Unlike the normal
    approximation it stays within [0, 1] and is honest for small ``n``.
    ``trials == 0`` gives ``(0.0, 1.0)``: nothing is known.

    Examples
    --------
    >>> [round(x, 4) for x in wilson_interval(1, 2)]
    [0.0945, 0.9055]
    >>> wilson_interval(0, 0)
    (0.0, 1.0)
    """
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    center = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    # No successes (or no failures) puts a bound exactly at 0 (or 1); rounding would not.
    low = 0.0 if successes == 0 else center - half
    high = 1.0 if successes == trials else center + half
    return low, high


def dropoffs(log: EventLog, *, by: JourneyBy = "customer", goal: str | None = None) -> pl.DataFrame:
    """Both exit figures of every touchpoint, the per-journey one with a Wilson 95% interval.

    Parameters
    ----------
    log
        The event log.
    by
        ``"customer"`` or ``"session"``: what a journey is (see :func:`cxlib.transitions`).
    goal
        The conversion goal: journeys ending there converted, so it gets no row (the
        goal is never a drop-off).

    Returns
    -------
    polars.DataFrame
        One row per touchpoint with

        - ``visits``: events at the touchpoint;
        - ``journeys``: journeys that reached the touchpoint (at least one event there);
        - ``exits``: journeys whose last event is at the touchpoint (a journey ends
          once, so these are also the visits that end a journey);
        - ``exit_rate``: ``exits / visits`` (:data:`cxlib.rates.EXIT_RATE`), as on the
          journey graph;
        - ``journeys_ending_share``: ``exits / journeys``
          (:data:`cxlib.rates.JOURNEYS_ENDING_SHARE`);
        - ``journeys_ending_share_low``, ``journeys_ending_share_high``: its Wilson
          95% interval.

        Sorted by ``exits`` descending, then ``touchpoint``.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> from cxlib import EventLog
    >>> log = EventLog.from_frame(pl.DataFrame({
    ...     "customer_id": ["a", "a", "b", "b", "c"],
    ...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10, 9, 10, 9)],
    ...     "touchpoint": ["home", "cart", "home", "home", "home"],
    ... }))
    >>> dropoffs(log).select("touchpoint", "visits", "journeys", "exits").rows()
    [('home', 4, 3, 2), ('cart', 1, 1, 1)]
    >>> dropoffs(log).select("exit_rate", "journeys_ending_share").row(0)
    (0.5, 0.6666666666666666)
    >>> dropoffs(log, goal="cart")["touchpoint"].to_list()
    ['home']
    """
    steps, keys, _, _ = journey_table(log, by=by)
    # A journey has one last event: its exit is the one event with no next one.
    exits = nw.col("next_epoch_us").is_null().cast(nw.Int64)
    if len(keys) == 1:
        # One column numbers the journeys: distinct numbers per touchpoint, no group per
        # journey and touchpoint (10M events on Polars: 330 MB less at the peak).
        per_touchpoint = steps.group_by("touchpoint").agg(
            visits=nw.len().cast(nw.Int64),
            journeys=nw.col(keys[0]).n_unique().cast(nw.Int64),
            exits=exits.sum().cast(nw.Int64),
        )
    else:
        per_touchpoint = (
            steps.group_by(*keys, "touchpoint")
            .agg(visits=nw.len().cast(nw.Int64), exited=exits.max())
            .group_by("touchpoint")
            .agg(
                visits=nw.col("visits").sum().cast(nw.Int64),
                journeys=nw.len().cast(nw.Int64),
                exits=nw.col("exited").sum().cast(nw.Int64),
            )
        )
    ranked = per_touchpoint.sort(["exits", "touchpoint"], descending=[True, False])
    table: pl.DataFrame = ranked.collect("polars").to_native()
    if goal is not None:
        table = table.filter(pl.col("touchpoint") != goal)
    intervals = [wilson_interval(x, n) for x, n in table.select("exits", "journeys").iter_rows()]
    share = JOURNEYS_ENDING_SHARE.name
    return table.select(
        pl.col("touchpoint").cast(pl.String),
        pl.col("visits").cast(pl.Int64),
        pl.col("journeys").cast(pl.Int64),
        pl.col("exits").cast(pl.Int64),
        EXIT_RATE.expr("exits", "visits"),
        JOURNEYS_ENDING_SHARE.expr("exits", "journeys"),
        pl.Series(f"{share}_low", [low for low, _ in intervals], dtype=pl.Float64),
        pl.Series(f"{share}_high", [high for _, high in intervals], dtype=pl.Float64),
    )


def next_after(log: EventLog, touchpoint: str, *, by: JourneyBy = "customer") -> pl.DataFrame:
    """What journeys did right after a touchpoint: the transitions out of it, exit included.

    Parameters
    ----------
    log
        The event log.
    touchpoint
        A touchpoint of the log.
    by
        ``"customer"`` or ``"session"``: what a journey is.

    Returns
    -------
    polars.DataFrame
        One row per ``next_touchpoint`` (``cxlib.EXIT`` when the journey ended) with
        ``transitions`` (events at ``touchpoint`` directly followed by it),
        ``customers`` (distinct customers doing so at least once) and ``share``:
        ``transitions`` over all events at ``touchpoint``, the transition probability.
        Sorted by ``transitions`` descending, then ``next_touchpoint``.

    Raises
    ------
    AnalysisError
        If ``touchpoint`` is not in the log (with the closest names as suggestions).

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> from cxlib import EventLog
    >>> log = EventLog.from_frame(pl.DataFrame({
    ...     "customer_id": ["a", "a", "b", "b", "c"],
    ...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10, 9, 10, 9)],
    ...     "touchpoint": ["home", "cart", "home", "home", "home"],
    ... }))
    >>> next_after(log, "home").rows()
    [('(exit)', 2, 2, 0.5), ('cart', 1, 1, 0.25), ('home', 1, 1, 0.25)]
    """
    table = transitions(log, by=by)
    check_known(touchpoint, table.filter(pl.col("source") != ENTRY)["source"])
    out = table.filter(pl.col("source") == touchpoint)
    return out.select(
        next_touchpoint=pl.col("target"),
        transitions=pl.col("transitions"),
        customers=pl.col("customers"),
        # over(): Polars divides by a plain scalar sum through its reciprocal (3/5 -> 0.6000000000000001)
        share=(pl.col("transitions") / pl.col("transitions").sum().over("source")).cast(pl.Float64),
    )

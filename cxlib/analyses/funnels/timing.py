"""Funnel timing: how long converting journeys take, and how conversion changes over time.

Both build on :func:`cxlib.analyses.funnels.attempts.funnel_levels` (the same attempts, window, order and
exclusions as :func:`cxlib.funnel`); a journey **converts** when it reaches the
funnel's last step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

import narwhals as nw
import polars as pl

from cxlib.analyses.funnels.attempts import FunnelOrder, funnel_levels
from cxlib.analyses.funnels.steps import Exclusion, FunnelCount, Step
from cxlib.errors import check_choice
from cxlib.journeys import JourneyBy, journey_table
from cxlib.log import EventLog
from cxlib.periods import PeriodUnit, period_bounds_us, period_index, period_start
from cxlib.units import DAY_S, HOUR_S, MINUTE_S, SECOND_US, parse_duration

__all__ = ["TIME_BINS", "Period", "conversion_over_time", "time_to_convert"]

Period = Literal["1d", "1w", "1mo"]

#: Lower edges (seconds) and labels of the bins of :func:`time_to_convert`.
TIME_BINS: tuple[tuple[int, str], ...] = (
    (0, "< 1 min"),
    (MINUTE_S, "1-5 min"),
    (5 * MINUTE_S, "5-15 min"),
    (15 * MINUTE_S, "15-60 min"),
    (HOUR_S, "1-6 h"),
    (6 * HOUR_S, "6-24 h"),
    (DAY_S, "1-3 d"),
    (3 * DAY_S, "3-7 d"),
    (7 * DAY_S, "7-14 d"),
    (14 * DAY_S, "14-30 d"),
    (30 * DAY_S, "30-60 d"),
    (60 * DAY_S, "60-90 d"),
    (90 * DAY_S, "90 d +"),
)


def time_to_convert(
    log: EventLog,
    steps: Sequence[str | Step],
    *,
    window: str = "30d",
    order: FunnelOrder = "sequential",
    exclude: Sequence[str | Exclusion] = (),
    by: JourneyBy = "customer",
    count: FunnelCount = "journeys",
) -> pl.DataFrame:
    """The distribution of the time converting journeys took, in bins ready for a bar chart.

    Columns: ``bin`` (a label of :data:`TIME_BINS`), ``seconds_from`` and ``seconds_to``
    (the bin is ``[seconds_from, seconds_to)``, ``seconds_to`` null for the last one),
    ``customers`` (converting journeys whose time falls in the bin), ``share``
    (customers / all converting journeys) and ``cumulative_share``. The time runs
    from the first event of the counted attempt to the moment the last step is
    reached. Every bin from the first up to the one holding ``window`` is listed, empty
    ones with 0, so charts keep a stable axis.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": list("aabb"),
    ...     "timestamp": [dt.datetime(2024, 1, 1, 9, m) for m in (0, 2, 0, 30)],
    ...     "touchpoint": ["home", "buy", "home", "buy"]}))
    >>> time_to_convert(log, ["home", "buy"], window="1h").select("bin", "customers").rows()
    [('< 1 min', 0), ('1-5 min', 1), ('5-15 min', 0), ('15-60 min', 1), ('1-6 h', 0)]
    """
    levels = funnel_levels(
        log, steps, window=window, order=order, exclude=exclude, by=by, count=count
    )
    seconds = (nw.col(f"at_{len(steps)}") - nw.col("start_us")) / SECOND_US
    index = sum(((seconds >= edge).cast(nw.Int64) for edge, _ in TIME_BINS[1:]), nw.lit(0))
    counts: pl.DataFrame = (
        levels.filter(nw.col("level") == len(steps))
        .with_columns(_bin=index)
        .group_by("_bin")
        .agg(customers=nw.len())
        .collect("polars")
        .to_native()
    )
    window_s = parse_duration(window) / SECOND_US
    last = max(i for i, (edge, _) in enumerate(TIME_BINS) if edge <= window_s)
    edges = [edge for edge, _ in TIME_BINS] + [None]
    bins = pl.DataFrame(
        {
            "_bin": list(range(last + 1)),
            "bin": [label for _, label in TIME_BINS[: last + 1]],
            "seconds_from": edges[: last + 1],
            "seconds_to": edges[1 : last + 2],
        },
        schema={
            "_bin": pl.Int64,
            "bin": pl.String,
            "seconds_from": pl.Int64,
            "seconds_to": pl.Int64,
        },
    )
    out = bins.join(counts.with_columns(pl.col("_bin").cast(pl.Int64)), on="_bin", how="left")
    out = out.with_columns(customers=pl.col("customers").cast(pl.Int64).fill_null(0))
    total = out["customers"].sum()
    share = pl.col("customers") / total if total else pl.lit(None, pl.Float64)
    return out.sort("_bin").select(
        "bin",
        "seconds_from",
        "seconds_to",
        "customers",
        share=share.cast(pl.Float64),
        cumulative_share=share.cum_sum().cast(pl.Float64),
    )


#: The cohort periods of :func:`conversion_over_time` as calendar periods.
_UNITS: dict[str, PeriodUnit] = {"1d": "day", "1w": "week", "1mo": "month"}


def conversion_over_time(
    log: EventLog,
    steps: Sequence[str | Step],
    *,
    period: Period = "1w",
    window: str = "30d",
    order: FunnelOrder = "sequential",
    exclude: Sequence[str | Exclusion] = (),
    by: JourneyBy = "customer",
    count: FunnelCount = "journeys",
) -> pl.DataFrame:
    """Conversion by cohort: journeys grouped by when their counted attempt started.

    Columns: ``period_start`` (a date: the day, the Monday of the week, or the first of
    the month, UTC), ``customers`` (journeys reaching step 1 whose counted attempt
    started in the period), ``converted`` (those of them reaching the last step),
    ``conversion`` (converted / customers) and ``complete``: whether the log goes on
    past the end of the period (false for the period holding the log's last event, whose
    cohort is still filling). Only periods with at least one journey are listed, oldest
    first. Recent cohorts may not have had a full ``window`` to convert.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": list("aab"),
    ...     "timestamp": [dt.datetime(2024, 1, d) for d in (1, 2, 9)],
    ...     "touchpoint": ["home", "buy", "home"]}))
    >>> conversion_over_time(log, ["home", "buy"], period="1w").rows()
    [(datetime.date(2024, 1, 1), 1, 1, 1.0, True), (datetime.date(2024, 1, 8), 1, 0, 0.0, False)]
    """
    check_choice(period, get_args(Period), name="period", what="a cohort period")
    unit = _UNITS[period]
    key = period_index(unit, epoch_us="start_us", timestamp="start_timestamp")
    levels = funnel_levels(
        log, steps, window=window, order=order, exclude=exclude, by=by, count=count
    )
    counts: pl.DataFrame = (
        levels.with_columns(_key=key)
        .group_by("_key")
        .agg(
            customers=nw.len(),
            converted=(nw.col("level") == len(steps)).cast(nw.Int64).sum(),
        )
        .collect("polars")
        .to_native()
    )
    last = journey_table(log, by=by).frame.select(nw.col("epoch_us").max()).collect("polars").item()
    keys = counts["_key"].cast(pl.Int64).to_list()
    ends = [period_bounds_us(unit, k)[1] for k in keys]
    return (
        counts.select(
            period_start=pl.Series([period_start(unit, k) for k in keys], dtype=pl.Date),
            customers=pl.col("customers").cast(pl.Int64),
            converted=pl.col("converted").cast(pl.Int64),
            complete=pl.Series(
                [last is not None and end <= last for end in ends], dtype=pl.Boolean
            ),
        )
        .with_columns(conversion=(pl.col("converted") / pl.col("customers")).cast(pl.Float64))
        .select("period_start", "customers", "converted", "conversion", "complete")
        .sort("period_start")
    )

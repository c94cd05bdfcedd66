"""The Polars fast path of sequential funnels: one pass over journeys already in order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import narwhals as nw
import polars as pl

__all__ = ["polars_sequential_levels"]


def polars_sequential_levels(
    frame: nw.LazyFrame[pl.LazyFrame],
    keys: list[str],
    steps: list[str],
    *,
    window_us: int,
    excluded: Sequence[Sequence[str]],
    journey: str,
    every_attempt: bool = False,
) -> nw.LazyFrame[Any]:
    """Polars fast path of :func:`cxlib.funnel_levels` for ``order="sequential"``.

    ``frame`` is a Polars journey table with its rows in journey order
    (:func:`cxlib.journeys.journey_table` with ``ordered=True``); ``journey`` names its
    column numbering the journeys, ``keys`` the journey keys the result carries;
    ``excluded[k]`` the touchpoints excluded on the way to step k+1. Same result, same
    columns as the portable path (every attempt with ``every_attempt``), which spends most
    of its time in window functions grouped by a string key. Here every "next event of
    touchpoint t" is a backward fill over the whole frame, bounded by the journey's last
    row; attempts walk by ``gather``. Tests check it against the portable path and a
    brute force.
    """
    tp = pl.col("touchpoint")
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    new = (pl.col(journey) != pl.col(journey).shift(1)).fill_null(True)
    ends = (pl.col(journey) != pl.col(journey).shift(-1)).fill_null(True)
    later = sorted(set(steps[1:]))
    gaps = sorted({tuple(gap) for gap in excluded if gap})

    def next_at(cond: pl.Expr) -> pl.Expr:
        # The first row at or after this one where cond holds, if it is in the same journey.
        nxt = pl.when(cond).then(pl.col("_r")).backward_fill()
        return pl.when(nxt <= pl.col("_end")).then(nxt)

    events = (
        frame.to_native()
        .filter(tp.is_in([*steps, *(t for gap in gaps for t in gap)]))
        .select(*dict.fromkeys([*keys, journey]), "touchpoint", "epoch_us", "timestamp")
    )
    df = (
        # Journey numbers never decrease: flagged sorted, the per-journey best attempt is
        # found by slicing runs (10M events: 0.35 -> 0.2 CPU-s).
        events.with_columns(_r=row, _j=new.cum_sum().set_sorted())
        .with_columns(_end=pl.when(ends).then(pl.col("_r")).backward_fill())
        .with_columns(
            **{f"_lim_{i}": next_at(tp.is_in(list(gap))) for i, gap in enumerate(gaps)},
            **{f"_to_{i}": next_at(tp == t) for i, t in enumerate(later)},
        )
        .collect()
    )
    time, end = df["epoch_us"], df["_end"]
    attempts = df.filter(tp == steps[0])
    start, start_us = attempts["_r"], attempts["epoch_us"]
    cur, times = start, {"at_1": start_us}
    for k in range(1, len(steps)):
        to = df[f"_to_{later.index(steps[k])}"]
        # A step repeating the previous touchpoint needs a strictly later event.
        cand = (to.shift(-1) if steps[k] == steps[k - 1] else to).gather(cur)
        ok = (cand <= end.gather(start)) & (time.gather(cand) - start_us <= window_us)
        if excluded[k]:
            # The next excluded event after the previous step's event must come after cand.
            limit = df[f"_lim_{gaps.index(tuple(excluded[k]))}"].gather(cur)
            ok = ok & (limit.is_null() | (cand < limit))
        cur = pl.select(pl.when(ok.fill_null(False)).then(cand)).to_series()
        times[f"at_{k + 1}"] = time.gather(cur)
    level = pl.sum_horizontal([pl.col(c).is_not_null() for c in times]).cast(pl.Int64)
    best = (
        attempts.select(*keys, "_j", "_r", start_us="epoch_us", start_timestamp="timestamp")
        .with_columns(**times)
        .with_columns(level=level)
    )
    if not every_attempt:
        best = best.with_columns(_score=pl.col("level") * (1 << 40) - pl.col("_r")).filter(
            pl.col("_score") == pl.col("_score").max().over("_j")
        )
    at = [pl.col(c).cast(pl.Int64) for c in times]
    return nw.from_native(best.select(*keys, "level", "start_us", "start_timestamp", *at).lazy())

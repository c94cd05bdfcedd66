"""The Polars fast paths of funnels: one pass over journeys already in order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, TypeVar

import narwhals as nw
import polars as pl

__all__ = ["polars_any_order_levels", "polars_funnel_levels"]

#: Row numbers and every position derived from them (``_r``, ``_end``, the next events,
#: the attempts' steps): Polars' own index type, 32 bits where Int64 took twice the
#: memory (100M events, the four core analyses: peak 10,884 -> 9,638 MiB, the funnel's).
ROW = pl.get_index_type()

#: A frame in memory (grouped at once) or a lazy query.
Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def polars_funnel_levels(
    frame: nw.LazyFrame[pl.LazyFrame],
    keys: list[str],
    steps: list[str],
    *,
    window_us: int,
    excluded: Sequence[Sequence[str]],
    journey: str,
    order: Literal["sequential", "strict"] = "sequential",
    every_attempt: bool = False,
    with_next: bool = False,
) -> nw.LazyFrame[Any]:
    """Polars fast path of :func:`cxlib.funnel_levels` for ``order="sequential"`` and ``"strict"``.

    ``frame`` is a Polars journey table with its rows in journey order
    (:func:`cxlib.journeys.journey_table` with ``ordered=True``, with ``next_touchpoint``);
    ``journey`` names its column numbering the journeys, ``keys`` the journey keys the
    result carries; ``excluded[k]`` the touchpoints excluded on the way to step k+1. Same
    result, same columns as the portable path (every attempt with ``every_attempt``;
    ``after_last``, as a category, with ``with_next``), which spends most of its time in
    window functions grouped by a journey key and in joins. Here every "next event of
    touchpoint t" is a backward fill over the whole frame (in strict order: the next
    row, when the journey's next event is t), checked against the attempt's journey;
    attempts walk by ``gather`` (10M events, 4 steps: 1.1 -> 0.7 CPU-s; with
    ``with_next`` 2.0 -> 0.8). Tests check it against the portable path and a brute force.
    """
    tp = pl.col("touchpoint")
    later = sorted(set(steps[1:]))
    gaps = sorted({tuple(gap) for gap in excluded if gap})
    to: dict[str, pl.Expr] = {
        # strict: the next row, when it is the journey's next event and of touchpoint t
        t: pl.when(pl.col("next_touchpoint") == t).then(pl.col("_r") + 1)
        if order == "strict"
        else _next_at(tp == t)
        for t in later
    }
    df = _events(
        frame,
        journey,
        [*steps, *(t for gap in gaps for t in gap)],
        with_next=order == "strict" or with_next,
        _first=tp == steps[0],
        **{f"_lim_{i}": _next_at(tp.is_in(list(gap))) for i, gap in enumerate(gaps)},
        **{f"_to_{i}": to[t] for i, t in enumerate(later)},
    )
    time = df["epoch_us"]
    start = df.select(pl.arg_where(pl.col("_first"))).to_series()
    start_us, end = time.gather(start), df["_end"].gather(start)
    cur, last, times = start, start, {"at_1": start_us}
    for k in range(1, len(steps)):
        to_k = df[f"_to_{later.index(steps[k])}"]
        # In sequential order a step repeating the previous touchpoint needs a strictly later event.
        repeat = order == "sequential" and steps[k] == steps[k - 1]
        cand = (to_k.shift(-1) if repeat else to_k).gather(cur)
        ok = (cand <= end) & (time.gather(cand) - start_us <= window_us)
        if excluded[k]:
            # The next excluded event after the previous step's event must come after cand.
            limit = df[f"_lim_{gaps.index(tuple(excluded[k]))}"].gather(cur)
            ok = ok & (limit.is_null() | (cand < limit))
        cur = pl.select(pl.when(ok.fill_null(False)).then(cand)).to_series()
        last = cur.fill_null(last)
        times[f"at_{k + 1}"] = time.gather(cur)
    attempts = pl.DataFrame({"_start": start, "start_us": start_us, **times}).with_columns(
        level=pl.sum_horizontal([pl.col(c).is_not_null() for c in times]).cast(pl.Int64)
    )
    if with_next:
        attempts = attempts.with_columns(after_last=df["next_touchpoint"].gather(last))
    return _best(frame, df, attempts, keys, journey, len(steps), every_attempt, with_next)


def polars_any_order_levels(
    frame: nw.LazyFrame[pl.LazyFrame],
    keys: list[str],
    steps: list[str],
    *,
    window_us: int,
    exclude: Sequence[str],
    journey: str,
    every_attempt: bool = False,
    with_next: bool = False,
) -> nw.LazyFrame[Any]:
    """Polars fast path of :func:`cxlib.funnel_levels` for ``order="any"`` (distinct ``steps``).

    Arguments as :func:`polars_funnel_levels`; ``exclude`` applies to the whole funnel.
    Every event of a step starts an attempt; from it, the next event of each step is a
    backward fill over the whole frame checked against the attempt's journey, where
    the portable path fills within windows over each journey. Each attempt's level is
    one lazy query over those rows; the times (and what came next) are then taken for
    each journey's best attempt only (10M events, 4 steps, with what came next as the
    Funnels page asks: 1.8 -> 1.0 CPU-s, where each step was an eager pass over every
    attempt).
    """
    tp = pl.col("touchpoint")
    index: pl.Expr = pl.when(tp == steps[0]).then(1)
    for j, s in enumerate(steps[1:], 2):
        index = pl.when(tp == s).then(j).otherwise(index)
    df = _events(
        frame,
        journey,
        [*steps, *exclude],
        with_next=with_next,
        _index=index,
        _limit=_next_at(tp.is_in(list(exclude))) if exclude else pl.lit(None, ROW),
        **{f"_to_{j}": _next_at(tp == s) for j, s in enumerate(steps, 1)},
    )
    time, limit = pl.col("epoch_us"), pl.col("_limit")
    reach = [pl.col(f"_to_{j}") for j in range(1, len(steps) + 1)]
    # ok_j: step j has an event after the start, in its journey, within the window, before
    # any exclusion; steps 1..k all ok and the start one of them: level k.
    prefix, ok = [], pl.lit(True)
    for p in reach:
        in_time = time.gather(p) - time <= window_us
        ok = ok & (p <= pl.col("_end")) & in_time & (limit.is_null() | (p < limit))
        prefix.append(ok.fill_null(False))
    level: pl.Expr = pl.lit(0, pl.Int64)
    for k in range(1, len(steps) + 1):
        level = pl.when(prefix[k - 1] & (pl.col("_index") <= k)).then(k).otherwise(level)
    starts = (
        df.lazy()
        .select(journey, _start=pl.int_range(pl.len(), dtype=pl.Int64), level=level.cast(pl.Int64))
        .filter(pl.col("level") >= 1)
    )
    if not every_attempt:
        starts = _best_of(starts, journey, "_start")
    # at_k: when steps 1..k were all done, the latest of their events; after_last: what
    # followed the latest reached event.
    chosen = starts.select("_start", "level").collect()
    picked, reached = df[chosen["_start"]], pl.col("level")
    at = [df["epoch_us"].gather(picked[f"_to_{j}"]) for j in range(1, len(steps) + 1)]
    attempts = chosen.select("_start", "level", start_us=picked["epoch_us"]).with_columns(
        pl.when(reached >= k).then(pl.max_horizontal(at[:k])).alias(f"at_{k}")
        for k in range(1, len(steps) + 1)
    )
    if with_next:
        latest = pl.max_horizontal(
            pl.when(reached >= j).then(picked[f"_to_{j}"]) for j in range(1, len(steps) + 1)
        )
        last = attempts.select(latest).to_series()
        attempts = attempts.with_columns(after_last=df["next_touchpoint"].gather(last))
    return _named(frame, df, attempts, keys, len(steps), with_next)


def _next_at(cond: pl.Expr) -> pl.Expr:
    """The first row at or after this one where ``cond`` holds (maybe in a later journey)."""
    return pl.when(cond).then(pl.col("_r")).backward_fill()


def _events(
    frame: nw.LazyFrame[pl.LazyFrame],
    journey: str,
    relevant: list[str],
    *,
    with_next: bool,
    **columns: pl.Expr,
) -> pl.DataFrame:
    """The journeys' events of the ``relevant`` touchpoints, numbered ``_r``, with ``columns``.

    ``_end`` is the row of the journey's last such event; ``_src`` each event's row in
    ``frame``, where :func:`_named` finds the journey keys and the timestamp of the few
    events it names (carried along for every such event, they took 620 MB over the
    journeys at the 4-step funnel's peak at 10M events, 410 MB without). Run by Polars' in-memory
    engine: the streaming default took 1.0 CPU-s for a 4-step funnel at 10M events,
    this 0.6-0.8 (strict order 0.8 -> 0.55, any order 2.0-3.7 -> 1.3-2.6).
    """
    ends = (pl.col(journey) != pl.col(journey).shift(-1)).fill_null(True)
    nxt = ["next_touchpoint"] if with_next else []
    return (
        frame.to_native()
        .with_columns(_src=pl.int_range(pl.len(), dtype=ROW))
        .filter(pl.col("touchpoint").is_in(relevant))
        .select(journey, "touchpoint", "epoch_us", "_src", *nxt)
        .with_columns(_r=pl.int_range(pl.len(), dtype=ROW))
        .with_columns(_end=pl.when(ends).then(pl.col("_r")).backward_fill(), **columns)
        .collect(engine="in-memory")
    )


def _best(
    frame: nw.LazyFrame[pl.LazyFrame],
    df: pl.DataFrame,
    attempts: pl.DataFrame,
    keys: list[str],
    journey: str,
    n: int,
    every_attempt: bool,
    with_next: bool,
) -> nw.LazyFrame[Any]:
    """The levels frame of ``attempts`` (``_start``: their first event's row of ``df``).

    Of each journey's attempts, the earliest of those reaching the furthest level
    (every attempt with ``every_attempt``).
    """
    if not every_attempt:
        picked = _best_of(
            attempts.select(
                _j=df[journey].gather(attempts["_start"]).set_sorted(), level="level"
            ).with_row_index("_i"),
            "_j",
            "_i",
        )
        attempts = attempts[picked["_i"]]
    return _named(frame, df, attempts, keys, n, with_next)


def _best_of(attempts: Frame, journey: str, row: str) -> Frame:
    """``row`` and ``level`` of each journey's best attempt: the highest level, then the lowest ``row``.

    The journeys are runs of sorted numbers, so grouping slices them (10M events:
    0.13 CPU-s, where a window over them took 0.3).
    """
    score = pl.col("level") * (1 << 40) - pl.col(row)
    return attempts.group_by(journey, maintain_order=True).agg(
        pl.col(row).get(score.arg_max()), pl.col("level").max()
    )


def _named(
    frame: nw.LazyFrame[pl.LazyFrame],
    df: pl.DataFrame,
    attempts: pl.DataFrame,
    keys: list[str],
    n: int,
    with_next: bool,
) -> nw.LazyFrame[Any]:
    """The levels frame of ``attempts``: their journey ``keys`` and first event's time from ``frame``.

    ``frame``'s columns as they are in memory (no copies: its rows are in journey order),
    at the rows of ``df`` (``_src``) where the attempts start.
    """
    named = frame.to_native().select(*keys, start_timestamp="timestamp").collect(engine="in-memory")
    named = named[df["_src"].gather(attempts["_start"])]
    best = pl.concat([named, attempts], how="horizontal")
    at = [pl.col(f"at_{k}").cast(pl.Int64) for k in range(1, n + 1)]
    extra = ["after_last"] if with_next else []
    return nw.from_native(
        best.select(*keys, "level", "start_us", "start_timestamp", *at, *extra).lazy()
    )

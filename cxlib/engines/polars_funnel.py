"""The Polars fast paths of funnels: one pass over journeys already in order.

A funnel in sequential or strict order is walked in two parts. The **walk**
(:func:`polars_funnel_walk`) follows every attempt as far as it goes with no window:
the path an attempt takes does not depend on the window, only where it stops does
(the times of its steps only grow). The **window** (:func:`polars_walk_levels`) then
stops each attempt at its first step past the window and keeps each journey's best
attempt: a change of the window alone redoes that part only (10M events, 4 steps: the
walk and window 0.5-0.9 CPU-s, the window alone 0.25-0.5). A funnel in any order
finds, from every event of a step or an exclusion, the next event of each step
(:func:`polars_any_order_events`, kept likewise), then the levels under the window
(:func:`polars_any_order_levels`): an attempt's times are taken for each journey's best
attempt only (first computation 0.65-1.05 CPU-s, where a walk of every attempt's times
and the window took 1.2-1.35). A window change then reads the levels only: 10M
events, 4 steps, the funnel and what dropped journeys did next 0.33-0.38 s wall
(0.53-0.61 CPU-s) instead of 0.46-0.48 s (0.71-0.76), one process, 2026-12-05.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import narwhals as nw
import numpy as np
import polars as pl

from cxlib.engines.polars_journeys import run_starts

__all__ = [
    "polars_any_order_events",
    "polars_any_order_levels",
    "polars_funnel_walk",
    "polars_walk_continued",
    "polars_walk_levels",
    "polars_walk_reached",
]

#: Row numbers and every position derived from them (``_r``, ``_end``, the next events,
#: the attempts' steps): Polars' own index type, 32 bits where Int64 took twice the
#: memory (100M events, the four core analyses: peak 10,884 -> 9,638 MiB, the funnel's).
ROW = pl.get_index_type()


def polars_funnel_walk(
    frame: nw.LazyFrame[pl.LazyFrame],
    steps: list[str],
    *,
    excluded: Sequence[Sequence[str]],
    journey: str,
    order: Literal["sequential", "strict"] = "sequential",
) -> pl.DataFrame:
    """The walk of :func:`cxlib.funnel_levels` for ``order="sequential"`` and ``"strict"``, no window.

    ``frame`` is a Polars journey table with its rows in journey order
    (:func:`cxlib.journeys.journey_table` with ``ordered=True``); ``journey`` names its
    column numbering the journeys; ``excluded[k]`` the touchpoints excluded on the way
    to step k+1. One row per attempt (every event of step 1), in the frame's order:
    ``_start`` (the row in ``frame`` of its first event), ``journey``, ``start_us``,
    ``at_1`` ... ``at_<n>`` (``epoch_us`` of the step's event, null beyond the last step
    reached) and ``_src_1`` ... ``_src_<n>`` (the event's row in ``frame``). The
    portable path spends most of its time in window functions grouped by a journey key
    and in joins; here every "next event of touchpoint t" is a backward fill over the
    whole frame (in strict order: the next row, when the journey's next event is t),
    checked against the attempt's journey, and attempts walk by ``gather``. Tests check
    it against the portable path and a brute force.
    """
    tp = pl.col("touchpoint")
    later = sorted(set(steps[1:]))
    gaps = sorted({tuple(gap) for gap in excluded if gap})
    to: dict[str, pl.Expr] = {
        # strict: the next row, when it is the journey's next event and of touchpoint t
        t: pl.when(_next_event() & (tp.shift(-1) == t)).then(pl.col("_r") + 1)
        if order == "strict"
        else _next_at(tp == t)
        for t in later
    }
    df = _events(
        frame,
        journey,
        [*steps, *(t for gap in gaps for t in gap)],
        _first=tp == steps[0],
        **{f"_lim_{i}": _next_at(tp.is_in(list(gap))) for i, gap in enumerate(gaps)},
        **{f"_to_{i}": to[t] for i, t in enumerate(later)},
    )
    time = df["epoch_us"]
    start = df.filter(pl.col("_first"))["_r"]
    start_us, end = time.gather(start), df["_end"].gather(start)
    cur, rows = start, [start]
    for k in range(1, len(steps)):
        to_k = df[f"_to_{later.index(steps[k])}"]
        # In sequential order a step repeating the previous touchpoint needs a strictly later event.
        repeat = order == "sequential" and steps[k] == steps[k - 1]
        cand = (to_k.shift(-1) if repeat else to_k).gather(cur)
        ok = cand <= end
        if excluded[k]:
            # The next excluded event after the previous step's event must come after cand.
            limit = df[f"_lim_{gaps.index(tuple(excluded[k]))}"].gather(cur)
            ok = ok & (limit.is_null() | (cand < limit))
        cur = pl.select(pl.when(ok.fill_null(False)).then(cand)).to_series()
        rows.append(cur)
    return pl.DataFrame(
        {
            "_start": df["_src"].gather(start),
            journey: df[journey].gather(start).set_sorted(),
            "start_us": start_us,
            **{f"at_{k}": time.gather(r) for k, r in enumerate(rows, 1)},
            **{f"_src_{k}": df["_src"].gather(r) for k, r in enumerate(rows, 1)},
        }
    )


def polars_walk_continued(
    walk: pl.DataFrame,
    frame: nw.LazyFrame[pl.LazyFrame],
    steps: list[str],
    *,
    shared: int,
    journey: str,
    order: Literal["sequential", "strict"] = "sequential",
) -> pl.DataFrame:
    """:func:`polars_funnel_walk` of ``steps`` from the ``walk`` of a funnel whose first ``shared`` steps are theirs.

    Both funnels exclude nothing and are walked on the journey table ``frame`` in the
    same ``order``. An attempt goes from step to step whatever comes after, so the walk
    of a funnel's first steps is the start of its own walk: the shared steps are kept,
    and the others walked from the event of the step before. The next event of the
    step's touchpoint is a backward fill over the frame (in strict order the next row),
    checked against the attempt's journey. With exclusions, each gap's limit depends on
    the steps around it: walk anew.

    Examples
    --------
    >>> frame = nw.from_native(pl.LazyFrame({"j": [1, 1, 1, 2], "epoch_us": [0, 1, 2, 3],
    ...     "touchpoint": ["a", "b", "c", "c"]}))
    >>> walk = polars_funnel_walk(frame, ["a", "b"], excluded=[(), ()], journey="j")
    >>> polars_walk_continued(walk, frame, ["a", "b", "c"], shared=2, journey="j")["_src_3"].to_list()
    [2]
    >>> polars_walk_continued(walk, frame, ["a", "c"], shared=1, journey="j")["_src_2"].to_list()
    [2]
    >>> polars_walk_continued(walk, frame, ["a"], shared=1, journey="j").columns
    ['_start', 'j', 'start_us', 'at_1', '_src_1']
    """
    n, total = sum(c.startswith("at_") for c in walk.columns), len(steps)
    walk = walk.drop(
        f"{c}_{k}" for k in range(min(shared, total) + 1, n + 1) for c in ("at", "_src")
    )
    if total <= shared:
        return walk
    table = frame.to_native().select(journey, "touchpoint", "epoch_us").collect(engine="in-memory")
    table = table.rechunk()  # gathers from one chunk
    time, attempt = table["epoch_us"], walk[journey]
    row = pl.int_range(pl.len(), dtype=ROW)
    cur, added = walk[f"_src_{shared}"], {}
    for k in range(shared + 1, total + 1):
        hit = pl.col("touchpoint") == steps[k - 1]
        if order == "strict":  # the next row, when it is the step's
            nxt = pl.select(pl.when(cur + 1 < table.height).then(cur + 1)).to_series()
            hits = table.select(hit).to_series().gather(nxt)
            cand = pl.select(pl.when(hits).then(nxt)).to_series()
        else:  # the first row after this one that is the step's
            nxt = table.select(pl.when(hit).then(row).backward_fill().shift(-1)).to_series()
            cand = nxt.gather(cur)
        same = table[journey].gather(cand) == attempt
        cur = pl.select(pl.when(same.fill_null(False)).then(cand).cast(ROW)).to_series()
        added[f"at_{k}"], added[f"_src_{k}"] = time.gather(cur), cur
    steps_at = [f"at_{k}" for k in range(1, total + 1)]
    rows_at = [f"_src_{k}" for k in range(1, total + 1)]
    return walk.with_columns(**added).select("_start", journey, "start_us", *steps_at, *rows_at)


def polars_any_order_events(
    frame: nw.LazyFrame[pl.LazyFrame],
    steps: list[str],
    *,
    exclude: Sequence[str],
    journey: str,
) -> pl.DataFrame:
    """The events of a funnel in any order (distinct ``steps``), for :func:`polars_any_order_levels`.

    ``frame`` is a Polars journey table in journey order, ``journey`` names its column
    numbering the journeys; ``exclude`` applies to the whole funnel. One row per event of
    a step or an exclusion, in the frame's order: ``_index`` (which step it is, null for
    an exclusion), ``_limit`` (the row of the next excluded event) and ``_to_1`` ...
    ``_to_<n>`` (the row of the next event of each step, maybe in a later journey),
    each a backward fill over the whole frame where the portable path fills within
    windows over each journey. None of it depends on the window: kept, a new window
    only reads the levels off it again.
    """
    tp = pl.col("touchpoint")
    index: pl.Expr = pl.when(tp == steps[0]).then(1)
    for j, s in enumerate(steps[1:], 2):
        index = pl.when(tp == s).then(j).otherwise(index)
    return _events(
        frame,
        journey,
        [*steps, *exclude],
        _index=index,
        _limit=_next_at(tp.is_in(list(exclude))) if exclude else pl.lit(None, ROW),
        **{f"_to_{j}": _next_at(tp == s) for j, s in enumerate(steps, 1)},
    )


def polars_any_order_levels(
    events: pl.DataFrame,
    frame: nw.LazyFrame[pl.LazyFrame],
    keys: list[str],
    *,
    window_us: int,
    journey: str,
    every_attempt: bool = False,
    with_next: bool = False,
) -> nw.LazyFrame[Any]:
    """Polars fast path of :func:`cxlib.funnel_levels` for ``order="any"``.

    ``events`` are :func:`polars_any_order_events`' on the journey table ``frame``;
    other arguments and the result as :func:`polars_walk_levels`. Every event of a step
    starts an attempt; each attempt's level is one lazy query over ``events``; the
    times (and what came next) are then taken for each journey's best attempt only
    (10M events, 4 steps, with what came next as the Funnels page asks: 1.8 -> 1.0
    CPU-s, where each step was an eager pass over every attempt).
    """
    n = sum(c.startswith("_to_") for c in events.columns)
    time, limit = pl.col("epoch_us"), pl.col("_limit")
    # ok_j: step j has an event after the start, in its journey, within the window, before
    # any exclusion; steps 1..k all ok and the start one of them: level k. Each ok_j is a
    # column computed once: nested in every level's condition, Polars computed each
    # step's gather again for each level (10M events, 4 steps: 0.17 s, 0.08 s so).
    oks = {}
    for j in range(1, n + 1):
        p = pl.col(f"_to_{j}")
        in_time = time.gather(p) - time <= window_us
        ok = (p <= pl.col("_end")) & in_time & (limit.is_null() | (p < limit))
        oks[f"_ok_{j}"] = ok.fill_null(False)
    level: pl.Expr = pl.lit(0, pl.Int64)
    prefix: pl.Expr = pl.lit(True)
    for k in range(1, n + 1):
        prefix = prefix & pl.col(f"_ok_{k}")
        level = pl.when(prefix & (pl.col("_index") <= k)).then(k).otherwise(level)
    starts = (
        events.lazy()
        .with_columns(**oks)
        .select(journey, "_r", level=level.cast(pl.Int64))
        .filter(pl.col("level") >= 1)
        .collect()
    )
    chosen = (starts if every_attempt else _best_of(starts, journey, "_r")).select("_r", "level")
    picked = events[chosen["_r"]]
    # at_k: when steps 1..k were all done, the latest of their events; _last: the latest
    # reached event.
    at = [events["epoch_us"].gather(picked[f"_to_{j}"]) for j in range(1, n + 1)]
    attempts = chosen.select(
        "level",
        _start=picked["_src"],
        start_us=picked["epoch_us"],
        **{f"at_{k}": pl.max_horizontal(at[:k]) for k in range(1, n + 1)},
    )
    if with_next:
        latest = pl.max_horizontal(
            pl.when(pl.col("level") >= j).then(picked[f"_to_{j}"]) for j in range(1, n + 1)
        )
        attempts = attempts.with_columns(
            _last=events["_src"].gather(chosen.select(latest).to_series())
        )
    return _named(frame, attempts, keys, journey, n, with_next)


def polars_walk_levels(
    walk: pl.DataFrame,
    frame: nw.LazyFrame[pl.LazyFrame],
    keys: list[str],
    *,
    window_us: int,
    journey: str,
    every_attempt: bool = False,
    with_next: bool = False,
) -> nw.LazyFrame[Any]:
    """:func:`cxlib.funnel_levels` of a ``walk`` under a window (Polars fast path).

    ``walk`` is :func:`polars_funnel_walk`'s on the journey table ``frame``. An attempt
    reaches the steps it reached without a window up to the first done more than
    ``window_us`` after its start. Of each journey's attempts, the one reaching the
    highest level; among those, the earliest (every attempt with ``every_attempt``).
    Same result, same columns as the portable path (``after_last``, as a category, with
    ``with_next``).
    """
    n = sum(c.startswith("at_") for c in walk.columns)
    attempts = walk.with_columns(level=_level(n, window_us))
    if not every_attempt:
        picked = _best_of(attempts.select(journey, "level").with_row_index("_i"), journey, "_i")
        attempts = attempts[picked["_i"]]
    if with_next:
        last = pl.coalesce(
            pl.when(pl.col("level") == k).then(pl.col(f"_src_{k}")) for k in range(1, n + 1)
        )
        attempts = attempts.with_columns(_last=last)
    return _named(frame, attempts, keys, journey, n, with_next)


def polars_walk_reached(walk: pl.DataFrame, *, window_us: int, journey: str) -> pl.DataFrame:
    """Each journey's level in a ``walk`` under a window: ``journey`` and ``level``, in journey order.

    The level of :func:`polars_walk_levels` (its best attempt's) and nothing else: no
    attempt is picked, no key or time gathered, for an analysis that only counts
    journeys by level (:func:`cxlib.compare_segments`; 10M events, 4 steps: 0.02 s,
    where the levels with their customers took 0.35 CPU-s).

    Examples
    --------
    >>> walk = pl.DataFrame({"j": [1, 1, 2], "start_us": [0, 5, 0],
    ...     "at_1": [0, 5, 0], "at_2": [9, 7, None]})
    >>> polars_walk_reached(walk, window_us=3, journey="j").rows()
    [(1, 2), (2, 1)]
    """
    n = sum(c.startswith("at_") for c in walk.columns)
    levels = walk.select(_level(n, window_us)).to_series().to_numpy()
    # Each journey's attempts are a run: the maximum of each run at once (10M events, 2.9M
    # attempts: 0.02 s, where a group_by took 0.07 s).
    starts = run_starts(walk[journey])
    best = np.maximum.reduceat(levels, starts) if starts.size else levels
    return pl.DataFrame({journey: walk[journey].gather(starts), "level": best})


def _level(n: int, window_us: int) -> pl.Expr:
    """The level of an attempt of a walk of ``n`` steps under a window: its steps reached within it."""
    within = [
        pl.col(f"at_{k}").is_not_null() & (pl.col(f"at_{k}") - pl.col("start_us") <= window_us)
        for k in range(1, n + 1)
    ]
    # Step 1 is the attempt's start, always within the window: every attempt counts.
    return pl.sum_horizontal(within).cast(pl.Int64)


def _next_at(cond: pl.Expr) -> pl.Expr:
    """The first row at or after this one where ``cond`` holds (maybe in a later journey)."""
    return pl.when(cond).then(pl.col("_r")).backward_fill()


def _next_event() -> pl.Expr:
    """Whether the next row is the journey's next event (``_src``: rows of the journey table)."""
    return pl.col("_src").shift(-1) == pl.col("_src") + 1


def _events(
    frame: nw.LazyFrame[pl.LazyFrame], journey: str, relevant: list[str], **columns: pl.Expr
) -> pl.DataFrame:
    """The journeys' events of the ``relevant`` touchpoints, numbered ``_r``, with ``columns``.

    ``_src`` is the event's row in ``frame`` (the journey table), ``_end`` the row of
    the journey's last such event. Only numbers and the touchpoint: the journey keys and
    timestamps of the attempts that count are read from ``frame`` at the end (carried
    along for every such event, they took 620 MB over the journeys at the 4-step
    funnel's peak at 10M events, 410 MB without). Run by Polars' in-memory engine: the
    streaming default took 1.0 CPU-s for a 4-step funnel at 10M events, this 0.6-0.8
    (strict order 0.8 -> 0.55, any order 2.0-3.7 -> 1.3-2.6).
    """
    ends = (pl.col(journey) != pl.col(journey).shift(-1)).fill_null(True)
    return (
        frame.to_native()
        .select(journey, "touchpoint", "epoch_us")
        .with_row_index("_src")
        .filter(pl.col("touchpoint").is_in(relevant))
        .with_columns(_r=pl.int_range(pl.len(), dtype=ROW))
        .with_columns(_end=pl.when(ends).then(pl.col("_r")).backward_fill(), **columns)
        .collect(engine="in-memory")
        .rechunk()  # gathers from one chunk
    )


def _best_of(attempts: pl.DataFrame, journey: str, row: str) -> pl.DataFrame:
    """``row`` and ``level`` of each journey's best attempt: the highest level, then the lowest ``row``.

    Both in one integer per attempt, ``level * 2**40 + (2**40 - 1 - row)``, whose largest
    in each journey is the best attempt: one maximum per journey. The attempts come in
    journey order, each journey's a run: NumPy takes the maximum of each run at once
    (10M events, 2.9M attempts: 0.05 s, where a group_by took 0.16 s and the row of the
    largest of ``level * 2**40 - row`` 0.10-0.12 s more).

    Examples
    --------
    >>> attempts = pl.DataFrame({"j": [1, 1, 1, 2], "_r": [4, 5, 6, 7], "level": [1, 2, 2, 1]})
    >>> _best_of(attempts, "j", "_r").rows()
    [(1, 5, 2), (2, 7, 1)]
    >>> _best_of(attempts.clear(), "j", "_r").rows()
    []
    """
    low = (1 << 40) - 1
    score = pl.col("level").cast(pl.Int64) * (1 << 40) + (low - pl.col(row).cast(pl.Int64))
    starts = run_starts(attempts[journey])
    scores = attempts.select(score).to_series().to_numpy()
    maxima = np.maximum.reduceat(scores, starts) if len(scores) else scores
    best = pl.Series("_score", maxima, dtype=pl.Int64)
    return pl.DataFrame({journey: attempts[journey].gather(starts)}).with_columns(
        (low - (best % (1 << 40))).cast(ROW).alias(row),
        level=(best // (1 << 40)).cast(pl.Int64),
    )


def _named(
    frame: nw.LazyFrame[pl.LazyFrame],
    attempts: pl.DataFrame,
    keys: list[str],
    journey: str,
    n: int,
    with_next: bool,
) -> nw.LazyFrame[Any]:
    """The levels frame of ``attempts``, with their journey ``keys`` and first event's time.

    ``attempts`` has ``_start`` (the row in the journey table ``frame`` of the attempt's
    first event), ``level``, ``start_us``, ``at_1`` ... ``at_<n>`` (kept up to ``level``)
    and, with ``with_next``, ``_last`` (the row of its latest reached event).
    """
    columns = [*dict.fromkeys([*keys, journey]), "timestamp", "touchpoint"]
    table = frame.to_native().select(columns).collect(engine="in-memory")
    named = table.select(*keys, start_timestamp="timestamp")[attempts["_start"]]
    best = pl.concat([named, attempts], how="horizontal")
    at = [pl.when(pl.col("level") >= k).then(pl.col(f"at_{k}")) for k in range(1, n + 1)]
    extra: dict[str, pl.Expr] = {}
    if with_next:
        last = attempts["_last"]
        # The journey's next event: the table's next row, when of the same journey.
        after = (last + 1).clip(upper_bound=max(table.height - 1, 0))
        same = (after > last) & (table[journey].gather(after) == table[journey].gather(last))
        extra["after_last"] = pl.when(pl.lit(same)).then(pl.lit(table["touchpoint"].gather(after)))
    return nw.from_native(
        best.select(
            *keys,
            "level",
            "start_us",
            "start_timestamp",
            *(a.cast(pl.Int64).alias(f"at_{k}") for k, a in enumerate(at, 1)),
            **extra,
        ).lazy()
    )

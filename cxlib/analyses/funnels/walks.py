"""The portable funnel walks: each attempt from step to step with window functions and joins.

The engines that do not keep journeys in order (DuckDB, Spark; Polars on a table not
kept in order) walk a funnel here (:func:`in_order`, :func:`any_order`), on the
funnel's relevant events with their positions in the journey; what a funnel, an
attempt and a level are is in :mod:`cxlib.analyses.funnels.attempts`. Journeys kept in
order walk faster in :mod:`cxlib.engines.polars_funnel`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import narwhals as nw

from cxlib.analyses.funnels.steps import FunnelDefinition
from cxlib.engines import shared

__all__ = ["Funnel", "any_order", "in_order"]


class Funnel(NamedTuple):
    """A checked funnel and how to walk it."""

    definition: FunnelDefinition
    window_us: int
    order: str
    every_attempt: bool
    with_next: bool

    @property
    def steps(self) -> list[str]:
        """The steps' labels, in order."""
        return list(self.definition.labels)

    def excluded(self) -> tuple[tuple[str, ...], ...]:
        """The touchpoints excluded on the way to each step (none in strict order)."""
        if self.order == "strict":
            return tuple(() for _ in self.steps)
        return self.definition.excluded


def _next_excluded(
    frame: nw.LazyFrame[Any], keys: list[str], excluded: tuple[tuple[str, ...], ...]
) -> tuple[nw.LazyFrame[Any], list[nw.Expr]]:
    """Per step, the position of the next event excluded on the way to it, at or after each row.

    Adds a column per distinct set of excluded touchpoints and returns, for each step
    (1-based order, step 1 first), the expression reading it (a null literal where
    nothing is excluded). Read on the row of the previous step's event (never an
    excluded one), it is the next excluded event strictly after that event.
    """
    sets = sorted({gap for gap in excluded if gap})
    columns = {gap: f"_lim_{i}" for i, gap in enumerate(sets)}
    if sets:
        frame = frame.with_columns(
            **{
                name: nw.when(nw.col("touchpoint").is_in(list(gap)))
                .then(nw.col("_pos"))
                .fill_null(strategy="backward")
                .over(*keys, order_by="_pos")
                for gap, name in columns.items()
            }
        )
    return frame, [nw.col(columns[gap]) if gap else nw.lit(None, nw.Int64) for gap in excluded]


def _before(position: nw.Expr, limit: str) -> nw.Expr:
    return nw.col(limit).is_null() | (position < nw.col(limit))


def in_order(base: nw.LazyFrame[Any], keys: list[str], funnel: Funnel) -> nw.LazyFrame[Any]:
    """Sequential and strict order: walk every attempt from step to step with joins."""
    tp = nw.col("touchpoint")
    steps, order, with_next = funnel.steps, funnel.order, funnel.with_next
    n = len(steps)
    later = sorted(set(steps[1:]))
    # _to_i: on each row, the position of the next event of touchpoint later[i] at or
    # after it (strict order: right after it). From a row of step k-1 that is the
    # candidate for step k, unless step k repeats step k-1's touchpoint: then the
    # candidate is strictly after (_again_i, the value of the next row).
    name = {t: f"_to_{i}" for i, t in enumerate(later)}
    again = {
        t: f"_again_{i}"
        for i, t in enumerate(later)
        if order == "sequential" and any(steps[k] == steps[k - 1] == t for k in range(1, n))
    }
    if not name:
        frame = base  # a one-step funnel: nothing to walk to
    elif order == "strict":
        frame = base.with_columns(
            **{c: nw.when(nw.col("_next") == t).then(nw.col("_pos") + 1) for t, c in name.items()}
        )
    else:
        frame = base.with_columns(
            **{
                c: nw.when(tp == t)
                .then(nw.col("_pos"))
                .fill_null(strategy="backward")
                .over(*keys, order_by="_pos")
                for t, c in name.items()
            }
        )
    if again:
        frame = frame.with_columns(
            **{c: nw.col(name[t]).shift(-1).over(*keys, order_by="_pos") for t, c in again.items()}
        )

    def pointer(k: int) -> nw.Expr:
        """The column leading from a row of step ``k`` (1-based) to the candidate for k+1."""
        t = steps[k]
        return nw.col(again[t] if steps[k - 1] == t and t in again else name[t])

    frame, limits = _next_excluded(frame, keys, funnel.excluded())
    frame = shared(frame)
    # _limit: the next event excluded on the way to the next step, read on this step's row.
    nxt = [nw.col("_next").alias("_after_1")] if with_next else []
    attempts = frame.filter(tp == steps[0]).select(
        *keys,
        *nxt,
        _start_pos=nw.col("_pos"),
        start_us=nw.col("epoch_us"),
        start_timestamp=nw.col("timestamp"),
        at_1=nw.col("epoch_us"),
        _cur=pointer(1) if n > 1 else nw.lit(None, nw.Int64),
        _limit=limits[1] if n > 1 else nw.lit(None, nw.Int64),
    )
    for k in range(2, n + 1):
        follow = {"_ptr": pointer(k), "_next_limit": limits[k]} if k < n else {}
        right = frame.filter(tp == steps[k - 1]).select(
            *keys,
            *([nw.col("_next").alias(f"_after_{k}")] if with_next else []),
            _cur=nw.col("_pos"),
            _t=nw.col("epoch_us"),
            **follow,
        )
        ok = (
            ~nw.col("_t").is_null()
            & (nw.col("_t") - nw.col("start_us") <= funnel.window_us)
            & _before(nw.col("_cur"), "_limit")
        )
        moved = (
            {"_cur": nw.when(ok).then(nw.col("_ptr")), "_limit": nw.col("_next_limit")}
            if k < n
            else {"_cur": nw.lit(None, nw.Int64)}
        )
        attempts = attempts.join(right, on=[*keys, "_cur"], how="left").with_columns(
            **{f"at_{k}": nw.when(ok).then(nw.col("_t"))}, **moved
        )
        attempts = attempts.drop("_t", *follow)
    reached = [(~nw.col(f"at_{k}").is_null()).cast(nw.Int64) for k in range(2, n + 1)]
    attempts = attempts.with_columns(level=sum(reached, nw.lit(1, nw.Int64)))
    if with_next:
        after = nw.when(nw.col("level") == 1).then(nw.col("_after_1"))
        for k in range(2, n + 1):
            after = after.when(nw.col("level") == k).then(nw.col(f"_after_{k}"))
        attempts = attempts.with_columns(after_last=after)
    return _best_attempt(attempts, keys, funnel)


def any_order(base: nw.LazyFrame[Any], keys: list[str], funnel: Funnel) -> nw.LazyFrame[Any]:
    """Any order: from each step event, the next event of every step; no joins needed."""
    tp = nw.col("touchpoint")
    steps, with_next = funnel.steps, funnel.with_next
    n = len(steps)
    fields = {"p": "_pos", "t": "epoch_us", **({"n": "_next"} if with_next else {})}
    marks = {
        f"_{f}_{j}": nw.when(tp == s).then(nw.col(src))
        for j, s in enumerate(steps, 1)
        for f, src in fields.items()
    }
    frame = base.with_columns(
        **{
            c: m.fill_null(strategy="backward").over(*keys, order_by="_pos")
            for c, m in marks.items()
        }
    )
    # Exclusions apply to the whole funnel in any order (checked): one limit for all.
    whole = (tuple(funnel.definition.exclude),) if funnel.definition.exclude else ((),)
    frame, limits = _next_excluded(frame, keys, whole)
    frame = frame.with_columns(_limit=limits[0]).filter(tp.is_in(steps))
    index = nw.when(tp == steps[0]).then(1)
    for j, s in enumerate(steps[1:], 2):
        index = index.when(tp == s).then(j)
    # ok_j: step j has an event after the start, within the window, before any exclusion.
    ok = [
        ~nw.col(f"_t_{j}").is_null()
        & (nw.col(f"_t_{j}") - nw.col("epoch_us") <= funnel.window_us)
        & _before(nw.col(f"_p_{j}"), "_limit")
        for j in range(1, n + 1)
    ]
    prefix = [ok[0]]
    for cond in ok[1:]:
        prefix.append(prefix[-1] & cond)
    # The start must itself be one of the steps covered: steps 1..k with k >= its index.
    level = nw.when(prefix[n - 1]).then(n)
    for k in range(n - 1, 0, -1):
        level = level.when(prefix[k - 1] & (nw.col("_index") <= k)).then(k)
    attempts = (
        frame.with_columns(_index=index)
        .with_columns(level=level.otherwise(0).cast(nw.Int64))
        .filter(nw.col("level") >= 1)
        .rename({"_pos": "_start_pos", "epoch_us": "start_us", "timestamp": "start_timestamp"})
    )
    # at_k: when steps 1..k were all done; the last reached event is the latest of them.
    attempts = attempts.with_columns(at_1=nw.col("_t_1"), _last=nw.col("_p_1"))
    if with_next:
        attempts = attempts.with_columns(after_last=nw.col("_n_1"))
    for k in range(2, n + 1):
        later = nw.col(f"_p_{k}") > nw.col("_last")
        update = {
            f"at_{k}": nw.when(nw.col(f"_t_{k}") > nw.col(f"at_{k - 1}"))
            .then(nw.col(f"_t_{k}"))
            .otherwise(nw.col(f"at_{k - 1}")),
            "_last": nw.when(later).then(nw.col(f"_p_{k}")).otherwise(nw.col("_last")),
        }
        if with_next:
            update["after_last"] = (
                nw.when(later & (nw.col("level") >= k))
                .then(nw.col(f"_n_{k}"))
                .otherwise(nw.col("after_last"))
            )
        attempts = attempts.with_columns(**update)
    if n > 1:  # a one-step funnel has no later step to blank (and with_columns needs one)
        attempts = attempts.with_columns(
            **{
                f"at_{k}": nw.when(nw.col("level") >= k).then(nw.col(f"at_{k}"))
                for k in range(2, n + 1)
            }
        )
    return _best_attempt(attempts, keys, funnel)


def _best_attempt(
    attempts: nw.LazyFrame[Any], keys: list[str], funnel: Funnel
) -> nw.LazyFrame[Any]:
    """Keep, per journey, the earliest of the attempts that reach the furthest level.

    Every attempt is kept when the funnel counts attempts.
    """
    best = attempts
    if not funnel.every_attempt:
        # One window: the highest level first, then the lowest start position.
        score = nw.col("level") * (1 << 40) - nw.col("_start_pos")
        best = (
            attempts.with_columns(_score=score)
            .with_columns(_top=nw.col("_score").max().over(*keys))
            .filter(nw.col("_score") == nw.col("_top"))
        )
    extra = ["after_last"] if funnel.with_next else []
    times = [nw.col(f"at_{k}").cast(nw.Int64) for k in range(1, len(funnel.steps) + 1)]
    return best.select(*keys, "level", "start_us", "start_timestamp", *times, *extra)

"""The next-touchpoint model: a variable-order Markov chain over the last few touchpoints.

A journey is read as the sequence ``ENTRY t1 t2 ... tn EXIT``. The **context** of a
position is the run of tokens just before it (at most ``order`` of them, ENTRY
included), and the model counts, for every context seen in the log, which token came
next. To predict what follows a prefix it uses the **longest context with enough
support**: the last ``order`` tokens if that context was seen at least
``min_support`` times, else the last ``order - 1``, and so on down to the last
touchpoint alone (used whenever it was seen at all). A last touchpoint never seen in
training falls back to how often each token follows anything (order 0). The empty
prefix has the context ``(ENTRY,)``: its prediction is the first-touchpoint
distribution. EXIT is a possible next token: the journey ends there.

Counting runs on the log's engine (shifts within each journey, on Polars over the
journeys sorted in memory, and one ``group_by``); the count
table that comes back is small (one row per distinct run of ``order + 1`` tokens) and
the model lives in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import narwhals as nw
import polars as pl

from cxlib.errors import AnalysisError
from cxlib.journeys import journey_table
from cxlib.log import ENTRY, EXIT, ORDER, EventLog

__all__ = [
    "MAX_ORDER",
    "NextStepModel",
    "context_counts",
    "fit_next_step",
    "next_distribution",
    "prev_column",
]

#: The longest context the model accepts: longer ones are rarely seen often enough.
MAX_ORDER = 5


@dataclass(frozen=True)
class NextStepModel:
    """Counts of the next token after every context seen in training.

    ``counts`` maps a context (a tuple of tokens, the last one the current touchpoint
    or ENTRY; the empty tuple for order 0) to the next tokens and their counts, most
    frequent first. ``order`` is the longest context, ``min_support`` the number of
    times a context must have been seen for the model to trust it over a shorter one.
    """

    order: int
    min_support: int
    counts: dict[tuple[str, ...], tuple[tuple[str, int], ...]]

    @property
    def touchpoints(self) -> list[str]:
        """Every touchpoint seen in training, sorted."""
        return sorted({ctx[-1] for ctx in self.counts if ctx and ctx[-1] != ENTRY})


def prev_column(i: int) -> str:
    """The name of the column holding the touchpoint ``i`` events back (``prev_1`` ...)."""
    return f"prev_{i}"


def context_counts(log: EventLog, *, order: int) -> pl.DataFrame:
    """Count every run of ``order + 1`` tokens ending with one event's next token.

    Returns one row per distinct ``prev_{order-1} ... prev_1, touchpoint, next_touchpoint``
    with its ``count``; ``prev_i`` is ENTRY just before the journey's first event and
    null further back, ``next_touchpoint`` is EXIT after the last event. The columns
    ``prev_1`` is always present (it marks the first event of a journey).

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 2, "touchpoint": ["x", "y"]}))
    >>> context_counts(log, order=1).rows()
    [('(entry)', 'x', 'y', 1), ('x', 'y', '(exit)', 1)]
    """
    _check_order(order)
    back = range(max(order - 1, 1), 0, -1)
    journeys = journey_table(log)
    # Journeys sorted in memory need no window per journey: one shift over the rows in order.
    partition, order_by = (
        ([], [*journeys.keys, "step"]) if journeys.ordered else (journeys.keys, ORDER)
    )
    touchpoint = nw.col("touchpoint").cast(nw.String)
    steps = journeys.frame.with_columns(
        touchpoint,
        **{
            prev_column(i): nw.when(nw.col("step") == i)
            .then(nw.lit(ENTRY))
            .when(nw.col("step") > i)
            .then(touchpoint.shift(i).over(*partition, order_by=order_by))
            for i in back
        },
        next_touchpoint=nw.col("next_touchpoint").cast(nw.String).fill_null(EXIT),
    )
    keys = [*(prev_column(i) for i in back), "touchpoint", "next_touchpoint"]
    table: pl.DataFrame = (
        steps.group_by(keys)
        .agg(nw.len().cast(nw.Int64).alias("count"))
        .collect("polars")
        .to_native()
    )
    return table.sort(keys, nulls_last=False)


def fit_next_step(log: EventLog, *, order: int = 3, min_support: int = 10) -> NextStepModel:
    """Train the next-touchpoint model on every journey of the log.

    Parameters
    ----------
    log
        The event log; journeys are per customer.
    order
        The longest context, in tokens (ENTRY counts as one): 1 is a first-order
        Markov chain (the next touchpoint depends on the current one only).
    min_support
        How many times a longer context must have been seen to be used instead of a
        shorter one.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 3, "touchpoint": ["x", "y", "x"]}))
    >>> model = fit_next_step(log, order=2, min_support=1)
    >>> model.counts[("(entry)", "x")]
    (('(exit)', 1), ('y', 1))
    """
    if not isinstance(min_support, int) or min_support < 1:
        msg = f"min_support={min_support!r} is not a count; give a whole number of at least 1"
        raise AnalysisError(msg)
    table = context_counts(log, order=order)
    if table.is_empty():
        msg = "the log has no events to learn the next touchpoint from; check the filters"
        raise AnalysisError(msg)
    back = [prev_column(i) for i in range(max(order - 1, 1), 0, -1)]
    # The first touch: the token after ENTRY is the first event's touchpoint.
    first = (
        table.filter(pl.col(prev_column(1)) == ENTRY)
        .group_by("touchpoint")
        .agg(pl.col("count").sum())
        .select(pl.lit([ENTRY]).alias("context"), pl.col("touchpoint").alias("next"), "count")
    )
    parts = [first]
    tokens = [*back, "touchpoint"]
    for length in range(order + 1):
        cols = tokens[len(tokens) - length :]
        # Rows whose run is shorter than `length` (a null in front) have no such context.
        rows = (
            table.filter(pl.all_horizontal(pl.col(c).is_not_null() for c in cols))
            if cols
            else table
        )
        parts.append(
            rows.select(
                pl.concat_list([pl.col(c) for c in cols]).alias("context")
                if cols
                else pl.lit([], dtype=pl.List(pl.String)).alias("context"),
                pl.col("next_touchpoint").alias("next"),
                "count",
            )
        )
    merged = (
        pl.concat(parts)
        .group_by("context", "next")
        .agg(pl.col("count").sum())
        .sort(["context", "count", "next"], descending=[False, True, False])
    )
    counts: dict[tuple[str, ...], list[tuple[str, int]]] = {}
    for context, nxt, count in merged.iter_rows():
        counts.setdefault(tuple(context), []).append((nxt, count))
    return NextStepModel(
        order=order,
        min_support=min_support,
        counts={ctx: tuple(rows) for ctx, rows in counts.items()},
    )


def next_distribution(
    model: NextStepModel, prefix: Sequence[str], *, max_order: int | None = None
) -> tuple[tuple[str, ...], tuple[tuple[str, float], ...]]:
    """The context used for a prefix and its next tokens with probabilities, most likely first.

    ``max_order`` caps the context length below the model's order (1 gives the
    first-order Markov prediction from the same counts).

    Examples
    --------
    >>> model = NextStepModel(order=2, min_support=2, counts={
    ...     (): (("y", 3), ("(exit)", 1)), ("x",): (("y", 2), ("(exit)", 1)),
    ...     ("w", "x"): (("(exit)", 1),)})
    >>> next_distribution(model, ["w", "x"])  # (w, x) seen once: backs off to (x,)
    (('x',), (('y', 0.666...), ('(exit)', 0.333...)))
    >>> next_distribution(model, ["v"])[0]  # v never seen: order 0
    ()
    """
    tokens = [ENTRY, *_check_prefix(prefix)]
    order = model.order if max_order is None else min(max_order, model.order)
    for length in range(min(order, len(tokens)), 0, -1):
        context = tuple(tokens[-length:])
        rows = model.counts.get(context)
        if rows is None:
            continue
        total = sum(count for _, count in rows)
        if length == 1 or total >= model.min_support:
            return context, tuple((nxt, count / total) for nxt, count in rows)
    rows = model.counts[()]
    total = sum(count for _, count in rows)
    return (), tuple((nxt, count / total) for nxt, count in rows)


def _check_order(order: int) -> None:
    if not isinstance(order, int) or not 1 <= order <= MAX_ORDER:
        msg = f"order={order!r} is not a context length; give a whole number from 1 to {MAX_ORDER}"
        raise AnalysisError(msg)


def _check_prefix(prefix: Sequence[str]) -> list[str]:
    if isinstance(prefix, str):
        msg = (
            f"prefix={prefix!r} is one string; give a list of touchpoints such as ['visit', 'cart']"
        )
        raise AnalysisError(msg)
    tokens = list(prefix)
    bad = [t for t in tokens if not isinstance(t, str) or t in (ENTRY, EXIT)]
    if bad:
        msg = f"the prefix holds {bad[0]!r}, which is not a touchpoint; give touchpoint names only"
        raise AnalysisError(msg)
    return tokens

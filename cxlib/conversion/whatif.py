"""What-if on the journey graph: how many conversions a lower drop-off at one touchpoint would bring.

The journeys are read as an **absorbing Markov chain**: from each touchpoint (and
from the entry) a journey moves to the next touchpoint with the observed transition
probability (count of ``A -> B`` over all transitions out of ``A``); the goal and
EXIT are **absorbing** (a journey that reaches either is over). Solving
``(I - Q) B = R`` (``Q``: transient to transient, ``R``: transient to absorbing; the
solver of :class:`cxlib.conversion.markov.AbsorbingChain`) gives the probability
``B[entry, goal]`` that a journey starting now converts, and the expected
conversions are the number of journeys times it.

"Drop-off at X falls by N%" moves that share of the probability ``X -> EXIT`` to
X's other outgoing transitions, in proportion to their probabilities; the chain is
solved again and the two expected conversion counts compared.

The figure people see is X's **exit rate** (:data:`cxlib.rates.EXIT_RATE`: visits that
end the journey / visits, over the whole journeys), the one the journey graph and the
Drop-offs page show. The chain is fit on the journeys up to their first conversion,
so its probability ``X -> EXIT`` (:attr:`WhatIf.exit_probability`) can differ a
little; the reduction is relative, so both fall by the same share.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import polars as pl

from cxlib.analyses.transitions import transitions
from cxlib.conversion.markov import CONVERSION, AbsorbingChain, conversion_chain
from cxlib.errors import AnalysisError
from cxlib.log import EXIT, EventLog
from cxlib.rates import EXIT_RATE

__all__ = ["WhatIf", "dropoff_leverage", "whatif_dropoff"]


@dataclass(frozen=True)
class WhatIf:
    """Expected conversions now and with less drop-off at one touchpoint (:func:`whatif_dropoff`).

    Conversions are expected numbers of journeys (floats).
    """

    #: Where the drop-off falls.
    touchpoint: str
    #: The share of the drop-off probability moved to the touchpoint's other transitions.
    reduction: float
    #: Journeys entering the chain.
    journeys: float
    #: The touchpoint's exit rate (:data:`cxlib.rates.EXIT_RATE`) in the data given, as the
    #: journey graph shows it, and that rate lowered by ``reduction``.
    exit_rate: float
    new_exit_rate: float
    #: The chain's probability of ``touchpoint -> EXIT`` (journeys up to their first
    #: conversion) now, and after the reduction.
    exit_probability: float
    new_exit_probability: float
    #: Expected conversions now, and after the reduction.
    baseline_conversions: float
    new_conversions: float
    #: ``new_conversions - baseline_conversions``.
    delta: float
    #: ``delta / baseline_conversions`` (None when no conversion is expected now).
    relative_change: float | None


def whatif_dropoff(
    data: EventLog | pl.DataFrame, touchpoint: str, *, goal: str, reduction: float = 0.1
) -> WhatIf:
    """Expected conversions now and if the drop-off at ``touchpoint`` fell by ``reduction``.

    Parameters
    ----------
    data
        An event log (its journeys are cut at their first goal event, as in
        :func:`cxlib.conversion.markov.conversion_chain`) or a transitions table with columns
        ``source``, ``target`` and ``transitions`` (as :func:`cxlib.transitions` or
        ``conversion_chain(...).counts`` return; the goal's outgoing transitions
        are ignored).
    touchpoint
        Where the drop-off falls.
    goal
        The conversion touchpoint.
    reduction
        The share of the drop-off probability moved to the touchpoint's other
        outgoing transitions (0.1: drop-off 10% lower, e.g. from 40% to 36%).

    Returns
    -------
    WhatIf

    Examples
    --------
    >>> table = pl.DataFrame({"source": ["(entry)", "a", "a"], "target": ["a", "buy", "(exit)"],
    ...                       "transitions": [10, 4, 6]})
    >>> out = whatif_dropoff(table, "a", goal="buy", reduction=0.5)
    >>> out.baseline_conversions, out.new_conversions, out.delta
    (4.0, 7.0, 3.0)
    >>> out.exit_rate, out.new_exit_rate
    (0.6, 0.3)
    """
    chain, exit_rates = _chain(data, goal=goal)
    return _whatif(chain, touchpoint, reduction=reduction, exit_rates=exit_rates)


def dropoff_leverage(
    data: EventLog | pl.DataFrame, *, goal: str, reduction: float = 0.1
) -> pl.DataFrame:
    """:func:`whatif_dropoff` for every touchpoint with a drop-off, largest gain first.

    Returns ``touchpoint``, ``exit_rate`` (:data:`cxlib.rates.EXIT_RATE`, as on the
    journey graph), ``delta`` and ``relative_change`` (sorted by ``delta``
    descending, then touchpoint); touchpoints whose only way on is the exit are left
    out (there is nowhere to move the drop-off to).
    """
    chain, exit_rates = _chain(data, goal=goal)
    exit_ = len(chain.states) + 1
    movable = [t for i, t in enumerate(chain.states) if i and 0 < chain.moves[i, exit_] < 1]
    rows = [asdict(_whatif(chain, t, reduction=reduction, exit_rates=exit_rates)) for t in movable]
    schema = {
        "touchpoint": pl.String,
        EXIT_RATE.name: pl.Float64,
        "delta": pl.Float64,
        "relative_change": pl.Float64,
    }
    frame = pl.DataFrame([{k: r[k] for k in schema} for r in rows], schema=schema)
    return frame.sort(["delta", "touchpoint"], descending=[True, False])


def _chain(data: EventLog | pl.DataFrame, *, goal: str) -> tuple[AbsorbingChain, dict[str, float]]:
    """The chain of the log's journeys to ``goal`` (or of a transitions table), and exit rates.

    The exit rates are those of the whole journeys: of the log's transitions, or of the table.
    """
    if isinstance(data, EventLog):
        table, whole = conversion_chain(data, goal=goal).counts, transitions(data)
    else:
        table = whole = data
    missing = {"source", "target", "transitions"} - set(table.columns)
    if missing:
        msg = f"the transitions table lacks {sorted(missing)!r}; pass an EventLog or cxlib.transitions(log)"
        raise AnalysisError(msg)
    # conversion_chain names the goal state "(conversion)".
    target = pl.when(pl.col("target") == CONVERSION).then(pl.lit(goal)).otherwise("target")
    table = table.with_columns(target=target)
    reached = table.filter(~pl.col("source").is_in([goal, EXIT]) & (pl.col("target") == goal))
    if reached.is_empty():
        msg = f"no journey reaches the goal {goal!r}; pick a touchpoint that journeys convert at"
        raise AnalysisError(msg)
    return AbsorbingChain.from_counts(table, goal=goal), _exit_rates(whole)


def _exit_rates(table: pl.DataFrame) -> dict[str, float]:
    """Each source's exit rate in a transitions table: its moves to EXIT / all its moves."""
    per_source = table.group_by("source").agg(
        visits=pl.col("transitions").sum(),
        exits=pl.col("transitions").filter(pl.col("target") == EXIT).sum(),
    )
    rates = per_source.select("source", EXIT_RATE.expr("exits", "visits"))
    return dict(rates.iter_rows())


def _conversions(chain: AbsorbingChain, moves: np.ndarray) -> float:
    """Expected conversions of the chain's journeys with these transition probabilities."""
    n = len(chain.states)
    return chain.journeys * float(chain.solve(moves[:, n:], moves)[0, 0])


def _whatif(
    chain: AbsorbingChain, touchpoint: str, *, reduction: float, exit_rates: dict[str, float]
) -> WhatIf:
    if not isinstance(reduction, float | int) or not 0 <= reduction <= 1:
        msg = f"reduction={reduction!r} is not a share; give a number from 0 to 1 (0.1 = 10% less drop-off)"
        raise AnalysisError(msg)
    touchpoints = chain.states[1:]
    if touchpoint not in touchpoints:
        msg = f"{touchpoint!r} is not a touchpoint journeys leave before the goal; pick one of {touchpoints[:8]!r}"
        raise AnalysisError(msg)
    i, exit_ = chain.states.index(touchpoint), len(chain.states) + 1
    rate = float(chain.moves[i, exit_])
    if rate == 1:
        msg = f"every journey at {touchpoint!r} drops off: there is no other way on to move the drop-off to"
        raise AnalysisError(msg)
    changed = chain.moves.copy()
    moved = rate * reduction
    others = changed[i].copy()
    others[exit_] = 0.0
    changed[i] += moved * others / others.sum()
    changed[i, exit_] = rate - moved
    baseline, new = _conversions(chain, chain.moves), _conversions(chain, changed)
    exit_rate = exit_rates.get(touchpoint) or 0.0
    return WhatIf(
        touchpoint=touchpoint,
        reduction=float(reduction),
        journeys=chain.journeys,
        exit_rate=exit_rate,
        new_exit_rate=exit_rate * (1 - reduction),
        exit_probability=rate,
        new_exit_probability=rate - moved,
        baseline_conversions=baseline,
        new_conversions=new,
        delta=new - baseline,
        relative_change=(new - baseline) / baseline if baseline else None,
    )

"""What-if on the journey graph: how many conversions a lower drop-off at one touchpoint would bring.

The journeys are read as an **absorbing Markov chain**: from each touchpoint (and
from the entry) a journey moves to the next touchpoint with the observed transition
probability (count of ``A -> B`` over all transitions out of ``A``); the goal and
EXIT are **absorbing** (a journey that reaches either is over). Solving
``(I - Q) B = R`` (``Q``: transient to transient, ``R``: transient to absorbing)
gives the probability ``B[entry, goal]`` that a journey starting now converts, and
the expected conversions are the number of journeys times it.

"Drop-off at X falls by N%" moves that share of the probability ``X -> EXIT`` to
X's other outgoing transitions, in proportion to their probabilities; the chain is
solved again and the two expected conversion counts compared.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from cxlib.conversion.markov import CONVERSION, conversion_chain
from cxlib.errors import AnalysisError
from cxlib.log import ENTRY, EXIT, EventLog

__all__ = ["dropoff_leverage", "whatif_dropoff"]


def whatif_dropoff(
    data: EventLog | pl.DataFrame, touchpoint: str, *, goal: str, reduction: float = 0.1
) -> dict[str, Any]:
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
    dict
        ``touchpoint``, ``reduction``, ``journeys`` (journeys entering the chain),
        ``dropoff_rate`` and ``new_dropoff_rate`` (probability of ``touchpoint ->
        EXIT``), ``baseline_conversions`` and ``new_conversions`` (expected, in
        journeys), ``delta`` (new minus baseline) and ``relative_change`` (delta over
        baseline).

    Examples
    --------
    >>> table = pl.DataFrame({"source": ["(entry)", "a", "a"], "target": ["a", "buy", "(exit)"],
    ...                       "transitions": [10, 4, 6]})
    >>> out = whatif_dropoff(table, "a", goal="buy", reduction=0.5)
    >>> out["baseline_conversions"], out["new_conversions"], out["delta"]
    (4.0, 7.0, 3.0)
    """
    chain = _Chain.of(data, goal=goal)
    return chain.whatif(touchpoint, reduction=reduction)


def dropoff_leverage(
    data: EventLog | pl.DataFrame, *, goal: str, reduction: float = 0.1
) -> pl.DataFrame:
    """:func:`whatif_dropoff` for every touchpoint with a drop-off, largest gain first.

    Returns ``touchpoint``, ``dropoff_rate``, ``delta`` and ``relative_change``
    (sorted by ``delta`` descending, then touchpoint); touchpoints whose only way
    on is the exit are left out (there is nowhere to move the drop-off to).
    """
    chain = _Chain.of(data, goal=goal)
    rows = [chain.whatif(t, reduction=reduction) for t in chain.touchpoints if chain.can_move(t)]
    schema = {
        "touchpoint": pl.String,
        "dropoff_rate": pl.Float64,
        "delta": pl.Float64,
        "relative_change": pl.Float64,
    }
    frame = pl.DataFrame([{k: r[k] for k in schema} for r in rows], schema=schema)
    return frame.sort(["delta", "touchpoint"], descending=[True, False])


class _Chain:
    """The transition probabilities, transient states first, then the goal and EXIT."""

    def __init__(self, table: pl.DataFrame, goal: str) -> None:
        table = table.filter(~pl.col("source").is_in([goal, EXIT]))
        if table.filter(pl.col("target") == goal).is_empty():
            msg = (
                f"no journey reaches the goal {goal!r}; pick a touchpoint that journeys convert at"
            )
            raise AnalysisError(msg)
        # A touchpoint reached but never left counts as transient with nowhere to go.
        nodes = set(table["source"]) | set(table["target"])
        transient = sorted(nodes - {goal, EXIT})
        self.states = [*transient, goal, EXIT]
        self.index = {s: i for i, s in enumerate(self.states)}
        counts = np.zeros((len(self.states), len(self.states)))
        for source, target, n in table.select("source", "target", "transitions").iter_rows():
            counts[self.index[source], self.index[target]] += n
        self.journeys = float(counts[self.index[ENTRY]].sum()) if ENTRY in self.index else 0.0
        totals = counts.sum(axis=1, keepdims=True)
        self.p = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
        self.touchpoints = [s for s in transient if s != ENTRY]

    @classmethod
    def of(cls, data: EventLog | pl.DataFrame, *, goal: str) -> _Chain:
        table = conversion_chain(data, goal=goal).counts if isinstance(data, EventLog) else data
        missing = {"source", "target", "transitions"} - set(table.columns)
        if missing:
            msg = f"the transitions table lacks {sorted(missing)!r}; pass an EventLog or cxlib.transitions(log)"
            raise AnalysisError(msg)
        # conversion_chain names the goal state "(conversion)".
        target = pl.when(pl.col("target") == CONVERSION).then(pl.lit(goal)).otherwise("target")
        return cls(table.with_columns(target=target), goal)

    def can_move(self, touchpoint: str) -> bool:
        row = self.p[self.index[touchpoint]]
        return row[self.index[EXIT]] > 0 and row[self.index[EXIT]] < 1

    def conversions(self, p: np.ndarray) -> float:
        n = len(self.states) - 2
        q, r = p[:n, :n], p[:n, n:]
        try:
            absorbed = np.linalg.solve(np.eye(n) - q, r)
        except np.linalg.LinAlgError:
            msg = "some touchpoints loop forever without reaching the goal or the exit; the transitions table is incomplete"
            raise AnalysisError(msg) from None
        return self.journeys * float(absorbed[self.index[ENTRY], 0])

    def whatif(self, touchpoint: str, *, reduction: float) -> dict[str, Any]:
        if not isinstance(reduction, float | int) or not 0 <= reduction <= 1:
            msg = f"reduction={reduction!r} is not a share; give a number from 0 to 1 (0.1 = 10% less drop-off)"
            raise AnalysisError(msg)
        if touchpoint not in self.touchpoints:
            msg = f"{touchpoint!r} is not a touchpoint journeys leave before the goal; pick one of {self.touchpoints[:8]!r}"
            raise AnalysisError(msg)
        i, exit_ = self.index[touchpoint], self.index[EXIT]
        rate = float(self.p[i, exit_])
        if rate == 1:
            msg = f"every journey at {touchpoint!r} drops off: there is no other way on to move the drop-off to"
            raise AnalysisError(msg)
        changed = self.p.copy()
        moved = rate * reduction
        others = changed[i].copy()
        others[exit_] = 0.0
        changed[i] += moved * others / others.sum()
        changed[i, exit_] = rate - moved
        baseline, new = self.conversions(self.p), self.conversions(changed)
        return {
            "touchpoint": touchpoint,
            "reduction": float(reduction),
            "journeys": self.journeys,
            "dropoff_rate": rate,
            "new_dropoff_rate": rate - moved,
            "baseline_conversions": baseline,
            "new_conversions": new,
            "delta": new - baseline,
            "relative_change": (new - baseline) / baseline if baseline else None,
        }

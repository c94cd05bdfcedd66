"""The figures a list of customers can be opened from: one small frozen dataclass per kind.

Each figure names a number an analysis shows (a funnel step, a graph node or edge, a
path, a step of the flow, a drop-off, a stage move, an RFM segment, a prediction list)
with the options of that analysis, and knows the rows it counts: its :meth:`members`,
one row per customer, journey or attempt, whose count is the figure. Figures are
hashable, so they key caches and name segments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import narwhals as nw
import polars as pl

from cxlib.analyses.drilldown.members import Members, customers_of, journeys_of
from cxlib.analyses.flow import journeys_through
from cxlib.analyses.funnels.attempts import FunnelOrder, funnel_levels
from cxlib.analyses.funnels.steps import Exclusion, FunnelCount, Step, step_names
from cxlib.analyses.paths import journey_paths
from cxlib.analyses.rfm import rfm
from cxlib.analyses.stages import to_stages
from cxlib.checks import require_column
from cxlib.conversion.differences import WithValue
from cxlib.errors import AnalysisError, check_choice
from cxlib.journeys import (
    JourneyBy,
    collapse_repeats,
    journey_keys,
    journey_steps,
    journey_table,
    named_journeys,
    with_sessions,
)
from cxlib.log import ENTRY, EXIT, EventLog

__all__ = [
    "DropOff",
    "Figure",
    "FlowThrough",
    "FunnelStep",
    "GraphEdge",
    "GraphNode",
    "InFlight",
    "Listed",
    "PathTaken",
    "RfmSegment",
    "StageMove",
    "StageReached",
    "StepAt",
    "check_figure",
]


@dataclass(frozen=True)
class FunnelStep:
    """Journeys at a step of :func:`cxlib.funnel`: those reaching it, or those stopping there.

    ``step`` is 1-based. ``outcome="reached"`` counts the step's ``customers``;
    ``"dropped"`` those reaching it but not the next step (customers at the step minus
    customers at the next). ``breakdown`` and ``value`` pick one group of a funnel broken
    down by that column. The other fields are :func:`cxlib.funnel`'s.
    """

    steps: tuple[str | Step, ...]
    step: int
    outcome: Literal["reached", "dropped"] = "reached"
    window: str = "30d"
    order: FunnelOrder = "sequential"
    exclude: tuple[str | Exclusion, ...] = ()
    count: FunnelCount = "journeys"
    breakdown: str | None = None
    value: Any = None

    def describe(self) -> str:
        """The figure in words."""
        name = step_names(self.steps)[self.step - 1] if 0 < self.step <= len(self.steps) else "?"
        verb = "reached" if self.outcome == "reached" else "stopped at"
        where = f" ({self.breakdown} = {self.value})" if self.breakdown else ""
        return f"{verb} step {self.step}, {name}{where}"

    def members(self, log: EventLog, *, by: JourneyBy) -> Members:
        """The journeys (or attempts) at the step."""
        n = len(self.steps)
        check_choice(self.outcome, ("reached", "dropped"), name="outcome", what="a step outcome")
        last = n - 1 if self.outcome == "dropped" else n
        if not 1 <= self.step <= last:
            what = "stop at" if self.outcome == "dropped" else "reach"
            msg = f"step={self.step!r} is not a step to {what} in a funnel of {n} steps; pick 1 to {last}"
            raise AnalysisError(msg)
        levels = funnel_levels(
            log,
            list(self.steps),
            window=self.window,
            order=self.order,
            exclude=list(self.exclude),
            by=by,
            count=self.count,
        )
        level = nw.col("level")
        levels = levels.filter(
            level >= self.step if self.outcome == "reached" else level == self.step
        )
        keys = journey_keys(with_sessions(log, by), by)
        if self.breakdown is not None:
            require_column(log, self.breakdown, purpose="the breakdown")
            first = journey_steps(log, by=by).filter(nw.col("step") == 1)
            value = nw.col(self.breakdown)
            picked = first.filter(value.is_null() if self.value is None else value == self.value)
            levels = levels.join(picked.select(*keys), on=keys, how="semi")
        if self.count == "attempts":
            return Members(
                levels.select(*keys, "start_timestamp"), [*keys, "start_timestamp"], "attempt"
            )
        return Members(levels.select(*keys), keys, "journey")


@dataclass(frozen=True)
class GraphNode:
    """Customers with at least one event at a touchpoint: the node's ``customers`` in :func:`cxlib.journey_graph`.

    :data:`~cxlib.ENTRY` and :data:`~cxlib.EXIT` stand for every customer.
    """

    touchpoint: str

    def describe(self) -> str:
        """The figure in words."""
        return f"visited {self.touchpoint}"

    def members(self, log: EventLog, *, by: JourneyBy) -> Members:
        """The customers."""
        if self.touchpoint in (ENTRY, EXIT):
            return customers_of(log.frame)
        return customers_of(log.frame.filter(nw.col("touchpoint") == self.touchpoint))


@dataclass(frozen=True)
class GraphEdge:
    """Customers who made a transition: the edge's ``customers`` in :func:`cxlib.transitions`.

    ``source`` may be :data:`~cxlib.ENTRY` (journeys starting at ``target``) and
    ``target`` :data:`~cxlib.EXIT` (journeys ending at ``source``).
    """

    source: str
    target: str

    def describe(self) -> str:
        """The figure in words."""
        return f"went from {self.source} to {self.target}"

    def members(self, log: EventLog, *, by: JourneyBy) -> Members:
        """The customers."""
        table = journey_table(log, by=by)
        tp, following = nw.col("touchpoint"), nw.col("next_touchpoint")
        if self.source == ENTRY:
            rows = table.first_steps().filter(tp == self.target)
        elif self.target == EXIT:
            rows = table.frame.filter((tp == self.source) & nw.col("next_epoch_us").is_null())
        else:
            rows = table.frame.filter((tp == self.source) & (following == self.target))
        return customers_of(rows)


@dataclass(frozen=True)
class PathTaken:
    """Journeys whose path is ``path``: a row's ``customers`` in :func:`cxlib.top_paths` (same options)."""

    path: str
    max_steps: int | None = None
    start_at: str | None = None
    end_at: str | None = None
    collapse_repeats: bool = False

    def describe(self) -> str:
        """The figure in words."""
        return f"took the path {self.path}"

    def members(self, log: EventLog, *, by: JourneyBy) -> Members:
        """The journeys."""
        paths = journey_paths(
            log,
            max_steps=self.max_steps,
            start_at=self.start_at,
            end_at=self.end_at,
            collapse_repeats=self.collapse_repeats,
            by=by,
        )
        return journeys_of(paths.filter(nw.col("path") == self.path), log, by)


@dataclass(frozen=True)
class FlowThrough:
    """The journeys of a node or band of the step-by-step flow (:func:`cxlib.flow`).

    ``through`` is the node's or band's ``prefix``; the other fields are the flow's
    options. The count is the node's or band's ``journeys``.
    """

    through: tuple[tuple[int, tuple[str, ...]], ...]
    steps: int = 5
    start_at: str | None = None
    end_at: str | None = None
    collapse_repeats: bool = False

    def describe(self) -> str:
        """The figure in words."""
        if not self.through:
            return f"started from {self.start_at or 'the entry'}"
        return "were at " + "; ".join(f"step {s}: {' or '.join(n)}" for s, n in self.through)

    def members(self, log: EventLog, *, by: JourneyBy) -> Members:
        """The journeys."""
        journeys = journeys_through(
            log,
            through=self.through,
            steps=self.steps,
            start_at=self.start_at,
            end_at=self.end_at,
            collapse_repeats=self.collapse_repeats,
            by=by,
        )
        return journeys_of(journeys, log, by)


@dataclass(frozen=True)
class StepAt:
    """Journeys at a touchpoint at one step: a cell of :func:`cxlib.step_matrix`.

    Step 0 is :data:`~cxlib.ENTRY` (every journey); :data:`~cxlib.EXIT` at step s
    holds the journeys with fewer than s events.
    """

    step: int
    touchpoint: str
    collapse_repeats: bool = False

    def describe(self) -> str:
        """The figure in words."""
        return f"at {self.touchpoint} on step {self.step}"

    def members(self, log: EventLog, *, by: JourneyBy) -> Members:
        """The journeys."""
        log = collapse_repeats(log, by=by) if self.collapse_repeats else log
        table = journey_table(log, by=by)
        steps = table.frame
        if self.touchpoint == EXIT:
            longest = steps.group_by(*table.keys).agg(_n=nw.col("step").max())
            rows = longest.filter(nw.col("_n") < self.step)
        elif self.touchpoint == ENTRY:
            rows = table.first_steps()
        else:
            at = (nw.col("step") == self.step) & (nw.col("touchpoint") == self.touchpoint)
            rows = steps.filter(at)
        keys = journey_keys(with_sessions(log, by), by)
        return journeys_of(named_journeys(table, rows.select(*table.keys).unique(), keys), log, by)


@dataclass(frozen=True)
class DropOff:
    """Journeys that ended at a touchpoint (``exits`` in :func:`cxlib.dropoffs`), or reached it (``journeys``)."""

    touchpoint: str
    outcome: Literal["exited", "reached"] = "exited"

    def describe(self) -> str:
        """The figure in words."""
        return f"{'ended at' if self.outcome == 'exited' else 'reached'} {self.touchpoint}"

    def members(self, log: EventLog, *, by: JourneyBy) -> Members:
        """The journeys."""
        check_choice(self.outcome, ("exited", "reached"), name="outcome", what="a drop-off figure")
        table = journey_table(log, by=by)
        rows = table.frame.filter(nw.col("touchpoint") == self.touchpoint)
        if self.outcome == "exited":
            rows = rows.filter(nw.col("next_epoch_us").is_null())
        keys = journey_keys(with_sessions(log, by), by)
        return journeys_of(named_journeys(table, rows.select(*table.keys).unique(), keys), log, by)


def _staged(log: EventLog, stages: tuple[tuple[str, str], ...]) -> EventLog:
    return to_stages(log, stages=dict(stages))


@dataclass(frozen=True)
class StageMove:
    """Customers who moved from one stage to the next: ``customers`` in :func:`cxlib.stage_flow`.

    ``stages`` is the mapping touchpoint -> stage as pairs.
    """

    from_stage: str
    to_stage: str
    stages: tuple[tuple[str, str], ...]

    def describe(self) -> str:
        """The figure in words."""
        return f"moved from {self.from_stage} to {self.to_stage}"

    def members(self, log: EventLog, *, by: JourneyBy) -> Members:
        """The customers."""
        staged = collapse_repeats(_staged(log, self.stages))
        return GraphEdge(self.from_stage, self.to_stage).members(staged, by="customer")


@dataclass(frozen=True)
class StageReached:
    """Customers with an event in a stage: ``customers`` in :func:`cxlib.stage_reach`."""

    stage: str
    stages: tuple[tuple[str, str], ...]

    def describe(self) -> str:
        """The figure in words."""
        return f"reached the {self.stage} stage"

    def members(self, log: EventLog, *, by: JourneyBy) -> Members:
        """The customers."""
        return GraphNode(self.stage).members(_staged(log, self.stages), by=by)


@dataclass(frozen=True)
class RfmSegment:
    """Buying customers in one RFM segment: ``customers`` in :func:`cxlib.rfm_segments` (``goal`` as in :func:`cxlib.rfm`)."""

    segment: str
    goal: str | None = None

    def describe(self) -> str:
        """The figure in words."""
        return f"in the RFM segment {self.segment}"

    def members(self, log: EventLog, *, by: JourneyBy) -> Members:
        """The customers (scored in memory: RFM ranks every buying customer)."""
        table = rfm(log, goal=self.goal).filter(pl.col("segment") == self.segment)
        return customers_of(nw.from_native(table.select("customer_id").lazy()))


@dataclass(frozen=True)
class InFlight:
    """Customers who have not reached ``goal``: the journeys in flight :func:`cxlib.predict.propensity` ranks."""

    goal: str

    def describe(self) -> str:
        """The figure in words."""
        return f"have not reached {self.goal} yet"

    def members(self, log: EventLog, *, by: JourneyBy) -> Members:
        """The customers."""
        reached = (nw.col("touchpoint") == self.goal).cast(nw.Int64).sum()
        per_customer = log.frame.group_by("customer_id").agg(_reached=reached)
        return customers_of(per_customer.filter(nw.col("_reached") == 0))


@dataclass(frozen=True)
class Listed:
    """Customers given by id (a prediction list's top rows, an exported list); those not in the log are left out."""

    customer_ids: tuple[str, ...]
    label: str = field(default="listed", compare=False)

    def describe(self) -> str:
        """The figure in words."""
        return f"{self.label} ({len(self.customer_ids):,} listed)"

    def members(self, log: EventLog, *, by: JourneyBy) -> Members:
        """The customers."""
        return customers_of(log.frame.filter(nw.col("customer_id").is_in(list(self.customer_ids))))


#: Every kind of figure a list of customers opens from.
Figure = (
    FunnelStep
    | GraphNode
    | GraphEdge
    | PathTaken
    | FlowThrough
    | StepAt
    | DropOff
    | StageMove
    | StageReached
    | RfmSegment
    | InFlight
    | Listed
    | WithValue
)


def check_figure(figure: object) -> None:
    """Raise :class:`~cxlib.errors.AnalysisError` unless ``figure`` is one of :data:`Figure`."""
    kinds: Sequence[type] = Figure.__args__
    if not isinstance(figure, tuple(kinds)):
        names = ", ".join(k.__name__ for k in kinds)
        msg = f"{figure!r} is not a figure; use one of {names}"
        raise AnalysisError(msg)

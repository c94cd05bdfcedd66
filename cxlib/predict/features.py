"""What the conversion model sees of a journey in flight: features of a prefix at a moment.

A **prefix** is a customer's events up to some event, seen at a moment ``now`` after
it (the **cut**). Its features are: how many times each touchpoint was seen, the
number of events and of distinct touchpoints, the stages reached (when a stage
mapping is given), the events per channel, hours since the first event, hours since
the last one (recency), the value so far and the last touchpoint (one-hot).

Two kinds of cut are taken, on the log's engine:

- **training** cuts, after the events at steps 1, 2, 3, 4, 6, 8, 12, ... of each
  journey (before its first goal event): ``now`` is halfway to the customer's next
  event (or to the end of the log after the last event), and the label says whether
  the goal came later (within the horizon, when one is given). Cuts whose outcome
  is not known yet (``now + horizon`` after the end of the log, goal not reached)
  are left out.
- **current** cuts, for scoring: each customer who never reached the goal, after
  their last event, seen at the end of the log.

What each prefix holds is counted on Polars by running counts over the journeys sorted
in memory (one pass; channel and value matched by ``event_index``), elsewhere by a join
of each cut with its customer's events and one ``group_by``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import narwhals as nw
import numpy as np
import polars as pl

from cxlib.engines import running_sums, with_event_columns
from cxlib.journeys import journey_steps, journey_table
from cxlib.log import EventLog
from cxlib.units import HOUR_US

__all__ = ["CUT_STEPS", "FeatureSpec", "cut_features", "feature_matrix", "prefix_matrix"]

#: The steps after which training journeys are cut: dense early, sparser later.
CUT_STEPS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)


@dataclass(frozen=True)
class FeatureSpec:
    """The vocabulary of the features: fixed at training, reused for scoring."""

    goal: str
    touchpoints: tuple[str, ...]
    channels: tuple[str, ...] = ()
    stages: Mapping[str, str] | None = None
    has_value: bool = False
    horizon_us: int | None = None

    @property
    def stage_names(self) -> tuple[str, ...]:
        """The stages of the mapping, in first-seen order."""
        return tuple(dict.fromkeys((self.stages or {}).values()))

    @property
    def names(self) -> list[str]:
        """Readable feature names, in the matrix's column order."""
        return [
            *(f"count: {t}" for t in self.touchpoints),
            "events",
            "distinct touchpoints",
            *(f"stage reached: {s}" for s in self.stage_names),
            *(f"channel: {c}" for c in self.channels),
            "hours since first event",
            "hours since last event",
            *(["value so far"] if self.has_value else []),
            *(f"last: {t}" for t in self.touchpoints),
        ]


def cut_features(
    log: EventLog, spec: FeatureSpec, *, cuts: Literal["training", "current"]
) -> pl.DataFrame:
    """The prefixes at the cuts (see the module docstring) with their raw features.

    One row per cut: ``customer_id``, ``step`` (events in the prefix), ``touchpoint``
    (the last one), ``epoch_us`` (its time), ``now_us``, ``first_us``, ``label``
    (1 when the goal came after the cut, within the horizon), ``value_so_far`` and
    the running counts ``tp_i`` (touchpoint ``spec.touchpoints[i]``) and ``ch_i``
    (channel ``spec.channels[i]``). Sorted by customer and step.
    """
    events, customer, ordered, end_us = _journey_events(log, spec)
    is_goal = nw.col("touchpoint") == spec.goal
    counted = {
        "value_so_far": nw.col("value").cast(nw.Float64).fill_null(0.0)
        if spec.has_value
        else nw.lit(0.0),
        **{f"tp_{i}": nw.col("touchpoint") == t for i, t in enumerate(spec.touchpoints)},
        **{
            f"ch_{i}": (nw.col("channel") == c).fill_null(False)
            for i, c in enumerate(spec.channels)
        },
    }
    steps = events.with_columns(
        goal_step=nw.when(is_goal).then(nw.col("step")).min().over(customer),
        goal_us=nw.when(is_goal).then(nw.col("epoch_us")).min().over(customer),
        first_us=nw.col("epoch_us").min().over(customer),
        end_us=nw.lit(end_us, dtype=nw.Int64),
        **{
            name: expr.cast(nw.Float64 if name == "value_so_far" else nw.Int64)
            for name, expr in counted.items()
        },
    )
    # Only the rows a cut counts: each journey's events up to its last possible cut (the
    # last event of a customer in flight; before the goal and at most the last cut step).
    if cuts == "current":
        steps = steps.filter(nw.col("goal_step").is_null())
    else:
        before_goal = nw.col("goal_step").is_null() | (nw.col("step") < nw.col("goal_step"))
        steps = steps.filter(before_goal & (nw.col("step") <= CUT_STEPS[-1]))
    # Running counts: on journeys sorted in memory one pass over the rows; elsewhere each
    # cut meets its customer's events up to it, one join and one group_by (on DuckDB
    # faster than a running-count window per column).
    if ordered:
        steps = running_sums(steps, list(counted))
    rows = _cut_rows(steps, spec, cuts=cuts)
    if not ordered:
        rows = _summed_prefixes(rows, steps, list(counted))
    table = rows.select(
        "customer_id",
        "step",
        nw.col("touchpoint").cast(nw.String),
        "epoch_us",
        "now_us",
        "first_us",
        "label",
        *counted,
    )
    features: pl.DataFrame = table.collect("polars").to_native()
    return features.sort("customer_id", "step")


def _cut_rows(
    steps: nw.LazyFrame[Any], spec: FeatureSpec, *, cuts: Literal["training", "current"]
) -> nw.LazyFrame[Any]:
    """The events where the journeys are cut, with ``now_us`` and ``label``."""
    if cuts == "current":
        return steps.filter(nw.col("next_epoch_us").is_null()).with_columns(
            now_us=nw.col("end_us"), label=nw.lit(0, dtype=nw.Int64)
        )
    following = nw.col("next_epoch_us").fill_null(nw.col("end_us"))
    rows = steps.filter(nw.col("step").is_in(CUT_STEPS)).with_columns(
        now_us=(nw.col("epoch_us") + (following - nw.col("epoch_us")) // 2).cast(nw.Int64)
    )
    reached = ~nw.col("goal_us").is_null()
    if spec.horizon_us is None:
        return rows.with_columns(label=reached.cast(nw.Int64))
    within = reached & (nw.col("goal_us") - nw.col("now_us") <= spec.horizon_us)
    known = within | (nw.col("now_us") + spec.horizon_us <= nw.col("end_us"))
    return rows.filter(known).with_columns(label=within.cast(nw.Int64))


def _summed_prefixes(
    rows: nw.LazyFrame[Any], steps: nw.LazyFrame[Any], counted: list[str]
) -> nw.LazyFrame[Any]:
    """The cut ``rows`` with each of ``counted`` summed over the events up to the cut."""
    cut_columns = [c for c in rows.collect_schema().names() if c not in counted]
    events = steps.select("customer_id", nw.col("step").alias("_step"), *counted)
    prefixes = rows.select(cut_columns).join(events, on="customer_id")
    return (
        prefixes.filter(nw.col("_step") <= nw.col("step"))
        .group_by(cut_columns)
        .agg(nw.col(c).sum().cast(nw.Float64 if c == "value_so_far" else nw.Int64) for c in counted)
    )


class _Events(NamedTuple):
    """The log's events with their journey steps (:func:`_journey_events`)."""

    frame: nw.LazyFrame[Any]
    #: The column naming the customer.
    customer: str
    #: Whether the rows are in journey order (see :func:`cxlib.journeys.journey_table`).
    ordered: bool
    #: The time of the log's last event.
    end_us: int


def _journey_events(log: EventLog, spec: FeatureSpec) -> _Events:
    """The log's events with their journey steps and the columns the features need.

    In journey order where the engine keeps journeys in memory, and the log's
    ``event_index`` tells events apart.
    """
    extra = [*(["channel"] if spec.channels else []), *(["value"] if spec.has_value else [])]
    table = journey_table(log)
    if table.ordered:
        events = with_event_columns(table.frame, log.frame, extra) if extra else table.frame
        if events is not None:
            return _Events(events, table.customer, True, _last_time(table.frame))
    return _Events(journey_steps(log), "customer_id", False, _last_time(log.frame))


def _last_time(frame: nw.LazyFrame[Any]) -> int:
    end: int = frame.select(nw.col("epoch_us").max()).collect("polars").item()
    return end


def feature_matrix(rows: pl.DataFrame, spec: FeatureSpec) -> np.ndarray:
    """Turn :func:`cut_features` rows into the model's matrix (columns: ``spec.names``)."""
    counts = rows.select(f"tp_{i}" for i in range(len(spec.touchpoints))).to_numpy()
    counts = counts.reshape(rows.height, len(spec.touchpoints))
    channels = rows.select(f"ch_{i}" for i in range(len(spec.channels))).to_numpy()
    channels = channels.reshape(rows.height, len(spec.channels))
    hours_first = (rows["now_us"] - rows["first_us"]).to_numpy() / HOUR_US
    hours_last = (rows["now_us"] - rows["epoch_us"]).to_numpy() / HOUR_US
    return _assemble(
        spec,
        counts=counts,
        events=rows["step"].to_numpy(),
        channels=channels,
        hours=np.column_stack([hours_first, hours_last]),
        value=rows["value_so_far"].to_numpy(),
        last=rows["touchpoint"]
        .replace_strict(_index(spec), default=-1, return_dtype=pl.Int64)
        .to_numpy(),
    )


def prefix_matrix(prefix: Sequence[str], spec: FeatureSpec) -> np.ndarray:
    """The one-row matrix of a bare list of touchpoints; times, channels and value unknown (NaN).

    The classifier imputes the unknowns with their training means.
    """
    index = _index(spec)
    counts = np.zeros((1, len(spec.touchpoints)))
    for t in prefix:
        if t in index:
            counts[0, index[t]] += 1
    unknown = np.full((1, len(spec.channels)), np.nan)
    return _assemble(
        spec,
        counts=counts,
        events=np.array([float(len(prefix))]),
        channels=unknown,
        hours=np.full((1, 2), np.nan),
        value=np.array([np.nan]),
        last=np.array([index.get(prefix[-1], -1) if prefix else -1]),
    )


def _assemble(
    spec: FeatureSpec,
    *,
    counts: np.ndarray,
    events: np.ndarray,
    channels: np.ndarray,
    hours: np.ndarray,
    value: np.ndarray,
    last: np.ndarray,
) -> np.ndarray:
    """The matrix's columns side by side; ``last`` holds touchpoint numbers, -1 for none.

    Written into one matrix allocated once (a stack of the parts copied 170 MB at 400k
    rows, half a second on a busy machine).
    """
    index = _index(spec)
    stage_of = spec.stages or {}
    n, k = counts.shape
    stages = [
        [index[t] for t, s in stage_of.items() if s == stage and t in index]
        for stage in spec.stage_names
    ]
    parts = [k, 1, 1, len(stages), channels.shape[1], 2, int(spec.has_value)]
    start = np.cumsum([0, *parts])
    out = np.zeros((n, len(spec.names)))
    out[:, : start[1]] = counts
    out[:, start[1]] = events
    out[:, start[2]] = (counts > 0).sum(axis=1)
    for j, members in enumerate(stages):
        if members:
            out[:, start[3] + j] = counts[:, members].sum(axis=1) > 0
    out[:, start[4] : start[5]] = channels
    out[:, start[5] : start[6]] = hours
    if spec.has_value:
        out[:, start[6]] = value
    known = np.flatnonzero(last >= 0)
    out[known, start[7] + last[known]] = 1.0
    return out


def _index(spec: FeatureSpec) -> dict[str, int]:
    """Each touchpoint's number: its column among the counts."""
    return {t: i for i, t in enumerate(spec.touchpoints)}

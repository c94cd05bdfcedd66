"""What converters do differently: the touchpoints, channels and attribute values that go with converting.

Journeys are split by their **outcome**, either reaching a ``goal`` touchpoint or
getting through a funnel (``steps``, with :func:`cxlib.funnel`'s window, order and
exclusions, over the journeys reaching step 1). A journey **has** a value of a column
(``touchpoint``, ``channel``, an attribute) when one of its events *before the outcome*
has it: before the first goal event for converters (every event for the others); from
the attempt's first event to the last step for funnel converters, to the end of the
window for the others. The goal, and the funnel's steps, are outcomes rather than
behaviour and are not listed as touchpoints.

For each value, the 2x2 table of journeys with / without it by converted / dropped
gives the **odds ratio** (the odds of converting with the value over the odds
without it; 0.5 is added to every cell when one is 0), its 95% confidence interval
(Woolf's, on the log odds ratio) and the two-sided p-value of the log odds ratio's
Wald test. Testing many values at once, some look significant by chance: the p-values
are adjusted by the Benjamini-Hochberg procedure (false discovery rate) or Holm's
(family-wise error), and ``significant`` reads the adjusted p-value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import narwhals as nw
import polars as pl

from cxlib.analyses.drilldown.members import Members, journeys_of
from cxlib.analyses.dropoffs import Z95
from cxlib.analyses.funnels.attempts import FunnelOrder, funnel_levels
from cxlib.analyses.funnels.steps import Exclusion, Step
from cxlib.checks import require_column, require_touchpoints
from cxlib.engines import collected_in_memory, polars_values_had
from cxlib.errors import AnalysisError, check_choice
from cxlib.journeys import JourneyBy, journey_keys, journey_table, with_sessions
from cxlib.log import EventLog
from cxlib.units import parse_duration

__all__ = [
    "MAX_VALUES",
    "Correction",
    "Outcome",
    "WithValue",
    "adjust_p_values",
    "converter_differences",
    "odds_ratio_test",
]

#: Multiple-testing corrections: false discovery rate, or family-wise error rate.
Correction = Literal["benjamini-hochberg", "holm"]
#: Attribute columns with more distinct values than this are not tested (identifiers).
MAX_VALUES = 50
#: How many events are read first to rule out attributes with more values (in memory).
_FIRST_EVENTS = 10_000


@dataclass(frozen=True)
class Outcome:
    """What converting means: reaching ``goal``, or getting through the funnel ``steps``."""

    goal: str | None = None
    steps: tuple[str | Step, ...] = ()
    window: str = "30d"
    order: FunnelOrder = "sequential"
    exclude: tuple[str | Exclusion, ...] = ()

    def __post_init__(self) -> None:
        if (self.goal is None) == (not self.steps):
            msg = "say what converting is: give goal='...' or steps=[...], not both"
            raise AnalysisError(msg)

    @property
    def outcome_touchpoints(self) -> set[str]:
        """The touchpoints that define the outcome (not listed as behaviour)."""
        if self.goal is not None:
            return {self.goal}
        return {s.touchpoint if isinstance(s, Step) else s for s in self.steps}


def odds_ratio_test(
    converted_with: int, dropped_with: int, converted_without: int, dropped_without: int
) -> tuple[float, float, float, float]:
    """Odds ratio, its 95% interval and the Wald p-value of a 2x2 table.

    The table is ``[[converted_with, dropped_with], [converted_without, dropped_without]]``;
    0.5 is added to every cell when one is 0 (Haldane-Anscombe). The interval is
    ``exp(log OR ± 1.96 · se)`` with ``se = sqrt(1/a + 1/b + 1/c + 1/d)`` (Woolf), the
    p-value ``2 · (1 - Φ(|log OR| / se))``.

    Examples
    --------
    >>> [round(x, 4) for x in odds_ratio_test(30, 10, 20, 40)]
    [6.0, 2.4526, 14.6781, 0.0001]
    """
    cells = [float(x) for x in (converted_with, dropped_with, converted_without, dropped_without)]
    if 0 in cells:
        cells = [x + 0.5 for x in cells]
    a, b, c, d = cells
    log_ratio = math.log(a * d / (b * c))
    se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    p = math.erfc(abs(log_ratio) / se / math.sqrt(2))
    return math.exp(log_ratio), math.exp(log_ratio - Z95 * se), math.exp(log_ratio + Z95 * se), p


def adjust_p_values(p_values: Sequence[float], *, correction: Correction) -> list[float]:
    """P-values adjusted for testing them all at once, in the order given.

    ``"benjamini-hochberg"``: the i-th smallest of m becomes ``min over j >= i of
    p_(j) · m / j`` (controls the false discovery rate); ``"holm"``: ``max over j <= i of
    p_(j) · (m - j + 1)`` (controls the family-wise error rate). Both are capped at 1.

    Examples
    --------
    >>> adjust_p_values([0.01, 0.04, 0.03], correction="benjamini-hochberg")
    [0.03, 0.04, 0.04]
    >>> [round(p, 2) for p in adjust_p_values([0.01, 0.04, 0.03], correction="holm")]
    [0.03, 0.06, 0.06]
    """
    check_choice(correction, get_args(Correction), name="correction", what="a correction")
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    if correction == "holm":
        running = 0.0
        for rank, i in enumerate(order):
            running = max(running, min(1.0, (m - rank) * p_values[i]))
            adjusted[i] = running
    else:
        running = 1.0
        for rank in range(m - 1, -1, -1):
            i = order[rank]
            running = min(running, p_values[i] * m / (rank + 1))
            adjusted[i] = min(1.0, running)
    return adjusted


def _outcomes(
    log: EventLog, outcome: Outcome, by: JourneyBy
) -> tuple[nw.LazyFrame[Any], list[str]]:
    """One row per journey: keys, ``converted`` (0/1) and the span ``[_from, _to)`` of its behaviour."""
    log = with_sessions(log, by)
    keys = journey_keys(log, by)
    if outcome.goal is not None:
        require_touchpoints(log, [outcome.goal])
        goal_us = nw.when(nw.col("touchpoint") == outcome.goal).then(nw.col("epoch_us")).min()
        journeys = log.frame.group_by(*keys).agg(_goal=goal_us)
        return journeys.select(
            *keys,
            converted=(~nw.col("_goal").is_null()).cast(nw.Int64),
            _from=nw.lit(None, nw.Int64),
            _to=nw.col("_goal"),
        ), keys
    steps = list(outcome.steps)
    levels = funnel_levels(
        log,
        steps,
        window=outcome.window,
        order=outcome.order,
        exclude=list(outcome.exclude),
        by=by,
    )
    done = nw.col("level") == len(steps)
    window_end = nw.col("start_us") + parse_duration(outcome.window) + 1
    return levels.select(
        *keys,
        converted=done.cast(nw.Int64),
        _from=nw.col("start_us"),
        _to=nw.when(done).then(nw.col(f"at_{len(steps)}")).otherwise(window_end),
    ), keys


def _columns(log: EventLog, columns: Sequence[str] | None, by: JourneyBy) -> list[str]:
    if columns is not None:
        for column in columns:
            require_column(log, column, purpose="what converters do differently")
        if not columns:
            msg = "no column to compare converters on; give columns=['touchpoint', ...]"
            raise AnalysisError(msg)
        return list(columns)
    attributes = tuple(log.attributes)
    few = log.cache.reused("few-valued attributes", attributes, lambda: _few_valued(log, by))
    return ["touchpoint", *(["channel"] if log.has("channel") else []), *few]


def _few_valued(log: EventLog, by: JourneyBy) -> list[str]:
    """The attributes with at most :data:`MAX_VALUES` distinct values (a null is one)."""
    attributes = log.attributes
    if not journey_table(log, by=by, steps=False).ordered:
        counts = _distinct(log.frame, attributes)
        return [c for c in attributes if counts[c] <= MAX_VALUES]
    # In memory: more values among the first events rules an attribute out (an
    # identifier); the text of the others is counted on its category codes, kept with
    # the journeys for the counts that follow (10M events: 0.4 -> 0.1 CPU-s once kept).
    first = _distinct(log.frame.head(_FIRST_EVENTS), attributes)
    candidates = [c for c in attributes if first[c] <= MAX_VALUES]
    schema = log.frame.collect_schema()
    text = [c for c in candidates if schema[c] in (nw.String, nw.Categorical, nw.Enum)]
    # The channel too: the counts that follow read it as categories (one gathering).
    coded = [*(["channel"] if log.has("channel") else []), *text]
    table = journey_table(log, by=by, categories=coded, steps=False)
    # Other types as they are: as text, 0.0 and -0.0 would be two values.
    others = [c for c in candidates if c not in text]
    counts = {**_distinct(table.frame, text), **_distinct(log.frame, others)}
    return [c for c in candidates if counts[c] <= MAX_VALUES]


def _distinct(frame: nw.LazyFrame[Any], columns: Sequence[str]) -> dict[str, int]:
    """The number of distinct values of each of ``columns`` (a null is one)."""
    if not columns:
        return {}
    counts = collected_in_memory(frame.select(nw.col(c).n_unique() for c in columns)).row(0)
    return dict(zip(columns, counts, strict=True))


def _had(
    log: EventLog,
    outcome: Outcome,
    journeys: nw.LazyFrame[Any],
    columns: list[str],
    by: JourneyBy,
) -> dict[str, nw.LazyFrame[Any]]:
    """Per column, one row per journey of ``journeys`` (:func:`_outcomes`) and ``value`` it had before its outcome.

    The goal, and the funnel's steps, are the outcome: not touchpoints had. Each
    column's values keep their type until they are counted (casting every event's
    value to text first made this several times slower at 10M events).
    """
    keys, skip = journey_keys(log, by), sorted(outcome.outcome_touchpoints)
    epoch = nw.col("epoch_us")
    before = (nw.col("_from").is_null() | (epoch >= nw.col("_from"))) & (
        nw.col("_to").is_null() | (epoch < nw.col("_to"))
    )
    events = with_sessions(log, by).frame.join(journeys, on=keys).filter(before)
    had = {}
    for column in columns:
        rows = events.filter(~nw.col(column).is_null())
        if column == "touchpoint":
            rows = rows.filter(~nw.col("touchpoint").is_in(skip))
        had[column] = rows.select(*keys, "converted", value=nw.col(column)).unique()
    return had


def _value_counts(
    log: EventLog,
    outcome: Outcome,
    journeys: nw.LazyFrame[Any],
    columns: list[str],
    by: JourneyBy,
) -> pl.DataFrame:
    """Per column and value (as text): ``journeys_with`` it before their outcome, ``converted_with``."""
    table = journey_table(log, by=by, categories=columns, steps=False)
    if table.ordered:
        # Journeys in memory and numbered: no join on the keys (10M events: 8 -> 1 CPU-s),
        # each column's values as category codes kept with them (no text read again).
        keys, skip = journey_keys(log, by), sorted(outcome.outcome_touchpoints)
        had = polars_values_had(table.frame, journeys, keys=keys, columns=columns)
        return had.filter((pl.col("column") != "touchpoint") | ~pl.col("value").is_in(skip))
    per_column = [
        rows.group_by("value")
        .agg(journeys_with=nw.len(), converted_with=nw.col("converted").sum())
        .select(
            column=nw.lit(column),
            value=nw.col("value").cast(nw.String),
            journeys_with=nw.col("journeys_with").cast(nw.Int64),
            converted_with=nw.col("converted_with").cast(nw.Int64),
        )
        for column, rows in _had(log, outcome, journeys, columns, by).items()
    ]
    counts: pl.DataFrame = nw.concat(per_column, how="vertical").collect("polars").to_native()
    return counts


def converter_differences(
    log: EventLog,
    *,
    goal: str | None = None,
    steps: Sequence[str | Step] | None = None,
    window: str = "30d",
    order: FunnelOrder = "sequential",
    exclude: Sequence[str | Exclusion] = (),
    columns: Sequence[str] | None = None,
    min_journeys: int = 5,
    correction: Correction = "benjamini-hochberg",
    alpha: float = 0.05,
    by: JourneyBy = "customer",
) -> pl.DataFrame:
    """The values journeys had before converting (or dropping), with odds ratios and adjusted p-values.

    Parameters
    ----------
    log
        The event log.
    goal, steps, window, order, exclude
        The outcome: reaching ``goal``, or getting through the funnel ``steps`` (with
        :func:`cxlib.funnel`'s options). Give one of ``goal`` and ``steps``.
    columns
        The columns whose values are compared; by default ``touchpoint``, ``channel``
        and every attribute with at most :data:`MAX_VALUES` distinct values.
    min_journeys
        Values had by fewer journeys, or missing from fewer, are not tested.
    correction, alpha
        The multiple-testing correction, and the level the adjusted p-value is read at.
    by
        What a journey is.

    Returns
    -------
    polars.DataFrame
        One row per tested ``(column, value)``: ``converted_with``, ``dropped_with``
        (journeys that had the value, by outcome), ``converted_without``,
        ``dropped_without``, ``conversion_with`` = converted_with / (converted_with +
        dropped_with), ``conversion_without`` likewise, ``odds_ratio``,
        ``odds_ratio_low``, ``odds_ratio_high`` (95% interval), ``p_value``,
        ``p_adjusted`` and ``significant`` (``p_adjusted < alpha``). Sorted by
        ``p_adjusted``, then the odds ratio's distance from 1 (largest first).

    Examples
    --------
    >>> import datetime as dt
    >>> paths = {"a": "ad buy", "b": "ad buy", "c": "ad", "d": "home", "e": "home buy"}
    >>> rows = [(c, dt.datetime(2024, 1, 1, i), t) for c, p in paths.items()
    ...         for i, t in enumerate(p.split())]
    >>> log = EventLog.from_frame(pl.DataFrame(rows, orient="row",
    ...     schema=["customer_id", "timestamp", "touchpoint"]))
    >>> out = converter_differences(log, goal="buy", min_journeys=1)
    >>> out.select("value", "converted_with", "dropped_with", "converted_without", "dropped_without").rows()
    [('ad', 2, 1, 1, 1), ('home', 1, 1, 2, 1)]
    """
    outcome = Outcome(goal, tuple(steps or ()), window, order, tuple(exclude))
    if isinstance(min_journeys, bool) or not isinstance(min_journeys, int) or min_journeys < 1:
        msg = f"min_journeys={min_journeys!r} must be a whole number of at least 1"
        raise AnalysisError(msg)
    check_choice(correction, get_args(Correction), name="correction", what="a correction")
    chosen = _columns(log, columns, by)
    journeys, _ = _outcomes(log, outcome, by)
    totals = (
        journeys.select(journeys=nw.len(), converted=nw.col("converted").sum())
        .collect("polars")
        .row(0)
    )
    n, converted = int(totals[0]), int(totals[1] or 0)
    counts = _value_counts(log, outcome, journeys, chosen, by)
    table = counts.select(
        pl.col("column").cast(pl.String),
        pl.col("value").cast(pl.String),
        converted_with=pl.col("converted_with").cast(pl.Int64),
        dropped_with=(pl.col("journeys_with") - pl.col("converted_with")).cast(pl.Int64),
        converted_without=(converted - pl.col("converted_with")).cast(pl.Int64),
        dropped_without=(n - converted - pl.col("journeys_with") + pl.col("converted_with")).cast(
            pl.Int64
        ),
    ).filter(
        (pl.col("converted_with") + pl.col("dropped_with") >= min_journeys)
        & (pl.col("converted_without") + pl.col("dropped_without") >= min_journeys)
    )
    return _tested(table, correction, alpha)


def _tested(table: pl.DataFrame, correction: Correction, alpha: float) -> pl.DataFrame:
    cells = ["converted_with", "dropped_with", "converted_without", "dropped_without"]
    tests = [odds_ratio_test(*row) for row in table.select(cells).iter_rows()]
    adjusted = adjust_p_values([t[3] for t in tests], correction=correction)
    floats = {
        name: pl.Series(name, [t[i] for t in tests], dtype=pl.Float64)
        for i, name in enumerate(["odds_ratio", "odds_ratio_low", "odds_ratio_high", "p_value"])
    }

    def share(converted: str, dropped: str) -> pl.Expr:
        total = pl.col(converted) + pl.col(dropped)
        return pl.when(total > 0).then(pl.col(converted) / total).cast(pl.Float64)

    out = table.with_columns(
        conversion_with=share("converted_with", "dropped_with"),
        conversion_without=share("converted_without", "dropped_without"),
        **floats,
        p_adjusted=pl.Series(adjusted, dtype=pl.Float64),
    ).with_columns(significant=pl.col("p_adjusted") < alpha)
    distance = pl.col("odds_ratio").log().abs()
    return out.sort(
        [pl.col("p_adjusted"), distance, pl.col("column"), pl.col("value")],
        descending=[False, True, False, False],
    )


@dataclass(frozen=True)
class WithValue:
    """Journeys that had ``column = value`` before their outcome, among those that converted or dropped.

    A row of :func:`converter_differences` (``converted_with`` or ``dropped_with``), as
    a figure :func:`cxlib.customers_at` lists.
    """

    outcome: Outcome
    column: str
    value: str
    among: Literal["converted", "dropped"] = "converted"

    def describe(self) -> str:
        """The figure in words."""
        return f"had {self.column} = {self.value} and {self.among}"

    def members(self, log: EventLog, *, by: JourneyBy) -> Members:
        """The journeys."""
        check_choice(self.among, ("converted", "dropped"), name="among", what="an outcome")
        journeys, _ = _outcomes(log, self.outcome, by)
        rows = _had(log, self.outcome, journeys, [self.column], by)[self.column].filter(
            (nw.col("value").cast(nw.String) == self.value)
            & (nw.col("converted") == (1 if self.among == "converted" else 0))
        )
        return journeys_of(rows, log, by)

"""Funnel steps with conditions, and exclusions between steps.

A funnel step is a touchpoint, or a :class:`Step`: a touchpoint whose events count only
when they meet conditions on the event's attributes (:class:`Where`: a channel, a value
range, any column), such as "checkout on the app" or "purchase over 100". An exclusion
is a touchpoint, or an :class:`Exclusion` that applies between two steps only.

The analyses read a funnel through :func:`funnel_definition`, which checks it and gives
each distinct step a **label**: the touchpoint itself for a plain step, a private name
for a step with conditions. Events meeting a step's conditions are relabelled with it
before the levels are computed (:func:`cxlib.journeys.journey_table` with ``labels``), so
the walk from step to step compares touchpoint names as it always did, on every engine.
Two different steps on one touchpoint must not both match an event; that is checked on
the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import narwhals as nw

from cxlib.checks import require_column, require_touchpoints
from cxlib.errors import AnalysisError
from cxlib.log import EventLog

__all__ = [
    "Exclusion",
    "FunnelCount",
    "FunnelDefinition",
    "Step",
    "Where",
    "funnel_definition",
    "step_names",
]

#: What a funnel counts: journeys (customers or sessions, by their best attempt) or
#: every attempt (each event of step 1 starts one).
FunnelCount = Literal["journeys", "attempts"]

#: Labels of steps with conditions start with this character, which no touchpoint has.
_PRIVATE = "\x1f"


@dataclass(frozen=True)
class Where:
    """A condition on one column of an event: its value is one of ``values``, and/or in a range.

    ``values`` (when not empty) lists the allowed values; ``low`` and ``high`` (when
    given) bound a numeric column, both included. An event with no value in the column
    never meets the condition.

    Examples
    --------
    >>> Where("channel", ("app",)).describe(), Where("value", low=100).describe()
    ('channel: app', 'value ≥ 100')
    """

    column: str
    values: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.values, str) or not isinstance(self.values, tuple):
            msg = f"Where({self.column!r}, values={self.values!r}): give the values as a tuple, e.g. ('app',)"
            raise AnalysisError(msg)
        if not self.values and self.low is None and self.high is None:
            msg = f"the condition on {self.column!r} is empty; give values=(...), low= or high="
            raise AnalysisError(msg)
        if self.low is not None and self.high is not None and self.low > self.high:
            msg = f"the range of {self.column!r} is empty: low={self.low!r} is above high={self.high!r}"
            raise AnalysisError(msg)

    def expression(self) -> nw.Expr:
        """True on events meeting the condition (false where the column is null)."""
        column = nw.col(self.column)
        parts = [column.is_in(list(self.values))] if self.values else []
        if self.low is not None:
            parts.append(column >= self.low)
        if self.high is not None:
            parts.append(column <= self.high)
        out = parts[0]
        for part in parts[1:]:
            out = out & part
        return out.fill_null(False)

    def describe(self) -> str:
        """The condition in words, as step labels show it."""
        parts = [f"{self.column}: {', '.join(str(v) for v in self.values)}"] if self.values else []
        if self.low is not None and self.high is not None:
            parts.append(f"{self.column} {self.low:g}–{self.high:g}")
        elif self.low is not None:
            parts.append(f"{self.column} ≥ {self.low:g}")
        elif self.high is not None:
            parts.append(f"{self.column} ≤ {self.high:g}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Step:
    """A funnel step: events of ``touchpoint`` meeting every condition of ``where``.

    Examples
    --------
    >>> Step("checkout", (Where("channel", ("app",)),)).label
    'checkout (channel: app)'
    >>> Step("checkout").label
    'checkout'
    """

    touchpoint: str
    where: tuple[Where, ...] = ()

    @property
    def label(self) -> str:
        """How results name the step: the touchpoint, and its conditions in brackets."""
        if not self.where:
            return self.touchpoint
        return f"{self.touchpoint} ({'; '.join(w.describe() for w in self.where)})"

    def expression(self) -> nw.Expr:
        """True on the events this step counts."""
        out = nw.col("touchpoint") == self.touchpoint
        for condition in self.where:
            out = out & condition.expression()
        return out


@dataclass(frozen=True)
class Exclusion:
    """An excluded touchpoint that applies between two steps of a funnel.

    An event of ``touchpoint`` after the attempt's event of step ``after_step`` and
    before its event of a later step up to ``before_step`` keeps the attempt from
    reaching that step. ``before_step=None`` means the funnel's last step; the default
    is the whole funnel.

    Examples
    --------
    >>> Exclusion("call_support", after_step=2).covers(3), Exclusion("call_support", after_step=2).covers(2)
    (True, False)
    """

    touchpoint: str
    after_step: int = 1
    before_step: int | None = None

    def covers(self, step: int, n: int | None = None) -> bool:
        """Whether the exclusion applies on the way from step ``step - 1`` to ``step``."""
        last = self.before_step if self.before_step is not None else n
        return self.after_step < step and (last is None or step <= last)


@dataclass(frozen=True, eq=False)
class FunnelDefinition:
    """A checked funnel: its steps, their labels, and the exclusions of each step.

    ``labels[k]`` is the touchpoint name step k+1 has after relabelling;
    ``relabel`` lists ``(label, condition)`` for the steps with conditions;
    ``excluded[k]`` the touchpoints excluded on the way to step k+1 (empty for step 1);
    ``exclude`` every excluded touchpoint.
    """

    steps: tuple[Step, ...]
    labels: tuple[str, ...]
    relabel: tuple[tuple[str, nw.Expr], ...]
    excluded: tuple[tuple[str, ...], ...]

    @property
    def exclude(self) -> list[str]:
        """Every excluded touchpoint, sorted."""
        return sorted({t for gap in self.excluded for t in gap})

    @property
    def scoped(self) -> bool:
        """Whether some exclusion applies to only part of the funnel."""
        later = self.excluded[1:]
        return any(gap != later[0] for gap in later)

    @property
    def names(self) -> list[str]:
        """The step labels people read (:attr:`Step.label`)."""
        return [step.label for step in self.steps]

    def original(self, label: str | None) -> str | None:
        """The touchpoint a (possibly relabelled) name stands for."""
        for step, name in zip(self.steps, self.labels, strict=True):
            if name == label:
                return step.touchpoint
        return label


def step_names(steps: Sequence[str | Step]) -> list[str]:
    """The names results give the steps: the touchpoint, with its conditions in brackets.

    Examples
    --------
    >>> step_names(["home", Step("buy", (Where("channel", ("app",)),))])
    ['home', 'buy (channel: app)']
    """
    return [_as_step(step).label for step in steps]


def _as_step(step: str | Step) -> Step:
    if isinstance(step, Step):
        return step
    if isinstance(step, str):
        return Step(step)
    msg = f"the step {step!r} is neither a touchpoint name nor a cxlib.Step"
    raise AnalysisError(msg)


def _as_exclusion(item: str | Exclusion, n: int) -> Exclusion:
    exclusion = Exclusion(item) if isinstance(item, str) else item
    if not isinstance(exclusion, Exclusion):
        msg = f"the exclusion {item!r} is neither a touchpoint name nor a cxlib.Exclusion"
        raise AnalysisError(msg)
    if exclusion == Exclusion(exclusion.touchpoint):
        return exclusion  # the whole funnel, whatever its length
    last = exclusion.before_step if exclusion.before_step is not None else n
    if not 1 <= exclusion.after_step < last <= n:
        msg = (
            f"the exclusion of {exclusion.touchpoint!r} between steps {exclusion.after_step} and "
            f"{last} does not fit a funnel of {n} steps; use 1 <= after_step < before_step <= {n}"
        )
        raise AnalysisError(msg)
    return exclusion


def funnel_definition(
    log: EventLog, steps: Sequence[str | Step], exclude: Sequence[str | Exclusion]
) -> FunnelDefinition:
    """Check a funnel's steps and exclusions against the log and label its steps.

    Raises :class:`~cxlib.errors.AnalysisError` for an empty funnel, a touchpoint or
    column the log lacks, a touchpoint both a step and excluded, an exclusion outside
    the funnel, or two different steps on one touchpoint that both match an event.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 2, "touchpoint": ["home", "buy"],
    ...     "value": [0.0, 120.0]}))
    >>> d = funnel_definition(log, ["home", Step("buy", (Where("value", low=100),))], [])
    >>> d.names, d.labels[0]
    (['home', 'buy (value ≥ 100)'], 'home')
    """
    if isinstance(steps, str) or not steps:
        msg = f"steps={steps!r} must be a non-empty list of touchpoints, e.g. ['home', 'cart']"
        raise AnalysisError(msg)
    if isinstance(exclude, str):
        msg = f"exclude={exclude!r} must be a list of touchpoints, e.g. [{exclude!r}]"
        raise AnalysisError(msg)
    checked = tuple(_as_step(s) for s in steps)
    n = len(checked)
    exclusions = [_as_exclusion(e, n) for e in exclude]
    both = sorted({s.touchpoint for s in checked} & {e.touchpoint for e in exclusions})
    if both:
        msg = f"{both!r} cannot be both a step and excluded; remove it from exclude"
        raise AnalysisError(msg)
    require_touchpoints(
        log, [*(s.touchpoint for s in checked), *(e.touchpoint for e in exclusions)]
    )
    for column in sorted({w.column for s in checked for w in s.where}):
        require_column(log, column, purpose="a step's condition")
    distinct = list(dict.fromkeys(checked))
    names = {s: s.touchpoint if not s.where else f"{_PRIVATE}{i}" for i, s in enumerate(distinct)}
    _check_disjoint(log, distinct)
    excluded = tuple(
        tuple(sorted({e.touchpoint for e in exclusions if e.covers(k, n)})) for k in range(1, n + 1)
    )
    return FunnelDefinition(
        steps=checked,
        labels=tuple(names[s] for s in checked),
        relabel=tuple((names[s], s.expression()) for s in distinct if s.where),
        excluded=excluded,
    )


def _check_disjoint(log: EventLog, distinct: list[Step]) -> None:
    """Raise when two different steps on one touchpoint both match some event."""
    by_touchpoint: dict[str, list[Step]] = {}
    for step in distinct:
        by_touchpoint.setdefault(step.touchpoint, []).append(step)
    pairs = [
        (a, b)
        for group in by_touchpoint.values()
        for i, a in enumerate(group)
        for b in group[i + 1 :]
    ]
    if not pairs:
        return
    both = {
        f"_{i}": (a.expression() & b.expression()).cast(nw.Int64).sum()
        for i, (a, b) in enumerate(pairs)
    }
    counts = log.frame.select(**both).collect("polars").row(0)
    for (a, b), count in zip(pairs, counts, strict=True):
        if count:
            msg = (
                f"the steps {a.label!r} and {b.label!r} both match {count:,} events; "
                "give them conditions that do not overlap"
            )
            raise AnalysisError(msg)

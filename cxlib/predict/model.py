"""One trained :class:`JourneyModel`: the next-touchpoint model and the conversion model together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from cxlib.errors import AnalysisError
from cxlib.log import EventLog
from cxlib.predict.nextstep import NextStepModel, fit_next_step, next_distribution
from cxlib.predict.propensity import (
    PropensityModel,
    feature_spec,
    fit_propensity,
    score_in_flight,
    score_prefix,
)

__all__ = [
    "JourneyModel",
    "conversion_chance",
    "drivers",
    "fit",
    "next_touchpoints",
    "propensity",
    "rank_in_flight",
]


@dataclass(frozen=True)
class JourneyModel:
    """What :func:`fit` learned from a log: ``next_step`` (what comes next) and ``conversion``."""

    goal: str
    next_step: NextStepModel
    conversion: PropensityModel


def fit(
    log: EventLog,
    *,
    goal: str,
    order: int = 3,
    min_support: int = 10,
    horizon: str | None = None,
    stages: Mapping[str, str] | None = None,
    seed: int = 0,
) -> JourneyModel:
    """Train both models on the log.

    Parameters
    ----------
    log
        The event log; journeys are per customer.
    goal
        The conversion touchpoint (a customer converts on their first event there).
    order
        The longest context of the next-touchpoint model, in touchpoints (the journey's
        entry counts as one): see :mod:`cxlib.predict.nextstep`.
    min_support
        How many times a context must have been seen to be used over a shorter one.
    horizon
        Count a conversion only when it comes within this time of the cut (``"30d"``);
        ``None``: any time later in the log.
    stages
        An optional mapping touchpoint -> stage; adds "stage reached" features.
    seed
        Seeds the sampling of training prefixes and the classifier.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> paths = {"a": "ad cart buy", "b": "ad home", "c": "ad cart buy", "d": "home"}
    >>> rows = [(c, dt.datetime(2024, 1, 1, 9, i), t) for c, p in paths.items()
    ...         for i, t in enumerate(p.split())]
    >>> log = EventLog.from_frame(pl.DataFrame(rows, orient="row",
    ...     schema=["customer_id", "timestamp", "touchpoint"]))
    >>> model = fit(log, goal="buy", order=2, min_support=1)
    >>> next_touchpoints(model, ["ad"]).rows()
    [('cart', 0.666...), ('home', 0.333...)]
    """
    spec = feature_spec(log, goal=goal, horizon=horizon, stages=stages)
    return JourneyModel(
        goal=goal,
        next_step=fit_next_step(log, order=order, min_support=min_support),
        conversion=fit_propensity(log, spec, seed=seed),
    )


def next_touchpoints(
    model: JourneyModel | NextStepModel, prefix: Sequence[str], n: int | None = 3
) -> pl.DataFrame:
    """The ``n`` most likely next touchpoints after a journey prefix, with their probabilities.

    The prefix is the journey so far, a list of touchpoints (empty: the journey has
    not started, and the answer is the first-touchpoint distribution). EXIT (the
    journey ends) is a possible answer. Unseen or rare contexts back off to shorter
    ones (see :mod:`cxlib.predict.nextstep`). ``n=None`` returns every next token.

    Returns ``touchpoint`` and ``probability``, most likely first (ties by name).
    """
    if n is not None and (not isinstance(n, int) or n < 1):
        msg = f"n={n!r} is not a number of touchpoints; give a whole number of at least 1, or None"
        raise AnalysisError(msg)
    step = model.next_step if isinstance(model, JourneyModel) else model
    _, rows = next_distribution(step, prefix)
    return pl.DataFrame(
        list(rows[:n]), schema={"touchpoint": pl.String, "probability": pl.Float64}, orient="row"
    )


def propensity(model: JourneyModel, log: EventLog) -> pl.DataFrame:
    """Rank the customers still in flight (never reached the goal) by their chance to convert.

    Every customer of the log without a goal event is scored at the end of the log.
    Returns ``customer_id``, ``propensity`` (probability of converting later, within
    the model's horizon when it has one), ``last_touchpoint``, ``events`` and
    ``hours_since_last_event``, most likely first (ties by customer).
    """
    return score_in_flight(model.conversion, log)


def conversion_chance(model: JourneyModel, prefix: Sequence[str]) -> float:
    """The chance that a journey with these touchpoints so far converts later.

    Times, channels and value are unknown for a bare list of touchpoints: the
    classifier takes their means over the training prefixes.
    """
    return score_prefix(model.conversion, prefix)


def drivers(model: JourneyModel) -> pl.DataFrame:
    """The features that drive the conversion prediction, most important first.

    ``coefficient`` is the change in the log-odds of converting for one standard
    deviation more of the feature (positive: raises the chance), ``odds_ratio`` its
    exponential, ``importance`` its absolute value. Feature names read ``count: X``
    (times touchpoint X was seen), ``last: X`` (X is the last touchpoint), ``stage
    reached: S``, ``channel: C`` (events in channel C), ``events``, ``distinct
    touchpoints``, ``hours since first event``, ``hours since last event``, ``value so far``.
    """
    return model.conversion.drivers


def rank_in_flight(
    log: EventLog, *, goal: str, horizon: str | None = None
) -> tuple[JourneyModel, pl.DataFrame]:
    """Train both models on every customer (:func:`fit`), then rank the journeys in flight.

    Returns the model and :func:`propensity` of the same log: the customers who have
    not reached ``goal`` yet, most likely to convert first.
    """
    model = fit(log, goal=goal, horizon=horizon)
    return model, propensity(model, log)

"""Attribution: sharing the credit for a conversion among the touches that led to it.

A **conversion** is a customer's first event at the ``goal`` touchpoint;
the **touches** are the customer's events before it (the conversion event itself
and everything after it get no credit). A conversion with no touch before it (the
customer's first event) has nothing to credit and is left out: the ``conversions``
of the result add up to the converting customers with at least one touch.

Heuristic models split each conversion among its journey's ``n`` touches:

- ``first_touch``: all to the first touch; ``last_touch``: all to the last;
- ``linear``: ``1 / n`` to each;
- ``time_decay``: in proportion to ``2 ** (-age / half_life)``, ``age`` being the
  time from the touch to the conversion;
- ``position`` (40/20/40): 40 % to the first and the last touch, 20 % shared by the
  ones between (one touch: 100 %; two: 50/50).

``markov`` shares the conversions in proportion to each state's removal effect in
the first-order Markov chain of the journeys (:func:`cxlib.removal_effects`).

With ``level="channel"`` the touches are credited to their channel instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import narwhals as nw
import polars as pl

from cxlib.checks import require_touchpoints
from cxlib.conversion.markov import (
    Level,
    conversion_chain,
    journeys_to_conversion,
    removal_effects_of,
)
from cxlib.engines import with_value_at_step
from cxlib.errors import AnalysisError, check_choice
from cxlib.log import EventLog
from cxlib.units import parse_duration

__all__ = ["MODELS", "Model", "attribution", "compare_models"]

Model = Literal["markov", "first_touch", "last_touch", "linear", "time_decay", "position"]
MODELS = ("markov", "first_touch", "last_touch", "linear", "time_decay", "position")


def _weight(model: Model, half_life_us: int) -> nw.Expr:
    """Each touch's share of its journey's conversion (before normalising for time decay)."""
    step, n = nw.col("step"), nw.col("conv_step") - 1
    if model == "first_touch":
        return (step == 1).cast(nw.Float64)
    if model == "last_touch":
        return (step == n).cast(nw.Float64)
    if model == "linear":
        return 1.0 / n.cast(nw.Float64)
    if model == "position":
        middle = 0.2 / (n - 2).cast(nw.Float64)
        return (
            nw.when(n == 1)
            .then(nw.lit(1.0))
            .when(n == 2)
            .then(nw.lit(0.5))
            .when((step == 1) | (step == n))
            .then(nw.lit(0.4))
            .otherwise(middle)
        )
    # time decay, relative to the last touch so that the largest weight is 1 (no underflow)
    age = (nw.col("last_touch_us") - nw.col("epoch_us")).cast(nw.Float64)
    return (age * (-math.log(2) / half_life_us)).exp()


def attribution(
    log: EventLog,
    *,
    goal: str,
    model: Model = "markov",
    level: Level = "touchpoint",
    value: bool = False,
    half_life: str = "7d",
) -> pl.DataFrame:
    """Credit for conversions at ``goal`` per touchpoint (or channel), by one attribution model.

    Parameters
    ----------
    log
        The event log.
    goal
        The touchpoint that counts as a conversion (a customer's first one).
    model
        ``"markov"`` (removal effect), ``"first_touch"``, ``"last_touch"``,
        ``"linear"``, ``"time_decay"`` or ``"position"``; see the module docstring.
    level
        Credit ``"touchpoint"`` s or ``"channel"`` s.
    value
        Also share the conversions' ``value`` (the value of each conversion event).
    half_life
        For ``time_decay``: a touch this long before the conversion weighs half
        as much as one at the conversion (``"7d"``, ``"12h"``, ...).

    Returns
    -------
    polars.DataFrame
        One row per touchpoint (or channel: the first column is named after
        ``level``) with credit, sorted by ``credit`` descending then name:

        - ``credit``: its share of the conversions (Float64, the column sums to 1);
        - ``conversions``: ``credit`` x attributed conversions (Float64);
        - ``value``: its share of the conversions' value (Float64, null unless
          ``value=True``). Heuristic models share each journey's own value; the
          Markov model shares the total value by ``credit``.

        Empty when no customer converts after at least one touch.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": list("aaabb"),
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 5,
    ...     "touchpoint": ["ad", "mail", "buy", "mail", "buy"]}))
    >>> attribution(log, goal="buy", model="linear").rows()
    [('mail', 0.75, 1.5, None), ('ad', 0.25, 0.5, None)]
    """
    tables = _attributed(
        log, goal=goal, models=[model], level=level, value=value, half_life=half_life
    )
    return tables[model]


def _attributed(
    log: EventLog,
    *,
    goal: str,
    models: Sequence[Model],
    level: Level = "touchpoint",
    value: bool = False,
    half_life: str = "7d",
) -> dict[Model, pl.DataFrame]:
    """:func:`attribution` by each of ``models``: the heuristic ones from one pass over the journeys."""
    for model in models:
        check_choice(model, MODELS, name="model", what="an attribution model")
    if value and not log.has("value"):
        msg = "value=True needs a value column and the log has none; map one when loading it"
        raise AnalysisError(msg)
    half_life_us = parse_duration(half_life)
    if half_life_us <= 0:
        msg = f"half_life={half_life!r} must be longer than zero, e.g. '7d'"
        raise AnalysisError(msg)
    heuristic = [m for m in dict.fromkeys(models) if m != "markov"]
    tables = _heuristics(log, goal=goal, models=heuristic, level=level, half_life_us=half_life_us)
    if "markov" in models:
        tables["markov"] = _markov(log, goal=goal, level=level)
    return {model: _credited(table, level=level, value=value) for model, table in tables.items()}


def _credited(table: pl.DataFrame, *, level: Level, value: bool) -> pl.DataFrame:
    """A model's conversions and value per touchpoint, with their credit, as :func:`attribution` gives them."""
    # SQL engines sum only-null values to null where Polars gives 0: the same answer here
    table = table.with_columns(
        value=pl.col("value").fill_null(0.0) if value else pl.lit(None, pl.Float64)
    )
    total = table["conversions"].sum()
    return (
        table.filter(pl.col("conversions") > 0)
        .with_columns(credit=(pl.col("conversions") / total).cast(pl.Float64))
        .select(
            pl.col(level).cast(pl.String),
            "credit",
            "conversions",
            pl.col("value").cast(pl.Float64),
        )
        .sort(["credit", level], descending=[True, False])
    )


def _heuristics(
    log: EventLog, *, goal: str, models: Sequence[Model], level: Level, half_life_us: int
) -> dict[Model, pl.DataFrame]:
    """Conversions and value per touchpoint by each heuristic model of ``models``, in one query."""
    if not models:
        return {}
    valued = log.has("value")
    steps = journeys_to_conversion(log, goal=goal, level=level, columns=["value"] * valued)
    customer = steps.customer
    frame = steps.frame
    # Each conversion's value and the time of its last touch, where the models read them.
    read = [("value", "conv_value", 0)] if valued else []
    if "time_decay" in models:
        read.append(("epoch_us", "last_touch_us", -1))
    for column, made, offset in read:
        if steps.ordered:  # each journey's rows in order: the event is rows away, no window
            frame = with_value_at_step(frame, column, "conv_step", made, offset=offset)
        else:  # each window over the customers costs a pass
            at = nw.col("step") == nw.col("conv_step") + offset
            frame = frame.with_columns(
                nw.when(at).then(nw.col(column)).max().over(customer).alias(made)
            )
    if not valued:
        frame = frame.with_columns(conv_value=nw.lit(None, nw.Float64))
    touches = (
        frame.with_columns(nw.col("conv_value").cast(nw.Float64))
        .filter(nw.col("step") < nw.col("conv_step"))
        .with_columns(**{f"_weight_{m}": _weight(m, half_life_us) for m in models})
    )
    if "time_decay" in models:
        decay = nw.col("_weight_time_decay")
        touches = touches.with_columns(_weight_time_decay=decay / decay.sum().over(customer))
    sums: pl.DataFrame = (
        touches.group_by("touchpoint")
        .agg(
            **{f"_conversions_{m}": nw.col(f"_weight_{m}").sum().cast(nw.Float64) for m in models},
            **{
                f"_value_{m}": (nw.col(f"_weight_{m}") * nw.col("conv_value"))
                .sum()
                .cast(nw.Float64)
                for m in models
            },
        )
        .collect("polars")
        .to_native()
    )
    if sums.height == 0:
        require_touchpoints(log, [goal])
    name = pl.col("touchpoint").cast(pl.String).alias(level)
    return {
        m: sums.select(name, conversions=f"_conversions_{m}", value=f"_value_{m}") for m in models
    }


def _markov(log: EventLog, *, goal: str, level: Level) -> pl.DataFrame:
    chain = conversion_chain(log, goal=goal, level=level)
    effects = removal_effects_of(chain.counts, level=level)
    attributed = chain.conversions - chain.direct
    if attributed == 0:  # no touch before any conversion: nothing to share
        effects = effects.clear()
    share = pl.col("removal_effect") / pl.col("removal_effect").sum()
    return effects.select(
        level,
        conversions=(share * attributed).cast(pl.Float64),
        value=(share * chain.value).cast(pl.Float64) if chain.value is not None else pl.lit(None),
    )


def compare_models(
    log: EventLog, *, goal: str, models: Sequence[Model], **options: Any
) -> pl.DataFrame:
    """:func:`attribution` by each of ``models``, stacked, with a ``model`` column.

    ``options`` are :func:`attribution`'s other keywords.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a"],
    ...     "timestamp": [dt.datetime(2024, 1, 1, 9, m) for m in (0, 1)],
    ...     "touchpoint": ["ad", "buy"]}))
    >>> compare_models(log, goal="buy", models=["first_touch", "linear"])[
    ...     ["model", "touchpoint", "conversions"]].rows()
    [('first_touch', 'ad', 1.0), ('linear', 'ad', 1.0)]
    """
    # The heuristic models share one pass over the journeys (their weights side by side).
    tables = _attributed(log, goal=goal, models=models, **options)
    stacked = [tables[model].with_columns(model=pl.lit(model)) for model in models]
    return pl.concat(stacked) if stacked else pl.DataFrame()

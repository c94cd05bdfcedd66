"""Findings about where journeys go.

The largest drop-off, the opening that converts best, the touchpoint whose removal
costs most conversions, the moment of truth. Each function takes the log (and the goal) and returns a :class:`~cxlib.story.model.Finding`,
or a note (a string) saying why the data cannot support it.
"""

from __future__ import annotations

import math
import statistics
from typing import Any

import narwhals as nw
import polars as pl

from cxlib.analyses.dropoffs import wilson_interval
from cxlib.conversion.goal import reach, with_conversion_step
from cxlib.conversion.importance import touchpoint_importance
from cxlib.conversion.markov import (
    Chain,
    conversion_chains,
    removal_effects,
    removal_effects_of,
)
from cxlib.journeys import collapse_repeats, kept
from cxlib.log import EventLog
from cxlib.story.model import Finding, estimates, estimates_of, interval_text, percent

__all__ = [
    "CHART_ROWS",
    "GROUPS",
    "STEP_OF_PROCESS",
    "conversion_counts",
    "dropoff",
    "moment_of_truth",
    "opening",
    "removal",
]

#: Random groups of customers the removal effect's interval is estimated from.
GROUPS = 10
#: Two-sided 95% quantile of Student's t with GROUPS - 1 = 9 degrees of freedom.
_T9 = 2.2621571627409915
#: Share of the converting customers above which a touchpoint is a step of the process.
STEP_OF_PROCESS = 0.95
#: Touchpoints a finding's chart draws at most.
CHART_ROWS = 8


def conversion_counts(log: EventLog, goal: str | None) -> tuple[int, int | None]:
    """Customers of the log, and those who reached ``goal`` (``None`` without a goal)."""
    counted = reach(log, goal)
    return counted.customers, None if goal is None else counted.conversions


#: The touchpoint as text, in a count's result.
_TEXT = nw.col("touchpoint").cast(nw.String)


def _wilson_rows(table: pl.DataFrame, hits: str, trials: str) -> pl.DataFrame:
    bounds = [wilson_interval(x, n) for x, n in table.select(hits, trials).iter_rows()]
    return table.with_columns(
        rate=pl.col(hits) / pl.col(trials),
        low=pl.Series([b[0] for b in bounds], dtype=pl.Float64),
        high=pl.Series([b[1] for b in bounds], dtype=pl.Float64),
    )


def dropoff(log: EventLog, *, goal: str | None, min_customers: int) -> Finding | str:
    """The touchpoint where the most customers end their journey without reaching ``goal``.

    Of the customers who reached a touchpoint (before their first conversion), the share
    whose journey ended there without converting, with its Wilson interval. Impact: those
    customers. Touchpoints reached by fewer than ``min_customers`` are not considered. A
    touchpoint that ends every journey reaching it (an end marker such as ``lost``) is not
    a place to go on from: its journeys count where they were before it.
    """
    table = reach(log, goal).table
    markers = table.filter(
        pl.col("exits") == pl.col("customers"), pl.col("customers") >= min_customers
    )["touchpoint"].to_list()
    if markers:
        unmarked = kept(
            log, ~nw.col("touchpoint").cast(nw.String).is_in(markers), columns=["touchpoint"]
        )
        table = reach(unmarked, goal).table
    table = table.filter(pl.col("customers") >= min_customers, pl.col("exits") > 0).sort(
        ["exits", "touchpoint"], descending=[True, False]
    )
    if table.is_empty():
        return f"No touchpoint reached by {min_customers:,} customers or more ends journeys."
    table = _wilson_rows(table.head(CHART_ROWS), "exits", "customers")
    top = table.row(0, named=True)
    without = f" without reaching {goal}" if goal else ""
    marked = f" (journeys that end with {', '.join(markers)} counted where they were before)"
    return Finding(
        kind="dropoff",
        sentence=(
            f"The largest drop-off is at {top['touchpoint']}: {top['exits']:,} of the "
            f"{top['customers']:,} customers who reached it ({percent(top['rate'])}, "
            f"{interval_text((top['low'], top['high']))}) left there{without}"
            f"{marked if markers else ''}."
        ),
        number=top["rate"],
        interval=(top["low"], top["high"]),
        impact=float(top["exits"]),
        page="dropoffs",
        query=(("dropoffs_after", top["touchpoint"]),),
        chart=estimates_of(table, label="touchpoint", value="rate", chosen=top["touchpoint"]),
        axis=f"customers who left there{without}, of those who reached it",
    )


def removal(log: EventLog, *, goal: str, min_conversions: int) -> Finding | str:
    """The touchpoint whose removal from the journeys loses the most conversions.

    Its Markov removal effect (:func:`cxlib.removal_effects`), with a 95% interval by
    random groups: the customers are split into :data:`GROUPS` groups, the effect is
    computed in each, and the interval is the estimate ± t₉ · their standard deviation
    / √GROUPS. Touchpoints met by :data:`STEP_OF_PROCESS` of the converting customers or
    more are left aside. Impact: the conversions lost (effect × conversions).
    """
    counted = reach(log, goal)
    converted = counted.conversions
    if converted < min_conversions:
        return (
            f"Only {converted:,} customers reached {goal}: too few to tell which touchpoint "
            f"the conversions depend on (at least {min_conversions:,} are needed)."
        )
    met = dict(counted.table.select("touchpoint", "conversions").iter_rows())
    # A touchpoint (nearly) every converting customer meets is a step of the process: its
    # removal loses (nearly) everything, which says nothing a facilitator can act on.
    steps_of_process = {n for n, c in met.items() if c >= STEP_OF_PROCESS * converted}
    # The groups' chains first: the whole log's is their sum, kept for removal_effects.
    chains = conversion_chains(log, goal=goal, groups=GROUPS)
    effects = removal_effects(log, goal=goal).filter(
        ~pl.col("touchpoint").is_in(list(steps_of_process)), pl.col("removal_effect") > 0
    )
    if effects.is_empty():
        return (
            f"No touchpoint that only some customers meet before {goal} carries conversions "
            "(those every converting customer meets are steps of the process)."
        )
    shown = effects.head(CHART_ROWS)
    spread = None if chains is None else _group_effects(chains, shown["touchpoint"].to_list())
    if spread is None:
        return f"Too few customers reached {goal} in each random group to bound the removal effect."
    rows = []
    for name, effect in shown.iter_rows():
        half = _T9 * statistics.stdev(spread[name]) / math.sqrt(GROUPS)
        rows.append((name, effect, max(0.0, effect - half), min(1.0, effect + half)))
    name, effect, low, high = rows[0]
    return Finding(
        kind="removal",
        sentence=(
            f"{name} carries the most conversions: without it {percent(effect)} of them "
            f"({interval_text((low, high))}) would not happen, about {effect * converted:,.0f} "
            f"of the {converted:,} customers who reached {goal} (Markov removal effect)."
        ),
        number=effect,
        interval=(low, high),
        impact=effect * converted,
        page="graph",
        query=(("graph_focus", name),),
        chart=estimates([(n, e, lo, hi, met.get(n, 0), n == name) for n, e, lo, hi in rows]),
        axis=f"share of the conversions to {goal} lost without the touchpoint",
        # Not the conversions lost the sentence counts: who the estimate rests on.
        counted="converters met it",
    )


def _group_effects(chains: list[Chain], names: list[str]) -> dict[str, list[float]] | None:
    """Each touchpoint's removal effect in each random group of customers (None: too few)."""
    spread: dict[str, list[float]] = {name: [] for name in names}
    for chain in chains:
        effects = dict(removal_effects_of(chain.counts).iter_rows())
        if not effects:
            return None
        for name in names:
            spread[name].append(effects.get(name, 0.0))
    return spread


def moment_of_truth(log: EventLog, *, goal: str, min_ratings: int) -> Finding | str:
    """The moment of truth: the most important touchpoint among those rated worst.

    From :func:`cxlib.touchpoint_importance` with satisfaction ratings: importance (the
    removal effect) above the median touchpoint's and mean rating below the median. Its
    mean rating with a normal 95% interval. Impact: customers who reached it (before
    converting) and did not convert.
    """
    if not log.has("rating"):
        return (
            "This log has no satisfaction ratings: the moments of truth (important "
            "touchpoints that customers rate badly) cannot be told."
        )
    table = touchpoint_importance(log, goal=goal, importance="removal_effect")
    rated = table.filter(pl.col("performance_n") >= min_ratings)
    truths = rated.filter("moment_of_truth")
    if truths.is_empty():
        return (
            "No touchpoint rated at least "
            f"{min_ratings:,} times is both more important and worse rated than the median one."
        )
    top = truths.row(0, named=True)
    median = float(rated["performance"].median())  # type: ignore[arg-type]
    chart = estimates(
        [
            (
                row["touchpoint"],
                row["performance"],
                row["performance_low"],
                row["performance_high"],
                row["performance_n"],
                row["touchpoint"] == top["touchpoint"],
            )
            for row in rated.sort("performance").head(CHART_ROWS).iter_rows(named=True)
        ]
    )
    interval = (top["performance_low"], top["performance_high"])
    return Finding(
        kind="moment_of_truth",
        sentence=(
            f"{top['touchpoint']} is a moment of truth: without it {percent(top['importance'])} "
            f"of the conversions would be lost, and customers rate it {top['performance']:.1f} "
            f"on average ({interval_text(interval, share=False)}, {top['performance_n']:,} "
            f"ratings), below the {median:.1f} of the typical rated touchpoint."
        ),
        number=top["performance"],
        interval=interval,
        impact=float(top["customers"] - top["conversions"]),
        page="attribution",
        query=(("importance_measure", "removal_effect"),),
        chart=chart,
        axis="mean rating (95% interval)",
        baseline=median,
        is_share=False,
    )


def opening(log: EventLog, *, goal: str, min_customers: int) -> Finding | str:
    """The way into the journey that converts best, against the most common one.

    A customer's opening is their first touchpoint (repeats collapsed); when one first
    touchpoint holds 80% of the customers or more, it is their first two, among the
    customers who met a second touchpoint before the goal. Customers whose first event
    is the goal have none. Openings of ``min_customers`` customers or more
    are compared by conversion rate (Wilson intervals); the best one must be clearly
    above the most common (its interval above the other's). Impact: the conversions the
    most common opening would gain converting as well as the best.
    """
    # One row per customer, their first step: the second is the touchpoint after it.
    conv_step = nw.col("conv_step")
    per_customer = (
        with_conversion_step(collapse_repeats(log), goal)
        .first_steps()
        .filter(conv_step.is_null() | (conv_step > 1))
        .select(
            first=_TEXT,
            second=nw.when(conv_step.is_null() | (conv_step > 2)).then(
                nw.col("next_touchpoint").cast(nw.String)
            ),
            converted=(~conv_step.is_null()).cast(nw.Int64),
        )
    )
    firsts = _openings(per_customer, nw.col("first"))
    total = int(firsts["customers"].sum())
    if firsts.height and firsts["customers"][0] >= 0.8 * total:
        two = nw.concat_str(nw.col("first"), nw.lit(" → "), nw.col("second"))
        firsts = _openings(per_customer.filter(~nw.col("second").is_null()), two)
    candidates = _wilson_rows(
        firsts.filter(pl.col("customers") >= min_customers), "conversions", "customers"
    )
    if candidates.height < 2:
        return f"Fewer than two ways into the journeys have {min_customers:,} customers or more."
    common = candidates.row(0, named=True)
    best = candidates.sort(["rate", "opening"], descending=[True, False]).row(0, named=True)
    if best["opening"] == common["opening"] or best["low"] <= common["high"]:
        return (
            f"No way into the journeys converts clearly better than the most common one, "
            f"{common['opening']}."
        )
    shown = candidates.head(CHART_ROWS)
    if best["opening"] not in shown["opening"].to_list():
        shown = pl.concat([shown, candidates.filter(pl.col("opening") == best["opening"])])
    rate = int(candidates["conversions"].sum()) / int(candidates["customers"].sum())
    return Finding(
        kind="opening",
        sentence=(
            f"Journeys that start with {best['opening']} convert best: {percent(best['rate'])} "
            f"of the {best['customers']:,} customers who started there reached {goal} "
            f"({interval_text((best['low'], best['high']))}), against {percent(common['rate'])} "
            f"of the {common['customers']:,} who started with {common['opening']}, the most "
            "common start."
        ),
        number=best["rate"],
        interval=(best["low"], best["high"]),
        impact=common["customers"] * (best["rate"] - common["rate"]),
        page="paths",
        query=(("paths_from", best["opening"].split(" → ")[0]),),
        chart=estimates_of(shown, label="opening", value="rate", chosen=best["opening"]),
        axis=f"customers who reached {goal}, of those who started this way",
        baseline=rate,
    )


def _openings(per_customer: nw.LazyFrame[Any], opening: nw.Expr) -> pl.DataFrame:
    table: pl.DataFrame = (
        per_customer.group_by(opening.alias("opening"))
        .agg(
            customers=nw.len().cast(nw.Int64),
            conversions=nw.col("converted").sum().cast(nw.Int64),
        )
        .collect("polars")
        .to_native()
        .sort(["customers", "opening"], descending=[True, False])
    )
    return table

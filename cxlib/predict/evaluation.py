"""Honest evaluation: train on some customers, score on the others, compare with baselines.

Next touchpoint: every event of a held-out journey is a question "what comes next?"
(EXIT included after the last event). ``next_top1`` is the share answered right by
the model's most likely touchpoint, ``next_top3`` the share whose answer is among its
three most likely. ``next_top1_baseline`` is the first-order baseline: the most
frequent next touchpoint after the current touchpoint in the training journeys (a
fairer bar than the single globally most frequent next, ``next_top1_global``: an
order-3 model must beat a first-order one to earn its keep).

Conversion: each held-out journey is cut as in training (see
:mod:`cxlib.predict.features`). ``auc`` is the ROC AUC of the model's propensity
(the chance that a prefix that converted later scores above one that did not),
``auc_baseline`` that of the conversion rate of the prefix's last touchpoint in the
training prefixes. ``precision_top_decile`` is the share of converting prefixes
among the tenth scored highest (``base_rate``: among all). ``calibration`` lists,
per tenth of the probability scale, the mean predicted propensity against the
observed conversion rate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

import narwhals as nw
import numpy as np
import polars as pl

from cxlib.errors import AnalysisError, check_choice
from cxlib.log import ENTRY, EventLog
from cxlib.predict.features import cut_features
from cxlib.predict.nextstep import (
    NextStepModel,
    context_counts,
    fit_next_step,
    next_distribution,
)
from cxlib.predict.propensity import feature_spec, score_rows, train

__all__ = ["MIN_CLASS", "CalibrationBin", "Evaluation", "evaluate"]

#: Converters and non-converters needed, each, before conversion scores mean anything.
MIN_CLASS = 300

Split = Literal["customer", "time"]


@dataclass(frozen=True)
class CalibrationBin:
    """One tenth of the probability scale: the mean predicted propensity against the observed rate."""

    #: The tenth, e.g. ``"0.3-0.4"``.
    bin: str
    #: Mean propensity the model gave the held-out prefixes in the bin.
    predicted: float
    #: Share of those prefixes that converted.
    observed: float
    #: Held-out prefixes in the bin.
    n: int


@dataclass(frozen=True)
class Evaluation:
    """Both models scored on held-out customers (:func:`evaluate`; terms in the module docstring).

    Scores that cannot be computed are ``None``; ``message`` says why.
    """

    #: How customers were held out: ``"customer"`` or ``"time"``.
    split: str
    #: Customers trained on and held out.
    n_train: int
    n_holdout: int
    #: Customers of the whole log who reached the goal, and who did not.
    n_converters: int
    n_non_converters: int
    #: Next touchpoint: share right at the top 1 and in the top 3, and the top-1 shares of
    #: the first-order baseline and of the globally most frequent next touchpoint.
    next_top1: float | None
    next_top3: float | None
    next_top1_baseline: float | None
    next_top1_global: float | None
    #: Next-touchpoint questions asked of the held-out journeys.
    n_holdout_steps: int
    #: Whether there were enough converters and non-converters to score conversion.
    enough_data: bool
    #: Conversion: ROC AUC of the model and of the last-touchpoint baseline.
    auc: float | None
    auc_baseline: float | None
    #: Share of converting prefixes among the tenth scored highest, by model and baseline.
    precision_top_decile: float | None
    precision_top_decile_baseline: float | None
    #: Share of converting prefixes among all held-out prefixes.
    base_rate: float | None
    #: Predicted against observed conversion per tenth of the scale (bins with prefixes).
    calibration: tuple[CalibrationBin, ...]
    #: Held-out journey prefixes scored for conversion.
    n_holdout_prefixes: int
    #: One sentence for people: what was scored, or why conversion was not.
    message: str


def evaluate(
    log: EventLog,
    *,
    goal: str,
    seed: int = 0,
    holdout: float = 0.25,
    split: Split = "customer",
    order: int = 3,
    min_support: int = 10,
    horizon: str | None = None,
    stages: Mapping[str, str] | None = None,
    min_class: int = MIN_CLASS,
) -> Evaluation:
    """Train on part of the customers and measure both models on the rest.

    Parameters
    ----------
    log
        The event log.
    goal
        The conversion touchpoint.
    seed
        Seeds the split, the sampling of prefixes and the classifier.
    holdout
        The share of customers held out for scoring.
    split
        ``"customer"``: a seeded random sample of customers is held out;
        ``"time"``: the customers whose journeys started last are held out (the model
        is scored on the future, as it will be used).
    order, min_support, horizon, stages
        As in :func:`cxlib.predict.fit`.
    min_class
        Converters and non-converters the log needs, each, for the conversion scores.

    Returns
    -------
    Evaluation
        The scores of both models and their baselines, with the counts behind them.
    """
    if not isinstance(holdout, float | int) or not 0 < holdout < 1:
        msg = f"holdout={holdout!r} is not a share; give a number between 0 and 1, e.g. 0.25"
        raise AnalysisError(msg)
    customers = _customers(log, goal)
    held = _holdout_customers(customers, holdout=holdout, split=split, seed=seed)
    in_holdout = nw.col("customer_id").is_in(held)
    train_log = log.with_frame(log.frame.filter(~in_holdout))
    test_log = log.with_frame(log.frame.filter(in_holdout))
    converters = int(customers["converted"].sum())
    result: dict[str, Any] = {
        "split": split,
        "n_train": customers.height - len(held),
        "n_holdout": len(held),
        "n_converters": converters,
        "n_non_converters": customers.height - converters,
    }
    if not held or result["n_train"] == 0:
        msg = (
            f"the log has {customers.height} customer(s): too few to hold some out; load more data"
        )
        raise AnalysisError(msg)
    result |= _next_step_scores(
        fit_next_step(train_log, order=order, min_support=min_support), test_log
    )
    enough = converters >= min_class and result["n_non_converters"] >= min_class
    result["enough_data"] = enough
    if enough:
        spec = feature_spec(train_log, goal=goal, horizon=horizon, stages=stages)
        result |= _conversion_scores(
            cut_features(train_log, spec, cuts="training"),
            cut_features(test_log, spec, cuts="training"),
            spec=spec,
            seed=seed,
        )
        result["message"] = (
            f"Scored on {len(held)} held-out customers ({split} split): "
            f"{result['n_holdout_steps']} next-touchpoint questions, "
            f"{result['n_holdout_prefixes']} journey prefixes."
        )
    else:
        result |= dict.fromkeys(
            ["auc", "auc_baseline", "precision_top_decile", "precision_top_decile_baseline"]
        )
        result |= {"base_rate": None, "calibration": (), "n_holdout_prefixes": 0}
        result["message"] = (
            f"Too little data to judge the conversion model: {converters} converters and "
            f"{result['n_non_converters']} non-converters reached {goal!r} or not; at least "
            f"{min_class} of each are needed, so no conversion score is shown. "
            "The next-touchpoint scores stand on their own."
        )
    return Evaluation(**result)


def _customers(log: EventLog, goal: str) -> pl.DataFrame:
    table: pl.DataFrame = (
        log.frame.group_by("customer_id")
        .agg(
            first_us=nw.col("epoch_us").min(),
            converted=(nw.col("touchpoint") == goal).cast(nw.Int64).max(),
        )
        .collect("polars")
        .to_native()
    )
    return table.sort("first_us", "customer_id")


def _holdout_customers(
    customers: pl.DataFrame, *, holdout: float, split: Split, seed: int
) -> list[Any]:
    check_choice(split, get_args(Split), name="split", what="a way to hold customers out")
    size = round(customers.height * holdout)
    ids = customers["customer_id"]
    if split == "time":  # sorted by first event: the latest starters
        return ids.tail(size).to_list() if size else []
    order = np.random.default_rng(seed).permutation(customers.height)[:size]
    return ids.gather(np.sort(order)).to_list()


def _next_step_scores(model: NextStepModel, test_log: EventLog) -> dict[str, Any]:
    table = context_counts(test_log, order=model.order)
    back = [c for c in table.columns if c.startswith("prev_")]
    overall = model.counts[()][0][0]
    hits = {"top1": 0, "top3": 0, "baseline": 0, "global": 0}
    total = 0
    for row in table.iter_rows(named=True):
        prefix = [row[c] for c in back if row[c] not in (None, ENTRY)] + [row["touchpoint"]]
        actual, count = row["next_touchpoint"], row["count"]
        ranked = [nxt for nxt, _ in next_distribution(model, prefix)[1][:3]]
        first_order = next_distribution(model, prefix, max_order=1)[1][0][0]
        hits["top1"] += count * (ranked[0] == actual)
        hits["top3"] += count * (actual in ranked)
        hits["baseline"] += count * (first_order == actual)
        hits["global"] += count * (overall == actual)
        total += count
    share = {k: (v / total if total else None) for k, v in hits.items()}
    return {
        "next_top1": share["top1"],
        "next_top3": share["top3"],
        "next_top1_baseline": share["baseline"],
        "next_top1_global": share["global"],
        "n_holdout_steps": total,
    }


def _conversion_scores(
    train_rows: pl.DataFrame, test_rows: pl.DataFrame, *, spec: Any, seed: int
) -> dict[str, Any]:
    from sklearn.metrics import roc_auc_score  # slow to import: only when scoring

    model = train(train_rows, spec, seed=seed)
    labels = test_rows["label"].to_numpy()
    scores = score_rows(model, test_rows)
    rates = train_rows.group_by("touchpoint").agg(rate=pl.col("label").mean())
    baseline = (
        test_rows.select("touchpoint")
        .join(rates, on="touchpoint", how="left", maintain_order="left")["rate"]
        # Polars types a Series' mean as any Python value; of the 0/1 labels (some of
        # each, or train would have refused them) it is a float.
        .fill_null(cast("float", train_rows["label"].mean()))
        .to_numpy()
    )
    both = 0 < labels.sum() < len(labels)
    return {
        "auc": float(roc_auc_score(labels, scores)) if both else None,
        "auc_baseline": float(roc_auc_score(labels, baseline)) if both else None,
        "precision_top_decile": _precision_top_decile(labels, scores),
        "precision_top_decile_baseline": _precision_top_decile(labels, baseline),
        "base_rate": float(labels.mean()) if len(labels) else None,
        "calibration": _calibration(labels, scores),
        "n_holdout_prefixes": len(labels),
    }


def _precision_top_decile(labels: np.ndarray, scores: np.ndarray) -> float | None:
    if len(labels) == 0:
        return None
    top = np.argsort(-scores, kind="stable")[: max(1, int(np.ceil(len(labels) / 10)))]
    return float(labels[top].mean())


def _calibration(
    labels: np.ndarray, scores: np.ndarray, bins: int = 10
) -> tuple[CalibrationBin, ...]:
    which = np.minimum((scores * bins).astype(int), bins - 1)
    out = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            out.append(
                CalibrationBin(
                    bin=f"{b / bins:.1f}-{(b + 1) / bins:.1f}",
                    predicted=float(scores[mask].mean()),
                    observed=float(labels[mask].mean()),
                    n=int(mask.sum()),
                )
            )
    return tuple(out)

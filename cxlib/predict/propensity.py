"""The conversion propensity model: how likely a journey in flight is to reach the goal.

Trained on prefixes of journeys whose outcome is known (see
:mod:`cxlib.predict.features`), with scikit-learn's
:class:`~sklearn.linear_model.LogisticRegression` on standardized features. It was
chosen over gradient boosting after measuring both on the three sample scenarios:
its ROC AUC was as high or higher (0.79-0.93 against 0.78-0.89), its probabilities
better calibrated (log-loss fitted by a linear model, mean calibration error
0.01-0.03 against 0.05-0.10 for the boosted trees, which grew overconfident), it
trains in a fraction of a second where boosting took many seconds on two busy cores,
and its coefficients say directly which touchpoints raise or lower the chance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import narwhals as nw
import numpy as np
import polars as pl

from cxlib.errors import AnalysisError
from cxlib.log import EventLog
from cxlib.predict.features import FeatureSpec, cut_features, feature_matrix, prefix_matrix
from cxlib.units import parse_duration

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

__all__ = [
    "PropensityModel",
    "feature_spec",
    "fit_propensity",
    "score_in_flight",
    "score_prefix",
    "score_rows",
    "train",
]

#: Prefixes the classifier trains on at most (a seeded sample beyond that). Its 50 or so
#: coefficients are settled well before: evaluated at 1M events (312k training prefixes,
#: seeds 0 and 1), 100k gave the same ROC AUC as 200k to 4 decimals (0.7749, 0.7744),
#: top-decile precision within 0.002 and a calibration gap within 0.003, in half the time.
MAX_EXAMPLES = 100_000


@dataclass(frozen=True)
class PropensityModel:
    """A trained conversion classifier with the feature vocabulary it was trained on.

    ``classifier`` is a scikit-learn pipeline: mean imputation (for features a bare
    list of touchpoints cannot give), standardization, logistic regression.
    ``drivers`` lists the features by the size of their coefficient.
    """

    spec: FeatureSpec
    classifier: Pipeline
    drivers: pl.DataFrame
    n_examples: int
    base_rate: float


def feature_spec(
    log: EventLog,
    *,
    goal: str,
    horizon: str | None = None,
    stages: Mapping[str, str] | None = None,
) -> FeatureSpec:
    """The feature vocabulary of a log: its touchpoints, channels, stages and value column."""
    touchpoints = tuple(_distinct(log, "touchpoint"))
    if goal not in touchpoints:
        msg = f"the goal {goal!r} never occurs in the log; pick one of its touchpoints, e.g. {touchpoints[:5]!r}"
        raise AnalysisError(msg)
    return FeatureSpec(
        goal=goal,
        touchpoints=touchpoints,
        channels=tuple(_distinct(log, "channel")) if log.has("channel") else (),
        stages=dict(stages) if stages else None,
        has_value=log.has("value"),
        horizon_us=None if horizon is None else parse_duration(horizon),
    )


def fit_propensity(
    log: EventLog,
    spec: FeatureSpec,
    *,
    seed: int = 0,
    max_examples: int = MAX_EXAMPLES,
) -> PropensityModel:
    """Train the classifier on the training cuts of every journey of the log."""
    return train(
        cut_features(log, spec, cuts="training"), spec, seed=seed, max_examples=max_examples
    )


def train(
    rows: pl.DataFrame, spec: FeatureSpec, *, seed: int = 0, max_examples: int = MAX_EXAMPLES
) -> PropensityModel:
    """Train the classifier on training cuts already computed by :func:`cut_features`."""
    if rows.height > max_examples:
        rows = rows.sample(max_examples, seed=seed).sort("customer_id", "step")
    labels = rows["label"].to_numpy()
    positives = int(labels.sum())
    if positives == 0 or positives == len(labels):
        kind = "none" if positives == 0 else "all"
        msg = (
            f"{kind} of the {len(labels)} journey prefixes before {spec.goal!r} convert later: "
            "the model cannot learn a difference; widen the horizon, pick another goal or load more data"
        )
        raise AnalysisError(msg)
    # scikit-learn is imported here, not with cxlib: it takes seconds to import.
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    features = feature_matrix(rows, spec)
    classifier = make_pipeline(
        SimpleImputer(strategy="mean"),
        StandardScaler(),
        LogisticRegression(C=1.0, max_iter=2_000),
    )
    # One BLAS thread: on two shared cores, more threads spin and took 2.5 times longer.
    with threadpool_limits(1):
        classifier.fit(features, labels)
    return PropensityModel(
        spec=spec,
        classifier=classifier,
        drivers=_drivers(classifier, spec.names),
        n_examples=len(labels),
        base_rate=positives / len(labels),
    )


def score_rows(model: PropensityModel, rows: pl.DataFrame) -> np.ndarray:
    """The propensity of each :func:`cut_features` row."""
    if rows.height == 0:
        return np.zeros(0)
    scores: np.ndarray = model.classifier.predict_proba(feature_matrix(rows, model.spec))[:, 1]
    return scores


def score_in_flight(model: PropensityModel, log: EventLog) -> pl.DataFrame:
    """Score every customer of the log who has not reached the goal, at the end of the log.

    Returns ``customer_id``, ``propensity``, ``last_touchpoint``, ``events`` and
    ``hours_since_last_event``, most likely to convert first (ties by customer).
    """
    rows = cut_features(log, model.spec, cuts="current")
    scores = score_rows(model, rows)
    return rows.select(
        "customer_id",
        propensity=pl.Series(scores, dtype=pl.Float64),
        last_touchpoint=pl.col("touchpoint"),
        events=pl.col("step").cast(pl.Int64),
        hours_since_last_event=((pl.col("now_us") - pl.col("epoch_us")) / 3.6e9).cast(pl.Float64),
    ).sort(["propensity", "customer_id"], descending=[True, False])


def score_prefix(model: PropensityModel, prefix: Sequence[str]) -> float:
    """The propensity of a bare list of touchpoints (times, channels and value unknown)."""
    return float(model.classifier.predict_proba(prefix_matrix(list(prefix), model.spec))[0, 1])


def _drivers(classifier: Pipeline, names: list[str]) -> pl.DataFrame:
    coefficients = classifier[-1].coef_[0].astype(np.float64)
    return pl.DataFrame(
        {
            "feature": names,
            "coefficient": coefficients,
            "odds_ratio": np.exp(coefficients),
            "importance": np.abs(coefficients),
        }
    ).sort(["importance", "feature"], descending=[True, False])


def _distinct(log: EventLog, column: str) -> list[str]:
    values = log.frame.select(nw.col(column)).unique().collect("polars").to_native()[column]
    return sorted(v for v in values.to_list() if v is not None)

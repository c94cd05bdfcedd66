"""Time cxlib.predict on the benchmark logs: ``python bench/bench_predict.py --sizes 100k,1M``.

The log is loaded once per size (Parquet) and scikit-learn imported before the
clock starts (a cold import costs 1-2 s once per process, not per fit). The table has
one row per size: ``fit`` (:func:`cxlib.predict.fit`, both models, from the loaded
log), ``score 10k`` (:func:`cxlib.predict.propensity` of a log holding only the first
10,000 customers in flight, by id: their journeys sorted, cut and scored), ``score
all`` (every customer in flight of the whole log, after ``fit`` sorted its journeys),
``evaluate`` (:func:`cxlib.predict.evaluate`, 25% of customers held out) and the
accuracy figures evaluate reports, each against its baseline. ``--steps`` adds the
time of each step of the fit. The logs are bench/datasets.py's: the retail sample
scenario, goal ``purchase``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import narwhals as nw
from datasets import ensure_log, parse_size

import cxlib
from cxlib import predict, sample
from cxlib.log import EventLog
from cxlib.predict.features import cut_features
from cxlib.predict.nextstep import fit_next_step
from cxlib.predict.propensity import feature_spec, train

GOAL = sample.GOALS["retail"]
STAGES = sample.STAGES["retail"]
#: Customers in flight in the scoring batch.
BATCH = 10_000

T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def open_log(path: str, engine: str) -> EventLog:
    if engine == "duckdb":
        import duckdb

        return cxlib.load(duckdb.read_parquet(path))
    return cxlib.load(Path(path))


def summary(log: EventLog) -> str:
    """One row of the table: fit, scoring, evaluation and accuracy on ``log``."""
    fit_s, model = timed(lambda: predict.fit(log, goal=GOAL, stages=STAGES))
    all_s, ranked = timed(lambda: predict.propensity(model, log))
    batch = ranked["customer_id"].sort().head(BATCH).to_list()
    in_flight = log.with_frame(log.frame.filter(nw.col("customer_id").is_in(batch)))
    batch_s, scored = timed(lambda: predict.propensity(model, in_flight))
    eval_s, scores = timed(lambda: predict.evaluate(log, goal=GOAL, stages=STAGES))
    return (
        f"{fit_s:.2f} | {batch_s:.2f} ({scored.height:,}) | {all_s:.2f} ({ranked.height:,}) | "
        f"{eval_s:.2f} | {scores.next_top1:.3f} vs {scores.next_top1_baseline:.3f} | "
        f"{scores.auc:.3f} vs {scores.auc_baseline:.3f} | "
        f"{scores.precision_top_decile:.3f} vs {scores.precision_top_decile_baseline:.3f}"
    )


def steps(log: EventLog) -> list[tuple[str, float, str]]:
    """The steps of the fit, each timed on its own."""
    rows: list[tuple[str, float, str]] = []
    spent, model = timed(lambda: fit_next_step(log, order=3))
    rows.append(
        ("next touchpoint: count and build (order 3)", spent, f"{len(model.counts)} contexts")
    )
    spec = feature_spec(log, goal=GOAL, stages=STAGES)
    spent, cuts = timed(lambda: cut_features(log, spec, cuts="training"))
    rows.append(("conversion: prefix features", spent, f"{cuts.height} prefixes"))
    spent, fitted = timed(lambda: train(cuts, spec))
    rows.append(("conversion: logistic regression", spent, f"{fitted.n_examples} examples"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1M", help="comma-separated event counts, e.g. 100k,1M")
    parser.add_argument("--engine", default="polars", choices=["polars", "duckdb"])
    parser.add_argument("--steps", action="store_true", help="also time each step of the fit")
    args = parser.parse_args()
    for module in ("sklearn.linear_model", "sklearn.metrics"):  # the cold import, before any clock
        importlib.import_module(module)

    logs = {}
    for size in args.sizes.split(","):
        paths = ensure_log(parse_size(size), csv=False)
        logs[paths["size"]] = str(paths["parquet"])
    print(
        "| events | fit s | score 10k in flight s | score all in flight s | evaluate s "
        "| next top-1 vs first-order | AUC vs last touchpoint | top-decile precision vs baseline |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for size, path in logs.items():
        print(f"| {size} | {summary(open_log(path, args.engine))} |", flush=True)
    if args.steps:
        print("\n| events | step | seconds | result |\n|---|---|---|---|")
        for size, path in logs.items():
            for step, seconds, note in steps(open_log(path, args.engine)):
                print(f"| {size} | {step} | {seconds:.2f} | {note} |", flush=True)


if __name__ == "__main__":
    main()

"""Time cxlib.predict on the benchmark logs: ``python bench/bench_predict.py --sizes 100k,1M``.

Each step runs once, after the log is loaded (Parquet, lazily), in this process; the
table says how long training, scoring, evaluation and the what-if take. The logs are
bench/datasets.py's: the retail sample scenario, goal ``purchase``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datasets import ensure_log, parse_size

import cxlib
from cxlib import predict, sample
from cxlib.conversion.whatif import dropoff_leverage
from cxlib.predict.features import cut_features
from cxlib.predict.nextstep import fit_next_step
from cxlib.predict.propensity import feature_spec, train

GOAL = sample.GOALS["retail"]
STAGES = sample.STAGES["retail"]


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def bench(path: str, engine: str) -> list[tuple[str, float, str]]:
    if engine == "duckdb":
        import duckdb

        log = cxlib.load(duckdb.read_parquet(path))
    else:
        log = cxlib.load(Path(path))
    rows: list[tuple[str, float, str]] = []
    spent, model = timed(lambda: fit_next_step(log, order=3))
    rows.append(
        ("next touchpoint: count and build (order 3)", spent, f"{len(model.counts)} contexts")
    )
    spec = feature_spec(log, goal=GOAL, stages=STAGES)
    spent, cuts = timed(lambda: cut_features(log, spec, cuts="training"))
    rows.append(("conversion: prefix features", spent, f"{cuts.height} prefixes"))
    spent, _ = timed(lambda: train(cuts, spec))
    rows.append(("conversion: logistic regression", spent, f"{len(spec.names)} features"))
    spent, fitted = timed(lambda: predict.fit(log, goal=GOAL, stages=STAGES))
    rows.append(("fit (both models, end to end)", spent, ""))
    spent, ranked = timed(lambda: predict.propensity(fitted, log))
    rows.append(("propensity of customers in flight", spent, f"{ranked.height} customers"))
    spent, scores = timed(lambda: predict.evaluate(log, goal=GOAL, stages=STAGES))
    rows.append(
        (
            "evaluate (25% customers held out)",
            spent,
            f"top1 {scores.next_top1:.3f} vs {scores.next_top1_baseline:.3f}, "
            f"AUC {scores.auc:.3f} vs {scores.auc_baseline:.3f}",
        )
    )
    spent, leverage = timed(lambda: dropoff_leverage(log, goal=GOAL))
    rows.append(
        ("what-if: drop-off -10% at every touchpoint", spent, f"{leverage.height} touchpoints")
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1M", help="comma-separated event counts, e.g. 100k,1M")
    parser.add_argument("--engine", default="polars", choices=["polars", "duckdb"])
    args = parser.parse_args()
    print("| events | step | seconds | result |\n|---|---|---|---|")
    for size in args.sizes.split(","):
        paths = ensure_log(parse_size(size), csv=False)
        for step, seconds, note in bench(str(paths["parquet"]), args.engine):
            print(f"| {paths['size']} | {step} | {seconds:.2f} | {note} |", flush=True)


if __name__ == "__main__":
    main()

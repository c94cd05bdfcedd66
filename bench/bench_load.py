"""Loading benchmark: cxlib.load against Polars' own read_csv with an explicit timestamp format.

    .venv/bin/python bench/bench_load.py [--size 10M] [--runs 3] [--csv FILE]

The CSV comes from bench/datasets.py (generated once under bench/data/, gitignored).
Each run is a fresh Python process, the works interleaved; the table shows medians of wall time (process
start to exit, imports included), the time of the load call alone, the peak resident
memory of the process when the log is loaded and the in-memory size of the result, so
"one copy of the data" can be checked: the peak should stay near the Polars baseline's.
"report s" is the cost of the load report's statistics, timed again on the loaded log.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BASELINE = """
import resource, time, polars as pl
t = time.perf_counter()
df = pl.read_csv(PATH).with_columns(pl.col("timestamp").str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S"))
elapsed = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(elapsed, peak, df.estimated_size(), 0.0)
"""

CXLIB = """
import resource, time, cxlib
from cxlib.io.report import log_stats
t = time.perf_counter()
log = cxlib.load(PATH)
elapsed = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
assert log.report.rows_kept == log.report.rows_read, log.report
frame = log.frame.to_native().collect()
report = 0.0
if REPORT:  # the report's statistics, timed again on their own
    t = time.perf_counter()
    log_stats(frame)
    report = time.perf_counter() - t
print(elapsed, peak, frame.estimated_size(), report)
"""

WORKS = {
    "polars read_csv + strptime (explicit format)": BASELINE,
    "cxlib.load (no arguments)": CXLIB.replace("REPORT", "False"),
    "cxlib.load, then its report statistics again": CXLIB.replace("REPORT", "True"),
}


def ensure_csv(size: str) -> str:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "datasets.py"), size, "--csv"],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])["csv"]


def run_once(code: str, path: str) -> tuple[float, float, float, float, float]:
    """Wall seconds, load seconds, peak RSS when loaded (GB), result size (GB), report seconds."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code.replace("PATH", repr(path))],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    output = proc.stdout.read().decode()
    status = proc.wait()
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"benchmark process failed ({status}):\n{output}")
    load, peak, size, report = (float(x) for x in output.split())
    return wall, load, peak / 1024**3, size / 1024**3, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="10M")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--csv", help="an existing CSV to load instead of bench/data's")
    args = parser.parse_args()
    path = args.csv or ensure_csv(args.size)
    print(
        f"{path}: {Path(path).stat().st_size / 1024**2:,.0f} MB, {args.runs} fresh processes each\n"
    )
    header = "| work | wall s | load s | peak RSS GB | data in memory GB | report s |"
    print(header)
    print("|" + "---|" * 6)
    # Interleaved, so that a busy spell of the machine hits every work alike.
    runs: dict[str, list] = {name: [] for name in WORKS}
    for _ in range(args.runs):
        for name, code in WORKS.items():
            runs[name].append(run_once(code, path))
    medians = {}
    for name, rows in runs.items():
        med = [statistics.median(r[i] for r in rows) for i in range(5)]
        medians[name] = med
        print(
            f"| {name} | {med[0]:.2f} | {med[1]:.2f} | {med[2]:.2f} | {med[3]:.2f} | {med[4]:.2f} |"
        )
    base, ours, _ = medians.values()
    print(f"\ncxlib.load / Polars: wall {ours[0] / base[0]:.2f}x, load {ours[1] / base[1]:.2f}x, "
          f"peak memory {ours[2] / base[2]:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()

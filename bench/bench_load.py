"""Loading benchmark: cxlib.load against Polars' own read_csv with an explicit timestamp format.

    .venv/bin/python bench/bench_load.py [--size 10M] [--runs 3] [--csv FILE] [--wide-only]

The CSV comes from bench/datasets.py (generated once under bench/data/, gitignored).
Each run is a fresh Python process, the works interleaved; the table shows medians of wall time (process
start to exit, imports included), the time of the load call alone, the peak resident
memory of the process when the log is loaded and the in-memory size of the result, so
"one copy of the data" can be checked: the peak should stay near the Polars baseline's.
"report s" is the cost of the load report's statistics, timed again on the loaded log.

A second table times the recognition of the roles on a wide export (200 columns of every
kind: ids, codes, amounts, dates in several forms, nearly empty ones, nested names),
written once under bench/data/: reading the file, recognising the roles on its sample
(the import assistant's wait), and the whole load.
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
t, cpu = time.perf_counter(), time.process_time()
df = pl.read_csv(PATH).with_columns(pl.col("timestamp").str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S"))
elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(elapsed, peak, df.estimated_size(), 0.0, cpu)
"""

CXLIB = """
import resource, time, cxlib
from cxlib.io.report import log_stats
t, cpu = time.perf_counter(), time.process_time()
log = cxlib.load(PATH)
elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
assert log.report.rows_kept == log.report.rows_read, log.report
frame = log.frame.to_native().collect()
report = 0.0
if REPORT:  # the report's statistics, timed again on their own
    t = time.perf_counter()
    log_stats(frame)
    report = time.perf_counter() - t
print(elapsed, peak, frame.estimated_size(), report, cpu)
"""

WIDE = """
import time
import cxlib
from cxlib.io.loader import sample_of
from cxlib.io.readers import read
from cxlib.io.recognize import recognize
t = time.perf_counter()
table = read(PATH)
read_s = time.perf_counter() - t
t = time.perf_counter()
rec = recognize(sample_of(table.frame), {})
recognise_s = time.perf_counter() - t
t = time.perf_counter()
log = cxlib.load(PATH)
load_s = time.perf_counter() - t
assert {r: m.column for r, m in log.mapping.items()} == {
    "timestamp": "event_time", "customer_id": "customer_id", "touchpoint": "event_name",
    "channel": "channel", "value": "revenue",
}, log.mapping
print(read_s, recognise_s, load_s)
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


def ensure_wide(rows: int = 20_000, columns: int = 200) -> str:
    """A wide export: the five roles among ``columns`` columns of every kind (written once)."""
    import datetime as dt
    import random

    import polars as pl

    path = ROOT / "bench" / "data" / f"wide-{columns}x{rows}.csv"
    if path.exists():
        return str(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(7)
    start = dt.datetime(2024, 1, 1)
    data: dict[str, list] = {
        "customer_id": [f"c{rnd.randrange(rows // 8)}" for _ in range(rows)],
        "event_name": [rnd.choice(["view", "cart", "buy", "call", "mail"]) for _ in range(rows)],
        "event_time": [
            (start + dt.timedelta(seconds=rnd.randrange(10**7))).strftime("%d/%m/%Y %H:%M:%S")
            for _ in range(rows)
        ],
        "channel": [rnd.choice(["web", "app", "store"]) for _ in range(rows)],
        "revenue": [round(rnd.random() * 100, 2) for _ in range(rows)],
    }
    makers = [
        lambda i: [rnd.randrange(10**6) for _ in range(rows)],  # integer codes
        lambda i: [f"SKU-{rnd.randrange(10**5)}" for _ in range(rows)],  # text ids
        lambda i: [rnd.random() for _ in range(rows)],  # measures
        lambda i: [(start + dt.timedelta(days=rnd.randrange(900))).strftime("%Y-%m-%d") for _ in range(rows)],
        lambda i: [(start + dt.timedelta(minutes=rnd.randrange(10**6))).strftime("%m/%d/%Y %I:%M %p") for _ in range(rows)],
        lambda i: [rnd.choice(["ES", "DE", "FR", None]) for _ in range(rows)],  # labels
        lambda i: [None] * (rows - 1) + ["x"],  # nearly empty
        lambda i: [rnd.choice(["yes", "no"]) for _ in range(rows)],
    ]  # fmt: skip
    names = [
        "attr_{}",
        "code_{}",
        "measure_{}",
        "date_{}",
        "updated_{}",
        "country_{}",
        "note_{}",
        "flag_{}",
    ]
    for i in range(columns - len(data)):
        data[names[i % len(names)].format(i)] = makers[i % len(makers)](i)
    pl.DataFrame(data).write_csv(path)
    return str(path)


def _run(code: str, path: str) -> tuple[float, list[float]]:
    """Run ``code`` in a fresh process: its wall seconds and the numbers it printed."""
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
    return wall, [float(x) for x in output.split()]


def run_once(code: str, path: str) -> tuple[float, float, float, float, float, float]:
    """Wall s, load s, peak RSS when loaded (GB), result size (GB), report s, load CPU s."""
    wall, (load, peak, size, report, cpu) = _run(code, path)
    return wall, load, peak / 1024**3, size / 1024**3, report, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="10M")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--csv", help="an existing CSV to load instead of bench/data's")
    parser.add_argument("--wide-only", action="store_true", help="only the 200-column table")
    args = parser.parse_args()
    wide()
    if args.wide_only:
        return
    path = args.csv or ensure_csv(args.size)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    size = Path(path).stat().st_size / 1024**2
    print(f"{path}: {size:,.0f} MB, {args.runs} fresh processes each (load average {load})\n")
    header = "| work | wall s | load s | load CPU s | peak RSS GB | data in memory GB | report s |"
    print(header)
    print("|" + "---|" * 7)
    # Interleaved, so that a busy spell of the machine hits every work alike.
    runs: dict[str, list] = {name: [] for name in WORKS}
    for _ in range(args.runs):
        for name, code in WORKS.items():
            runs[name].append(run_once(code, path))
    medians = {}
    for name, rows in runs.items():
        med = [statistics.median(r[i] for r in rows) for i in range(6)]
        medians[name] = med
        cells = (med[0], med[1], med[5], med[2], med[3], med[4])
        print(f"| {name} | " + " | ".join(f"{v:.2f}" for v in cells) + " |")
    base, ours, _ = medians.values()
    print(f"\ncxlib.load / Polars: wall {ours[0] / base[0]:.2f}x, load {ours[1] / base[1]:.2f}x, "
          f"load CPU {ours[5] / base[5]:.2f}x, peak memory {ours[2] / base[2]:.2f}x")  # fmt: skip
    print(
        f"load average (1, 5, 15 min) at the end: {', '.join(f'{v:.1f}' for v in os.getloadavg())}"
    )


def wide(runs: int = 3) -> None:
    """Time reading, recognising and loading the 200-column export (medians of fresh processes)."""
    path = ensure_wide()
    results = [_run(WIDE, path)[1] for _ in range(runs)]
    read_s, recognise_s, load_s = (statistics.median(r[i] for r in results) for i in range(3))
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"{path}: 200 columns, {runs} fresh processes (load average {load})\n")
    print("| read s | recognition s (sample + roles) | whole load s |")
    print("|---|---|---|")
    print(f"| {read_s:.2f} | {recognise_s:.2f} | {load_s:.2f} |\n")


if __name__ == "__main__":
    main()

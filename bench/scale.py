"""The four core analyses at scale, in one process on one engine: ``python bench/scale.py --size 100M``.

    python bench/scale.py --size 100M --engine auto      # the engine the app would pick
    python bench/scale.py --size 100M --engine polars --floor 31.2
    python bench/scale.py --file my.parquet --engine duckdb

Opens the Parquet log as the app's Data page does (:class:`ui.connect.Connection`: on
Polars a lazy scan, on DuckDB a confined connection; ``auto`` picks the engine from the
log's size and the free memory, :func:`cxlib.engines.choose_engine`, and says why), then
runs transitions, top paths, drop-offs and the 4-step funnel (bench/spec.py) one after
the other on that one log, as a first look at a large log does. Times each (wall, after
the imports; the analyses share what the first computed, as in the app) and prints one
markdown table with the process's peak resident memory, the time of day and the load
average (the machine may be shared), and the ratio of the total to the NumPy floor
(bench/ours.py ``numpy_floor``: one stable sort and counting pairs, measured in its own
process first unless ``--floor`` gives its seconds).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]

from spec import FUNNEL, NO_WINDOW  # noqa: E402

import cxlib  # noqa: E402 (after the path is set, like bench/warm.py run from anywhere)
from cxlib.engines import parquet_events  # noqa: E402
from ui.connect import Connection  # noqa: E402


def peak_mib() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def bench_log(size: str) -> Path:
    """bench/data's Parquet log of ``size`` events, made when missing (100M: about 2 minutes).

    Made by bench/datasets.py in its own process: the memory it takes is not this one's.
    """
    out = subprocess.run(
        [sys.executable, str(BENCH / "datasets.py"), size],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(json.loads(out.stdout.splitlines()[-1])["parquet"])


def floor_seconds(path: Path) -> tuple[float, str]:
    """The NumPy floor's work seconds on ``path`` and its result, in a fresh process."""
    out = subprocess.run(
        [sys.executable, str(BENCH / "ours.py"), "numpy_floor", str(path)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(BENCH.parent)},
    )
    line = json.loads(out.stdout.splitlines()[-1])
    return float(line["work_s"]), str(line["result"])


def analyses() -> list[tuple[str, Callable[[cxlib.EventLog], Any], Callable[[Any], str]]]:
    """(name, call, summary) of the four analyses, as bench/ours.py's pipeline runs them."""

    def edges(table: Any) -> str:
        inner = table.filter((table["source"] != cxlib.ENTRY) & (table["target"] != cxlib.EXIT))
        return f"{inner.height} edges, {inner['transitions'].sum():,} transitions"

    def customers(table: Any) -> str:
        return "customers " + " / ".join(f"{v:,}" for v in table["customers"].to_list())

    def rows(table: Any) -> str:
        return f"{table.height} rows"

    return [
        ("transitions", cxlib.transitions, edges),
        ("top paths", cxlib.top_paths, rows),
        ("drop-offs", cxlib.dropoffs, rows),
        ("funnel", lambda log: cxlib.funnel(log, FUNNEL, window=NO_WINDOW), customers),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--size", default="100M", help="which bench/data log (1M, 10M, 100M; made if missing)"
    )
    parser.add_argument("--file", type=Path, help="another Parquet log")
    parser.add_argument("--engine", choices=["auto", "polars", "duckdb"], default="auto")
    parser.add_argument("--floor", type=float, help="the NumPy floor's seconds, if known")
    args = parser.parse_args()
    path = (args.file or bench_log(args.size)).resolve()
    os.environ["CX_CONNECT_ROOTS"] = str(path.parent)  # the folder the app may open
    floor, floor_result = (args.floor, "given") if args.floor else floor_seconds(path)
    started = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load average {load_average()}"

    connection = Connection("parquet", str(path), engine=args.engine).resolved()
    times: list[tuple[str, float, float, str]] = []
    start = time.perf_counter()
    log = connection.open()
    times.append(("load", time.perf_counter() - start, peak_mib(), ""))
    print(f"  load         {times[-1][1]:7.1f} s  peak {times[-1][2]:7.0f} MiB", file=sys.stderr)
    for name, call, summary in analyses():
        began = time.perf_counter()
        result = call(log)
        times.append((name, time.perf_counter() - began, peak_mib(), summary(result)))
        print(f"  {name:<12} {times[-1][1]:7.1f} s  peak {times[-1][2]:7.0f} MiB", file=sys.stderr)
    total = sum(t[1] for t in times)

    print(f"\n{path.name}; {connection.label}")
    print(f"started {started}; ended {dt.datetime.now(dt.UTC):%H:%M} UTC, load {load_average()}")
    print(f"NumPy floor: {floor:.1f} s ({floor_result})\n")
    print("| step | wall s | peak MiB so far | result |\n|---|--:|--:|---|")
    for name, seconds, peak, result in times:
        print(f"| {name} | {seconds:.1f} | {peak:.0f} | {result} |")
    print(f"| total | {total:.1f} | {peak_mib():.0f} | {total / floor:.2f}x the floor |")
    events = parquet_events([path])
    print(f"\n{events:,} events; peak bytes per event: {peak_mib() * 2**20 / events:.0f}")


if __name__ == "__main__":
    main()

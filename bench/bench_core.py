"""Where the core analyses spend their time, in one process: ``python bench/bench_core.py``.

    python bench/bench_core.py --size 10M            # bench/data/events-10M-seed7.parquet
    python bench/bench_core.py --file my.parquet --repeat 2

Loads the log once, then times each phase in turn: the journey order shared by every
analysis (:func:`cxlib.journeys.journey_table`, built on first use and kept in
``log.cache``), then transitions, top paths, drop-offs, the benchmark's 4-step funnel and
the other Funnels-page calls. Prints CPU seconds (all threads), wall seconds and the
process's peak RSS after each phase. bench/run.py measures each analysis in a fresh
process instead; this script shows what one process pays for each step.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]

from spec import FUNNEL, NO_WINDOW  # noqa: E402

import cxlib  # noqa: E402 (after the path is set, like bench/ours.py run from anywhere)
from cxlib.journeys import journey_table  # noqa: E402


def timed(label: str, work: Callable[[], Any]) -> Any:
    """Run ``work`` and print its CPU and wall seconds and the peak RSS so far."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = work()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{label:<28} cpu {time.process_time() - cpu:6.2f} s  "
        f"wall {time.perf_counter() - wall:6.2f} s  peak {peak:6.0f} MiB",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="1M", help="which bench/data log (1M, 10M)")
    parser.add_argument("--file", type=Path, help="another Parquet or CSV log")
    parser.add_argument("--repeat", type=int, default=1, help="run the analyses again")
    args = parser.parse_args()
    path = args.file or BENCH / "data" / f"events-{args.size}-seed7.parquet"
    log = timed("load", lambda: cxlib.load(path))
    timed("journey order (cached)", lambda: journey_table(log))
    for _ in range(args.repeat):
        timed("transitions", lambda: cxlib.transitions(log))
        timed("top_paths", lambda: cxlib.top_paths(log))
        timed("dropoffs", lambda: cxlib.dropoffs(log))
        timed("funnel (4 steps)", lambda: cxlib.funnel(log, FUNNEL, window=NO_WINDOW))
        timed(
            "time_to_convert (shared)", lambda: cxlib.time_to_convert(log, FUNNEL, window=NO_WINDOW)
        )
        timed("dropped_next", lambda: cxlib.dropped_next(log, FUNNEL, window=NO_WINDOW))
        timed("step_matrix", lambda: cxlib.step_matrix(log))


if __name__ == "__main__":
    main()

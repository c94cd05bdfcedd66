"""The benchmark suite: cxlib against pm4py, Retentioneering and a NumPy floor, one table.

    python bench/run.py                          # 1M and 10M events, every analysis and peer
    python bench/run.py --sizes 1M --only transitions,funnel
    python bench/run.py --engine duckdb --sizes 100M --tools cxlib

Logs are generated once into bench/data/ (see bench/datasets.py) and reused. Every
analysis runs in a fresh process; its wall time includes Python start, imports and
reading the file, and its peak memory is the process's maximum resident set size.
The peers run from their own venv, bench/.venv-peers (``pip install -r
requirements-bench.txt`` there). The table is printed and saved to bench/results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
PEERS_PYTHON = BENCH / ".venv-peers" / "bin" / "python"
#: Children import cxlib from the working tree; Retentioneering must not phone home.
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "RETENTIONEERING_NO_TRACK": "1"}


@dataclass(frozen=True)
class Tool:
    """One way of computing an analysis: which program, which task in it."""

    name: str
    script: str
    task: str


CXLIB = "cxlib"
PEER_TOOLS = ("pm4py", "retentioneering")

#: Each analysis and who computes it; the first tool is ours, the others compare to it.
ANALYSES: dict[str, list[Tool]] = {
    "load_csv": [
        Tool(CXLIB, "ours.py", "load_csv"),
        Tool("polars read_csv + format", "ours.py", "polars_csv"),
    ],
    "load_parquet": [Tool(CXLIB, "ours.py", "load_parquet")],
    "transitions": [
        Tool(CXLIB, "ours.py", "transitions"),
        Tool("pm4py", "peers.py", "pm4py_dfg"),
        Tool("retentioneering", "peers.py", "ret_transition_graph"),
        Tool("numpy floor", "ours.py", "numpy_floor"),
    ],
    "journey_graph": [Tool(CXLIB, "ours.py", "journey_graph")],
    "top_paths": [
        Tool(CXLIB, "ours.py", "top_paths"),
        Tool("pm4py", "peers.py", "pm4py_variants"),
    ],
    "dropoffs": [Tool(CXLIB, "ours.py", "dropoffs")],
    "funnel": [
        Tool(CXLIB, "ours.py", "funnel"),
        Tool("retentioneering", "peers.py", "ret_funnel"),
    ],
    "step_matrix": [
        Tool(CXLIB, "ours.py", "step_matrix"),
        Tool("retentioneering", "peers.py", "ret_step_matrix"),
    ],
    "pipeline": [Tool(CXLIB, "ours.py", "pipeline")],
    "attribution": [Tool(CXLIB, "ours.py", "attribution")],
    "rfm": [Tool(CXLIB, "ours.py", "rfm")],
    "retention": [Tool(CXLIB, "ours.py", "retention")],
    "stage_flow": [Tool(CXLIB, "ours.py", "stage_flow")],
    "channel_switches": [Tool(CXLIB, "ours.py", "channel_switches")],
    "touchpoint_importance": [Tool(CXLIB, "ours.py", "touchpoint_importance")],
    "compare_segments": [Tool(CXLIB, "ours.py", "compare_segments")],
    "predict_fit": [Tool(CXLIB, "ours.py", "predict_fit")],
}
#: Run only when named in --only: minutes per size (bench/bench_predict.py measures it in depth).
OPT_IN = ("predict_fit",)
#: The analyses the 20x / half-memory target applies to.
CORE = ("transitions", "top_paths", "funnel", "step_matrix")
#: Cold transitions (load included) against the NumPy floor of the same run: wall time at most.
FLOOR_RATIO = 1.25


@dataclass
class Run:
    """The measurements of one tool on one analysis at one size (medians over repeats)."""

    size: str
    analysis: str
    tool: str
    wall_s: float | None = None
    cpu_s: float | None = None
    work_s: float | None = None
    peak_mib: float | None = None
    result: str = ""
    note: str = ""
    load: float | None = None


def measure(cmd: list[str], *, timeout: float) -> tuple[float, float, float, dict, str]:
    """Run ``cmd`` in a fresh process: wall and CPU seconds, peak RSS in MiB, its JSON line, stderr.

    The child is reaped with ``os.wait4``, which gives that one process's own peak
    resident set size (``RUSAGE_CHILDREN`` would be the maximum over all children)
    and CPU time (user + system, all threads: less sensitive than wall time to other
    work on the machine, but it counts both cores).
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=out, stderr=err, text=True)
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        while pid == 0 and time.perf_counter() - start < timeout:
            time.sleep(0.01)
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        wall = time.perf_counter() - start
        if pid == 0:
            proc.kill()
            proc.wait()
            return wall, 0.0, 0.0, {"error": f"timed out after {timeout:.0f} s"}, ""
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        lines = [line for line in out.read().splitlines() if line.startswith("{")]
        err_tail = "\n".join(err.read().strip().splitlines()[-5:])
    if proc.returncode != 0 or not lines:
        return wall, 0.0, 0.0, {"error": f"exit {proc.returncode}"}, err_tail
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024, json.loads(lines[-1]), err_tail


def command(tool: Tool, parquet: Path, engine: str) -> list[str] | None:
    if tool.script == "peers.py":
        if not PEERS_PYTHON.exists():
            return None
        return [str(PEERS_PYTHON), str(BENCH / "peers.py"), tool.task, str(parquet)]
    return [sys.executable, str(BENCH / "ours.py"), tool.task, str(parquet), "--engine", engine]


def run_one(size: str, analysis: str, tool: Tool, parquet: Path, args: argparse.Namespace) -> Run:
    run = Run(size=size, analysis=analysis, tool=tool.name)
    cmd = command(tool, parquet, args.engine)
    if cmd is None:
        run.note = f"no {PEERS_PYTHON.relative_to(ROOT)} (pip install -r requirements-bench.txt)"
        return run
    walls, cpus, works, peaks, loads = [], [], [], [], []
    for _ in range(args.repeat):
        loads.append(os.getloadavg()[0])
        wall, cpu, peak, payload, err = measure(cmd, timeout=args.timeout)
        if "missing" in payload:
            run.note = "not in cxlib yet: " + ", ".join(payload["missing"])
            return run
        if "error" in payload:
            run.note = payload["error"] + (f": {err.splitlines()[-1][:150]}" if err else "")
            print(f"  {analysis} / {tool.name} failed: {run.note}\n{err}", file=sys.stderr)
            return run
        walls.append(wall)
        cpus.append(cpu)
        works.append(payload["work_s"])
        peaks.append(peak)
        run.result = payload["result"]
    run.wall_s = statistics.median(walls)
    run.cpu_s = statistics.median(cpus)
    run.load = statistics.median(loads)
    run.work_s = statistics.median(works)
    run.peak_mib = statistics.median(peaks)
    print(
        f"  {size:>4} {analysis:<13} {tool.name:<26} {run.wall_s:7.2f} s {run.peak_mib:7.0f} MiB"
        f"  {run.result}",
        file=sys.stderr,
    )
    return run


def _fmt(value: float | None, spec: str) -> str:
    return "" if value is None else format(value, spec)


def table(runs: list[Run]) -> str:
    """One markdown table; ratios are the other tool's figure divided by ours (same size, analysis)."""
    ours = {(r.size, r.analysis): r for r in runs if r.tool == CXLIB}
    lines = [
        "| size | analysis | tool | wall s | cpu s | work s | peak MiB | wall / ours | cpu / ours"
        " | memory / ours | result |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in runs:
        base = ours.get((r.size, r.analysis))
        t_ratio = c_ratio = m_ratio = ""
        if r.tool != CXLIB and base and base.wall_s and r.wall_s:
            t_ratio = f"{r.wall_s / base.wall_s:.1f}x"
            c_ratio = f"{r.cpu_s / base.cpu_s:.1f}x"
            m_ratio = f"{r.peak_mib / base.peak_mib:.1f}x"
        lines.append(
            f"| {r.size} | {r.analysis} | {r.tool} | {_fmt(r.wall_s, '.2f')} | {_fmt(r.cpu_s, '.2f')}"
            f" | {_fmt(r.work_s, '.2f')}"
            f" | {_fmt(r.peak_mib, '.0f')} | {t_ratio} | {c_ratio} | {m_ratio} | {r.result or r.note} |"
        )
    return "\n".join(lines)


def targets(runs: list[Run]) -> list[str]:
    """The issue's targets, checked on the measured runs of each size."""
    found = {(r.size, r.analysis, r.tool): r for r in runs if r.wall_s is not None}
    checks = []
    for size in dict.fromkeys(r.size for r in runs):
        for analysis in CORE:
            ours = found.get((size, analysis, CXLIB))
            peers = [found[k] for k in found if k[:2] == (size, analysis) and k[2] in PEER_TOOLS]
            if ours is None or not peers:
                continue
            best = min(peers, key=lambda r: r.wall_s)
            speed = best.wall_s / ours.wall_s
            memory = ours.peak_mib / best.peak_mib
            ok = speed >= 20 and memory <= 0.5
            checks.append(
                f"{size} {analysis}: {speed:.1f}x faster than {best.tool} in wall time "
                f"({best.cpu_s / ours.cpu_s:.1f}x in CPU time; target 20x), {memory:.2f} of its "
                f"memory (target 0.5): {'met' if ok else 'NOT met'}"
            )
        ours, floor = (
            found.get((size, "transitions", CXLIB)),
            found.get((size, "transitions", "numpy floor")),
        )
        if ours and floor:
            ratio = ours.wall_s / floor.wall_s
            checks.append(
                f"{size} transitions: {ratio:.2f}x the NumPy floor in wall time "
                f"({ours.cpu_s / floor.cpu_s:.2f}x in CPU time; target {FLOOR_RATIO}x): "
                f"{'met' if ratio <= FLOOR_RATIO else 'NOT met'}"
            )
        ours = found.get((size, "load_csv", CXLIB))
        ref = found.get((size, "load_csv", "polars read_csv + format"))
        if ours and ref:
            ratio = ours.wall_s / ref.wall_s
            checks.append(
                f"{size} load_csv: {ratio:.2f}x Polars' read with the format (target 1.3x): "
                f"{'met' if ratio <= 1.3 else 'NOT met'}"
            )
        pipe = found.get((size, "pipeline", CXLIB))
        if pipe:
            ok = pipe.wall_s < 10 and pipe.peak_mib < 2048
            checks.append(
                f"{size} pipeline (transitions + top paths + drop-offs + funnel): {pipe.wall_s:.1f} s, "
                f"{pipe.peak_mib:.0f} MiB (target well under 10 s, < 2 GiB): {'met' if ok else 'NOT met'}"
            )
    return checks


def ensure_log(size: str, *, seed: int, csv: bool) -> dict:
    """Generate or reuse the log in a separate process (see bench/datasets.py), return its paths."""
    cmd = [sys.executable, str(BENCH / "datasets.py"), size, "--seed", str(seed)]
    out = subprocess.run(
        [*cmd, *(["--csv"] if csv else [])], env=ENV, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.splitlines()[-1])


def machine() -> str:
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores, "
        f"{mem_gib:.0f} GiB, Python {platform.python_version()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1M,10M", help="events, e.g. 1M,10M or 100M")
    parser.add_argument("--only", default="", help=f"analyses to run, from {','.join(ANALYSES)}")
    parser.add_argument(
        "--tools", default="", help="cxlib, pm4py, retentioneering, ... (default all)"
    )
    parser.add_argument("--engine", choices=["polars", "duckdb"], default="polars")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (median)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=900, help="seconds per process")
    args = parser.parse_args()

    only = [a for a in args.only.split(",") if a] or [a for a in ANALYSES if a not in OPT_IN]
    unknown = sorted(set(only) - set(ANALYSES))
    if unknown:
        parser.error(f"unknown analysis {unknown!r}; choose from {list(ANALYSES)!r}")
    tools = {t.strip() for t in args.tools.split(",") if t.strip()}

    started = machine()
    runs: list[Run] = []
    generators = set()
    for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
        log = ensure_log(size, seed=args.seed, csv="load_csv" in only)
        generators.add(log["generator"])
        print(f"{log['size']}: {Path(log['parquet']).relative_to(ROOT)}", file=sys.stderr)
        for analysis in only:
            if analysis == "load_csv" and log["csv"] is None:
                continue
            for tool in ANALYSES[analysis]:
                # "--tools cxlib,numpy" picks tools by their first word.
                if not tools or tool.name.split()[0] in tools:
                    runs.append(run_one(log["size"], analysis, tool, Path(log["parquet"]), args))

    # Other work on the machine inflates wall times (not CPU times): say how busy it was.
    loads = [r.load for r in runs if r.load is not None]
    busy = f"load average {min(loads):.1f}-{max(loads):.1f} during the runs; " if loads else ""
    header = (
        f"Measured {started}; {busy}cxlib on {args.engine}; generator "
        f"{', '.join(sorted(generators))}; median of {args.repeat} run(s) per cell."
    )
    report = "\n".join([header, "", table(runs), "", *(f"- {c}" for c in targets(runs))])
    print(report)
    RESULTS.mkdir(exist_ok=True)
    stamp = f"{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}-{args.engine}"
    (RESULTS / f"{stamp}.md").write_text(report + "\n")
    (RESULTS / f"{stamp}.json").write_text(json.dumps([asdict(r) for r in runs], indent=1))
    print(f"\nsaved to {(RESULTS / stamp).relative_to(ROOT)}.md and .json", file=sys.stderr)


if __name__ == "__main__":
    main()

"""Where one cxlib analysis spends its time: py-spy over a fresh ``bench/ours.py`` process.

    python bench/hotspots.py funnel --size 10M [--native] [--depth 3]

Samples the process (Python start, imports, reading and the analysis) with py-spy
from bench/.venv-peers (requirements-bench.txt), then prints the share of samples
under each cxlib call site, deepest ``--depth`` cxlib frames first, imports and
native-only samples lumped together. ``--native`` also samples Polars' Rust frames
and prints the hottest of them. The raw stacks (flamegraph "collapsed" format) are
saved to bench/results/ for a flame graph. (Not named profile.py: a script there
would shadow the standard library's profile module for every script in bench/.)
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY_SPY = BENCH / ".venv-peers" / "bin" / "py-spy"


def site(frames: list[str], depth: int) -> str:
    """The call site a sample is charged to: its deepest cxlib frames, or what it was doing."""
    if any("importlib._bootstrap" in f for f in frames):
        return "(imports)"
    python = [f for f in frames if ".py:" in f]
    if not python:
        return "(no Python frame: native threads, interpreter shutdown)"
    ours = [f for f in python if "cxlib/" in f]
    return " > ".join(ours[-depth:]) if ours else f"(outside cxlib: {python[-1]})"


def readable(symbol: str) -> str:
    """Shorten a Rust v0-mangled frame to its snake_case path (``polars_core::...::new_int_range``)."""
    # Crate disambiguators (Cs..._) and back-references (B.._) hold digits that are not lengths.
    name = re.sub(r"Cs[0-9A-Za-z]+_|B[0-9A-Za-z]{0,4}_", "", symbol.split(" (")[0])
    parts, i = [], 0
    while i < len(name):
        digits = re.match(r"\d+", name[i:])
        if digits is None:
            i += 1
            continue
        start = i + digits.end()
        token = name[start : start + int(digits.group())]
        if re.fullmatch(r"[a-z_][a-z0-9_]+", token):
            parts.append(token)
            i = start + len(token)
        else:
            i = start
    return "::".join(dict.fromkeys(parts)) or name[:100]


def summarize(raw: Path, *, depth: int, native: bool, top: int = 15) -> str:
    sites: collections.Counter[str] = collections.Counter()
    rust: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, count = line.rsplit(" ", 1)
        frames = [f for f in stack.split(";") if f]
        total += int(count)
        sites[site(frames, depth)] += int(count)
        if native:
            compiled = [f for f in frames if "_polars_runtime" in f]
            if compiled:
                rust[readable(compiled[-1])] += int(count)
    lines = [f"{total} samples"]
    lines += [f"{100 * n / total:5.1f}%  {name}" for name, n in sites.most_common(top)]
    if native:
        lines += ["", "hottest Polars (Rust) frames:"]
        lines += [f"{100 * n / total:5.1f}%  {name}" for name, n in rust.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("task", help="a task of bench/ours.py (transitions, funnel, pipeline...)")
    parser.add_argument("--size", default="10M")
    parser.add_argument("--engine", choices=["polars", "duckdb"], default="polars")
    parser.add_argument("--native", action="store_true", help="sample Rust frames too")
    parser.add_argument("--depth", type=int, default=3, help="cxlib frames per call site")
    parser.add_argument("--rate", type=int, default=100, help="samples per second")
    args = parser.parse_args()
    if not PY_SPY.exists():
        sys.exit(f"no {PY_SPY}: pip install -r requirements-bench.txt into bench/.venv-peers")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    made = subprocess.run(
        [sys.executable, str(BENCH / "datasets.py"), args.size],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    parquet = json.loads(made.stdout.splitlines()[-1])["parquet"]
    results = BENCH / "results"
    results.mkdir(exist_ok=True)
    stamp = f"{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}"
    raw = results / f"profile-{args.task}-{args.size}-{stamp}.txt"
    cmd = [str(PY_SPY), "record", "-r", str(args.rate), "-f", "raw", "-o", str(raw)]
    cmd += ["--native"] if args.native else []
    cmd += ["--", sys.executable, str(BENCH / "ours.py"), args.task, parquet]
    cmd += ["--engine", args.engine]
    subprocess.run(cmd, env=env, check=True, cwd=ROOT)
    summary = summarize(raw, depth=args.depth, native=args.native)
    print(summary)
    raw.with_suffix(".summary.txt").write_text(summary + "\n")


if __name__ == "__main__":
    main()

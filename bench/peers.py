"""One analysis of a peer tool in this process: ``bench/.venv-peers/bin/python bench/peers.py TASK FILE``.

pm4py and Retentioneering live in their own venv (requirements-bench.txt) so that
their pins never touch the product's. Each reads the same Parquet file with pandas,
as their documentation shows, and computes the analysis the way a user would call
it. Prints one JSON line like bench/ours.py.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from spec import FUNNEL  # bench/ is the script's folder

# Retentioneering 5.2 reports usage to PostHog unless told not to; the benchmark must not.
os.environ["RETENTIONEERING_NO_TRACK"] = "1"

KEYS = {"case_id_key": "customer_id", "activity_key": "touchpoint", "timestamp_key": "timestamp"}
SCHEMA = {"path_cols": ["customer_id"], "event_col": "touchpoint", "timestamp_col": "timestamp"}

Task = Callable[[Path], str]
TASKS: dict[str, Task] = {}


def task(fn: Task) -> Task:
    TASKS[fn.__name__] = fn
    return fn


def _read(path: Path):
    import pandas as pd

    return pd.read_parquet(path, columns=["customer_id", "timestamp", "touchpoint"])


@task
def pm4py_dfg(path: Path) -> str:
    """pm4py's directly-follows graph: the journey graph without entry and exit."""
    import pm4py

    dfg, _start, _end = pm4py.discover_dfg(_read(path), **KEYS)
    return f"{len(dfg)} edges, {sum(dfg.values())} transitions"


@task
def pm4py_variants(path: Path) -> str:
    """pm4py's variants: the distinct paths and how many customers follow each."""
    import pm4py

    variants = pm4py.get_variants(_read(path), **KEYS)
    return f"{len(variants)} variants"


def _stream(path: Path):
    from retentioneering import Eventstream

    return Eventstream(_read(path), schema=SCHEMA)


@task
def ret_transition_graph(path: Path) -> str:
    """Retentioneering's transition graph data (counts), the headless graph."""
    matrix = _stream(path).transition_graph_data(edge_weight="count")
    inner = matrix.drop(
        index=["path_start", "path_end"], columns=["path_start", "path_end"], errors="ignore"
    )
    values = inner.to_numpy()
    return f"{int((values > 0).sum())} edges, {int(values.sum())} transitions"


@task
def ret_step_matrix(path: Path) -> str:
    """Retentioneering's step matrix: the share of paths at each touchpoint per step."""
    matrix = _stream(path).step_matrix_data(max_steps=10)
    return f"{matrix.shape[0]} rows"


@task
def ret_funnel(path: Path) -> str:
    """Retentioneering's funnel over the same four steps (no time window)."""
    steps = _stream(path).funnel_data(steps=FUNNEL)["steps"]
    return "customers " + "/".join(str(s["unique_paths"]) for s in steps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument("file", type=Path, help="the log's Parquet file")
    args = parser.parse_args()
    # Import before the clock starts: work_s is the work, the wall time includes imports.
    __import__("pm4py" if args.task.startswith("pm4py") else "retentioneering")
    start = time.perf_counter()
    result = TASKS[args.task](args.file)
    print(json.dumps({"work_s": time.perf_counter() - start, "result": result}))


if __name__ == "__main__":
    main()

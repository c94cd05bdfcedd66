"""One analysis of cxlib (or a reference floor) in this process: ``python bench/ours.py TASK FILE``.

Run by bench/run.py in a fresh process per task, so that wall time includes Python
start, imports and reading the file. Prints one JSON line: the time spent after the
imports (``work_s``) and a short summary of the result (to check that every tool
computed the same thing).
"""

from __future__ import annotations

import argparse
import importlib
import json
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
from spec import CSV_TIME_FORMAT, FUNNEL, NO_WINDOW  # bench/ is the script's folder

import cxlib
from cxlib import EventLog

Task = Callable[[Path, str], str]
TASKS: dict[str, Task] = {}
#: Which cxlib names each task needs ("predict.fit" is in cxlib.predict); missing ones skip it.
NEEDS: dict[str, list[str]] = {}


def task(name: str, *needs: str) -> Callable[[Task], Task]:
    def register(fn: Task) -> Task:
        TASKS[name] = fn
        NEEDS[name] = list(needs)
        return fn

    return register


def open_log(path: Path, engine: str) -> EventLog:
    """The log over the Parquet file, lazily, on the chosen engine (as a user would open it)."""
    if engine == "duckdb":
        from cxlib.engines import duckdb_connect

        return cxlib.load(duckdb_connect().read_parquet(str(path)))
    return cxlib.load(path)


def _shape(frame: pl.DataFrame) -> str:
    return f"{frame.height} rows"


def _edges(table: pl.DataFrame) -> str:
    """Edges between real touchpoints and their total count: comparable with pm4py's DFG."""
    inner = table.filter((pl.col("source") != cxlib.ENTRY) & (pl.col("target") != cxlib.EXIT))
    return f"{inner.height} edges, {inner['transitions'].sum()} transitions"


@task("load_csv", "load")
def load_csv(path: Path, engine: str) -> str:
    log = cxlib.load(path.with_suffix(".csv"))
    return f"{log.frame.collect('polars').to_native().height} events"


@task("load_parquet", "load")
def load_parquet(path: Path, engine: str) -> str:
    return f"{open_log(path, engine).frame.collect('polars').to_native().height} events"


@task("transitions", "transitions")
def transitions(path: Path, engine: str) -> str:
    return _edges(cxlib.transitions(open_log(path, engine)))


@task("journey_graph", "journey_graph")
def journey_graph(path: Path, engine: str) -> str:
    graph = cxlib.journey_graph(open_log(path, engine))
    return f"{graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges"


@task("top_paths", "top_paths")
def top_paths(path: Path, engine: str) -> str:
    return _shape(cxlib.top_paths(open_log(path, engine)))


@task("dropoffs", "dropoffs")
def dropoffs(path: Path, engine: str) -> str:
    return _shape(cxlib.dropoffs(open_log(path, engine)))


@task("funnel", "funnel")
def funnel(path: Path, engine: str) -> str:
    table = cxlib.funnel(open_log(path, engine), FUNNEL, window=NO_WINDOW)
    return "customers " + "/".join(str(v) for v in table["customers"].to_list())


@task("step_matrix", "step_matrix")
def step_matrix(path: Path, engine: str) -> str:
    return _shape(cxlib.step_matrix(open_log(path, engine)))


@task("pipeline", "transitions", "top_paths", "dropoffs", "funnel")
def pipeline(path: Path, engine: str) -> str:
    """The first screen of an analyst: graph edges, common paths, drop-offs, a funnel."""
    log = open_log(path, engine)
    parts = [
        cxlib.transitions(log),
        cxlib.top_paths(log),
        cxlib.dropoffs(log),
        cxlib.funnel(log, FUNNEL, window=NO_WINDOW),
    ]
    return " + ".join(_shape(p) for p in parts)


@task("attribution", "attribution")
def attribution(path: Path, engine: str) -> str:
    table = cxlib.attribution(open_log(path, engine), goal=FUNNEL[-1], model="markov")
    return _shape(table)


@task("rfm", "rfm")
def rfm(path: Path, engine: str) -> str:
    return _shape(cxlib.rfm(open_log(path, engine), goal=FUNNEL[-1]))


@task("retention", "retention")
def retention(path: Path, engine: str) -> str:
    return _shape(cxlib.retention(open_log(path, engine), period="week"))


@task("stage_flow", "stage_flow")
def stage_flow(path: Path, engine: str) -> str:
    return _shape(cxlib.stage_flow(open_log(path, engine)))


@task("channel_switches", "channel_switches")
def channel_switches(path: Path, engine: str) -> str:
    return _shape(cxlib.channel_switches(open_log(path, engine)))


@task("touchpoint_importance", "touchpoint_importance")
def touchpoint_importance(path: Path, engine: str) -> str:
    return _shape(cxlib.touchpoint_importance(open_log(path, engine), goal=FUNNEL[-1]))


@task("compare_segments", "compare_segments")
def compare_segments(path: Path, engine: str) -> str:
    """Mobile against the rest: two funnels with a test per step, the graph diff, paths."""
    out = cxlib.compare_segments(open_log(path, engine), ("device", "mobile"), steps=FUNNEL)
    return _shape(out.funnel)


@task("predict_fit", "predict.fit")
def predict_fit(path: Path, engine: str) -> str:
    from cxlib import predict

    predict.fit(open_log(path, engine), goal=FUNNEL[-1])
    return "fitted"


def has(name: str) -> bool:
    """Whether cxlib has ``name`` (``"funnel"``, or ``"predict.fit"`` in a subpackage)."""
    module, _, attr = name.rpartition(".")
    try:
        found = importlib.import_module(f"cxlib.{module}") if module else cxlib
    except ImportError:
        return False
    return hasattr(found, attr)


@task("polars_csv")
def polars_csv(path: Path, engine: str) -> str:
    """Reference for loading: Polars' own CSV reader, told the timestamp format."""
    frame = pl.read_csv(path.with_suffix(".csv")).with_columns(
        pl.col("timestamp").str.strptime(pl.Datetime("us"), CSV_TIME_FORMAT)
    )
    return f"{frame.height} events"


@task("numpy_floor")
def numpy_floor(path: Path, engine: str) -> str:
    """The floor for transitions: integer codes, one stable sort, then counting pairs."""
    import numpy as np
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=["customer_id", "timestamp", "touchpoint"])
    customer = table["customer_id"].combine_chunks().dictionary_encode().indices.to_numpy()
    touch = table["touchpoint"].combine_chunks().dictionary_encode()
    names = touch.dictionary.to_pylist()
    tp = touch.indices.to_numpy().astype(np.int64)
    ts = table["timestamp"].combine_chunks().cast("int64").to_numpy()
    # lexsort is stable: equal (customer, time) keep their row order, the event_index tie-break.
    order = np.lexsort((ts, customer))
    customer, tp = customer[order], tp[order]
    same = customer[1:] == customer[:-1]
    n = len(names)
    counts = np.bincount((tp[:-1] * n + tp[1:])[same], minlength=n * n)
    starts = np.concatenate(([True], ~same))
    ends = np.concatenate((~same, [True]))
    entry = np.bincount(tp[starts], minlength=n)
    exit_ = np.bincount(tp[ends], minlength=n)
    assert entry.sum() == exit_.sum()
    return f"{int((counts > 0).sum())} edges, {int(counts.sum())} transitions"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument("file", type=Path, help="the log's Parquet file")
    parser.add_argument("--engine", choices=["polars", "duckdb"], default="polars")
    args = parser.parse_args()
    missing = [name for name in NEEDS[args.task] if not has(name)]
    if missing:
        print(json.dumps({"missing": missing}))
        return
    if args.engine == "duckdb":
        import duckdb  # noqa: F401 (imported before the clock starts, like the rest)
    start = time.perf_counter()
    result = TASKS[args.task](args.file, args.engine)
    print(json.dumps({"work_s": time.perf_counter() - start, "result": result}))


if __name__ == "__main__":
    main()

"""The customer page and the drill-down lists on a large log: ``python bench/bench_drilldown.py FILE``.

    python -m cxlib.sample retail --customers 1100000 --out /tmp/r10m.parquet
    python bench/bench_drilldown.py /tmp/r10m.parquet            # Polars, then DuckDB

For each engine: the log opened (lazy), one customer's journey (what the Customer journey
page reads, a search by part of an id), a drill-down list's first and a later page (a
drop-off, a funnel step, a graph edge: the first call on Polars includes the one sort of
the journeys every analysis shares), a funnel with a step condition. Prints a table of
wall seconds; the load average is printed with it, as the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parents[1])]

import cxlib  # noqa: E402 (after the path is set)

STEPS = ("product_page", "add_to_cart", "checkout", "purchase")


def timed(
    rows: list[tuple[str, str, float, str]], engine: str, what: str, work: Callable[[], Any]
) -> Any:
    """Run ``work``, keep its wall seconds and a short note on its result."""
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    note = f"{result.total:,} rows" if isinstance(result, cxlib.CustomerList) else ""
    if isinstance(result, cxlib.CustomerJourney):
        note = f"{result.events.height} events"
    rows.append((engine, what, seconds, note))
    print(f"{engine:<7} {what:<44} {seconds:7.2f} s  {note}", flush=True)
    return result


def run(path: Path, engine: str, rows: list[tuple[str, str, float, str]]) -> None:
    if engine == "duckdb":
        from cxlib.engines import duckdb_connect

        source = duckdb_connect().sql(f"SELECT * FROM read_parquet('{path}')")
        log = timed(rows, engine, "open", lambda: cxlib.load(source))
    else:
        log = timed(rows, engine, "open", lambda: cxlib.load(path))
    found = timed(
        rows, engine, "find_customers('12345')", lambda: cxlib.find_customers(log, "12345")
    )
    customer = found[0] if found else cxlib.find_customers(log, "", n=1)[0]
    timed(
        rows,
        engine,
        f"customer_journey({customer!r})",
        lambda: cxlib.customer_journey(log, customer),
    )
    last = cxlib.find_customers(log, "99", n=1) or [customer]
    timed(
        rows, engine, f"customer_journey({last[0]!r})", lambda: cxlib.customer_journey(log, last[0])
    )
    drop = cxlib.DropOff("checkout")
    timed(
        rows, engine, "drill-down: ended at checkout, page 1", lambda: cxlib.customers_at(log, drop)
    )
    timed(rows, engine, "  the same, page 200", lambda: cxlib.customers_at(log, drop, page=200))
    step = cxlib.FunnelStep(STEPS, 3, outcome="dropped")
    timed(
        rows, engine, "drill-down: stopped at funnel step 3", lambda: cxlib.customers_at(log, step)
    )
    edge = cxlib.GraphEdge("add_to_cart", "checkout")
    timed(
        rows,
        engine,
        "drill-down: graph edge cart -> checkout",
        lambda: cxlib.customers_at(log, edge),
    )
    on_app = cxlib.Step("checkout", (cxlib.Where("channel", ("app",)),))
    timed(
        rows,
        engine,
        "funnel with checkout on the app",
        lambda: cxlib.funnel(log, [*STEPS[:2], on_app, STEPS[3]]),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--engines", default="polars,duckdb")
    args = parser.parse_args()
    rows: list[tuple[str, str, float, str]] = []
    print(f"load average before: {os.getloadavg()}")
    for engine in args.engines.split(","):
        run(args.file, engine, rows)
    print(f"load average after: {os.getloadavg()}\n")
    print("| engine | step | wall s | result |\n|---|---|--:|---|")
    for engine, what, seconds, note in rows:
        print(f"| {engine} | {what} | {seconds:.2f} | {note} |")


if __name__ == "__main__":
    main()

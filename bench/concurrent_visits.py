"""A room opens the link at once: 50 simultaneous visits to each page of a bundled sample.

Run by hand: ``.venv/bin/python bench/concurrent_visits.py [--visitors 50] [--scenario retail]``.
It starts ``streamlit run`` on a free local port, visits every page once (a warm server:
results are shared between sessions by ``ui/cache.py``), then for each page opens
``--visitors`` new sessions at the same moment over Streamlit's websocket (no browser:
what is measured is the server) and prints the median and 95th percentile of the time
until each visitor's page was drawn, with the exceptions any visitor saw.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.visits import server, visit, visits  # noqa: E402
from ui.pages import PAGES  # noqa: E402


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visitors", type=int, default=50)
    parser.add_argument("--scenario", default="retail")
    parser.add_argument("--pages", nargs="*", help="URL paths (default: every page)")
    args = parser.parse_args()
    pages = args.pages or [url for _, _, url in PAGES]
    query = f"scenario={args.scenario}"
    with tempfile.TemporaryDirectory() as tmp, server(Path(tmp) / "server.log") as url:
        for page in pages:  # warm: every result computed once, as after a first visitor
            asyncio.run(visit(url, page, query))
        print(
            f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, load average "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; {args.visitors} simultaneous "
            f"visitors per page, sample {args.scenario}, warm server"
        )
        print("| page | median s | p95 s | slowest s | exceptions |\n|---|---|---|---|---|")
        for page in pages:
            seen = asyncio.run(visits(url, page, query, args.visitors))
            seconds = [v.seconds for v in seen]
            failed = sum(bool(v.exceptions) or not v.finished for v in seen)
            print(
                f"| {page} | {statistics.median(seconds):.1f} | {_p95(seconds):.1f} | "
                f"{max(seconds):.1f} | {failed} |"
            )
            for message in sorted({e for v in seen for e in v.exceptions}):
                print(f"    {message.splitlines()[0]}")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

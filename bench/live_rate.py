"""Can the Live page keep up with 50 events per second for minutes? Run by hand.

Drives the real page with AppTest (the whole script, as a browser's refresh would, which
costs more than the page's fragment alone) every 3 s for ``--minutes``, and prints, each
half minute, the events taken in, the window, the time a refresh took, the process's CPU
share and resident memory. Usage: ``.venv/bin/python bench/live_rate.py --minutes 10``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.app.conftest import new_app, open_page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rate", type=int, default=50)
    parser.add_argument("--every", type=float, default=3.0)
    args = parser.parse_args()
    process = psutil.Process()
    at = open_page(new_app().run(), "pages/live.py")
    at.select_slider(key="live_rate").set_value(args.rate).run()
    feed = at.session_state["live_feed"]
    start = time.monotonic()
    cpu0, last_report, refresh = process.cpu_times(), start, []
    print("minute  events_in  window  refresh_s(max)  cpu%  rss_MB", flush=True)
    while time.monotonic() - start < args.minutes * 60:
        time.sleep(max(0.0, args.every - (refresh[-1] if refresh else 0)))
        t = time.monotonic()
        at.run()
        refresh.append(time.monotonic() - t)
        assert not at.exception, at.exception
        if time.monotonic() - last_report >= 30:
            now, cpu = time.monotonic(), process.cpu_times()
            share = (cpu.user + cpu.system - cpu0.user - cpu0.system) / (now - last_report)
            print(
                f"{(now - start) / 60:6.1f}  {feed.total:9,}  {feed.frame().height:6,}  "
                f"{sum(refresh) / len(refresh):.2f}({max(refresh):.2f})  {share:5.0%}  "
                f"{process.memory_info().rss / 2**20:6.0f}",
                flush=True,
            )
            cpu0, last_report, refresh = cpu, now, []
    elapsed = time.monotonic() - start
    print(f"kept up: {feed.total:,} events in {elapsed:.0f} s = {feed.total / elapsed:.1f}/s")


if __name__ == "__main__":
    main()

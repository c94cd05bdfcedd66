"""Can the Live page keep up with 50 events per second for minutes? Run by hand.

``--browser`` (the real thing): starts ``streamlit run``, opens ``/live`` in Debian's
chromium and lets the page's fragment refresh itself every 3 s; each half minute it
prints the events the page shows, the server's CPU share and resident memory.
Without it: drives the page with AppTest (the whole script every 3 s, more work than the
fragment alone) and prints the refresh time too; AppTest itself holds memory from run
to run, so its memory figure is not the server's.
Usage: ``.venv/bin/python bench/live_rate.py --minutes 10 [--browser]``.
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
    parser.add_argument("--browser", action="store_true")
    args = parser.parse_args()
    if args.browser:
        _browser(args.minutes)
        return
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


def _browser(minutes: float) -> None:
    import socket
    import tempfile

    from playwright.sync_api import sync_playwright

    from bench.load_test import CHROMIUM, FLAGS, _server

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = _server(port, Path(tempfile.mkdtemp()) / "server.log")
    process = psutil.Process(server.pid)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"http://127.0.0.1:{port}/live")
            page.get_by_text("Events so far").wait_for(timeout=120_000)
            start = last = time.monotonic()
            cpu0 = process.cpu_times()
            print("minute  events_shown  server_cpu%  server_rss_MB", flush=True)
            while time.monotonic() - start < minutes * 60:
                page.wait_for_timeout(30_000)
                now, cpu = time.monotonic(), process.cpu_times()
                share = (cpu.user + cpu.system - cpu0.user - cpu0.system) / (now - last)
                shown = page.get_by_test_id("stMetricValue").first.inner_text()
                print(
                    f"{(now - start) / 60:6.1f}  {shown:>12}  {share:10.0%}  "
                    f"{process.memory_info().rss / 2**20:13.0f}",
                    flush=True,
                )
                cpu0, last = cpu, now
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

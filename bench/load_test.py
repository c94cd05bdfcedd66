"""Load test: 20 people at once on one server, each uploading their own 100k-event log.

Run by hand (not in CI): ``.venv/bin/python bench/load_test.py [--sessions 20]``. It
writes 20 different generated logs, starts ``streamlit run`` on a free local port,
opens one Debian chromium (never a downloaded one) with a page per session (each in its
own browser context, so its own Streamlit session), and at once in every page: opens
the Data page, uploads its file, waits for ``Loaded: <file>``, then opens the Overview
and waits for its figures. It prints, per step, the median and slowest time over the
sessions, and the server's peak resident memory (sampled every 0.2 s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cxlib import sample  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Customers per generated log: about 100,000 events (4 to 5.5 events a customer).
CUSTOMERS = 21_000


def _logs(folder: Path, n: int) -> list[Path]:
    files = []
    for i in range(n):
        frame = sample.generate(sample.SCENARIOS[i % 3], customers=CUSTOMERS, seed=100 + i)
        files.append(folder / f"log_{i:02d}.csv")
        frame.head(100_000).write_csv(files[-1])
    return files


def _server(port: int, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
               "--server.port", str(port), "--server.address", "127.0.0.1"]  # fmt: skip
    with log.open("w") as out:
        proc = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/_stcore/health"
    for _ in range(120):
        try:
            with urllib.request.urlopen(url, timeout=2):
                return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit(f"the server did not start:\n{log.read_text()}")


class Peak(threading.Thread):
    """The peak resident memory of a process and its children, sampled in the background."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process, self.peak, self.running = psutil.Process(pid), 0, True

    def run(self) -> None:
        while self.running:
            try:
                tree = [self.process, *self.process.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in tree))
            except psutil.Error:
                pass
            time.sleep(0.2)


async def _session(browser, base: str, file: Path, start: float) -> dict[str, float]:
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(900_000)
    times = {}
    t0 = time.monotonic()
    await page.goto(f"{base}/data")
    # Rendered: the title, and the uploader (drawn after the sample is loaded).
    await page.get_by_role("heading", name="Data", exact=True).wait_for()
    await page.locator("input[type=file]").first.wait_for(state="attached")
    times["first render"] = time.monotonic() - t0
    await page.locator("input[type=file]").first.set_input_files(file)
    await page.get_by_text(f"Loaded: {file.name}").wait_for()
    times["upload loaded"] = time.monotonic() - t0
    nav = page.get_by_test_id("stSidebarNav")
    await nav.get_by_role("link", name="Overview", exact=True).click()
    await page.get_by_text("Median journey duration").wait_for()
    await page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
    )
    times["overview shown"] = time.monotonic() - t0
    times["started after"] = t0 - start
    await context.close()
    return times


async def _run(base: str, files: list[Path]) -> list[dict[str, float]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        start = time.monotonic()
        results = await asyncio.gather(*(_session(browser, base, f, start) for f in files))
        await browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = _logs(folder, args.sessions)
        events = sum(1 for _ in files[0].open()) - 1
        print(
            f"{len(files)} logs of {events:,} events ({files[0].stat().st_size / 1e6:.1f} MB each)"
        )
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = _server(port, folder / "server.log")
        idle = psutil.Process(server.pid).memory_info().rss
        cpu0 = sum(psutil.Process(server.pid).cpu_times()[:2])
        peak = Peak(server.pid)
        peak.start()
        try:
            t = time.monotonic()
            results = asyncio.run(_run(f"http://127.0.0.1:{port}", files))
            wall = time.monotonic() - t
            busy = sum(psutil.Process(server.pid).cpu_times()[:2]) - cpu0
        finally:
            peak.running = False
            server.terminate()
            server.wait(timeout=30)
        print(f"{args.sessions} concurrent sessions, all done in {wall:.1f} s "
              f"(cpus: {os.cpu_count()})")  # fmt: skip
        for step in ["first render", "upload loaded", "overview shown"]:
            values = [r[step] for r in results]
            print(
                f"  {step:15s} median {statistics.median(values):6.1f} s   slowest {max(values):6.1f} s"
            )
        print(f"server memory: {idle / 2**20:.0f} MB idle, peak {peak.peak / 2**20:.0f} MB")
        # The browsers share the machine: how much of the time the server itself computed.
        print(f"server CPU: {busy:.0f} s over {wall:.0f} s (the rest of the machine: chromium)")


if __name__ == "__main__":
    main()

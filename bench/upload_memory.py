"""The server's memory when someone uploads a Parquet bomb (43.7 KB that decode to 30M rows).

Run by hand (not in CI): ``.venv/bin/python bench/upload_memory.py``. For each setting
(the default limits, then the limits lifted), it starts ``streamlit run`` with its own
workspace, opens the Data page in Debian's chromium, uploads the file built by
``tests/io/test_limits.parquet_bomb`` and waits for the outcome, sampling the server's
resident memory (with its child processes) every 10 ms. It prints a table of the
memory before the upload, the peak during it and the outcome.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.helpers import Server, launch, settle  # noqa: E402
from tests.io.test_limits import parquet_bomb  # noqa: E402

SETTINGS = {
    "default limits": {},
    "limits lifted": {"CX_MAX_DECODED_MB": "8000", "CX_MAX_EXPANSION": "10000000"},
}


def _resident(proc: psutil.Process) -> int:
    try:
        return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
    except psutil.Error:
        return 0


def measure(bomb: Path, env: dict[str, str], folder: Path) -> tuple[int, int, str]:
    """Memory before, peak during the upload (bytes), and what the page said."""
    from playwright.sync_api import sync_playwright

    server = Server(folder / "data", folder / "streamlit.log", env).start()
    proc = psutil.Process(server.proc.pid)
    peak, done = [0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _resident(proc))
            time.sleep(0.01)

    try:
        with sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page()
            page.goto(f"{server.url}/data")
            page.get_by_role("heading", name="Data", exact=True).first.wait_for(timeout=90_000)
            settle(page)
            before = _resident(proc)
            sampler = threading.Thread(target=sample)
            sampler.start()
            page.locator("input[type=file]").first.set_input_files(bomb)
            outcome = page.get_by_text("Loaded: bomb.parquet").or_(
                page.get_by_text("would take about")
            )
            outcome.first.wait_for(timeout=600_000)
            settle(page)
            done.set()
            sampler.join()
            said = outcome.first.inner_text().split(":")[0]
            browser.close()
    finally:
        server.stop()
    return before, peak[0], said


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bomb = Path(tmp) / "bomb.parquet"
        bomb.write_bytes(parquet_bomb())
        print(f"bomb: {bomb.stat().st_size:,} bytes, 30,000,000 rows\n")
        print("| setting | before | peak | rise | outcome |")
        print("|---|---|---|---|---|")
        for name, env in SETTINGS.items():
            folder = Path(tmp) / name.replace(" ", "_")
            folder.mkdir()
            before, peak, said = measure(bomb, env, folder)
            mb = 1024**2
            print(
                f"| {name} | {before / mb:,.0f} MB | {peak / mb:,.0f} MB | "
                f"{(peak - before) / mb:,.0f} MB | {said} |"
            )


if __name__ == "__main__":
    main()

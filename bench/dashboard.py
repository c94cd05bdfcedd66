"""The dashboard at 1M or 10M events in Debian's chromium: ``python bench/dashboard.py --size 10M``.

Starts the real server (``streamlit run streamlit_app.py``, its own workspace in a temporary
``CX_DATA_DIR``, ``CX_CONNECT_ROOTS`` the benchmark logs' folder) and drives it with
Playwright in Debian's chromium (never a downloaded browser):

(a) connect: the Data page's Connect section opens the log's Parquet file (engine
    Automatic), then the Journey graph page: seconds to the first graph drawn;
(c) controls: in that session, each control changed ``--runs`` times (graph: top edges,
    minimum share, focus, edge weight; sidebar: date range, channel, segment,
    customers or sessions; funnels: steps, order, window): the median and 95th
    percentile of the seconds from the change to the page drawn again, and to the end of
    the script run the change started (the server's part: the rest is the browser's).
    The order is tried in turn (strict, any, sequential, ...) and left as the last try
    set it: the windows are tried in that order (any order with ``--runs 5``);
(d) story: in that session, the Story page opened and its goal picked: seconds from the
    pick to every finding drawn, and the longest stretch in which the page showed no
    progress;
(b) upload: a fresh session puts the log's CSV in the file uploader, then opens the
    Journey graph page: seconds to the first graph, with what the page showed of the
    load every 0.5 s and the longest stretch in which it showed no progress.

The logs are bench/data's (bench/datasets.py makes them once). The table is printed and
saved as markdown in bench/results/, with the machine's load averages at start and end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

import driver  # noqa: E402 (bench/ is the script's folder)
from datasets import ensure_log, parse_size  # noqa: E402

from tests.browser.helpers import Server, launch  # noqa: E402

RESULTS = BENCH / "results"
#: The retail scenario's funnel (bench/spec.py's scenario) and steps tried in turn after it.
FUNNEL = ["product_page", "add_to_cart", "checkout", "purchase"]
#: The conversion goal the Story page is told for (a connected log has none chosen).
GOAL = FUNNEL[-1]
TIMEOUT = 900.0
#: The progress the app shows (driver.PROGRESS), beside Streamlit's running indicator.
APP = ("status", "spinner", "uploader")
#: A control's name, the seconds of each rerun, of each rerun's script run, a note.
Row = tuple[str, list[float], list[float], str]
#: What can be measured (``--parts``): the connect, the controls of each kind, the Story
#: page, the upload.
PARTS = frozenset({"connect", "graph", "sidebar", "funnels", "story", "upload"})


def _open(page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()


def _watched(page, start: Callable[[], None], done: Callable[[float], bool]):
    """Start something, then sample what the page shows every 0.5 s until ``done(seconds)``.

    Returns the seconds it took and the samples: ``(seconds, driver.progress_seen)``.
    """
    seen: list[tuple[float, dict[str, object]]] = []
    t0 = time.monotonic()
    start()
    while True:
        now = time.monotonic() - t0
        if now > TIMEOUT:
            raise TimeoutError(f"not done after {TIMEOUT:.0f} s")
        seen.append((now, driver.progress_seen(page)))
        if done(now):
            return time.monotonic() - t0, seen
        page.wait_for_timeout(500)


def _gaps(seen, end: float) -> dict[str, Any]:
    """The longest time the page showed no progress of the app, and none at all."""
    return {
        "no app progress": _longest_gap(seen, end, lambda s: any(s[k] for k in APP)),
        "no progress": _longest_gap(seen, end, lambda s: any(s.values())),
        # Each kind of progress as last shown (the status box lists every step with its time).
        "texts": [next((str(s[k]) for _, s in reversed(seen) if s[k]), "") for k in APP],
    }


def _load(page, runs: driver.Runs, start: Callable[[], None], name: str) -> dict[str, Any]:
    """Start a load, then open the Journey graph page once loaded; sample the page every 0.5 s.

    Returns the seconds to the data loaded and to the first graph, and the longest time
    the page showed no progress of the app (and none at all, running indicator included).
    """
    loaded = 0.0

    def drawn(now: float) -> bool:
        nonlocal loaded
        if not loaded and page.get_by_text(f"Loaded: {name}").count():
            loaded = now
            _open(page, "Journey graph")
            return False
        return bool(loaded and page.evaluate(driver.IDLE) and driver.graph_frames(page))

    graph, seen = _watched(page, start, drawn)
    return {"loaded": loaded, "graph": graph, **_gaps(seen, graph)}


def story(page) -> dict[str, Any]:
    """(d) In the connected session, the Story page with the retail goal: seconds to every finding drawn."""
    _open(page, "Story")
    page.wait_for_function(driver.IDLE, timeout=TIMEOUT * 1000)
    report = page.get_by_text("Download the story (HTML)")

    def drawn(now: float) -> bool:
        return bool(page.evaluate(driver.IDLE) and report.count())

    told, seen = _watched(page, driver.choose(page, "goal", GOAL), drawn)
    return {"told": told, **_gaps(seen, told)}


def _longest_gap(seen, end: float, shown: Callable[[dict[str, object]], bool]) -> str:
    """The longest time between samples showing progress (from 0 to ``end``), and when."""
    times = [0.0, *(t for t, s in seen if shown(s)), end]
    a, b = max(itertools.pairwise(times), key=lambda pair: pair[1] - pair[0])
    return f"{b - a:.1f} (from {a:.1f} to {b:.1f} s)"


def connect(page, runs: driver.Runs, parquet: Path, base: str) -> dict[str, float]:
    """(a) The Data page's Connect section opens ``parquet``; then the first graph."""
    page.goto(f"{base}/data")
    page.get_by_text("Connect to data where it lives").click()
    path = page.locator(".st-key-data_connect_to input")
    path.fill(str(parquet))
    path.press("Enter")
    page.wait_for_function(driver.IDLE)
    button = page.locator(".st-key-data_connect button")
    return _load(page, runs, button.click, "Parquet file or folder")


def upload(page, runs: driver.Runs, csv: Path, base: str) -> dict[str, float]:
    """(b) The Data page's uploader gets ``csv``; then the first graph."""
    page.goto(f"{base}/data")
    chooser = page.locator("input[type=file]").first
    chooser.wait_for(state="attached")
    page.wait_for_function(driver.IDLE)
    return _load(page, runs, lambda: chooser.set_input_files(csv), csv.name)


def _timed(page, runs: driver.Runs, commit: Callable[[], None], ready) -> tuple[float, float]:
    """Seconds from the commit to the page drawn again, and to the end of the script run."""
    check = ready(page)
    t0 = time.monotonic()
    commit()
    return runs.settled(page, t0, check, TIMEOUT), runs.ran(t0)


def _funnel_drawn(page) -> Callable[[], bool]:
    chart = page.get_by_test_id("stVegaLiteChart")
    return lambda: bool(chart.count() or page.get_by_text("Pick at least two steps").count())


def _there_and_back(i: int) -> int:
    """+1 +1 -1 -1 +1 ...: a control moved up and down around where it was."""
    return 1 if (i // 2) % 2 == 0 else -1


Commits = Callable[[int], Callable[[], None]]
#: After the tries, what brings a control back to where it was (None: nothing to do).
Undo = Callable[[int], Callable[[], None] | None]


def _add_remove(page, key: str, values: list[str]) -> tuple[Commits, Undo]:
    """Try i adds a value to the multiselect ``key``, try i + 1 removes it; then the next."""

    def commit(i: int) -> Callable[[], None]:
        value = values[i // 2 % len(values)]
        return driver.unpick(page, key, value) if i % 2 else driver.choose(page, key, value)

    return commit, lambda n: commit(n) if n % 2 else None


def _cycle(page, key: str, values: list[str]) -> Commits:
    return lambda i: driver.choose(page, key, values[i % len(values)])


def controls(page, runs: driver.Runs, n: int, parts: set[str] = PARTS) -> list[Row]:
    """(c) Every control of ``parts`` (graph, sidebar, funnels) changed ``n`` times: the seconds of each rerun.

    Filters are set back as they were after their tries, so every control is timed on the
    whole log.
    """
    rows: list[Row] = []

    def tried(name: str, ready, commits: Commits, undo: Undo = lambda n: None, note: str = ""):
        seconds, scripts = [], []
        for i in range(n):
            driver.close_lists(page)
            drawn, ran = _timed(page, runs, commits(i), ready)
            seconds.append(drawn)
            scripts.append(ran)
        rows.append((name, seconds, scripts, note))
        print(f"  {name}: {' '.join(f'{s:.2f}' for s in seconds)}", flush=True)
        driver.close_lists(page)
        if (back := undo(n)) is not None:
            _timed(page, runs, back, ready)

    if "graph" in parts:
        _graph_controls(page, tried, n)
    if "sidebar" in parts:
        _sidebar_controls(page, runs, tried, n)
    if "funnels" in parts:
        _funnel_controls(page, runs, tried)
    return rows


def _graph_controls(page, tried, n: int) -> None:
    graph = driver.graph_drawn
    tried("graph: top edges per touchpoint", graph,
          lambda i: driver.slider(page, "graph_top_k", _there_and_back(i)))  # fmt: skip
    tried("graph: minimum share", graph,
          lambda i: driver.slider(page, "graph_min_share", _there_and_back(i)))  # fmt: skip
    tried("graph: focus", graph, _cycle(page, "graph_focus", driver.options(page, "graph_focus")))
    weights = ["customers", "share", "median time", "transitions"]
    tried("graph: edge weight", graph, _cycle(page, "graph_weight", weights))


def _sidebar_controls(page, runs: driver.Runs, tried, n: int) -> None:
    graph = driver.graph_drawn
    on_graph = "on the graph page"
    moved = sum(-_there_and_back(i) for i in range(n))
    tried("sidebar: date range (end date)", graph,
          lambda i: driver.end_date(page, "dates", -_there_and_back(i)),
          lambda n: driver.end_date(page, "dates", -moved) if moved else None, on_graph)  # fmt: skip
    tried("sidebar: channel (add, remove)", graph,
          *_add_remove(page, "channels", driver.options(page, "channels")), on_graph)  # fmt: skip
    _timed(page, runs, driver.choose(page, "segment", "segment"), graph)
    tried("sidebar: segment (add, remove a value)", graph,
          *_add_remove(page, "segment_values", driver.options(page, "segment_values")),
          on_graph)  # fmt: skip
    journeys = ["sessions", "customers"]
    tried("sidebar: customers or sessions", graph,
          lambda i: driver.radio(page, "journeys", journeys[i % 2]),
          lambda n: driver.radio(page, "journeys", "customers") if n % 2 else None,
          on_graph)  # fmt: skip


def _funnel_controls(page, runs: driver.Runs, tried) -> None:
    funnel = _funnel_drawn
    _open(page, "Funnels")
    page.wait_for_function(driver.IDLE, timeout=TIMEOUT * 1000)
    for step in FUNNEL:  # the funnel the controls change
        _timed(page, runs, driver.choose(page, "funnel_steps", step), funnel)
    extra = driver.options(page, "funnel_steps")
    tried("funnels: steps (add, remove a 5th)", funnel, *_add_remove(page, "funnel_steps", extra))
    tried("funnels: order", funnel, _cycle(page, "funnel_order", ["strict", "any", "sequential"]))
    windows = ["7d", "1d", "90d", "1h", "30d"]
    tried("funnels: window", funnel, _cycle(page, "funnel_window", windows))


def _p95(seconds: list[float]) -> float:
    if len(seconds) == 1:
        return seconds[0]
    return statistics.quantiles(seconds, n=20, method="inclusive")[-1]


def _table(title: str, rows: list[Row]) -> str:
    """Each control's reruns; "script run" is the server's part: from the change to the run's end."""
    lines = [
        f"| {title} | runs | median s | p95 s | slowest s | script run: median / p95 s | note |",
        "|---|--:|--:|--:|--:|--:|---|",
    ]
    for name, seconds, scripts, note in rows:
        lines.append(f"| {name} | {len(seconds)} | {statistics.median(seconds):.2f} "
                     f"| {_p95(seconds):.2f} | {max(seconds):.2f} "
                     f"| {statistics.median(scripts):.2f} / {_p95(scripts):.2f} | {note} |")  # fmt: skip
    return "\n".join(lines)


def _load_rows(what: str, measured: dict[str, float]) -> list[str]:
    if not measured:
        return []
    return [
        f"| {what}: data loaded | {measured['loaded']:.1f} |",
        f"| {what}: first journey graph drawn | {measured['graph']:.1f} |",
        f"| {what}: longest stretch with no progress shown by the app | {measured['no app progress']} |",
        f"| {what}: longest stretch with no progress shown at all | {measured['no progress']} |",
    ]


def _story_rows(told: dict[str, Any]) -> list[str]:
    if not told:
        return []
    return [
        f"| open the Story page: every finding drawn | {told['told']:.1f} |",
        f"| open the Story page: longest stretch with no progress shown by the app | {told['no app progress']} |",
    ]


def _shown(uploaded: dict[str, Any]) -> list[str]:
    if not uploaded:
        return []
    texts = zip(APP, uploaded["texts"], strict=True)
    return ["What the page showed during the upload, each as last seen: "
            + "; ".join(f"{k}: `{t}`" for k, t in texts if t), ""]  # fmt: skip


def _page(browser):
    page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
    page.set_default_timeout(TIMEOUT * 1000)
    return page, driver.Runs().watch(page)


def _drive(browser, base: str, parquet: Path, csv: Path, n: int, parts: set[str]):
    """(a), (c), (d), then (b) in a fresh session; a failure leaves the page's picture in results.

    The controls and the Story page need the connection: asking for any of them connects first.
    """
    page, runs = _page(browser)
    connected: dict[str, Any] = {}
    told: dict[str, Any] = {}
    rows: list[Row] = []
    uploaded: dict[str, Any] = {}
    try:
        if parts - {"upload"}:
            connected = connect(page, runs, parquet, base)
            print(f"  connect: {connected}", flush=True)
            rows = controls(page, runs, n, parts)
            if "story" in parts:
                told = story(page)
                print(f"  story: {told}", flush=True)
        if "upload" in parts:
            page.context.close()
            page, runs = _page(browser)
            uploaded = upload(page, runs, csv, base)
            print(f"  upload: {uploaded}", flush=True)
    except Exception:
        RESULTS.mkdir(exist_ok=True)
        page.screenshot(path=RESULTS / "dashboard-failed.png", full_page=True)
        print("failed: the page is in bench/results/dashboard-failed.png")
        raise
    finally:
        browser.close()
    return connected, rows, told, uploaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1M", help="events: 1M or 10M (bench/data's logs)")
    parser.add_argument("--runs", type=int, default=5, help="changes of each control")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds a step may take")
    parser.add_argument(
        "--parts", default=",".join(sorted(PARTS)),
        help=f"what to measure, comma-separated, of {', '.join(sorted(PARTS))} (default: all)",
    )  # fmt: skip
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    if unknown := parts - PARTS:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    global TIMEOUT  # one setting for every wait
    TIMEOUT = args.timeout
    from playwright.sync_api import sync_playwright

    log = ensure_log(parse_size(args.size), csv=True)
    parquet, csv = Path(str(log["parquet"])).resolve(), Path(str(log["csv"])).resolve()
    load_start = os.getloadavg()
    started = dt.datetime.now(dt.UTC)
    print(f"{args.size} events, {started:%Y-%m-%d %H:%M} UTC, load {load_start}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {"CX_CONNECT_ROOTS": str(parquet.parent)}
        server = Server(folder / "data", folder / "server.log", env).start()
        try:
            with sync_playwright() as p:
                connected, rows, told, uploaded = _drive(
                    launch(p), server.url, parquet, csv, args.runs, parts
                )
        except Exception:
            print(f"server log:\n{server.log()}")
            raise
        finally:
            server.stop()
    load_end = os.getloadavg()
    text = "\n".join([
        f"{args.size} events ({parquet.name}, {csv.name}), {started:%Y-%m-%d %H:%M} UTC, "
        f"load averages {load_start[0]:.1f} {load_start[1]:.1f} {load_start[2]:.1f} at start, "
        f"{load_end[0]:.1f} {load_end[1]:.1f} {load_end[2]:.1f} at end "
        f"({os.cpu_count()} cores)",
        "",
        "| first graph | seconds |",
        "|---|--:|",
        *_load_rows("connect to the Parquet file", connected),
        *_story_rows(told),
        *_load_rows("upload the CSV", uploaded),
        "",
        *_shown(uploaded),
        _table("control (rerun after a change)", rows) if rows else "",
    ])  # fmt: skip
    print("\n" + text)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"dashboard-{args.size}-{started:%Y%m%d-%H%M}.md"
    out.write_text(text + "\n")
    print(f"\nsaved to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

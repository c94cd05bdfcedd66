"""The one real-browser test: the real app in Debian's chromium, driven by Playwright.

It starts ``streamlit run`` on a free local port, uploads a CSV through the file
input, walks every page through the sidebar (so the session, and the upload, stay),
checks that the pyvis network drew its nodes, that no request left 127.0.0.1, and
that hostile touchpoint names never execute. Screenshots of every page land in
``test-artifacts/screenshots``; the server's log is shown when something fails.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import polars as pl
import pytest

from cxlib import EventLog, journey_graph
from cxlib.views.graph_html import graph_html
from ui.pages import PAGES

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
HOSTILE = [
    "<img src=x onerror=alert('img')>",
    "<script>alert('script')</script>",
    "javascript:alert('js')",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app on a free port; its log is printed if the test fails to reach it."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: `./dev test` installs it with apt-get")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("server") / "streamlit.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the app did not start; server log:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        print(f"--- server log ---\n{log_path.read_text()[-5000:]}")


@pytest.fixture
def browser_page(server: str) -> Iterator:
    """A fresh chromium page that records every request and every dialog."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.requests, page.dialogs = [], []
        page.on("request", lambda r: page.requests.append(r.url))
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        yield page
        browser.close()


def _upload_csv(tmp_path: Path, touchpoints: list[str]) -> Path:
    """A small log: 40 customers walking a short path over the given touchpoints."""
    rows = []
    for c in range(40):
        path = touchpoints[: 2 + c % (len(touchpoints) - 1)]
        rows += [
            (f"u{c}", dt.datetime(2024, 3, 1) + dt.timedelta(hours=c, minutes=i), tp)
            for i, tp in enumerate(path)
        ]
    file = tmp_path / "upload.csv"
    pl.DataFrame(rows, schema=["user_id", "event_time", "event_name"], orient="row").write_csv(file)
    return file


def _open(page, title: str) -> None:
    """Go to a page through the sidebar (keeps the session) and wait for it to settle."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=60_000)
    _settle(page)


def _settle(page) -> None:
    """Wait until the script run is over (no running indicator) and charts had a moment."""
    page.wait_for_timeout(500)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000
    )
    page.wait_for_timeout(1000)


def _graph_node_count(page) -> int:
    """The number of nodes vis-network holds inside the graph's iframe, once drawn."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for frame in page.frames:
        try:
            frame.wait_for_function(
                "() => typeof network !== 'undefined' && network.body.data.nodes.length > 0",
                timeout=5_000,
            )
        except PlaywrightTimeout:  # other frames (e.g. Altair's) have no network
            continue
        return frame.evaluate("() => network.body.data.nodes.length")
    return 0


def _injected(page) -> list[str]:
    """Elements a hostile name would create if it were not escaped, in every frame."""
    found = []
    for frame in page.frames:
        found += frame.evaluate(
            "() => [...document.querySelectorAll('img, script, a[href^=\"javascript:\"]')]"
            ".filter(e => (e.getAttribute('src') === 'x') || e.textContent.trim() === \"alert('script')\""
            " || (e.getAttribute('href') || '').startsWith('javascript:'))"
            ".map(e => e.outerHTML)"
        )
    return found


def _page_titles() -> list[str]:
    return [title for _, title, _ in PAGES]


def test_upload_walk_every_page_offline(browser_page, server: str, tmp_path: Path) -> None:
    page = browser_page
    page.goto(server)
    page.get_by_role("heading", name="Overview", exact=True).wait_for(timeout=90_000)
    _settle(page)

    _open(page, "Data")
    upload = _upload_csv(tmp_path, ["home", "search", "product", "cart", "purchase"])
    page.locator("input[type=file]").first.set_input_files(upload)
    page.get_by_text("Loaded: upload.csv").wait_for(timeout=60_000)
    _settle(page)
    page.screenshot(path=ARTIFACTS / "data.png", full_page=True)

    for title in _page_titles():
        _open(page, title)
        assert not page.get_by_test_id("stException").count(), f"exception on page {title}"
        if title == "Journey graph":
            # 5 touchpoints + entry + exit, all kept by the default pruning on this small log
            assert _graph_node_count(page) == 7
        name = title.lower().replace(" ", "_").replace("-", "")
        page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)

    outside = {urlparse(u).hostname for u in page.requests} - LOCAL_HOSTS - {None, ""}
    assert not outside, f"requests left 127.0.0.1: {sorted(outside)}"


def test_sample_graph_and_funnel(browser_page, server: str) -> None:
    """The bundled retail journeys as a first-time visitor sees them (the README's pictures)."""
    page = browser_page
    page.goto(server)
    page.get_by_role("heading", name="Overview", exact=True).wait_for(timeout=90_000)
    _settle(page)
    _open(page, "Journey graph")
    assert _graph_node_count(page) > 10  # the retail map: entry, exit and its touchpoints
    page.screenshot(path=ARTIFACTS / "sample_journey_graph.png")
    _open(page, "Funnels")
    page.locator(".vega-embed").first.wait_for(timeout=60_000)
    assert not page.get_by_test_id("stException").count()
    page.screenshot(path=ARTIFACTS / "sample_funnels.png", full_page=True)


def test_hostile_touchpoint_names_never_execute(browser_page, server: str, tmp_path: Path) -> None:
    page = browser_page
    page.goto(server)
    page.get_by_role("heading", name="Overview", exact=True).wait_for(timeout=90_000)
    _open(page, "Data")
    upload = _upload_csv(tmp_path, ["home", *HOSTILE, "purchase"])
    page.locator("input[type=file]").first.set_input_files(upload)
    page.get_by_text("Loaded: upload.csv").wait_for(timeout=60_000)
    _settle(page)
    for title in _page_titles():
        _open(page, title)
        assert not page.get_by_test_id("stException").count(), f"exception on page {title}"
        if title == "Journey graph":
            assert _graph_node_count(page) > 0
        assert page.dialogs == [], f"a script ran on page {title}: {page.dialogs}"
        assert _injected(page) == [], f"injected elements on page {title}"

    # The exported graph HTML, opened on its own, stays inert too.
    frame = pl.DataFrame(
        {
            "customer_id": ["a"] * 4,
            "timestamp": [dt.datetime(2024, 1, 1, 9, m) for m in range(4)],
            "touchpoint": ["home", *HOSTILE],
        }
    )
    html = graph_html(journey_graph(EventLog.from_frame(frame)))
    exported = tmp_path / "graph.html"
    exported.write_text(html)
    page.goto(exported.as_uri())
    page.wait_for_timeout(2000)
    assert page.dialogs == []
    assert _injected(page) == []


def test_an_upload_fixed_in_the_import_assistant(browser_page, server: str, tmp_path: Path) -> None:
    """A file the loader misreads: the separator and the timestamp format set on the page."""
    page = browser_page
    page.goto(server)
    page.get_by_role("heading", name="Overview", exact=True).wait_for(timeout=90_000)
    _open(page, "Data")
    export = tmp_path / "export.txt"  # ';' between fields, ',' inside one, times like 10.00
    export.write_text(
        "user;event,kind,x;when\nu1;visit,web,1;01-02-2024 10.00\n"
        "u1;buy,web,2;01-02-2024 10.30\nu2;visit,app,3;03-02-2024 09.15\n"
    )
    page.locator("input[type=file]").first.set_input_files(export)
    page.get_by_text("Could not load export.txt").wait_for(timeout=60_000)
    _settle(page)
    assert page.get_by_text("Showing sample: retail, not export.txt").count()

    def choose(label: str, option: str) -> None:
        box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True))
        box.click()
        page.keyboard.type(option)  # the selectbox filters its options as one types
        page.get_by_role("option", name=option, exact=True).click()
        _settle(page)

    choose("Separator", "semicolon ;")
    choose("Timestamp", "when")
    box = page.get_by_role("textbox", name="Timestamp format")
    box.fill("%d-%m-%Y %H.%M")
    box.press("Enter")
    page.get_by_text("All 3 rows parse.").wait_for(timeout=60_000)
    page.screenshot(path=ARTIFACTS / "import_assistant.png", full_page=True)
    page.get_by_role("button", name="Load with these settings").click()
    page.get_by_text("Loaded: export.txt").wait_for(timeout=60_000)
    _settle(page)
    assert not page.get_by_test_id("stException").count()
    assert not page.get_by_text("Showing sample: retail").count()


# --- A room: the Live page on a projector, the Story of each sample, its report offline ---

DOCS_SHOTS = ROOT / "docs" / "screenshots"


def _shoot(page, name: str, *, height: int | None = None) -> None:
    """A screenshot in test-artifacts, and in docs/screenshots for the README.

    The docs' copy keeps the top ``height`` pixels (the artifacts' has the whole viewport).
    """
    DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png")
    width = page.viewport_size["width"]
    clip = {"x": 0, "y": 0, "width": width, "height": height} if height else None
    page.screenshot(path=DOCS_SHOTS / f"{name}.png", clip=clip)


def _cut_labels(page) -> list[str]:
    """Key figures' labels that do not fit their box (cut with an ellipsis or hidden)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stMetricLabel"], '
            + '[data-testid="stMetricLabel"] *')]
            .filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
            .map(e => e.innerText)"""
    )


def test_live_in_presenter_mode_on_a_projector(server: str) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(f"{server}/live?presenter=true")
        page.get_by_role("heading", name="Live", exact=True).wait_for(timeout=90_000)
        # The sidebar is folded away and its filters are not on this page.
        page.wait_for_selector(
            '[data-testid="stSidebar"][data-collapsed="true"]', state="attached", timeout=30_000
        )
        page.wait_for_timeout(30_000)  # 30 s of events streaming in
        assert not page.get_by_test_id("stException").count()
        assert page.locator(".vega-embed").count() == 1  # the funnel
        assert _graph_node_count(page) > 3
        assert _cut_labels(page) == []
        _shoot(page, "live_presenter")
        browser.close()


@pytest.mark.parametrize("scenario", ["retail", "bank", "telecom"])
def test_story_of_each_sample(server: str, scenario: str) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 4200})
        page.goto(f"{server}/story?scenario={scenario}")
        page.get_by_role("heading", name="Story", exact=True).wait_for(timeout=90_000)
        _settle(page)
        assert not page.get_by_test_id("stException").count()
        findings = page.locator("h3", has_text=re.compile(r"^\d\. "))
        assert 5 <= findings.count() <= 8
        assert page.locator(".vega-embed").count() == findings.count()
        assert _cut_labels(page) == []
        _shoot(page, f"story_{scenario}", height=1700)
        browser.close()


def test_story_report_opens_offline(tmp_path: Path) -> None:
    """The report of the retail story, opened from a file with every network request refused."""
    from playwright.sync_api import sync_playwright

    import cxlib
    from cxlib import sample
    from cxlib.story.model import HEADINGS
    from cxlib.views import charts_story
    from cxlib.views.graph_html import graph_html as draw
    from cxlib.views.report import Section, report_html

    log = cxlib.load(sample.path("retail"))
    story = cxlib.findings(log, goal="purchase")
    sections = [Section("The journey graph", graph=draw(journey_graph(log, top_k=3)))]
    for found in story.findings:
        spec = charts_story.estimate_chart(
            found.chart, axis=found.axis, is_share=found.is_share, baseline=found.baseline
        ).to_dict()
        sections.append(Section(HEADINGS[found.kind], found.sentence, found.headline, spec))
    report = tmp_path / "story.html"
    report.write_text(report_html("The story of retail", sections, notes=story.left_out))
    print(f"report: {report.stat().st_size:,} bytes")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(offline=True, viewport={"width": 1200, "height": 900})
        refused = []
        context.route(
            re.compile(r"^(?!file:|about:|data:).*"),
            lambda route: (refused.append(route.request.url), route.abort()),
        )
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(report.as_uri())
        # Every chart drawn as SVG by the inlined Vega, the graph by the inlined vis-network.
        page.wait_for_function(
            f"() => document.querySelectorAll('.chart svg').length === {len(story.findings)}",
            timeout=30_000,
        )
        assert _graph_node_count(page) > 10
        notes = 1 if story.left_out else 0
        assert page.locator("h2").count() == 1 + len(story.findings) + notes  # graph, findings
        assert errors == []
        assert refused == []
        page.screenshot(path=ARTIFACTS / "story_report.png", full_page=True)
        browser.close()

"""A team on one real server, in two chromium browsers: persistence, links, views, crashes.

Each person is a browser context of their own (own cookies, own Streamlit session). An
upload survives a reload and opens from the link in the other browser; each keeps their
own session's data; a saved view opens in the other browser on its page with its
controls; hostile links show no markup and fetch nothing; two uploads at once both
land; the server killed (SIGKILL) in the middle of writing an upload restarts on a
consistent workspace whose earlier log still opens.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import polars as pl
import pytest

from tests.browser.helpers import ROOT, Server, launch, open_page, recording, settle

pytestmark = pytest.mark.browser

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
PHISH = "![u](http://host.example/u.png) [Your session expired - sign in again](http://host.example/phish)"


def _csv(folder: Path, name: str, prefix: str, customers: int) -> Path:
    rows = []
    for c in range(customers):
        steps = ["home", "search", "product", "cart", "purchase"][: 2 + c % 4]
        rows += [
            (f"{prefix}{c}", dt.datetime(2024, 3, 1) + dt.timedelta(hours=c, minutes=i), tp)
            for i, tp in enumerate(steps)
        ]
    file = folder / name
    pl.DataFrame(rows, schema=["user_id", "event_time", "event_name"], orient="row").write_csv(file)
    return file


@pytest.fixture
def team(tmp_path) -> Iterator[tuple[Server, list]]:
    """A server with its own workspace, and a factory of people (one browser context each)."""
    from playwright.sync_api import sync_playwright

    server = Server(tmp_path / "data", tmp_path / "streamlit.log").start()
    with sync_playwright() as p:
        browser = launch(p)
        people: list = []

        def person():
            page = recording(
                browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            )
            people.append(page)
            return page

        try:
            yield server, person
        finally:
            browser.close()
            server.stop()
            print(f"--- server log ---\n{server.log()}")


def _visit(page, url: str, heading: str = "Overview") -> None:
    page.goto(url)
    page.get_by_role("heading", name=heading, exact=True).first.wait_for(timeout=90_000)
    settle(page)


def _upload(page, file: Path, *, wait: bool = True) -> None:
    page.locator("input[type=file]").first.set_input_files(file)
    if wait:
        _loaded(page, file.name)


def _loaded(page, label: str) -> None:
    page.get_by_text(f"Loaded: {label}").wait_for(timeout=120_000)
    settle(page)


def _ada_uploads(server: Server, ada, folder: Path) -> str:
    """Ada opens the app, uploads 40 customers on the Data page; the id of the saved log."""
    _visit(ada, server.url)
    open_page(ada, "Data")
    _upload(ada, _csv(folder, "ada.csv", "a", 40))
    return _param(ada, "log")


def _param(page, name: str) -> str:
    return parse_qs(urlparse(page.url).query)[name][0]


def _clean_and_offline(page) -> None:
    assert not page.get_by_test_id("stException").count()
    outside = {urlparse(u).hostname for u in page.requests} - LOCAL_HOSTS - {None, ""}
    assert not outside, f"requests left 127.0.0.1: {sorted(outside)}"


def _catalog(folder: Path) -> dict:
    """The workspace as a new process finds it (as a restarted server does)."""
    script = (
        f"import json, pathlib, sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from ui.ownership import Person\n"
        "from ui.workspace import Workspace\n"
        f"ws = Workspace(pathlib.Path({str(folder)!r}))\n"
        "print(json.dumps({'problems': ws.check(), 'names': [e.name for e in ws.logs(Person())],"
        " 'ids': [e.id for e in ws.logs(Person())]}))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_two_browsers_reload_share_and_keep_their_own_sessions(team, tmp_path):
    server, person = team
    ada, bob = person(), person()
    log_id = _ada_uploads(server, ada, tmp_path)
    assert "ada.csv" not in ada.url  # an id, never a name or a path
    assert str(tmp_path) not in ada.url

    ada.reload()  # a reload reopens the same log
    _loaded(ada, "ada.csv")

    _visit(bob, ada.url, "Data")  # the teammate's link
    _loaded(bob, "ada.csv")
    _upload(bob, _csv(tmp_path, "bob.csv", "b", 7))
    assert _param(bob, "log") != log_id

    # Each keeps their own session's data: Ada still on hers (40 customers).
    open_page(ada, "Overview")
    ada.get_by_test_id("stMetricValue").first.get_by_text("40", exact=True).wait_for()
    open_page(bob, "Overview")
    bob.get_by_test_id("stMetricValue").first.get_by_text("7", exact=True).wait_for()
    for page in (ada, bob):
        _clean_and_offline(page)


def test_a_saved_view_opens_in_the_other_browser(team, tmp_path):
    server, person = team
    ada, bob = person(), person()
    log_id = _ada_uploads(server, ada, tmp_path)
    # The funnel's steps chosen by the link (bound controls start from the URL).
    _visit(ada, f"{server.url}/funnels?log={log_id}&funnel_steps=home&funnel_steps=cart", "Funnels")
    ada.get_by_test_id("stSidebar").get_by_text("Saved views").click()
    ada.get_by_label("Name of this view").fill("home to cart")
    ada.get_by_label("Name of this view").press("Enter")
    settle(ada)
    ada.get_by_role("button", name="Save this view").click()
    link = ada.get_by_role("link", name="home to cart")
    link.wait_for(timeout=60_000)
    href = link.get_attribute("href")
    assert href.startswith("?")
    assert "view=" in href
    assert "funnel_steps" not in href

    _visit(bob, f"{server.url}/{href}", "Funnels")
    assert _param(bob, "view") == parse_qs(href[1:])["view"][0]
    chosen = bob.get_by_test_id("stMultiSelect").filter(has_text="Steps, in order")
    for step in ["home", "cart"]:
        chosen.get_by_text(step, exact=True).wait_for()
    bob.locator(".vega-embed").first.wait_for(timeout=60_000)
    assert not bob.get_by_test_id("stException").count()


@pytest.mark.parametrize(
    "query",
    [
        f"connect=parquet&connect_to={quote(PHISH)}",
        f"log={quote(PHISH)}",
        f"view={quote(PHISH)}",
        f"scenario={quote(PHISH)}&goal={quote(PHISH)}",
    ],
)
def test_hostile_links_show_no_image_no_link(team, query):
    server, person = team
    page = person()
    _visit(page, f"{server.url}/?{query}")
    assert page.locator("img[src*='host.example']").count() == 0
    assert page.locator("a[href*='host.example']").count() == 0
    _clean_and_offline(page)


def test_two_uploads_at_once_both_land(team, tmp_path):
    server, person = team
    ada, bob = person(), person()
    for page in (ada, bob):
        _visit(page, f"{server.url}/data", "Data")
    _upload(ada, _csv(tmp_path, "ada.csv", "a", 3000), wait=False)
    _upload(bob, _csv(tmp_path, "bob.csv", "b", 3000), wait=False)
    _loaded(ada, "ada.csv")
    _loaded(bob, "bob.csv")
    found = _catalog(server.data)
    assert found["problems"] == []
    assert sorted(found["names"]) == ["ada.csv", "bob.csv"]


def test_the_server_killed_mid_upload_restarts_on_a_consistent_workspace(team, tmp_path):
    server, person = team
    ada = person()
    _visit(ada, f"{server.url}/data", "Data")
    _upload(ada, _csv(tmp_path, "first.csv", "a", 40))
    first = _param(ada, "log")
    _upload(ada, _csv(tmp_path, "big.csv", "b", 400_000), wait=False)  # about 1.4M events
    files = server.data / "logs"
    deadline = time.monotonic() + 300
    while not any(p.name.startswith(".tmp-") for p in files.iterdir()):
        assert time.monotonic() < deadline, f"the upload was never written:\n{server.log()}"
        time.sleep(0.002)
    server.kill()  # while the big upload's Parquet file is being written

    found = _catalog(server.data)
    assert found["problems"] == []
    assert found["names"] == ["first.csv"]
    server.start()  # the same workspace, a new process
    bob = person()
    _visit(bob, f"{server.url}/?log={first}")
    bob.get_by_test_id("stSidebar").get_by_text("Data: first.csv").wait_for(timeout=60_000)
    assert not bob.get_by_test_id("stAlertContentError").count()

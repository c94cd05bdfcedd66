"""AppTest helpers: the dashboard run headless in-process, widgets found by key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.pages import PAGES

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
TIMEOUT = 30


def new_app(query_params: dict | None = None) -> AppTest:
    """The app before its first run, with these query parameters in its URL."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update(query_params or {})
    return at


def open_page(at: AppTest, file: str) -> AppTest:
    """Switch to a page (the app must have run once) and run it."""
    at.switch_page(file)
    return at.run()


def assert_clean(at: AppTest, title: str) -> None:
    """The page ran to its end: its title shows, and no exception or error is on it."""
    assert [e.value for e in at.exception] == []
    assert [e.value for e in at.error] == []
    assert [t.value for t in at.title] == [title]


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    """Put files in the Data page's uploader and run (the app is on the Data page)."""
    (uploader,) = at.file_uploader  # a new, empty one after each upload
    uploader.set_value([(name, data, "application/octet-stream") for name, data in files])
    return at.run()


def plain(markdown: str) -> str:
    """Text as a person reads it: the backslash escapes and zero-width spaces of md() removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u200b", "")


def errors(at: AppTest) -> list[str]:
    """The page's error messages, as a person reads them."""
    return [plain(e.value) for e in at.error]


def data_label(at: AppTest) -> str:
    """What the session has loaded (``"sample: retail"``, or the uploaded files' names)."""
    return at.session_state["cx_loaded"].label


@pytest.fixture
def app() -> AppTest:
    """The app opened on its default page and data (the retail sample)."""
    return new_app().run()


__all__ = [
    "PAGES",
    "app",
    "assert_clean",
    "data_label",
    "errors",
    "new_app",
    "open_page",
    "plain",
    "upload",
]

"""Driving the dashboard in Debian's chromium for bench/dashboard.py: widgets by key, reruns timed.

A rerun is timed from the moment the control is used to the moment the browser shows its
outcome: the server said the script run finished (its ``script_finished`` message, read
off the page's websocket), the running indicator is gone, no element is left stale, and
the page's expected element is drawn (a new journey graph when the graph's page changed,
the funnel chart). Widgets are found by the ``st-key-<key>`` class Streamlit gives every
keyed element.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

__all__ = [
    "Runs",
    "choose",
    "close_lists",
    "end_date",
    "graph_drawn",
    "graph_frames",
    "options",
    "progress_seen",
    "radio",
    "slider",
    "unpick",
]

#: No run going: no running indicator, no element left stale from the run before.
IDLE = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-stale="true"]')"""
#: What a page shows of a load going on: the app's status box (a load, the story) and
#: spinners, the uploader's spinning file chip (Streamlit 1.67 shows no bytes sent) or
#: progress bar, and Streamlit's own running indicator (listed apart: it says no more
#: than "running"). A status box's text starts with its icon's name once it has one
#: (``keyboard_arrow_down`` while it runs with steps shown, ``check`` when done).
PROGRESS = """() => {
  const text = (sel) => [...document.querySelectorAll(sel)]
      .map(e => e.innerText.replace(/\\s+/g, ' ').trim()).filter(t => t).join(' / ');
  const bars = [...document.querySelectorAll('[role="progressbar"]')]
      .map(e => e.getAttribute('aria-valuenow') ?? '?').join(',');
  return {
    status: [...document.querySelectorAll('[data-testid="stExpander"]')]
        .map(e => e.innerText.replace(/\\s+/g, ' ').trim())
        .filter(t => /^(?:[a-z_]+ )?(Loading|Connecting|Opening|Reading the story)/.test(t)).join(' / '),
    spinner: text('[data-testid="stSpinner"]'),
    uploader: [...document.querySelectorAll('[data-testid="stFileChip"]')]
        .filter(c => c.querySelector('[data-testid="stFileChipIconSpinner"]'))
        .map(c => `uploading ${c.getAttribute('aria-label')}`).join(' / ')
        + (bars ? ` [${bars}%]` : ''),
    running: !!document.querySelector('[data-testid="stStatusWidget"]'),
  };
}"""


@dataclass
class Runs:
    """The script runs of one page's session, as its websocket reports them."""

    finished: list[float] = field(default_factory=list)

    def watch(self, page) -> Runs:
        """Record the end of every script run the server reports to ``page``."""

        def frames(ws) -> None:
            ws.on("framereceived", self._received)

        page.on("websocket", frames)
        return self

    def _received(self, payload: bytes | str) -> None:
        if isinstance(payload, str):
            return
        message = ForwardMsg.FromString(payload)
        if message.WhichOneof("type") == "script_finished":
            self.finished.append(time.monotonic())

    def ran(self, since: float) -> float:
        """Seconds from ``since`` to the end of the first script run after it."""
        return min(t for t in self.finished if t > since) - since

    def settled(self, page, since: float, ready: Callable[[], bool], timeout: float) -> float:
        """Seconds from ``since`` until a run ended after it, the page is idle and ``ready()``."""
        deadline = since + timeout
        while not any(t > since for t in self.finished):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no script run finished within {timeout:.0f} s")
            page.wait_for_timeout(10)
        page.wait_for_function(IDLE, timeout=timeout * 1000, polling=20)
        while not ready():
            if time.monotonic() > deadline:
                raise TimeoutError(f"the page was not drawn within {timeout:.0f} s")
            page.wait_for_timeout(20)
        return time.monotonic() - since


def graph_frames(page) -> list:
    """The frames holding a drawn journey graph (vis-network's ``network`` with nodes)."""
    drawn = []
    for frame in page.frames:
        try:
            if frame.evaluate(
                "() => typeof network !== 'undefined' && network.body.data.nodes.length > 0"
                " && !window.cxSeen"
            ):
                drawn.append(frame)
        except Exception:  # a frame replaced while asked (a new graph coming)
            continue
    return drawn


def graph_drawn(page) -> Callable[[], bool]:
    """A check that a graph not drawn before this call is drawn (or that none was due).

    The graphs drawn now are marked; the graph's page (the iframe's ``srcdoc``) is kept to
    tell whether the run changed it: a run that leaves it as it was draws nothing new.
    """
    for frame in graph_frames(page):
        frame.evaluate("() => { window.cxSeen = true; }")
    page.evaluate(
        "() => { const f = document.querySelector('[data-testid=\"stIFrame\"]');"
        " window.cxGraphPage = f ? f.srcdoc : null; }"
    )

    def ready() -> bool:
        same = page.evaluate(
            "() => { const f = document.querySelector('[data-testid=\"stIFrame\"]');"
            " return !!f && f.srcdoc === window.cxGraphPage; }"
        )
        return bool(same or graph_frames(page))

    return ready


def progress_seen(page) -> dict[str, object]:
    """What the page shows of a load going on now (see ``PROGRESS``)."""
    return page.evaluate(PROGRESS)  # type: ignore[no-any-return]


def slider(page, key: str, step: int) -> Callable[[], None]:
    """Focus the slider ``key``; the commit moves it one notch up (``step`` 1) or down (-1)."""
    thumb = page.locator(f".st-key-{key} input[type=range]")
    thumb.focus()
    return lambda: thumb.press("ArrowRight" if step > 0 else "ArrowLeft")


def close_lists(page) -> None:
    """Close the list of options left open (a multiselect stays open after a pick)."""
    if page.locator("[role=combobox][aria-expanded=true]").count():
        page.keyboard.press("Escape")


def _listbox(page, key: str):
    """Open the select box or multiselect ``key``: its list of options."""
    close_lists(page)
    box = page.locator(f".st-key-{key} [role=combobox]")
    page.locator(f".st-key-{key} button[aria-label=Open]").click()
    for _ in range(100):
        if box.get_attribute("aria-expanded") == "true":
            break
        if _ == 50:  # the click only focused it: the keyboard opens it
            box.press("ArrowDown")
        page.wait_for_timeout(20)
    listbox = page.locator(f'[id="{box.get_attribute("aria-controls")}"]')
    listbox.get_by_role("option").first.wait_for()
    return listbox


def options(page, key: str) -> list[str]:
    """The options of the select box or multiselect ``key`` (left open)."""
    texts = _listbox(page, key).get_by_role("option").all_inner_texts()
    return [t for t in texts if t != "Select all"]


def choose(page, key: str, option: str) -> Callable[[], None]:
    """Open the select box or multiselect ``key``; the commit clicks ``option``."""
    return _listbox(page, key).get_by_text(option, exact=True).click


def unpick(page, key: str, option: str) -> Callable[[], None]:
    """The commit removes ``option`` from the multiselect ``key`` (its tag's remove button)."""
    close_lists(page)
    return page.locator(f'.st-key-{key} button[aria-label="Remove {option}"]').click


def radio(page, key: str, label: str) -> Callable[[], None]:
    """The commit picks ``label`` in the radio ``key``."""
    return page.locator(f".st-key-{key}").get_by_text(label, exact=True).click


def end_date(page, key: str, days: int) -> Callable[[], None]:
    """Move the end of the date range ``key`` by ``days``; the commit leaves the field."""
    day = page.locator(f".st-key-{key} [aria-label='day, {_label(page, key)} end date']")
    day.focus()
    for _ in range(abs(days)):
        day.press("ArrowUp" if days > 0 else "ArrowDown")
    return page.locator("h1").first.click


def _label(page, key: str) -> str:
    return str(page.locator(f".st-key-{key} [data-testid=stWidgetLabel]").inner_text()).strip()

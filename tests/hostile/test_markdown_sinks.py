"""No text from data, a file name or the URL reaches Streamlit's Markdown unescaped, on any page.

A log whose touchpoints, channels, column names, attribute values, a bad timestamp and
file name are Markdown that would load an image, make a link or colour text is uploaded
and chosen everywhere it can be (segment, goal, funnel steps, focus, ...); every element
of every page is then read from the app's element tree, and every field Streamlit renders
as Markdown (bodies, labels, help tooltips, metric labels and values, captions, radio
options) must hold none of that markup unescaped. Hostile links (``?connect=``,
``?log=``, ``?view=``, ``?scenario=``) get the same check.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from tests.app.conftest import PAGES, new_app, open_page, upload

IMAGE, LINK, COLOUR = "![u](http://host/u.png)", "[x](http://host/phish)", ":red[x]"
TOUCHPOINTS = ["home", IMAGE, LINK, COLOUR, "buy **now**"]
COLUMN_A, COLUMN_B = "![seg](http://host/s.png)", ":red[tier]"
VALUES = ["[gold](http://host/g)", "![v](http://host/v.png)"]
FILE = "![f](http://host/f.png) [Your session expired - sign in](http://host/phish).csv"
#: Markup that must never appear unescaped in a Markdown field (md() escapes each character).
MARKUP = ("](", "![", ":red[")
#: What GitHub-flavoured Markdown turns into a link even once escapes are read.
AUTOLINK = re.compile(r"(?i)https?://|www\.|mailto:|[\w.+-]@[\w-]+\.")
HOSTILE = [*TOUCHPOINTS[1:], COLUMN_A, COLUMN_B, *VALUES, FILE, "![c](http://host/c.png)"]
#: Proto fields Streamlit renders as Markdown.
SINKS = {"body", "label", "help", "delta", "caption", "captions", "placeholder"}
#: Widgets whose options are Markdown too.
MARKDOWN_OPTIONS = {"Radio", "ButtonGroup"}


def hostile_csv() -> bytes:
    """120 customers over hostile touchpoints and channels; every other one reaches the goal."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["customer_id", "timestamp", "touchpoint", "channel", "value", COLUMN_A, COLUMN_B]
    )
    for c in range(120):
        path = ["home", IMAGE, COLOUR, *([LINK, "buy **now**"] if c % 2 else ["home"])]
        for step, touchpoint in enumerate(path[: 2 + c % 4]):
            day = 1 + (c * 3 + step) % 27
            writer.writerow([f"c{c}", f"2024-0{1 + c % 3}-{day:02d}T10:0{step}:00", touchpoint,
                             ["web", "![c](http://host/c.png)"][step % 2], 10 + c % 7,
                             VALUES[c % 2], VALUES[(c + 1) % 2]])  # fmt: skip
    writer.writerow(["c1", "![t](http://host/t.png)", "home", "web", 1, VALUES[1], VALUES[0]])
    return out.getvalue().encode()


def markdown_fields(at: AppTest) -> list[tuple[str, str]]:
    """Every (element.field, text) of the app's tree that Streamlit renders as Markdown."""
    found: list[tuple[str, str]] = []

    def fields(message: Message) -> None:
        kind = type(message).__name__
        for field, value in message.ListFields():
            values = list(value) if field.is_repeated else [value]
            if field.type == field.TYPE_MESSAGE:
                for inner in values:
                    fields(inner)
            elif field.type == field.TYPE_STRING and (
                field.name in SINKS or (field.name == "options" and kind in MARKDOWN_OPTIONS)
            ):
                found.extend((f"{kind}.{field.name}", text) for text in values)

    def walk(node: object) -> None:
        if isinstance(proto := getattr(node, "proto", None), Message):
            fields(proto)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


def unescaped(at: AppTest) -> list[tuple[str, str]]:
    return [
        (where, text)
        for where, text in markdown_fields(at)
        if any(m in text for m in MARKUP)
        or any(h in text for h in HOSTILE)
        or AUTOLINK.search(re.sub(r"\\(.)", r"\1", text))
    ]


def check(at: AppTest, page: str) -> None:
    assert [e.value for e in at.exception] == [], page
    assert unescaped(at) == [], page
    assert len(markdown_fields(at)) > 5, page  # the walk sees the page


#: What each page lets a person choose from the data, set to hostile values.
CHOICES = {
    "segment": COLUMN_A,
    "segment_values": [VALUES[1]],  # the odd customers: those who reach the goal among them
    "goal": LINK,
    "funnel_steps": ["home", IMAGE, LINK],
    "funnel_breakdown": COLUMN_B,
    "funnel_differences_open": True,  # its rows are named by the data's values
    "graph_focus": IMAGE,
    "dropoffs_after": IMAGE,
    "paths_from": IMAGE,
    "retention_touchpoint": COLOUR,
    "compare_a_column": COLUMN_B,
    "compare_a_values": [VALUES[0]],  # the odd customers' other column
    "compare_steps": ["home", LINK],
    "customers_steps": ["home", LINK],
    "predict_prefix": [IMAGE],
    "live_steps": ["home", IMAGE],
    "live_source": "replay",
}


@pytest.fixture(scope="module")
def hostile_app() -> AppTest:
    at = open_page(new_app().run(), "pages/data.py")
    return upload(at, (FILE, hostile_csv()))


def test_the_hostile_log_loads_with_its_names(hostile_app):
    log = hostile_app.session_state["cx_loaded"].log
    assert set(log.attributes) == {COLUMN_A, COLUMN_B}
    assert set(log.to_polars()["touchpoint"]) == set(TOUCHPOINTS)
    assert hostile_app.session_state["cx_loaded"].label == FILE


@pytest.mark.parametrize(("file", "title"), [(f, t) for f, t, _ in PAGES])
def test_no_page_renders_data_as_markdown(hostile_app, file, title):
    at = hostile_app
    for key, value in CHOICES.items():
        at.session_state[key] = value
    open_page(at, file)
    if file == "pages/predict.py":
        at.button(key="predict_train").click().run()
    check(at, file)
    assert [e.value for e in at.error] == [], file  # the page ran to its end
    if file == "pages/data.py":  # its load report quotes the bad timestamp
        assert any(r"t\.png" in text for _, text in markdown_fields(at))


@pytest.mark.parametrize(
    "link",
    [
        {
            "connect": "parquet",
            "connect_to": f"{IMAGE} [Your session expired - sign in](http://host/phish)",
        },
        {"log": f"{IMAGE}{LINK}"},
        {"view": f"{LINK}{COLOUR}"},
        {"scenario": IMAGE, "funnel_steps": IMAGE, "goal": LINK, "segment": COLUMN_A},
    ],
)
def test_hostile_links_render_no_markdown(link):
    at = new_app(link).run()
    check(at, str(link))
    assert at.session_state["cx_loaded"].label == "sample: retail"


def test_the_check_catches_unescaped_text():
    # A page that put a touchpoint straight into st.info would fail the check above.
    at = AppTest.from_string(f"import streamlit as st\nst.info({LINK!r})").run()
    assert unescaped(at) == [("Alert.body", LINK)]
    # Escaping alone would leave GitHub's automatic link to the host.
    escaped = re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", LINK)
    at = AppTest.from_string(f"import streamlit as st\nst.info({escaped!r})").run()
    assert unescaped(at) == [("Alert.body", escaped)]

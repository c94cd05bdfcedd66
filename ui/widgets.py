"""Widgets' state across reruns and new data, and the library's errors shown on a page.

A keyed widget keeps the value the browser sends back even when its options changed
(another file, other columns): :func:`choose` and :func:`keep_valid` set the session
state before the widget is drawn, the one supported way to change it.
:func:`errors_shown` turns the library's own errors into ``st.error`` and stops the page.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import streamlit as st

import cxlib
from ui.text import md

__all__ = ["choose", "errors_shown", "keep_valid"]


def choose(key: str, options: Sequence[Any], default: Any) -> None:
    """Give a keyed selectbox ``default`` when it has no value among ``options`` yet.

    Call it before drawing the widget, and draw it without ``index``: a keyed widget
    keeps the value the browser sends back even when its options changed (another file,
    other columns), and a value set in the session state before it is drawn is the one
    way to replace it.
    """
    if st.session_state.get(key, _MISSING) not in options:
        st.session_state[key] = default if default in options else options[0]


_MISSING = object()


def keep_valid(key: str, options: list[Any]) -> list[Any]:
    """Drop a widget's remembered choices that are not among ``options`` (new data), then return them.

    Streamlit keeps a keyed widget's value when its options change (and the browser sends
    it back), so a value from the previous data would reach the filters. Setting the
    state before the widget is drawn is the supported way to change it.
    """
    value = st.session_state.get(key)
    allowed = set(options)
    if isinstance(value, list | tuple) and any(v not in allowed for v in value):
        st.session_state[key] = [v for v in value if v in allowed]
    elif value is not None and not isinstance(value, list | tuple) and value not in allowed:
        del st.session_state[key]
    return options


@contextlib.contextmanager
def errors_shown() -> Iterator[None]:
    """Show the library's own errors as ``st.error`` and stop the page; anything else is a bug."""
    try:
        yield
    except cxlib.CxError as err:
        st.error(md(str(err)))
        st.stop()

"""A status box that names each step of long work while it runs (a load, the story).

Work of more than a second shows what it is doing: the step's text and the seconds
since it began.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

import streamlit as st

__all__ = ["progress"]


@contextlib.contextmanager
def progress(label: str) -> Iterator[Callable[[str], None]]:
    """A status box named ``label`` that shows each step of long work and the seconds since it began.

    The step's text is written as plain text (``st.text``): it may hold names from the data.
    """
    start = time.perf_counter()
    with st.status(f"{label}…", expanded=True) as status:
        try:

            def step(text: str) -> None:
                status.text(f"{time.perf_counter() - start:.1f} s: {text}")

            yield step
        except BaseException:
            status.update(label=f"{label}: failed", state="error")
            raise
        status.update(
            label=f"{label}: done in {time.perf_counter() - start:.1f} s",
            state="complete",
            expanded=False,
        )

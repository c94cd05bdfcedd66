"""What every page starts with: its title, the session's data and the sidebar's filters."""

from __future__ import annotations

import streamlit as st

from ui import filters, state

__all__ = ["start"]


def start(title: str, caption: str | None = None) -> tuple[state.Loaded, filters.Filters]:
    """Write the page's title (stable: browser tests look for it), draw the sidebar filters.

    Returns the session's data and the filters every analysis on the page must obey.
    The sidebar is drawn here rather than by the main script so that a page run on its
    own (as AppTest does) still has it.
    """
    st.title(title)
    if caption:
        st.caption(caption)
    loaded = state.current()
    return loaded, filters.sidebar(loaded)

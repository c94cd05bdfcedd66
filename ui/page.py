"""What every page starts with: its title, the session's data and the sidebar's filters."""

from __future__ import annotations

import streamlit as st

from ui import filters, state

__all__ = ["start"]


def start(title: str, caption: str | None = None) -> tuple[state.Loaded, filters.Filters]:
    """Write the page's title (stable: browser tests look for it) and return data and filters."""
    st.title(title)
    if caption:
        st.caption(caption)
    return state.current(), filters.current()

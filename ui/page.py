"""What every page starts with: its title, the session's data and the sidebar's filters."""

from __future__ import annotations

import streamlit as st

from ui import filters, preload, presentation, report, sidebar, state, team  # noqa: F401  (preload)
from ui.pages import PAGES

__all__ = ["start", "start_without_filters"]


def start(title: str, caption: str | None = None) -> tuple[state.Loaded, filters.Filters]:
    """Write the page's title (stable: browser tests look for it), draw the sidebar filters.

    Returns the session's data and the filters every analysis on the page must obey.
    While data asked for did not load, a banner says which data is shown instead, and why.
    The sidebar offers the page's figures as one HTML file (:mod:`ui.report`) and ends
    with the saved views (:func:`ui.team.saved_views`). It is drawn here rather than by
    the main script so that a page run on its own (as AppTest does) still has it.
    """
    loaded = _begin(title, caption)
    report.start(title, caption)
    chosen = sidebar.sidebar(loaded)
    team.saved_views(loaded, next(url for _, name, url in PAGES if name == title))
    return loaded, chosen


def start_without_filters(title: str, caption: str | None = None) -> state.Loaded:
    """:func:`start` for a page that ignores the filters (Live): the sidebar shows none.

    Nor does it offer the page's figures as a file: they change at every refresh.
    """
    loaded = _begin(title, caption)
    st.sidebar.caption("This page does not use the filters: they show on the other pages.")
    return loaded


def _begin(title: str, caption: str | None) -> state.Loaded:
    _leave_legacy_pages_mode()
    st.title(title)
    if caption and not presentation.presenter():  # a presenter says it: room for the figures
        st.caption(caption)
    loaded = presentation.apply(state.current(), presentation.sidebar())
    state.show_load_error()
    state.show_substitution(loaded)
    return loaded


def _leave_legacy_pages_mode() -> None:
    # Streamlit treats a folder named pages/ next to the app as a legacy multipage app until
    # st.navigation has run once in the process. Until then a visit by a link to a page
    # (/funnels?...: a shared view) runs that page alone, without the app's navigation,
    # layout and icon; AppTest always starts that way. st.navigation itself clears this
    # flag: clear it and run again, so the app script and its navigation run.
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()

"""Presentation comfort for a room: large type, colour-blind-safe colours, pseudonyms.

Three switches in the sidebar's *Presentation* box, kept for the session across pages
(not in the URL: a shared link never anonymises or enlarges someone else's view): **large font** (a fixed style sheet, no external font),
**colour-blind-safe colours** (the journey graph's nodes go from blue to orange instead
of green to red; the charts' blue and orange already are), **anonymise** (customer ids
and attribute values replaced by stable pseudonyms, :func:`cxlib.anonymise.anonymise`,
in every view and export: the session's whole log is replaced before any filter).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from cxlib.views.graph_html import Palette
from ui import cache
from ui.state import Loaded

__all__ = ["LARGE_FONT_CSS", "Options", "apply", "palette", "sidebar"]

#: The whole style injected for the large font: a fixed text, never built from data.
LARGE_FONT_CSS = (
    "<style>html { font-size: 125%; } "
    '[data-testid="stMetricValue"] { font-size: 3rem; } '
    '[data-testid="stSidebar"] { font-size: 1.1rem; }</style>'
)


@dataclass(frozen=True)
class Options:
    """The presentation switches of this session."""

    large_font: bool = False
    colour_blind: bool = False
    anonymise: bool = False


def sidebar() -> Options:
    """Draw the switches in the sidebar and inject the large-font style when it is on."""
    with st.sidebar.expander("Presentation"):
        options = Options(
            large_font=_switch("Large font", "large_font"),
            colour_blind=_switch("Colour-blind-safe colours", "colour_blind"),
            anonymise=_switch(
                "Anonymise customers",
                "anonymise",
                help="Customer ids and attributes become pseudonyms (customer 1, ...) "
                "in every view and export.",
            ),
        )
    if options.large_font:
        st.html(LARGE_FONT_CSS)
    return options


def _switch(label: str, key: str, *, help: str | None = None) -> bool:
    # A widget's state is dropped on a page without it for one run: keep a copy, so the
    # switch stays on from page to page for the whole session.
    kept = f"cx_{key}"
    return st.toggle(
        label,
        value=st.session_state.get(kept, False),
        key=key,
        help=help,
        on_change=lambda: st.session_state.update({kept: st.session_state[key]}),
    )


def palette() -> Palette:
    """The graph palette the session asked for."""
    return "colour-blind" if st.session_state.get("cx_colour_blind") else "default"


def apply(loaded: Loaded, options: Options) -> Loaded:
    """The session's data as it should be shown: pseudonymised when asked (computed once)."""
    return cache.anonymised(loaded) if options.anonymise else loaded

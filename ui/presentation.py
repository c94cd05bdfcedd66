"""Presentation comfort for a room: presenter mode, colour-blind-safe colours, pseudonyms.

Three switches in the sidebar's *Presentation* box:

- **presenter mode**, kept in the URL (``?presenter=true``: a link opens straight on the
  projector view): everything is drawn for a projector at 1280x720. The text is larger (a
  fixed style sheet, no external font), key figures wrap their labels instead of cutting
  them, every chart is scaled by :data:`CHART_SCALE` (:func:`cxlib.views.charts.scaled`)
  and the journey graph's labels and nodes by :data:`GRAPH_SCALE` (names only, the
  figures stay in the tooltips: :func:`drawing`); the sidebar folds away
  (Streamlit's arrow at the top left brings it back), and the pages leave out their
  introductory captions: the facilitator says them;
- **colour-blind-safe colours** (the journey graph's nodes go from blue to orange instead
  of green to red; the charts' blue and orange already are), for the session;
- **anonymise** (customer ids and attribute values replaced by stable pseudonyms,
  :func:`cxlib.anonymise.anonymise`, in every view and export: the session's whole log is
  replaced before any filter), for the session and never from a link: a shared link never
  anonymises someone else's view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

import streamlit as st

from cxlib.views.graph_html import Palette
from ui import cache
from ui.state import Loaded

__all__ = [
    "CHART_SCALE",
    "GRAPH_SCALE",
    "PRESENTER_CSS",
    "Drawing",
    "Options",
    "apply",
    "chart_scale",
    "drawing",
    "palette",
    "presenter",
    "sidebar",
]

#: How much larger charts are drawn in presenter mode.
CHART_SCALE = 1.5
#: How much larger the journey graph's labels and nodes are drawn in presenter mode.
GRAPH_SCALE = 1.5
#: The whole style injected in presenter mode: a fixed text, never built from data.
PRESENTER_CSS = (
    "<style>html { font-size: 130%; } "
    '[data-testid="stMainBlockContainer"] { padding: 4rem 1.5rem 1rem; max-width: none; } '
    "h1 { font-size: 2rem !important; padding: 0 0 0.5rem !important; } "
    '[data-testid="stMetricValue"] { font-size: 2.2rem; } '
    # Key figures' labels wrap rather than end in "…" (Streamlit cuts them at one line).
    '[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * '
    "{ white-space: normal !important; overflow: visible !important; "
    "text-overflow: clip !important; height: auto !important; } "
    '[data-testid="stSidebar"] { font-size: 1rem; }</style>'
)


@dataclass(frozen=True)
class Options:
    """The presentation switches of this session."""

    presenter: bool = False
    colour_blind: bool = False
    anonymise: bool = False


def sidebar() -> Options:
    """Draw the switches in the sidebar; in presenter mode inject its style, fold the sidebar."""
    with st.sidebar.expander("Presentation"):
        options = Options(
            presenter=_switch(
                "Presenter mode",
                "presenter",
                help="Large text, charts and graph for a projector (1280x720); the sidebar "
                "folds away (the arrow at the top left brings it back). Kept in the link.",
                in_url=True,
            ),
            colour_blind=_switch("Colour-blind-safe colours", "colour_blind"),
            anonymise=_switch(
                "Anonymise customers",
                "anonymise",
                help="Customer ids and attributes become pseudonyms (customer 1, ...) "
                "in every view and export.",
            ),
        )
    if options.presenter:
        st.html(PRESENTER_CSS)
    # Applied by the browser when it changes: turning presenter mode on folds the sidebar once.
    st.set_page_config(initial_sidebar_state="collapsed" if options.presenter else "auto")
    return options


def _switch(label: str, key: str, *, help: str | None = None, in_url: bool = False) -> bool:
    # Streamlit drops a widget's value when a page without it runs, even for one run:
    # writing it back keeps the switch as it is from page to page for the whole session.
    if key in st.session_state:
        st.session_state[key] = st.session_state[key]
    bind: dict[str, Any] = {"bind": "query-params"} if in_url else {}
    return st.toggle(label, key=key, help=help, **bind)


def presenter() -> bool:
    """Whether this session is in presenter mode (before the switch is drawn: the link's)."""
    if "presenter" in st.session_state:
        return bool(st.session_state["presenter"])
    return st.query_params.get("presenter") == "true"


def chart_scale() -> float:
    """How much larger this session draws its charts (:func:`cxlib.views.charts.scaled`)."""
    return CHART_SCALE if presenter() else 1.0


class Drawing(TypedDict):
    """How this session draws the journey graph (keywords of :func:`cxlib.views.graph_html.graph_html`)."""

    palette: Palette
    scale: float
    details: bool


def drawing() -> Drawing:
    """The journey graph as this session wants it: colours, and larger bare names in presenter mode."""
    on = presenter()
    return Drawing(palette=palette(), scale=GRAPH_SCALE if on else 1.0, details=not on)


def palette() -> Palette:
    """The graph palette the session asked for."""
    return "colour-blind" if st.session_state.get("colour_blind") else "default"


def apply(loaded: Loaded, options: Options) -> Loaded:
    """The session's data as it should be shown: pseudonymised when asked (computed once)."""
    return cache.anonymised(loaded) if options.anonymise else loaded

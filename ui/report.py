"""A view as one HTML file: the figures a page draws, collected while it draws them.

:func:`start` (called by :func:`ui.page.start`) opens an empty list of figures for the
page's run and offers them in the sidebar as one self-contained HTML file
(:func:`cxlib.views.report.report_html`); every chart and graph drawn through
:mod:`ui.export` adds itself with :func:`add`. The file is built only when the button
is clicked, from the figures of the run that drew it. :func:`download` offers any other
report (the Story page's) the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from types import ModuleType

import streamlit as st

from cxlib.views.report import Section, report_html

__all__ = ["add", "download", "start"]

_FIGURES = "cx_view_figures"


def start(title: str, caption: str | None) -> None:
    """Collect this run's figures, offered in the sidebar as ``<title>.html``."""
    figures: list[Section] = []
    st.session_state[_FIGURES] = figures
    download(
        title,
        lambda: figures,
        subtitle=caption or "",
        label="Download this view (HTML)",
        key="view_report",
        container=st.sidebar,
    )


def add(section: Section) -> None:
    """Add a figure to the report of the view being drawn."""
    figures = st.session_state.get(_FIGURES)
    if figures is not None:
        figures.append(section)


def download(
    title: str,
    sections: Callable[[], Sequence[Section]],
    *,
    subtitle: str = "",
    notes: Sequence[str] = (),
    label: str,
    key: str,
    container: st.delta_generator.DeltaGenerator | ModuleType = st,
) -> None:
    """A button downloading the sections as one HTML file named after the title.

    ``sections`` is called when the button is clicked, not before.
    """
    name = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_") or "report"
    container.download_button(
        label,
        data=lambda: report_html(title, sections(), subtitle=subtitle, notes=notes).encode(),
        file_name=f"{name}.html",
        mime="text/html",
        key=key,
        on_click="ignore",
        help="One file with the charts and graphs, that opens in a browser without a network.",
    )

"""Widgets shared by the customer-centric pages (stages, channels, attribution, customers, ...)."""

from __future__ import annotations

from types import ModuleType

import streamlit as st

from cxlib import sample
from cxlib.analyses.overview import value_counts
from ui import cache, widgets
from ui.filters import MAX_OPTIONS, Filters
from ui.state import Loaded

__all__ = ["pick_goal", "require_column", "touchpoints"]

_ROLE_HINT = "map one on the Data page"


def touchpoints(loaded: Loaded, filters: Filters) -> list[str]:
    """The touchpoints of the filtered log, most customers first (at most ``MAX_OPTIONS``)."""
    with widgets.errors_shown():
        counts = cache.run(value_counts, loaded, filters, "touchpoint", n=MAX_OPTIONS)
    return counts["touchpoint"].to_list()


def pick_goal(
    loaded: Loaded,
    filters: Filters,
    *,
    container: st.delta_generator.DeltaGenerator | ModuleType = st,
) -> str:
    """The conversion goal, chosen once for every page (same widget key as the Overview's).

    The bundled scenarios start on their goal; any other log asks for one and the page
    stops with a note until it is chosen.
    """
    options = widgets.keep_valid("goal", touchpoints(loaded, filters))
    default = sample.GOALS.get(loaded.scenario or "")
    goal: str | None = container.selectbox(
        "Conversion goal",
        options,
        index=options.index(default) if default in options else None,
        placeholder="pick the touchpoint that counts as a conversion",
        key="goal",
        bind="query-params",
    )
    if goal is None:
        st.info("Pick the conversion goal: the touchpoint that counts as a conversion.")
        st.stop()
    return goal


def require_column(loaded: Loaded, column: str, why: str) -> None:
    """Stop the page with a note when the log has no ``column`` (channel, value, rating)."""
    if not loaded.log.has(column):
        st.info(f"This log has no {column} column, which {why}; {_ROLE_HINT} if the file has one.")
        st.stop()

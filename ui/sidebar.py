"""The sidebar: the filters for the session's data, each widget kept in the URL.

Every widget is bound to a query parameter named like its key, so a copied link
restores the filters. Every page draws it through :func:`ui.page.start`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from cxlib.analyses.overview import time_range, value_counts
from cxlib.units import DEFAULT_SESSION_GAP
from ui import cache, segments, widgets
from ui.filters import GAPS, MAX_OPTIONS, Filters
from ui.state import Loaded
from ui.text import md

__all__ = ["sidebar"]


def _date_range(lo: dt.date, hi: dt.date) -> tuple[dt.date | None, dt.date | None]:
    value = st.session_state.get("dates")
    if isinstance(value, tuple | list) and any(not lo <= d <= hi for d in value):
        # Dates of other data: the widget starts again from this data's whole range (its
        # default; set here as well, Streamlit warns of a widget given both).
        del st.session_state["dates"]
    picked = st.date_input(
        "Date range", value=(lo, hi), min_value=lo, max_value=hi, key="dates", bind="query-params"
    )
    days = tuple(picked) if isinstance(picked, tuple | list) else (picked,)
    # The whole range means no filter (and the same cache entries as no filter).
    start = days[0] if days and days[0] > lo else None
    end = days[1] if len(days) > 1 and days[1] < hi else None
    return start, end


def sidebar(loaded: Loaded) -> Filters:
    """Draw the filters for this data in the sidebar and return them."""
    first, last = cache.run(time_range, loaded, None)  # the whole log's
    log = loaded.log
    url: dict[str, Any] = {"bind": "query-params"}
    with st.sidebar:
        st.caption(f"Data: {md(loaded.label)}")
        start = end = None
        if first is not None and last is not None:
            start, end = _date_range(first.date(), last.date())
        channels = []
        if log.has("channel"):
            options = widgets.keep_valid("channels", _values(loaded, "channel"))
            channels = st.multiselect(
                "Channels", options, key="channels", placeholder="all channels", **url
            )
        options = widgets.keep_valid("hide", _values(loaded, "touchpoint"))
        hide = st.multiselect("Touchpoints to hide", options, key="hide", placeholder="none", **url)
        segment = st.selectbox(
            "Segment by attribute",
            widgets.keep_valid("segment", log.attributes),
            index=None,
            placeholder="everyone",
            key="segment",
            **url,
        )
        values = []
        if segment:
            values = st.multiselect(
                f"Keep {md(segment)}",
                widgets.keep_valid("segment_values", _values(loaded, segment)),
                format_func=str,
                key="segment_values",
                placeholder="all values",
                **url,
            )
        cohort = _named_segment(loaded)
        by = st.radio(
            "Journeys",
            ["customer", "session"],
            key="journeys",
            horizontal=True,
            format_func={"customer": "customers", "session": "sessions"}.get,
            **url,
        )
        gap = DEFAULT_SESSION_GAP
        if by == "session":
            gap = st.selectbox("Session ends after a pause of", GAPS, key="gap", **url)
    chosen = Filters(
        start=start,
        end=end,
        channels=tuple(channels),
        hide=tuple(hide),
        segment=segment,
        segment_values=tuple(values),
        by=by,
        gap=gap,
        cohort=cohort.cohort if cohort is not None else None,
    )
    return chosen


def _named_segment(loaded: Loaded) -> segments.NamedSegment | None:
    """The named segment chosen (see :mod:`ui.segments`); nothing drawn while there is none.

    The URL holds the segment's id (a bound widget would write its name there), so the
    widget is kept in step with ``?cohort=`` by hand.
    """
    saved = segments.named(loaded)
    linked = st.query_params.get(segments.KEY)
    if segments.KEY not in st.session_state and linked in saved:
        st.session_state[segments.KEY] = linked
    if linked and linked not in saved:
        st.caption(
            f"The named segment {md(linked)} of this link is not in this session: "
            "make it again from a list of customers."
        )
    if not saved:
        st.session_state.pop(segments.KEY, None)
        return None
    chosen = st.selectbox(
        "Named segment",
        widgets.keep_valid(segments.KEY, list(saved)),
        format_func=lambda key: saved[key].name,
        index=None,
        placeholder="all customers",
        key=segments.KEY,
        help="Made with 'Use as segment' under a list of customers.",
    )
    if chosen is None:
        if linked in saved:
            del st.query_params[segments.KEY]
    elif linked != chosen:
        st.query_params[segments.KEY] = chosen
    return saved.get(chosen) if chosen else None


def _values(loaded: Loaded, column: str) -> list[Any]:
    counts = cache.run(value_counts, loaded, None, column, n=MAX_OPTIONS)
    return [v for v in counts[column].to_list() if v is not None]

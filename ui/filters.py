"""The sidebar: one set of filters that every page obeys, kept in the URL.

:func:`sidebar` draws the filters for the session's data and returns them as a
:class:`Filters` value (every page draws it through :func:`ui.page.start`). Every
widget is bound to a query parameter named like its key, so a copied link restores
the filters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import streamlit as st

import cxlib
from cxlib import filters as cx_filters
from ui import cache, state
from ui.state import Loaded

__all__ = ["NO_FILTERS", "Filters", "sidebar"]

GAPS = ("30m", "1h", "4h", "1d")
#: Most values offered in a filter's list (a hostile log can have a million touchpoints).
MAX_OPTIONS = 1000


@dataclass(frozen=True)
class Filters:
    """What the sidebar asks for; hashable, so it is part of every cache key.

    ``end`` is inclusive (the whole day). Empty tuples mean "no filter".
    """

    start: dt.date | None = None
    end: dt.date | None = None
    channels: tuple[str, ...] = ()
    hide: tuple[str, ...] = ()
    segment: str | None = None
    segment_values: tuple[Any, ...] = ()
    by: Literal["customer", "session"] = "customer"
    gap: str = "30m"

    def apply(self, log: cxlib.EventLog) -> cxlib.EventLog:
        """The log with these filters applied (lazily) and sessions added when asked for."""
        # Touchpoints first: the lists offered come from the whole log, and each filter
        # checks its values occur in what is left of it.
        if self.hide:
            log = cx_filters.filter_touchpoints(log, drop=list(self.hide))
        if self.channels:
            log = cx_filters.filter_channels(log, list(self.channels))
        if self.segment and self.segment_values:
            log = cx_filters.filter_attribute(log, self.segment, list(self.segment_values))
        if self.start or self.end:
            end = self.end + dt.timedelta(days=1) if self.end else None  # the whole last day
            log = cx_filters.filter_time(log, start=self.start, end=end)
        if self.by == "session":
            log = cxlib.sessionize(log, self.gap)
        return log


NO_FILTERS = Filters()


def _date_range(lo: dt.date, hi: dt.date) -> tuple[dt.date | None, dt.date | None]:
    value = st.session_state.get("dates")
    if isinstance(value, tuple | list) and any(not lo <= d <= hi for d in value):
        st.session_state["dates"] = (lo, hi)
    picked = st.date_input(
        "Date range", value=(lo, hi), min_value=lo, max_value=hi, key="dates", bind="query-params"
    )
    picked = tuple(picked) if isinstance(picked, tuple | list) else (picked,)
    # The whole range means no filter (and the same cache entries as no filter).
    start = picked[0] if picked and picked[0] > lo else None
    end = picked[1] if len(picked) > 1 and picked[1] < hi else None
    return start, end


def sidebar(loaded: Loaded) -> Filters:
    """Draw the filters for this data in the sidebar and return them."""
    facts = cache.summary(loaded, NO_FILTERS)  # the whole log's time range
    log = loaded.log
    url = {"bind": "query-params"}
    with st.sidebar:
        st.caption(f"Data: {loaded.label}")
        start = end = None
        if facts.time_min is not None and facts.time_max is not None:
            start, end = _date_range(facts.time_min.date(), facts.time_max.date())
        channels = []
        if log.has("channel"):
            options = state.keep_valid("channels", _values(loaded, "channel"))
            channels = st.multiselect(
                "Channels", options, key="channels", placeholder="all channels", **url
            )
        options = state.keep_valid("hide", _values(loaded, "touchpoint"))
        hide = st.multiselect("Touchpoints to hide", options, key="hide", placeholder="none", **url)
        segment = st.selectbox(
            "Segment by attribute",
            state.keep_valid("segment", log.attributes),
            index=None,
            placeholder="everyone",
            key="segment",
            **url,
        )
        values = []
        if segment:
            values = st.multiselect(
                f"Keep {segment}",
                state.keep_valid("segment_values", _values(loaded, segment)),
                format_func=str,
                key="segment_values",
                placeholder="all values",
                **url,
            )
        by = st.radio(
            "Journeys",
            ["customer", "session"],
            key="journeys",
            horizontal=True,
            format_func={"customer": "customers", "session": "sessions"}.get,
            **url,
        )
        gap = "30m"
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
    )
    return chosen


def _values(loaded: Loaded, column: str) -> list[Any]:
    counts = cache.value_counts(loaded, None, column, n=MAX_OPTIONS)
    return [v for v in counts[column].to_list() if v is not None]

"""The filters every page obeys, as one hashable value (part of every cache key).

:func:`ui.sidebar.sidebar` draws them and returns a :class:`Filters`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import cxlib
from cxlib import filters as cx_filters
from cxlib.units import DEFAULT_SESSION_GAP

__all__ = ["GAPS", "MAX_OPTIONS", "NO_FILTERS", "Filters"]

GAPS = (DEFAULT_SESSION_GAP, "1h", "4h", "1d")
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
    gap: str = DEFAULT_SESSION_GAP

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

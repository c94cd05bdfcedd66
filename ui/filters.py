"""The filters every page obeys, as one hashable value (part of every cache key).

:func:`ui.sidebar.sidebar` draws them and returns a :class:`Filters`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import cxlib
from cxlib import filters as cx_filters
from cxlib.analyses.compare import segment_log
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
    #: A named segment: only the customers behind a figure (see :mod:`ui.segments`).
    cohort: cxlib.Cohort | None = None

    def by_customer(self) -> Filters:
        """The same events in journeys by customer: these filters before any sessions are cut."""
        return dataclasses.replace(self, by="customer", gap=DEFAULT_SESSION_GAP)

    def without_dates(self) -> Filters:
        """The same filters over the whole time range (trends read the range before too)."""
        return dataclasses.replace(self, start=None, end=None)

    def date_range(self) -> tuple[dt.date | None, dt.date | None]:
        """The chosen dates as a range ``[start, end)``: the end is the day after the last one."""
        return self.start, self.end + dt.timedelta(days=1) if self.end else None

    def trend_range(
        self, first: dt.datetime | None, last: dt.datetime | None
    ) -> tuple[dt.date | None, dt.date | None]:
        """The range trends compare with the one before it.

        The chosen dates, else the log's second half (``first`` and ``last`` are its
        first and last events), so the first half is the range before.
        """
        if self.start or self.end or first is None or last is None:
            return self.date_range()
        return (first + (last - first) / 2).date(), None

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
        if self.cohort is not None:
            # Found in what the other filters left: the customers of the list it came from.
            log = segment_log(log, self.cohort)
        return self.journeys_of(log)

    def journeys_of(self, log: cxlib.EventLog) -> cxlib.EventLog:
        """``log`` (filtered already) cut into sessions when these filters ask for them."""
        return cxlib.sessionize(log, self.gap) if self.by == "session" else log


NO_FILTERS = Filters()

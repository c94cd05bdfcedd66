"""Filters and touchpoint renaming: a smaller or relabelled log, on any engine.

Each function takes an :class:`~cxlib.log.EventLog` and returns a new one over a
filtered (or relabelled) frame; the load report and mapping are kept. Filters keep
or remove **events**; a journey loses the events filtered out and keeps the rest.
None of them changes the order of a journey's events: on Polars the new log's journeys
are the old one's, filtered, not sorted again (:func:`cxlib.journeys.kept`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

import narwhals as nw

from cxlib.checks import require_column, require_touchpoints, require_values
from cxlib.errors import AnalysisError
from cxlib.journeys import kept, relabelled
from cxlib.log import EventLog
from cxlib.units import epoch_us_of

__all__ = [
    "filter_attribute",
    "filter_channels",
    "filter_time",
    "filter_touchpoints",
    "rename_touchpoints",
]


def filter_time(
    log: EventLog,
    start: dt.datetime | dt.date | str | None = None,
    end: dt.datetime | dt.date | str | None = None,
) -> EventLog:
    """Keep the events from ``start`` (included) to ``end`` (excluded).

    Naive datetimes and strings are in UTC, like the log; a date means its midnight.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a"] * 3,
    ...     "timestamp": [dt.datetime(2024, 1, d) for d in (1, 2, 3)], "touchpoint": list("xyz")}))
    >>> filter_time(log, "2024-01-02", dt.date(2024, 1, 3)).to_polars()["touchpoint"].to_list()
    ['y']
    """
    within = nw.lit(True)
    if start is not None:
        within = within & (nw.col("epoch_us") >= epoch_us_of(start, "start"))
    if end is not None:
        within = within & (nw.col("epoch_us") < epoch_us_of(end, "end"))
    return kept(log, within, columns=["epoch_us"])


def _as_list(values: Any) -> list[Any]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        return [values]
    return list(values)


def filter_touchpoints(
    log: EventLog, *, keep: Iterable[str] | None = None, drop: Iterable[str] | None = None
) -> EventLog:
    """Keep only the events at the touchpoints in ``keep``, or remove those in ``drop``.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a"] * 3,
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 3, "touchpoint": ["home", "ad", "buy"]}))
    >>> filter_touchpoints(log, drop=["ad"]).to_polars()["touchpoint"].to_list()
    ['home', 'buy']
    """
    if (keep is None) == (drop is None):
        msg = "pass exactly one of keep=[...] or drop=[...]"
        raise AnalysisError(msg)
    names = _as_list(keep if keep is not None else drop)
    require_touchpoints(log, names)
    inside = nw.col("touchpoint").is_in(names)
    return kept(log, inside if keep is not None else ~inside, columns=["touchpoint"])


def filter_channels(log: EventLog, channels: Iterable[str] | str) -> EventLog:
    """Keep only the events in the given channels.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 2, "touchpoint": ["visit", "call"],
    ...     "channel": ["web", "phone"]}))
    >>> filter_channels(log, "web").to_polars()["touchpoint"].to_list()
    ['visit']
    """
    if not log.has("channel"):
        msg = "the log has no channel column; load it with channel=... to filter by channel"
        raise AnalysisError(msg)
    return filter_attribute(log, "channel", channels)


def filter_attribute(log: EventLog, column: str, values: Iterable[Any] | Any) -> EventLog:
    """Keep only the events whose ``column`` is one of ``values`` (any column of the log).

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 2, "touchpoint": ["x", "x"],
    ...     "country": ["ES", "DE"]}))
    >>> filter_attribute(log, "country", ["DE"]).to_polars()["customer_id"].to_list()
    ['b']
    """
    require_column(log, column)
    wanted = _as_list(values)
    require_values(log, column, wanted, what=f"{column} value")
    return kept(log, nw.col(column).is_in(wanted), columns=[column])


def rename_touchpoints(
    log: EventLog,
    mapping: Mapping[str, str] | None = None,
    *,
    pattern: str | None = None,
    replacement: str | None = None,
) -> EventLog:
    r"""Rename or group touchpoints, by a ``{old: new}`` mapping or a regular expression.

    With ``pattern``, every match is replaced by ``replacement`` (``$1`` refers to a
    group); anchor it (``^/product/.*``) to rename whole names. Regular expressions run
    on the engine (Rust regex, RE2 or Java): keep to the common syntax.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a"] * 3,
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 3,
    ...     "touchpoint": ["/home", "/product/12", "/product/7"]}))
    >>> out = rename_touchpoints(log, pattern=r"^/product/.*", replacement="product_page")
    >>> out.to_polars()["touchpoint"].to_list()
    ['/home', 'product_page', 'product_page']
    >>> rename_touchpoints(log, {"/home": "home"}).to_polars()["touchpoint"].to_list()[0]
    'home'
    """
    if (mapping is None) == (pattern is None):
        msg = "pass either a mapping {old: new} or pattern=... with replacement=..."
        raise AnalysisError(msg)
    touchpoint = nw.col("touchpoint")
    if pattern is not None:
        if replacement is None:
            msg = f"pattern={pattern!r} needs replacement=... (the new touchpoint name)"
            raise AnalysisError(msg)
        try:
            re.compile(pattern)
        except re.error as err:
            msg = f"pattern={pattern!r} is not a regular expression: {err}"
            raise AnalysisError(msg) from err
        renamed = touchpoint.str.replace_all(pattern, replacement)
    else:
        renamed = touchpoint
        for old, new in dict(mapping or {}).items():
            renamed = nw.when(touchpoint == old).then(nw.lit(new)).otherwise(renamed)
    return relabelled(log, renamed, columns=["touchpoint"])

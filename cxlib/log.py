"""The canonical event log: one row per event, the same columns whatever the source was.

Every analysis in cxlib takes an :class:`EventLog`. Its ``frame`` is a narwhals
LazyFrame (Polars by default, DuckDB or PySpark for large data) with:

- ``customer_id`` (string): whose journey the event belongs to;
- ``timestamp`` (datetime, UTC, no zone attached): when it happened;
- ``touchpoint`` (string): what happened, a node of the journey graph;
- where the source has them: ``channel`` (string), ``value`` (float: revenue or
  another amount), ``rating`` (float: a satisfaction score), ``source`` (string:
  which file of a merged log the event came from), ``session_id`` (integer, after
  :func:`cxlib.sessionize`);
- ``event_index`` (integer): the event's position in the source, the tie-breaker
  that orders events with equal timestamps (as pm4py does);
- ``epoch_us`` (integer): the timestamp in microseconds since 1970, so that time
  differences are computed the same way on every engine;
- every other column of the source, kept as an attribute for filters and breakdowns.

Within a journey, events are ordered by ``(epoch_us, event_index)``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias, TypeVar

import narwhals as nw
import polars as pl

from cxlib.engines import Engine, SortedJourneys, engine_of, with_epoch_us, with_event_index
from cxlib.errors import MappingError

__all__ = [
    "ENTRY",
    "EXIT",
    "OPTIONAL_ROLES",
    "ORDER",
    "OTHER",
    "REQUIRED_ROLES",
    "Collapsed",
    "Derivation",
    "EventLog",
    "JourneyBy",
    "Kept",
    "LoadReport",
    "LogCache",
    "Relabelled",
    "RoleMatch",
    "Sessions",
]

#: Pseudo-touchpoint every journey starts from in transitions and the journey graph.
ENTRY = "(entry)"
#: Pseudo-touchpoint every journey ends at: reaching it from X is a drop-off at X.
EXIT = "(exit)"
#: The node or step that holds the rarest touchpoints together where not all fit in a picture.
OTHER = "(other)"

REQUIRED_ROLES = ("customer_id", "timestamp", "touchpoint")
OPTIONAL_ROLES = ("channel", "value", "rating", "source")
#: Columns cxlib adds and manages itself; never attributes.
INTERNAL_COLUMNS = ("event_index", "epoch_us", "session_id")
#: The order of events within a journey, on every engine.
ORDER = ["epoch_us", "event_index"]

T = TypeVar("T")

#: What a journey is: the events of one customer, or of one session of a customer.
JourneyBy = Literal["customer", "session"]

Role = Literal["customer_id", "timestamp", "touchpoint", "channel", "value", "rating", "source"]


@dataclass(frozen=True)
class RoleMatch:
    """Which source column was taken for a role, and why.

    ``confidence`` is 1.0 when the column was given explicitly, lower when it was
    recognised from its name or its data; ``reason`` says how in words.
    """

    column: str
    confidence: float
    reason: str


@dataclass(frozen=True)
class LoadReport:
    """What loading kept and what it dropped, so nothing is dropped silently.

    ``dropped`` maps each reason (``"missing customer"``, ``"unparseable timestamp"``,
    ...) to the number of rows dropped for it; ``rows_kept == rows_read - sum(dropped)``.
    ``duplicates`` counts events identical to an earlier one in every column (kept).
    ``timestamp_formats`` maps each timestamp format used to the rows it parsed (a column
    mixing forms is parsed per form).

    The figures about the kept events (``duplicates``, ``time_min``, ``time_max``,
    ``customers``, ``touchpoints``) take a pass over every row, so they are computed
    when first read, by ``statistics``, not at load: a pipeline that never reads them
    never pays for them.

    Examples
    --------
    >>> report = LoadReport(rows_read=3, rows_kept=2, dropped={"missing customer": 1},
    ...                     statistics=lambda: {"customers": 1, "touchpoints": 2})
    >>> report.customers, report.touchpoints, report.duplicates
    (1, 2, 0)
    """

    rows_read: int
    rows_kept: int
    dropped: Mapping[str, int] = field(default_factory=dict)
    timestamp_format: str | None = None
    timestamp_formats: Mapping[str, int] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    statistics: Callable[[], Mapping[str, Any]] | None = field(
        default=None, repr=False, compare=False
    )

    @functools.cached_property
    def _figures(self) -> Mapping[str, Any]:
        return dict(self.statistics()) if self.statistics is not None else {}

    @property
    def duplicates(self) -> int:
        """Events identical to an earlier one in every column (kept, only counted)."""
        count: int = self._figures.get("duplicates", 0)
        return count

    @property
    def time_min(self) -> dt.datetime | None:
        """The earliest kept event's timestamp (UTC)."""
        return self._figures.get("time_min")

    @property
    def time_max(self) -> dt.datetime | None:
        """The latest kept event's timestamp (UTC)."""
        return self._figures.get("time_max")

    @property
    def customers(self) -> int:
        """Distinct customers among the kept events."""
        count: int = self._figures.get("customers", 0)
        return count

    @property
    def touchpoints(self) -> int:
        """Distinct touchpoints among the kept events."""
        count: int = self._figures.get("touchpoints", 0)
        return count

    def dropped_table(self) -> pl.DataFrame:
        """The rows dropped per reason as a table (``reason``, ``rows``), in ``dropped``'s order.

        Examples
        --------
        >>> LoadReport(rows_read=3, rows_kept=2, dropped={"missing customer": 1}).dropped_table()
        shape: (1, 2)
        ┌──────────────────┬──────┐
        │ reason           ┆ rows │
        │ ---              ┆ ---  │
        │ str              ┆ i64  │
        ╞══════════════════╪══════╡
        │ missing customer ┆ 1    │
        └──────────────────┴──────┘
        """
        return pl.DataFrame(
            {"reason": list(self.dropped), "rows": list(self.dropped.values())},
            schema={"reason": pl.String, "rows": pl.Int64},
        )


@dataclass(frozen=True)
class Sessions:
    """A log cut into sessions with a gap of ``gap_us`` microseconds (:func:`cxlib.sessionize`)."""

    gap_us: int


@dataclass(frozen=True)
class Kept:
    """A log with some of another's events, kept by ``condition`` over its ``columns``.

    ``scope``: the events where it holds (``"events"``), every event of the customers
    with such an event (``"customers"``), or of the others (``"other customers"``).
    """

    condition: nw.Expr
    columns: tuple[str, ...]
    scope: Literal["events", "customers", "other customers"] = "events"


@dataclass(frozen=True)
class Relabelled:
    """A log whose touchpoints are ``touchpoint``, an expression over ``columns`` of another."""

    touchpoint: nw.Expr
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Collapsed:
    """A log without the events repeating the touchpoint just before them in a journey ``by``."""

    by: JourneyBy


#: How a log was made from another one, keeping the order of the events in each journey
#: (:attr:`LogCache.derived`).
Derivation: TypeAlias = Sessions | Kept | Relabelled | Collapsed


class LogCache:
    """What one :class:`EventLog` computed once and keeps for its later analyses: a few entries.

    cxlib's only memoisation. Sorting a log's events into journeys is most of the cost
    of an analysis on Polars, counting on sorted rows nearly free
    (docs/performance-core.md): every :class:`EventLog` carries one, ``log.cache``,
    created empty with the log. A log over other events (a filter,
    :meth:`EventLog.with_frame`) is a new log with a new, empty cache. Sorted journeys
    and funnel levels are kept only where journeys are kept in memory
    (:func:`cxlib.engines.keeps_journeys_in_memory`: Polars); on DuckDB and Spark, which
    sort within every query, the cache holds ``parent`` and the ``reused`` results (small
    frames, a chain, a derived log), as a log's events never change. (The app's caches,
    per data set and filters, are another layer: ``ui/cache.py``.)

    Entries, by key (:meth:`entries` lists those present):

    ``("derived",)``
        The log this one was made from and how (:data:`Derivation`): sessions
        (:func:`cxlib.sessionize`), a filter (:mod:`cxlib.filters`, a segment),
        relabelled touchpoints or collapsed repeats (:func:`cxlib.collapse_repeats`,
        stages). None of them changes the order of a journey's events, so the sorted
        journeys of this log are made from the other's (sessions cut, rows kept,
        touchpoints renamed) instead of sorted again; ``origin`` is then the log their
        ``_row`` numbers the rows of.
    ``("journeys", by)``, ``by`` being ``"customer"`` or ``"session"``
        The log's core columns sorted in journey order
        (:data:`cxlib.engines.SortedJourneys`, made by :func:`cxlib.journeys.journey_table`),
        about 45 MiB per million events, and the other columns analyses asked for
        (gathered in journey order when first asked for; those counted by value, as
        their category codes: :func:`cxlib.engines.category_column`). Both share the
        sort: sessions are cut from the customers' journeys.
    ``("funnel_levels", definition)``
        The last funnel's :func:`cxlib.funnel_levels` with what came next (a small
        frame, one row per journey reaching step 1) and its definition ``(steps,
        window, order, exclude, by, count)``. A funnel page asks for the same funnel
        several times (its figures, the time to convert, the conversion over time, what
        dropped journeys did next); another funnel replaces it.
    ``("reused", kind, definition)``, ``kind`` being ``"stages"``, ``"collapsed"``, ``"chain"``, ``"transitions"``, ``"customers per <column>"``, ``"values of <column>"``, ``"few-valued attributes"``, ``"funnel walk"``, ``"reach"``, ``"conversion steps"`` or ``"channel counts"``
        The last log made from this one by :func:`cxlib.to_stages` or
        :func:`cxlib.collapse_repeats` (with its own sorted journeys, made from this
        log's: the Stages page draws three analyses of the same stages), and the last
        Markov chain's transitions (:func:`cxlib.conversion.markov.conversion_chain`:
        attribution, touchpoint importance, the what-if and the story count it alike), and
        the customers per value of a column (:func:`cxlib.analyses.overview.value_counts`,
        the journey graph's nodes), and the last :func:`cxlib.transitions` (``by``; the
        journey graph and the what-if of the journey graph page both count them), the
        values of a column a check looked for (:func:`cxlib.checks.require_values`: each
        funnel analysis checks its steps) and the attributes what converters do
        differently compares (:func:`cxlib.converter_differences`), and the last funnel's
        walk without a window in sequential or strict order
        (:mod:`cxlib.engines.polars_funnel`: one row per attempt), from which
        :func:`cxlib.funnel_levels` stops the attempts at another window or walks on a
        funnel sharing its first steps (in any order: the next event of each step), and who
        reached each touchpoint before converting to the last goal asked
        (:func:`cxlib.conversion.goal.reach`: touchpoint importance and the story), each
        customer's first conversion step to it (one column in journey order,
        :func:`cxlib.conversion.goal.with_conversion_step`: every analysis of
        conversions), and the customers by number of channels used
        (:func:`cxlib.channels_used` and :func:`cxlib.omnichannel_summary`, one page).

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> from cxlib.journeys import journey_table
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 2, "touchpoint": ["x", "y"]}))
    >>> log.cache.entries()
    []
    >>> _ = journey_table(log)
    >>> log.cache.entries()
    [('journeys', 'customer')]
    """

    def __init__(self) -> None:
        #: The log this one was made from, and how (see the class docstring).
        self.derived: tuple[EventLog, Derivation] | None = None
        #: The log whose rows the sorted journeys' ``_row`` numbers; None: this one.
        self.origin: EventLog | None = None
        self._journeys: dict[JourneyBy, SortedJourneys] = {}
        self._funnel: tuple[Hashable, nw.DataFrame[Any]] | None = None
        self._reused: dict[str, tuple[Hashable, Any]] = {}

    def journeys(self, by: JourneyBy, compute: Callable[[], SortedJourneys]) -> SortedJourneys:
        """The sorted journeys ``by`` customer or session: kept, or computed now and kept."""
        if by not in self._journeys:
            self._journeys[by] = compute()
        return self._journeys[by]

    def kept_journeys(self, by: JourneyBy) -> SortedJourneys | None:
        """The sorted journeys ``by`` customer or session if kept (nothing is computed)."""
        return self._journeys.get(by)

    def keep_journeys(self, by: JourneyBy, journeys: SortedJourneys) -> None:
        """Keep ``journeys`` (the same rows with more columns) in place of the sorted journeys ``by``."""
        self._journeys[by] = journeys

    def forget_journeys(self) -> None:
        """Drop the sorted journeys and the derivation: the next analysis sorts this log itself."""
        self._journeys.clear()
        self.derived = self.origin = None

    def forget_results(self) -> None:
        """Drop what analyses kept (funnel levels and the ``reused`` entries), not the sorted journeys.

        The next analysis counts on the kept journey order again, as a first visit to a
        page does once the log is loaded (``bench/warm.py`` times each page so).
        """
        self._funnel = None
        self._reused.clear()

    def funnel_levels(
        self, definition: Hashable, compute: Callable[[], nw.DataFrame[Any]]
    ) -> nw.DataFrame[Any]:
        """The levels of the funnel ``definition``: kept, or computed now in place of the last."""
        if self._funnel is None or self._funnel[0] != definition:
            self._funnel = (definition, compute())
        return self._funnel[1]

    def reused(self, kind: str, definition: Hashable, compute: Callable[[], T]) -> T:
        """What ``compute`` gives for ``definition`` (one of ``kind``): kept, or computed in place of the last."""
        kept = self._reused.get(kind)
        if kept is None or kept[0] != definition:
            kept = (definition, compute())
            self._reused[kind] = kept
        return kept[1]

    def last(self, kind: str) -> tuple[Hashable, Any] | None:
        """The definition and value of ``kind`` kept by :meth:`reused`, if any."""
        return self._reused.get(kind)

    def entries(self) -> list[tuple[Hashable, ...]]:
        """The keys of the entries present (see the class docstring)."""
        derived: list[tuple[Hashable, ...]] = [("derived",)] if self.derived is not None else []
        journeys = [("journeys", by) for by in self._journeys]
        funnels = [("funnel_levels", self._funnel[0])] if self._funnel is not None else []
        reused = [("reused", kind, d) for kind, (d, _) in self._reused.items()]
        return [*derived, *journeys, *funnels, *reused]

    def __repr__(self) -> str:
        return f"LogCache({self.entries()!r})"


@dataclass(frozen=True)
class EventLog:
    """A journey log in canonical columns (see the module docstring), lazy, on any engine.

    Build one with :func:`cxlib.load` (any file or frame, columns recognised) or
    :meth:`EventLog.from_frame` (a frame already in canonical columns).

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({
    ...     "customer_id": ["a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10, 9)],
    ...     "touchpoint": ["visit", "buy", "visit"],
    ... }))
    >>> log.engine, log.attributes
    ('polars', [])
    >>> log.to_polars().select("customer_id", "touchpoint", "event_index").rows()
    [('a', 'visit', 0), ('a', 'buy', 1), ('b', 'visit', 2)]
    """

    frame: nw.LazyFrame[Any]
    mapping: Mapping[str, RoleMatch] = field(default_factory=dict)
    report: LoadReport | None = None
    #: What this log computed once and reuses (see :class:`LogCache`); a log over
    #: another frame starts with an empty one.
    cache: LogCache = field(
        default_factory=LogCache, init=False, repr=False, compare=False, hash=False
    )

    @classmethod
    def from_frame(
        cls,
        native: Any,
        *,
        mapping: Mapping[str, RoleMatch] | None = None,
        report: LoadReport | None = None,
    ) -> EventLog:
        """Wrap a Polars, DuckDB or PySpark frame that already has the canonical columns.

        ``event_index`` and ``epoch_us`` are added when missing. The frame is not
        validated beyond the presence of the required columns: :func:`cxlib.load`
        is the way in for raw data.
        """
        frame = nw.from_native(native)
        if isinstance(frame, nw.DataFrame):
            frame = frame.lazy()
        missing = [c for c in REQUIRED_ROLES if c not in frame.columns]
        if missing:
            msg = (
                f"the frame lacks the canonical column(s) {missing!r}; it has {frame.columns!r}. "
                "Use cxlib.load(frame, customer=..., timestamp=..., touchpoint=...) to map them."
            )
            raise MappingError(msg)
        if "event_index" not in frame.columns:
            frame = with_event_index(frame)
        if "epoch_us" not in frame.columns:
            frame = with_epoch_us(frame)
        return cls(frame=frame, mapping=dict(mapping or {}), report=report)

    @property
    def engine(self) -> Engine:
        """The engine the log runs on: ``"polars"``, ``"duckdb"`` or ``"pyspark"``."""
        return engine_of(self.frame)

    @property
    def columns(self) -> list[str]:
        """All columns of the canonical frame."""
        return list(self.frame.collect_schema().names())

    @property
    def attributes(self) -> list[str]:
        """Columns beyond the canonical and internal ones (usable as segments and breakdowns)."""
        fixed = set(REQUIRED_ROLES) | set(OPTIONAL_ROLES) | set(INTERNAL_COLUMNS)
        return [c for c in self.columns if c not in fixed]

    def has(self, column: str) -> bool:
        """Whether the log has a column (``log.has("channel")``)."""
        return column in self.columns

    def with_frame(self, frame: nw.LazyFrame[Any]) -> EventLog:
        """The same log (mapping, report) over another frame, e.g. a filtered one."""
        return dataclasses.replace(self, frame=frame)

    def to_polars(self) -> pl.DataFrame:
        """Collect the whole log as a Polars frame, in journey order."""
        keys = ["customer_id", "session_id"] if self.has("session_id") else ["customer_id"]
        events: pl.DataFrame = self.frame.sort([*keys, *ORDER]).collect("polars").to_native()
        return events

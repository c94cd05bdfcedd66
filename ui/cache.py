"""The one caching module of the app: everything cached, its key and its bounds.

**Results** (:data:`RESULTS`): what cxlib computes for a page, shared by every session
that looks at the same data, through :func:`run`. The key of a result is
``(analysis, data key, filters, arguments)``:

- *analysis*: the cxlib function's module and name (``cxlib.analyses.funnels.funnel.funnel``);
- *data key*: :attr:`ui.state.Loaded.key`, the content hash of the uploaded bytes, the
  bundled scenario's name or a connected source's fingerprint, never a frame (Streamlit's
  hashing of large frames samples rows), so two people with the same file share
  computation but never state, and a changed file never hits a stale entry;
- *filters*: the sidebar's :class:`ui.filters.Filters` (``None``: the whole log);
- *arguments*: the call's arguments, lists and dicts frozen into tuples.

The log of a bundled sample is a result too (``("sample", data key)``, see
:func:`ui.state.load_scenario`): a room opening the same link loads it once, not once
per visitor; logs are read-only, so sessions share it safely.

**Charts** (:func:`chart`): the Vega-Lite spec of a chart builder's picture, also in
:data:`RESULTS`, keyed by ``("chart", builder, content of its arguments)``: Altair takes
a tenth of a second or more to build and validate a chart, which a room of visitors
paid once each (bench/concurrent_visits.py); a frame argument is keyed by a hash of its
content, so equal results share a spec and a changed one never hits a stale entry.

An entry unused for :data:`RESULT_TTL` seconds is dropped, and past
:data:`RESULT_BUDGET` bytes the least recently used go first. Sessions asking for the
same result at once wait for one computation.

**The session's logs** (``st.session_state``, one per browser session, never shared):
``cx_filtered_log`` holds the session's log under its latest filters, so the analyses of
a page share one journey sort (:func:`cxlib.journeys.journey_table`) instead of each
filtering and sorting anew; ``cx_anonymised_log`` the pseudonymised log while
*Presentation > Anonymise* is on.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import inspect
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import altair as alt
import polars as pl
import pyarrow as pa
import streamlit as st

import cxlib
from cxlib.anonymise import anonymise
from ui.filters import Filters
from ui.progress import progress

if TYPE_CHECKING:  # ui.state loads the bundled samples through RESULTS
    from ui.state import Loaded

__all__ = [
    "RESULTS",
    "RESULT_BUDGET",
    "RESULT_TTL",
    "ChartSpec",
    "ResultCache",
    "anonymised",
    "chart",
    "filtered",
    "run",
]

P = ParamSpec("P")
R = TypeVar("R")

#: Seconds an unused result is kept.
RESULT_TTL = 3600.0
#: Bytes of results kept, all sessions together (sizes as estimated by :func:`size_of`).
RESULT_BUDGET = 512 * 1024**2
_FILTERED, _ANONYMISED = "cx_filtered_log", "cx_anonymised_log"
# Charts draw aggregated results, but a retention table of daily cohorts passes Altair's
# 5,000 rows. Set once for the process: no page switches Altair's data transformers.
alt.data_transformers.disable_max_rows()


class ResultCache:
    """A thread-safe least-recently-used cache with a time to live and a byte budget.

    Examples
    --------
    >>> cache = ResultCache(ttl=60, budget=100)
    >>> cache.get_or_compute("a", lambda: "x" * 60)[:3]
    'xxx'
    >>> _ = cache.get_or_compute("b", lambda: "y" * 60)  # over budget: "a" goes
    >>> cache.keys()
    ['b']
    """

    def __init__(self, *, ttl: float, budget: int) -> None:
        self.ttl, self.budget = ttl, budget
        self._entries: OrderedDict[Hashable, tuple[Any, int, float]] = OrderedDict()
        self._computing: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    def keys(self) -> list[Hashable]:
        """The keys held (unexpired), least recently used first."""
        with self._lock:
            self._expire(time.monotonic())
            return list(self._entries)

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._entries.clear()

    def get_or_compute(
        self, key: Hashable, compute: Callable[[], R], *, on_miss: Callable[[], Any] | None = None
    ) -> R:
        """The value under ``key``, computed once (other callers of the same key wait).

        ``on_miss`` is a context manager factory entered around the computation
        (the app's spinner). An exception is raised to every waiting caller's own
        computation and nothing is stored.
        """
        found = self._lookup(key)
        if found is not None:
            return found[0]  # type: ignore[no-any-return]
        with self._lock:
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:
            found = self._lookup(key)  # computed by the caller we waited for
            if found is not None:
                return found[0]  # type: ignore[no-any-return]
            if on_miss is None:
                value = compute()
            else:
                with on_miss():
                    value = compute()
            self._store(key, value)
        with self._lock:
            self._computing.pop(key, None)
        return value

    def _lookup(self, key: Hashable) -> tuple[Any] | None:
        now = time.monotonic()
        with self._lock:
            self._expire(now)
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries[key] = (entry[0], entry[1], now)
            self._entries.move_to_end(key)
            return (entry[0],)

    def _store(self, key: Hashable, value: Any) -> None:
        size = size_of(value)
        with self._lock:
            if size > self.budget:
                return  # larger than everything together: recomputed when asked again
            self._entries[key] = (value, size, time.monotonic())
            total = sum(entry[1] for entry in self._entries.values())
            while total > self.budget:
                _, (_, dropped, _) = self._entries.popitem(last=False)
                total -= dropped

    def _expire(self, now: float) -> None:
        for key in [k for k, (_, _, used) in self._entries.items() if now - used > self.ttl]:
            del self._entries[key]


def size_of(value: Any) -> int:
    """Bytes a result holds, estimated: Polars frames by their buffers, the rest pickled.

    Examples
    --------
    >>> size_of(pl.DataFrame({"a": [1, 2, 3]}))
    24
    >>> size_of((pl.DataFrame({"a": [1]}), pl.DataFrame({"a": [2]})))
    16
    """
    if isinstance(value, pl.DataFrame):
        return int(value.estimated_size())
    if isinstance(value, tuple | list):
        return sum(size_of(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(size_of(getattr(value, f.name)) for f in dataclasses.fields(value))
    try:
        return len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:
        return 1024


#: Every session's results (see the module docstring).
RESULTS = ResultCache(ttl=RESULT_TTL, budget=RESULT_BUDGET)


def run(
    analysis: Callable[Concatenate[cxlib.EventLog, P], R],
    loaded: Loaded,
    filters: Filters | None,
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> R:
    """``analysis(log, *args, **kwargs)`` on the session's data under ``filters``, cached.

    An analysis with a ``by=`` keyword (customer or session journeys) gets the sidebar's
    choice unless the call gives one. ``filters=None`` runs on the whole log. While it
    computes, a spinner names it ("Computing dropped next…").

    Examples
    --------
    In a page: ``cache.run(cxlib.funnel, loaded, filters, steps, window="7d")``.
    """
    key, given = _key(analysis, loaded, filters, args, kwargs)
    return RESULTS.get_or_compute(
        key,
        lambda: analysis(filtered(loaded, filters), *args, **given),
        on_miss=lambda: st.spinner(f"Computing {_named(analysis)}…"),
    )


def run_in_steps(
    analysis: Callable[..., R],
    loaded: Loaded,
    filters: Filters | None,
    /,
    *args: Any,
    label: str,
    **kwargs: Any,
) -> R:
    """:func:`run` for an analysis that names its steps as it goes (its ``progress`` keyword).

    While it computes, a status box ``label`` shows each step and the seconds since it
    began (:func:`ui.progress.progress`) instead of a spinner; done, the box goes and the
    results take its place (a failure leaves it, marked failed).

    Examples
    --------
    In a page: ``cache.run_in_steps(cxlib.findings, loaded, filters, goal=goal, label="…")``.
    """
    key, given = _key(analysis, loaded, filters, args, kwargs)
    steps: list[Callable[[str], None]] = []

    @contextlib.contextmanager
    def shown() -> Iterator[None]:
        slot = st.empty()
        with slot.container(), progress(label) as step:
            steps.append(step)
            yield
        slot.empty()

    return RESULTS.get_or_compute(
        key,
        lambda: analysis(filtered(loaded, filters), *args, progress=steps[0], **given),
        on_miss=shown,
    )


def _key(
    analysis: Callable[..., Any],
    loaded: Loaded,
    filters: Filters | None,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> tuple[Hashable, dict[str, Any]]:
    """The key of a result (see the module docstring), and the keywords the call gets."""
    if filters is not None and "by" not in kwargs and _takes_by(analysis):
        kwargs = {**kwargs, "by": filters.by}
    name = f"{analysis.__module__}.{analysis.__qualname__}"
    return (name, loaded.key, filters, _frozen(args), _frozen(kwargs)), kwargs


def _named(analysis: Callable[..., Any]) -> str:
    """What a spinner says is being computed: the analysis's name in words.

    Examples
    --------
    >>> _named(cxlib.converter_differences)
    'converter differences'
    """
    return analysis.__name__.replace("_", " ")


@functools.cache
def _takes_by(analysis: Callable[..., Any]) -> bool:
    return "by" in inspect.signature(analysis).parameters


def _frozen(value: Any) -> Hashable:
    if isinstance(value, Mapping):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | set | frozenset):
        items = [_frozen(v) for v in value]
        return tuple(sorted(items, key=repr) if isinstance(value, set | frozenset) else items)
    return value  # type: ignore[no-any-return]


@dataclasses.dataclass(frozen=True)
class ChartSpec:
    """A chart's Vega-Lite spec in the two forms it is used in, both built once.

    ``vega_lite`` carries its data as JSON rows (PNG downloads, HTML reports); ``arrow``
    is the same spec with each dataset as Arrow IPC bytes, which Streamlit sends as they
    are (it would convert JSON rows anew for every visitor). Shared: never change them.
    """

    vega_lite: dict[str, Any]
    arrow: dict[str, Any]


def chart(
    builder: Callable[P, alt.TopLevelMixin], /, *args: P.args, **kwargs: P.kwargs
) -> ChartSpec:
    """The Vega-Lite spec of ``builder(*args, **kwargs)``, built once for every session.

    Examples
    --------
    In a page: ``spec = cache.chart(charts.bar_chart, frame, category="touchpoint", value="n")``.
    """
    name = f"{builder.__module__}.{builder.__qualname__}"
    key = ("chart", name, _content(args), _content(kwargs))
    return RESULTS.get_or_compute(key, lambda: _both_forms(builder(*args, **kwargs).to_dict()))


def _both_forms(spec: dict[str, Any]) -> ChartSpec:
    """The spec, and the spec with its datasets as Arrow IPC bytes.

    Examples
    --------
    >>> both = _both_forms({"mark": "bar", "datasets": {"d": [{"a": 1}, {"a": 2}]}})
    >>> both.vega_lite["datasets"]["d"], isinstance(both.arrow["datasets"]["d"], bytes)
    ([{'a': 1}, {'a': 2}], True)
    """
    datasets = spec.get("datasets")
    if not datasets:
        return ChartSpec(spec, spec)
    arrow = {name: _ipc(rows) for name, rows in datasets.items()}
    return ChartSpec(spec, {**spec, "datasets": arrow})


def _ipc(rows: list[dict[str, Any]]) -> bytes:
    table = pl.DataFrame(rows, infer_schema_length=None).to_arrow()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


#: Rows up to which a chart's frame is keyed by its rows themselves.
_SMALL = 500


def _content(value: Any) -> Hashable:
    """A hashable stand-in for a chart argument: frames by a digest of their content.

    Examples
    --------
    >>> _content(pl.DataFrame({"a": [1, 2]})) == _content(pl.DataFrame({"a": [1, 2]}))
    True
    >>> _content(pl.DataFrame({"a": [1, 2]})) == _content(pl.DataFrame({"a": [2, 1]}))
    False
    >>> paths = pl.DataFrame({"path": [["a", "b"]]})  # lists in cells: hashed by Polars
    >>> _content(paths) == _content(paths.clone()) != _content(pl.DataFrame({"path": [["b"]]}))
    True
    >>> _content({"scores": [0.5, None], "n": 3})
    (('n', 3), ('scores', (0.5, None)))
    """
    if isinstance(value, pl.DataFrame):
        schema = tuple((c, str(t)) for c, t in value.schema.items())
        if value.height <= _SMALL:
            rows = tuple(value.rows())
            try:  # a chart's few rows: hashed in Python (no thread pool to wake up)
                hash(rows)
                return ("frame", schema, rows)
            except TypeError:  # lists in cells are not hashable: hashed by Polars below
                pass
        digest = hashlib.sha256(value.hash_rows(seed=0).to_numpy().tobytes()).hexdigest()
        return ("frame", schema, value.height, digest)
    if isinstance(value, Mapping):
        return tuple(sorted((k, _content(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_content(v) for v in value)
    return _frozen(value)


def filtered(loaded: Loaded, filters: Filters | None) -> cxlib.EventLog:
    """The session's log under ``filters`` (lazy), kept for the session's next calls.

    A log sorts its journeys once and reuses the order; keeping the latest filtered log
    lets every analysis of a page share that sort. One log per session, never shared:
    the events the filters keep, and the sessions last cut from them, so a switch
    between customers and sessions filters nothing again (10M events, a date range:
    0.2 s spared at the first switch).
    """
    if filters is None:
        return loaded.log
    key = (loaded.key, id(loaded.log), filters.by_customer())
    kept = st.session_state.get(_FILTERED)
    if kept is None or kept[0] != key:
        if kept is not None:
            # Let the last one go first: a new value leaves it in Streamlit's state of the
            # last run until this run ends, with its sorted journeys (400-700 MB at 10M
            # events) beside the new log's.
            del kept, st.session_state[_FILTERED]
        kept = (key, filters.by_customer().apply(loaded.log), {})
        st.session_state[_FILTERED] = kept
    events: cxlib.EventLog = kept[1]
    journeys: dict[Filters, cxlib.EventLog] = kept[2]
    if filters not in journeys:
        journeys.clear()
        journeys[filters] = filters.journeys_of(events)
    return journeys[filters]


def anonymised(loaded: Loaded) -> Loaded:
    """The session's data with customer ids and attributes replaced by pseudonyms (kept)."""
    kept = st.session_state.get(_ANONYMISED)
    if kept is None or kept[0] != loaded.key:
        hidden = dataclasses.replace(
            loaded,
            log=anonymise(loaded.log),
            key=f"{loaded.key}:anonymised",
            label=f"{loaded.label} (anonymised)",
        )
        kept = st.session_state[_ANONYMISED] = (loaded.key, hidden)
    return kept[1]

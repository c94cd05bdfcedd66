"""XES, the process-mining event-log format (IEEE 1849), read with the standard library.

A ``<log>`` holds, in this order, ``<extension>`` declarations (a prefix such as ``org``
and its name), ``<global>`` attribute declarations for every trace or event (with
default values), ``<classifier>`` definitions (which event attributes name an event
class), the log's own attributes (metadata about the log: its name, statistics), and
the ``<trace>`` elements with their ``<event>`` elements. Attributes are typed
(``string``, ``date``, ``int``, ``float``, ``boolean``, ``id``, ``list``, ``container``)
and any attribute may carry nested attributes.

:func:`read_xes` gives one row per event: the event's attributes under their keys, the
trace's under ``case:<key>`` (so the case id, the trace's ``concept:name``, is
``case:concept:name``, as in pm4py), nested attributes as ``<key>.<child>``, a list's
values joined by ``, ``, a container's children as ``<key>.<child>``. The log's own
attributes, globals, classifiers and extensions describe the log, not its events: they
are returned apart (:class:`XesInfo`) and never become columns.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from xml.parsers import expat

import polars as pl

from cxlib.errors import LoadError

__all__ = ["XesInfo", "read_xes"]

_SCALARS = {"string", "date", "int", "float", "boolean", "id"}
_TYPES = {"int": pl.Int64, "float": pl.Float64, "boolean": pl.Boolean}


@dataclass
class XesInfo:
    """What an XES file says about the log itself (never event columns)."""

    #: The log's own top-level attributes, key -> value (nested ones are left out).
    attributes: dict[str, str] = field(default_factory=dict)
    #: Classifier name -> the event attribute keys it combines.
    classifiers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Extension prefix -> its name (``org`` -> ``Organizational``).
    extensions: dict[str, str] = field(default_factory=dict)
    #: Scope (``trace`` or ``event``) -> the keys every element of it declares.
    globals: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def summary(self) -> str | None:
        """One sentence for the load report, or None for a bare log."""
        parts = []
        if self.attributes:
            parts.append(f"{len(self.attributes):,} log attributes (about the log, not its events)")
        if self.classifiers:
            named = "; ".join(f"{n} = {' + '.join(k)}" for n, k in self.classifiers.items())
            parts.append(f"classifiers {named}")
        return "XES: " + ", ".join(parts) + " kept apart" if parts else None


_ATTRIBUTE = {*_SCALARS, "list", "container"}


class _Reader:
    """Builds the rows of an XES log from the parser's start and end callbacks.

    The stack holds, per open element, its kind (``log``, ``trace``, ``event``,
    ``attribute``, ``list``, ``skip``), the column name an attribute's children nest
    under, and the row that attributes go to.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows: list[dict[str, str]] = []
        self.types: dict[str, set[str]] = {}
        self.info = XesInfo()
        self.stack: list[tuple[str, str, dict[str, str] | None]] = []
        self.trace: dict[str, str] = {}
        self.events: list[dict[str, str]] = []
        self.items: list[str] = []
        self.local: dict[str, str] = {}

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        tag = self.local.get(tag) or self.local.setdefault(tag, tag.rsplit("}", 1)[-1])
        if not self.stack:
            if tag != "log":
                msg = (
                    f"{self.name!r} is XML but no XES event log (its root is <{tag[:40]}>, "
                    "not <log>): export the log as XES or CSV"
                )
                raise LoadError(msg)
            self.stack.append(("log", "", None))
            return
        kind, prefix, row = self.stack[-1]
        if kind == "log":
            self._log_child(tag, attrs)
        elif kind == "trace" and tag == "event":
            self.stack.append(("event", "", {}))
        elif kind in ("trace", "event", "attribute") and tag in _ATTRIBUTE and "key" in attrs:
            target = self.trace if kind == "trace" else row
            base = "case:" if kind == "trace" else prefix
            self._attribute(tag, attrs, base, target)
        elif kind == "list" and tag in _SCALARS:
            self.items.append(attrs.get("value", ""))
            self.stack.append(("skip", "", None))
        elif kind == "list" and tag == "values":
            self.stack.append(("list", prefix, row))
        elif kind == "global" and "key" in attrs:
            self.info.globals[prefix] = (*self.info.globals[prefix], attrs["key"])
            self.stack.append(("skip", "", None))
        else:
            self.stack.append(("skip", "", None))

    def _log_child(self, tag: str, attrs: dict[str, str]) -> None:
        info = self.info
        if tag == "trace":
            self.trace, self.events = {}, []
            self.stack.append(("trace", "", None))
            return
        if tag == "event":  # an event outside any trace: no case
            self.stack.append(("event", "", {}))
            return
        if tag == "extension":
            info.extensions[attrs.get("prefix", "")] = attrs.get("name", "")
        elif tag == "classifier":
            keys = attrs.get("keys", "")
            try:
                info.classifiers[attrs.get("name", "")] = tuple(shlex.split(keys))
            except ValueError:  # an unbalanced quote: keep the words as written
                info.classifiers[attrs.get("name", "")] = tuple(keys.split())
        elif tag == "global":
            info.globals.setdefault(attrs.get("scope", "event"), ())
            self.stack.append(("global", attrs.get("scope", "event"), None))
            return
        elif tag in _ATTRIBUTE and "key" in attrs:
            info.attributes[attrs["key"]] = attrs.get("value", "")
        self.stack.append(("skip", "", None))

    def _attribute(
        self, tag: str, attrs: dict[str, str], prefix: str, row: dict[str, str] | None
    ) -> None:
        name = prefix + attrs["key"]
        if row is None:
            self.stack.append(("skip", "", None))
            return
        if tag == "list":
            self.items = []
            self.stack.append(("list", name, row))
            return
        if tag in _SCALARS:
            row[name] = attrs.get("value", "")
            self.types.setdefault(name, set()).add(tag)
        self.stack.append(("attribute", name + ".", row))  # children nest under it

    def end(self, tag: str) -> None:
        kind, prefix, row = self.stack.pop()
        if kind == "event" and row is not None:
            if self.stack and self.stack[-1][0] == "trace":
                self.events.append(row)
            else:
                self.rows.append(row)
        elif kind == "trace":
            self.rows.extend(self.trace | event for event in self.events)
        elif (
            kind == "list" and row is not None and not (self.stack and self.stack[-1][0] == "list")
        ):
            row[prefix] = ", ".join(v for v in self.items if v)
            self.types.setdefault(prefix, set()).add("string")


def read_xes(raw: bytes, name: str = "log.xes") -> tuple[pl.DataFrame, XesInfo]:
    """Read an XES event log: one row per event, trace attributes prefixed ``case:``.

    Examples
    --------
    >>> xes = (b'<log><float key="meta:avg" value="1.5"><int key="x" value="1"/></float>'
    ...        b'<classifier name="Activity" keys="concept:name"/>'
    ...        b'<trace><string key="concept:name" value="c1"/>'
    ...        b'<event><string key="concept:name" value="open"/>'
    ...        b'<date key="time:timestamp" value="2024-01-01T09:00:00+01:00"/>'
    ...        b'<int key="cost" value="5"/></event></trace></log>')
    >>> frame, info = read_xes(xes)
    >>> frame.columns, frame.rows()
    (['case:concept:name', 'concept:name', 'time:timestamp', 'cost'], [('c1', 'open', '2024-01-01T09:00:00+01:00', 5)])
    >>> info.attributes, info.classifiers
    ({'meta:avg': '1.5'}, {'Activity': ('concept:name',)})
    """
    reader = _Reader(name)
    parser = expat.ParserCreate()
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.buffer_text = True
    try:
        parser.Parse(raw, True)
    except expat.ExpatError as err:
        msg = f"{name!r} is not valid XES (XML): {err}; check the file near that line"
        raise LoadError(msg) from err
    if not reader.stack and not reader.rows and reader.info == XesInfo():
        msg = f"{name!r} is not valid XES (XML): no element found; check the file"
        raise LoadError(msg)
    rows, info = reader.rows, reader.info
    columns = list(dict.fromkeys(key for row in rows for key in row))
    if not rows:
        return pl.DataFrame(schema=dict.fromkeys(columns or ["case:concept:name"], pl.String)), info
    frame = pl.from_dicts(rows, schema=dict.fromkeys(columns, pl.String))
    casts = {
        key: _TYPES[next(iter(kinds))]
        for key, kinds in reader.types.items()
        if key in frame.columns and len(kinds) == 1 and next(iter(kinds)) in _TYPES
    }
    frame = frame.with_columns(
        pl.col(k).str.to_lowercase().eq("true")
        if t == pl.Boolean
        else pl.col(k).cast(t, strict=False)
        for k, t in casts.items()
    )
    return frame, info

"""XES, the process-mining event-log format (IEEE 1849), read with the standard library."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import polars as pl

from cxlib.errors import LoadError

__all__ = ["read_xes"]

_XES_ATTRIBUTES = {"string", "date", "int", "float", "boolean", "id"}
_XES_TYPES = {"int": pl.Int64, "float": pl.Float64, "boolean": pl.Boolean}


def read_xes(raw: bytes, name: str = "log.xes") -> pl.DataFrame:
    """Read an XES event log: one row per event, trace attributes prefixed ``case:``.

    The trace's ``concept:name`` (the case id) becomes ``case:concept:name``, as in
    pm4py; event attributes keep their keys; nested attributes and globals are ignored.

    Examples
    --------
    >>> xes = (b'<log><trace><string key="concept:name" value="c1"/>'
    ...        b'<event><string key="concept:name" value="open"/>'
    ...        b'<date key="time:timestamp" value="2024-01-01T09:00:00+01:00"/></event></trace></log>')
    >>> read_xes(xes).rows()
    [('c1', 'open', '2024-01-01T09:00:00+01:00')]
    """
    rows: list[dict[str, str]] = []
    types: dict[str, set[str]] = {}
    local: dict[str, str] = {}  # "{namespace}event" -> "event", cached

    def attributes(elem: ET.Element, prefix: str, out: dict[str, str]) -> list[ET.Element]:
        events = []
        for child in elem:
            tag = local.get(child.tag) or local.setdefault(child.tag, child.tag.rsplit("}", 1)[-1])
            if tag == "event":
                events.append(child)
            elif tag in _XES_ATTRIBUTES and "key" in child.attrib:
                key = prefix + child.attrib["key"]
                out[key] = child.attrib.get("value", "")
                types.setdefault(key, set()).add(tag)
        return events

    try:
        for _, elem in ET.iterparse(io.BytesIO(raw), events=("end",)):
            if elem.tag.endswith("trace"):
                trace: dict[str, str] = {}
                for event in attributes(elem, "case:", trace):
                    row = dict(trace)
                    attributes(event, "", row)
                    rows.append(row)
                elem.clear()
            elif elem.tag.endswith("log"):  # events outside any trace
                for event in attributes(elem, "log:", {}):
                    row = {}
                    attributes(event, "", row)
                    rows.append(row)
    except ET.ParseError as err:
        msg = f"{name!r} is not valid XES (XML): {err}; check the file near that line"
        raise LoadError(msg) from err
    columns = list(dict.fromkeys(key for row in rows for key in row))
    frame = pl.from_dicts(rows, schema=dict.fromkeys(columns, pl.String)) if rows else None
    if frame is None:
        return pl.DataFrame(schema=dict.fromkeys(columns or ["case:concept:name"], pl.String))
    casts = {
        key: _XES_TYPES[next(iter(kinds))]
        for key, kinds in types.items()
        if len(kinds) == 1 and next(iter(kinds)) in _XES_TYPES
    }
    return frame.with_columns(
        pl.col(k).str.to_lowercase().eq("true")
        if t == pl.Boolean
        else pl.col(k).cast(t, strict=False)
        for k, t in casts.items()
    )

"""XES as IEEE 1849 defines it: everything about the log stays apart from the events."""

from __future__ import annotations

import pytest

from cxlib import LoadError, load
from cxlib.io.xes import read_xes

# Every element the standard allows: extensions, globals (with defaults), classifiers
# (one with a quoted key), typed log attributes with nested ones, trace attributes, event
# attributes of every type, a nested attribute, a list (both spellings) and a container.
STANDARD = b"""<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="2.0" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
  <global scope="trace"><string key="concept:name" value="__INVALID__"/></global>
  <global scope="event">
    <string key="concept:name" value="__INVALID__"/>
    <date key="time:timestamp" value="1970-01-01T00:00:00.000+01:00"/>
  </global>
  <classifier name="Activity" keys="concept:name"/>
  <classifier name="Activity and state" keys="concept:name 'lifecycle:transition'"/>
  <string key="concept:name" value="claims"/>
  <float key="meta:average" value="1.5"><int key="nested" value="7"/></float>
  <int key="meta:traces" value="2"/>
  <boolean key="meta:anonymised" value="true"/>
  <trace>
    <string key="concept:name" value="c1"/>
    <float key="claim" value="100.5"/>
    <event>
      <string key="concept:name" value="open"/>
      <date key="time:timestamp" value="2024-01-01T09:00:00.000+01:00"/>
      <int key="items" value="3"/>
      <float key="cost" value="9.75"/>
      <boolean key="urgent" value="true"/>
      <id key="ref" value="4a1f"/>
      <string key="org:resource" value="ana"><string key="team" value="front"/></string>
      <list key="tags"><values><string key="tag" value="web"/><string key="tag" value="new"/></values></list>
      <container key="address"><string key="city" value="Madrid"/></container>
    </event>
    <event>
      <string key="concept:name" value="close"/>
      <date key="time:timestamp" value="2024-01-01T10:30:00+01:00"/>
      <boolean key="urgent" value="false"/>
      <list key="tags"><string key="tag" value="done"/></list>
    </event>
  </trace>
  <trace>
    <string key="concept:name" value="c2"/>
    <event>
      <string key="concept:name" value="open"/>
      <date key="time:timestamp" value="2024-01-02T09:00:00Z"/>
    </event>
  </trace>
</log>
"""


def test_events_get_their_attributes_of_every_type():
    frame, _ = read_xes(STANDARD)
    assert frame.columns == [
        "case:concept:name", "case:claim", "concept:name", "time:timestamp", "items", "cost",
        "urgent", "ref", "org:resource", "org:resource.team", "tags", "address.city",
    ]  # fmt: skip
    first = frame.row(0, named=True)
    assert (first["items"], first["cost"], first["urgent"], first["case:claim"]) == (
        3,
        9.75,
        True,
        100.5,
    )
    assert (first["org:resource.team"], first["tags"], first["address.city"]) == (
        "front",
        "web, new",
        "Madrid",
    )
    assert frame["tags"].to_list() == ["web, new", "done", None]
    assert frame["urgent"].to_list() == [True, False, None]


def test_the_log_itself_is_described_apart():
    frame, info = read_xes(STANDARD)
    assert not any(c.startswith("meta") or c == "log:concept:name" for c in frame.columns)
    assert info.attributes == {
        "concept:name": "claims",
        "meta:average": "1.5",
        "meta:traces": "2",
        "meta:anonymised": "true",
    }
    assert info.classifiers == {
        "Activity": ("concept:name",),
        "Activity and state": ("concept:name", "lifecycle:transition"),
    }
    assert info.extensions == {"concept": "Concept", "time": "Time"}
    assert info.globals == {"trace": ("concept:name",), "event": ("concept:name", "time:timestamp")}


def test_a_standard_log_loads_in_utc():
    log = load(STANDARD)
    frame = log.to_polars()
    assert frame.select("customer_id", "touchpoint").rows() == [
        ("c1", "open"),
        ("c1", "close"),
        ("c2", "open"),
    ]
    # +01:00 and Z both land on UTC.
    assert [t.hour for t in frame["timestamp"]] == [8, 9, 9]
    assert log.report.notes[0] == (
        "XES: 4 log attributes (about the log, not its events), classifiers Activity = "
        "concept:name; Activity and state = concept:name + lifecycle:transition kept apart"
    )


def test_events_outside_traces_have_no_case():
    raw = (
        b'<log><event><string key="concept:name" value="x"/>'
        b'<date key="time:timestamp" value="2024-01-01T00:00:00Z"/></event></log>'
    )
    frame, _ = read_xes(raw)
    assert frame.rows() == [("x", "2024-01-01T00:00:00Z")]


def test_xml_that_is_no_xes_log():
    with pytest.raises(
        LoadError, match=r"^'bytes' is XML but no XES event log \(its root is <rss>"
    ):
        load(b"<?xml version='1.0'?><rss><channel/></rss>")


def test_real_xes_with_typed_log_metadata(shared_data):
    frame, info = read_xes((shared_data / "road_traffic_fines_100.xes").read_bytes())
    assert frame.height == 390
    assert not any(c.startswith(("meta_", "log:")) for c in frame.columns)
    assert info.attributes["meta_3TU:creation_place"] == "Eindhoven"
    assert info.classifiers == {"Event Name": ("concept:name",)}

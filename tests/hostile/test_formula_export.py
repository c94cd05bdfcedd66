"""CSV exports of every kind of result never hand a spreadsheet a formula."""

from __future__ import annotations

import csv
import io

import polars as pl
import pytest

import cxlib
from cxlib.analyses import overview
from tests.conftest import make_log
from ui.export import FORMULA_STARTS, csv_bytes

PAYLOADS = ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\tx", "\rx"]


def _cells(frame: pl.DataFrame) -> list[str]:
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode(), newline="")))
    return [cell for row in rows for cell in row]


def _armed(cells: list[str]) -> list[str]:
    return [c for c in cells if c.startswith(FORMULA_STARTS)]


@pytest.mark.parametrize("dtype", [pl.String, pl.Categorical, pl.Enum(PAYLOADS)])
def test_text_categorical_and_enum_cells_are_neutralised(dtype):
    frame = pl.DataFrame({"touchpoint": PAYLOADS}, schema={"touchpoint": dtype})
    assert _armed(_cells(frame)) == []
    assert _cells(frame)[1:] == [f"'{p}" for p in PAYLOADS]


def test_analyses_of_a_hostile_log_export_no_formula():
    journeys = {f"c{i}": ["home", PAYLOADS[i % 6], PAYLOADS[(i + 1) % 6], "buy"] for i in range(12)}
    log = make_log(journeys, channel=[PAYLOADS[i % 6] for i in range(48)])
    results = [
        overview.value_counts(log, "touchpoint"),
        overview.value_counts(log, "channel"),
        cxlib.top_paths(log),
        cxlib.dropoffs(log),
        cxlib.transitions(log),
        cxlib.funnel(log, ["home", PAYLOADS[0]]),
        cxlib.critical_touchpoints(cxlib.journey_graph(log)),
        log.to_polars(),
    ]
    for result in results:
        cells = _cells(result)
        assert _armed(cells) == [], result
        # The payloads are there, defused.
        assert any(core in c for c in cells for core in ["HYPERLINK", "calc", "SUM("]), result


def test_header_cells_are_neutralised_too():
    frame = pl.DataFrame({p: ["ok"] for p in PAYLOADS} | {"plain": [1]})
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode(), newline="")))
    assert rows[0] == [f"'{p}" for p in PAYLOADS] + ["plain"]
    assert rows[1] == ["ok"] * 6 + ["1"]

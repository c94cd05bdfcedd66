"""Shared fixtures: tiny hand-written logs and the real public logs in ../shared/data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from cxlib import EventLog

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
T0 = dt.datetime(2024, 1, 1)


def make_log(
    journeys: dict[str, str | list[str]], *, minutes: int = 1, **columns: list
) -> EventLog:
    """Build a log from ``{"customer": "a b c"}``: one event a minute, in the order written.

    Touchpoints are separated by spaces (or given as a list). Extra keyword columns
    (``channel=[...]``) are taken in the same row order.
    """
    rows = []
    for customer, path in journeys.items():
        steps = path.split() if isinstance(path, str) else path
        rows += [
            (customer, T0 + dt.timedelta(minutes=i * minutes), tp) for i, tp in enumerate(steps)
        ]
    frame = pl.DataFrame(
        rows, schema=["customer_id", "timestamp", "touchpoint"], orient="row"
    ).with_columns(**{k: pl.Series(v) for k, v in columns.items()})
    return EventLog.from_frame(frame)


@pytest.fixture
def shared_data() -> Path:
    """The folder of real public logs; tests using it skip where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"real logs not found at {SHARED_DATA} (they live in the workplace's shared/data)"
        )
    return SHARED_DATA

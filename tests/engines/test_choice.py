"""The engine picked for a Parquet log: Polars while it fits in half the free memory, read or scanned."""

from __future__ import annotations

import polars as pl

from cxlib.engines import (
    BYTES_PER_EVENT,
    SCANNED_BYTES_PER_EVENT,
    EngineChoice,
    choose_engine,
    free_memory,
    parquet_events,
)

GIB = 2**30


def test_polars_up_to_half_the_free_memory_then_duckdb():
    fits = 12 * GIB // BYTES_PER_EVENT  # the most events half of 24 GiB holds in memory
    assert choose_engine(fits, memory=24 * GIB) == EngineChoice(
        "polars", f"{fits:,} events fit in memory", in_memory=True
    )
    scanned = 12 * GIB // SCANNED_BYTES_PER_EVENT  # the most it holds from scanned files
    assert choose_engine(fits + 1, memory=24 * GIB) == EngineChoice(
        "polars", f"{fits + 1:,} events fit in memory, scanned from the files"
    )
    assert choose_engine(scanned, memory=24 * GIB).engine == "polars"
    assert choose_engine(scanned + 1, memory=24 * GIB) == EngineChoice(
        "duckdb", f"{scanned + 1:,} events need about 12.0 GiB, 24.0 GiB is free"
    )
    # 270 bytes an event read into memory (2.5 GB measured at 10M): 12 GiB holds 47M, not
    # 48M; 105 scanned (9.5 GB at 100M): 120M, not 125M (DuckDB on 24 GiB).
    assert choose_engine(47_000_000, memory=24 * GIB).in_memory
    assert not choose_engine(48_000_000, memory=24 * GIB).in_memory
    assert choose_engine(120_000_000, memory=24 * GIB).engine == "polars"
    assert choose_engine(125_000_000, memory=24 * GIB).engine == "duckdb"
    # 100M events go to Polars, scanned, from 20 GiB free (this machine has 22 GiB free
    # when quiet); on 19 GiB to DuckDB.
    assert choose_engine(100_000_000, memory=20 * GIB) == EngineChoice(
        "polars", "100,000,000 events fit in memory, scanned from the files"
    )
    assert choose_engine(100_000_000, memory=19 * GIB).engine == "duckdb"


def test_the_free_memory_is_this_machines():
    assert free_memory() > 0
    assert choose_engine(1).engine == "polars"


def test_events_are_counted_from_the_parquet_metadata(tmp_path):
    for part, rows in enumerate([3, 4]):
        pl.DataFrame({"x": range(rows)}).write_parquet(tmp_path / f"{part}.parquet")
    assert parquet_events(sorted(tmp_path.glob("*.parquet"))) == 7

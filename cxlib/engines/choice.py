"""Which engine a Parquet log should run on, from its size and this machine's free memory.

Polars keeps a log's journeys sorted in memory and answers fastest while the log fits;
DuckDB spills to disk and goes on past memory, slower (docs/performance.md: at 10M
events the four core analyses took 3.6 s on Polars with a 2.8 GB peak, at 100M events
258.6 s on DuckDB with an 8.9 GB peak). :func:`choose_engine` takes Polars while its
expected peak is at most half the free memory: :data:`BYTES_PER_EVENT` per event with
the log read into memory, else :data:`SCANNED_BYTES_PER_EVENT` with the files scanned
(at 100M events the four core analyses took 60.2 s, 1.77x the NumPy floor, at a 12.5 GB
peak, where DuckDB took 492.9 s; 9.5 GB since the sorted journeys share one buffer
for both times and the funnel and drop-offs stopped copying per event); past both, DuckDB.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

__all__ = [
    "BYTES_PER_EVENT",
    "SCANNED_BYTES_PER_EVENT",
    "EngineChoice",
    "choose_engine",
    "free_memory",
    "parquet_events",
]

#: Polars' peak memory per event with the pages' analyses on a loaded log, the Parquet
#: read into memory as the Data page does (ui/connect.py): 2,493 MiB at 10M events of
#: the retail log's 10 columns, 261 bytes an event (bench/scale.py, the four core
#: analyses in one process, 2026-12-05 02:26), rounded up. Was 300 (296 measured) before
#: the sorted journeys shared one buffer for ``timestamp`` and ``epoch_us``, 200 (1.8 GB
#: at 10M) while the page scanned the files lazily.
BYTES_PER_EVENT = 270
#: The same with the Parquet files scanned lazily instead (the journeys sorted from the
#: columns they need): 9,461-9,638 MiB at 100M events, 99-101 bytes an event, and 117 at
#: 10M (1,111 MiB; bench/scale.py, 2026-12-05 02:27-02:50), rounded up from the 100M figure,
#: the size this tier is for. Was 140 (131 measured: 12,504 MiB at 100M) before the
#: sorted journeys shared one buffer for both times and the funnel and drop-offs
#: stopped copying the customer ids and the events per journey and touchpoint.
SCANNED_BYTES_PER_EVENT = 105


@dataclass(frozen=True)
class EngineChoice:
    """The engine picked for a log, whether Polars reads it into memory, and why in words."""

    engine: Literal["polars", "duckdb"]
    reason: str
    in_memory: bool = False


def free_memory() -> int:
    """Bytes of memory this machine can give now (Linux's ``MemAvailable``, else free pages)."""
    try:
        with Path("/proc/meminfo").open() as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")


def parquet_events(files: Sequence[Path]) -> int:
    """Rows in Parquet files, from their metadata (nothing else is read)."""
    count: int = pl.scan_parquet(list(files)).select(pl.len()).collect().item()
    return count


def choose_engine(events: int, *, memory: int | None = None) -> EngineChoice:
    """Polars while ``events`` fit in half of ``memory`` (default: free now), else DuckDB.

    Read into memory while they fit so, else scanned from the files while that fits.

    Examples
    --------
    >>> choose_engine(10_000_000, memory=24 * 2**30)
    EngineChoice(engine='polars', reason='10,000,000 events fit in memory', in_memory=True)
    >>> choose_engine(60_000_000, memory=24 * 2**30).reason
    '60,000,000 events fit in memory, scanned from the files'
    >>> choose_engine(100_000_000, memory=24 * 2**30).reason
    '100,000,000 events fit in memory, scanned from the files'
    >>> choose_engine(150_000_000, memory=24 * 2**30).engine
    'duckdb'
    """
    free = free_memory() if memory is None else memory
    if events * BYTES_PER_EVENT <= free // 2:
        return EngineChoice("polars", f"{events:,} events fit in memory", in_memory=True)
    if events * SCANNED_BYTES_PER_EVENT <= free // 2:
        return EngineChoice("polars", f"{events:,} events fit in memory, scanned from the files")
    need, have = events * SCANNED_BYTES_PER_EVENT / 2**30, free / 2**30
    return EngineChoice(
        "duckdb", f"{events:,} events need about {need:.1f} GiB, {have:.1f} GiB is free"
    )

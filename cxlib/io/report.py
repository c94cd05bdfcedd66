"""The load report's figures: drop counts per reason, timestamp checks, and the log's statistics.

Split from :mod:`cxlib.io.loader` so that the reading and mapping stay in one file and what
is counted about them in another.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Any

import narwhals as nw
import polars as pl

from cxlib.engines import SortedJourneys, sorted_log_stats
from cxlib.engines.loading import FORMAT_INDEX, RATING_TEXT, TS_TEXT, VALUE_TEXT
from cxlib.errors import MappingError
from cxlib.io.recognize import Recognition
from cxlib.io.timestamps import TimestampFormat
from cxlib.log import EventLog

__all__ = [
    "DROP_REASONS",
    "MOSTLY_BAD",
    "RATING_TEXT",
    "TS_TEXT",
    "VALUE_TEXT",
    "check_timestamps",
    "collect_row",
    "drop_counts",
    "format_counts",
    "log_stats",
    "null_counts",
    "report_figures",
]

#: Why an event is dropped, in the order the reasons are checked (one reason per row).
DROP_REASONS = (
    "missing customer",
    "missing touchpoint",
    "missing timestamp",
    "unparseable timestamp",
)
_MOST_FORMATS = 8
#: Above this share of unparseable timestamps the column is wrong, not the rows: raise.
MOSTLY_BAD = 0.5


def drop_counts(columns: list[str]) -> dict[str, nw.Expr]:
    """Aggregations counting the rows dropped per reason (one reason per row) in one pass."""
    has_c = ~nw.col("customer_id").is_null()
    has_t = ~nw.col("touchpoint").is_null()
    given = ~nw.col(TS_TEXT).is_null()
    parsed = ~nw.col("timestamp").is_null()
    counts = {
        "missing customer": ~has_c,
        "missing touchpoint": has_c & ~has_t,
        "missing timestamp": has_c & has_t & ~given,
        "unparseable timestamp": has_c & has_t & given & ~parsed,
        "timestamps given": given,
        "timestamps bad": given & ~parsed,
    }
    for role, text in (("value", VALUE_TEXT), ("rating", RATING_TEXT)):
        if text in columns:
            counts[text] = ~nw.col(text).is_null() & nw.col(role).is_null()
    if FORMAT_INDEX in columns:
        index = nw.col(FORMAT_INDEX).cast(nw.Int64)
        counts |= {f"{FORMAT_INDEX}{i}": index == i for i in range(_MOST_FORMATS)}
    # Spark cannot sum booleans; DuckDB sums integers to a 128-bit decimal.
    return {
        "rows": nw.len(),
        **{k: v.cast(nw.Int64).sum().cast(nw.Int64) for k, v in counts.items()},
    }


def null_counts(frame: nw.DataFrame[Any] | nw.LazyFrame[Any]) -> dict[str, int] | None:
    """The drop counts of an in-memory frame with no nulls at all, from metadata: no pass."""
    native = frame.to_native()
    if not isinstance(native, pl.DataFrame):
        return None
    nulls = {c: native.get_column(c).null_count() for c in native.columns}
    if nulls["customer_id"] or nulls["touchpoint"] or nulls["timestamp"]:
        return None
    counts = dict.fromkeys(DROP_REASONS, 0)
    counts |= {"rows": native.height, "timestamps given": native.height, "timestamps bad": 0}
    if FORMAT_INDEX in native.columns:
        counts |= {f"{FORMAT_INDEX}{i}": 0 for i in range(_MOST_FORMATS)}
        for index, n in native.get_column(FORMAT_INDEX).value_counts().iter_rows():
            if index is not None:
                counts[f"{FORMAT_INDEX}{index}"] = n
    # A number is null where its text is null or is no number.
    for role, text in (("value", VALUE_TEXT), ("rating", RATING_TEXT)):
        if text in nulls:
            counts[text] = nulls[role] - nulls[text]
    return counts


def format_counts(fmt: TimestampFormat | None, counts: dict[str, int]) -> dict[str, int]:
    """Rows parsed per timestamp format: each row counted for the first format that read it."""
    if fmt is None:
        return {}
    parsed = counts["timestamps given"] - counts["timestamps bad"]
    if fmt.kind != "text" or len(fmt.formats) == 1:
        return {fmt.describe(): parsed} if parsed else {}
    each = {f: counts.get(f"{FORMAT_INDEX}{i}", 0) for i, f in enumerate(fmt.formats)}
    return {f: n for f, n in each.items() if n}


def collect_row(frame: nw.DataFrame[Any] | nw.LazyFrame[Any]) -> dict[str, Any]:
    """The first row of a (lazy) frame as a dict, on any engine."""
    out = frame.collect("polars") if isinstance(frame, nw.LazyFrame) else frame
    row: dict[str, Any] = out.to_native().row(0, named=True)
    return row


def check_timestamps(
    frame: nw.DataFrame[Any] | nw.LazyFrame[Any],
    rec: Recognition,
    counts: dict[str, int],
    notes: list[str],
) -> None:
    """Raise when most timestamps are unparseable (a wrong column or format), else note the few."""
    bad, given = counts["timestamps bad"], counts["timestamps given"]
    if not bad:
        return
    rows = frame.filter(~nw.col(TS_TEXT).is_null() & nw.col("timestamp").is_null())
    example = collect_row(rows.select(nw.col(TS_TEXT).cast(nw.String)).head(1))[TS_TEXT]
    column = rec.mapping["timestamp"].column
    what = f"column {column!r} has {bad:,} of {given:,} values that are not dates, e.g. {str(example)[:60]!r}"
    if bad > MOSTLY_BAD * given:
        fmt = rec.timestamp_format.describe() if rec.timestamp_format else "nothing"
        msg = (
            f"{what} (read as {fmt!r}): give the timestamp format, or choose another "
            "timestamp column"
        )
        raise MappingError(msg)
    notes.append(f"{what}: those events were dropped")


def report_figures(
    frame: pl.DataFrame | pl.LazyFrame | Any,
    *,
    by_column: bool,
    log: Callable[[], EventLog | None] = lambda: None,
) -> dict[str, Any]:
    """A :class:`~cxlib.log.LoadReport`'s figures about the kept events ``frame`` (counted when first read).

    Counted on the sorted journeys of ``log()`` (the log of ``frame``) where they are
    kept already: the Data page reads them after the sidebar's touchpoints sorted them.
    ``by_column`` as :func:`log_stats` takes it.
    """
    of = log()
    journeys = of.cache.kept_journeys("customer") if of is not None else None
    row = log_stats(frame, by_column=by_column, journeys=journeys)
    return {
        "duplicates": row["rows"] - row["distinct"],
        **{k: row[k] for k in ("time_min", "time_max", "customers", "touchpoints")},
    }


def log_stats(
    frame: Any, *, by_column: bool = False, journeys: SortedJourneys | None = None
) -> dict[str, Any]:
    """Rows, customers, touchpoints, time range and distinct events (to count duplicates).

    ``by_column``: a lazy Polars frame whose columns are cheap to read one at a time
    (Parquet) is read a column per pass, which holds far less at once (see
    :func:`_stats_by_column`). ``journeys``: the events of a Polars frame in memory
    sorted into journeys by customer (``_row`` numbering the frame's rows): counted on
    them, only events tied in time with a neighbour are hashed
    (:func:`cxlib.engines.sorted_log_stats`: 10M events, 0.58-0.71 s -> 0.15 s).
    """
    lazy = nw.from_native(frame.lazy() if isinstance(frame, pl.DataFrame) else frame)
    content = [c for c in lazy.collect_schema().names() if c not in ("event_index", "epoch_us")]
    if isinstance(frame, pl.DataFrame) and journeys is not None:
        return sorted_log_stats(journeys, frame, content)
    if isinstance(frame, pl.LazyFrame) and by_column:
        return _stats_by_column(frame, content)
    if isinstance(frame, pl.DataFrame | pl.LazyFrame):
        # Distinct customers and whole events counted by 64-bit hashes: 3x faster on text.
        basics = frame.lazy().select(
            rows=pl.len(),
            customers=pl.col("customer_id").hash(0).n_unique(),
            touchpoints=pl.col("touchpoint").n_unique(),
            time_min=pl.col("timestamp").min(),
            time_max=pl.col("timestamp").max(),
        )
        if isinstance(frame, pl.DataFrame):  # hash_rows: the leanest in time and memory
            row = basics.collect().row(0, named=True)
            return row | {"distinct": frame.select(content).hash_rows(seed=0).n_unique()}
        # Lazily: each column's hash, seeded by its position, xor-ed into the event's; the
        # hashes streamed out alone, then the distinct ones counted where the sorted
        # hashes change (100M events from Parquet: 24 s and 1.7 GB; n_unique beside the
        # basics took 39 s and 10.2 GB, and a sort within the streaming query more than 11 GB).
        seeded = (pl.col(c).hash(seed=i) for i, c in enumerate(content))
        event = frame.lazy().select(functools.reduce(operator.xor, seeded).alias("event"))
        hashes = event.collect(engine="streaming").to_series().sort()
        distinct = int((hashes != hashes.shift(1)).fill_null(True).sum())
        del hashes  # before the basics' own memory
        return basics.collect(engine="streaming").row(0, named=True) | {"distinct": distinct}
    # DuckDB, Spark: one query over the distinct events, each with its number of copies.
    stats = {
        "customers": nw.col("customer_id").n_unique(),
        "touchpoints": nw.col("touchpoint").n_unique(),
        "time_min": nw.col("timestamp").min(),
        "time_max": nw.col("timestamp").max(),
    }
    grouped = lazy.group_by(content).agg(__cx_copies=nw.len())
    return collect_row(
        grouped.select(**stats, rows=nw.col("__cx_copies").sum().cast(nw.Int64), distinct=nw.len())
    )


def _stats_by_column(frame: pl.LazyFrame, content: list[str]) -> dict[str, Any]:
    """:func:`log_stats` of a lazy Polars frame, one column read per pass.

    Each column's hash, seeded by its position, is xor-ed into the event's, as in the
    one-pass query; customers and touchpoints are counted by the hashes of theirs.
    A pass over every column at once holds row groups of all of them while it reads
    (10M events of 10 columns from Parquet: 2.1 s, 1.4 GB); column by column: 1.4 s,
    0.6 GB.

    Examples
    --------
    >>> import datetime as dt
    >>> lf = pl.LazyFrame({"customer_id": ["a", "a", "b"], "touchpoint": ["x", "x", "y"],
    ...     "timestamp": [dt.datetime(2024, 1, d) for d in (1, 1, 2)]})
    >>> row = _stats_by_column(lf, ["customer_id", "touchpoint", "timestamp"])
    >>> row["rows"], row["distinct"], row["customers"], row["touchpoints"], row["time_max"].day
    (3, 2, 2, 2, 2)
    """
    time = pl.col("timestamp")
    row: dict[str, Any] = (
        frame.select(time_min=time.min(), time_max=time.max()).collect().row(0, named=True)
    )
    counted = {"customer_id": "customers", "touchpoint": "touchpoints"}
    kept: dict[str, pl.Series] = {}
    events: pl.Series | None = None
    for seed, name in enumerate(content):
        hashes = frame.select(pl.col(name).hash(seed)).collect(engine="streaming").to_series()
        if name in counted:
            kept[counted[name]] = hashes
        events = hashes if events is None else events ^ hashes
    assert events is not None  # a log has its canonical columns
    # Counted together: the distinct values of each column are counted in parallel.
    distinct = pl.DataFrame({**kept, "distinct": events}).select(pl.all().n_unique())
    return row | {"rows": events.len(), **distinct.row(0, named=True)}

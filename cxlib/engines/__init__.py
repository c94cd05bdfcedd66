"""The engine-specific corner of cxlib: everything else is written once against narwhals.

Analyses run on Polars (the embedded default), DuckDB and PySpark. The few things
narwhals cannot express identically on all of them live here: the timestamp as
integer microseconds, a row-order tie-breaker, and moving a small frame to another
engine (for tests and benchmarks).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import narwhals as nw
import polars as pl

if TYPE_CHECKING:
    from types import ModuleType

    import duckdb
    from pyspark.sql import SparkSession
    from pyspark.sql.connect.session import SparkSession as RemoteSession

__all__ = [
    "Engine",
    "duckdb_connect",
    "engine_of",
    "grouped_median",
    "ordered_join",
    "polars_sequential_levels",
    "shared",
    "spark_connect",
    "spark_functions",
    "spark_session",
    "to_engine",
    "with_epoch_us",
    "with_event_index",
]

Engine = Literal["polars", "duckdb", "pyspark"]


def engine_of(frame: nw.LazyFrame) -> Engine:
    """Name the engine a narwhals frame runs on.

    Examples
    --------
    >>> import narwhals as nw, polars as pl
    >>> engine_of(nw.from_native(pl.LazyFrame({"a": [1]})))
    'polars'
    """
    impl = frame.implementation
    if impl.is_polars():
        return "polars"
    if impl.is_duckdb():
        return "duckdb"
    if impl.is_pyspark() or impl.is_pyspark_connect():
        return "pyspark"
    msg = f"engine {impl!r} is not supported; use Polars, DuckDB or PySpark"
    raise TypeError(msg)


def with_epoch_us(frame: nw.LazyFrame, *, column: str = "timestamp") -> nw.LazyFrame:
    """Add ``epoch_us``: the timestamp as integer microseconds since 1970 (UTC).

    Durations and ``cast(Int64)`` of datetimes differ between engines (Spark gives
    seconds, Polars microseconds), so every time difference in cxlib is taken on this
    integer column instead.

    Examples
    --------
    >>> import datetime as dt, narwhals as nw, polars as pl
    >>> lf = nw.from_native(pl.LazyFrame({"timestamp": [dt.datetime(1970, 1, 1, 0, 0, 1)]}))
    >>> with_epoch_us(lf).collect()["epoch_us"].to_list()
    [1000000]
    """
    native = frame.to_native()
    engine = engine_of(frame)
    if engine == "polars":
        out = native.with_columns(pl.col(column).dt.epoch("us").alias("epoch_us"))
    elif engine == "duckdb":
        names = ", ".join(f'"{c}"' for c in native.columns)
        out = native.project(f'{names}, epoch_us("{column}")::BIGINT AS epoch_us')
    else:
        F = spark_functions(frame)  # noqa: N806 (pyspark's own name)
        out = native.withColumn("epoch_us", F.unix_micros(F.col(column)))
    return nw.from_native(out)


def with_event_index(frame: nw.LazyFrame) -> nw.LazyFrame:
    """Add ``event_index``: the position of each row in the source, the tie-breaker for equal times.

    On Polars this is the exact row order. DuckDB and Spark tables have no row order
    of their own, so there it is the order the engine scans them in; logs that must
    agree across engines carry the Polars ``event_index`` with them.

    Examples
    --------
    >>> import narwhals as nw, polars as pl
    >>> with_event_index(nw.from_native(pl.LazyFrame({"a": [7, 8]}))).collect()["event_index"].to_list()
    [0, 1]
    """
    native = frame.to_native()
    engine = engine_of(frame)
    if engine == "polars":
        out = native.with_row_index("event_index").with_columns(
            pl.col("event_index").cast(pl.Int64)
        )
    elif engine == "duckdb":
        out = native.project("*, (row_number() OVER () - 1)::BIGINT AS event_index")
    else:
        F = spark_functions(frame)  # noqa: N806 (pyspark's own name)
        out = native.withColumn("event_index", F.monotonically_increasing_id())
    return nw.from_native(out)


def ordered_join(
    frame: nw.LazyFrame, keys: list[str], *, value: str, order: list[str], separator: str
) -> nw.LazyFrame:
    """One row per group of ``keys``: its ``value`` strings in ``order``, joined by ``separator``.

    The result has the key columns and ``path``. An empty ``order`` on Polars means the
    rows are in order already (:func:`cxlib.journeys.journey_table`): no sort.
    An ordered string aggregation has no
    portable narwhals form, so each engine gets its own: Polars ``sort`` + ``str.join``,
    DuckDB ``string_agg(... ORDER BY ...)``, Spark ``sort_array`` of structs + ``array_join``.

    Examples
    --------
    >>> import narwhals as nw, polars as pl
    >>> lf = nw.from_native(pl.LazyFrame({"k": ["a", "a", "b"], "o": [2, 1, 1], "v": list("xyz")}))
    >>> ordered_join(lf, ["k"], value="v", order=["o"], separator="-").sort("k").collect().rows()
    [('a', 'y-x'), ('b', 'z')]
    """
    native = frame.to_native()
    engine = engine_of(frame)
    if engine == "polars":
        # One sort on the integer order columns, then a plain join: a group by keeps the
        # order of rows within each group (documented), and this avoids a sort per group.
        rows = native.sort(order) if order else native
        text = pl.col(value).cast(pl.String)  # categories (journey_table) join as text
        out = rows.group_by(keys).agg(text.str.join(separator).alias("path"))
    elif engine == "duckdb":
        quoted = ", ".join(f'"{k}"' for k in keys)
        by = ", ".join(f'"{o}"' for o in order)
        sep = separator.replace("'", "''")
        out = native.aggregate(
            f"{quoted}, string_agg(\"{value}\", '{sep}' ORDER BY {by}) AS path", quoted
        )
    else:
        F = spark_functions(frame)  # noqa: N806 (pyspark's own name)
        # Structs sort field by field, so the order columns go first and the value last.
        items = F.sort_array(F.collect_list(F.struct(*order, value)))
        out = native.groupBy(*keys).agg(
            F.array_join(F.transform(items, lambda s: s[value]), separator).alias("path")
        )
    return nw.from_native(out)


def grouped_median(
    frame: nw.LazyFrame, keys: list[str], column: str
) -> tuple[nw.LazyFrame, nw.Expr]:
    """The exact median of ``column`` per ``keys`` group: the frame to group, and the aggregation.

    ``frame.group_by(*keys).agg(expr.alias(...))`` on what this returns gives the median
    (null for a group with no values). Polars aggregates the median directly. DuckDB's
    median keeps every value of a group in the hash table: at 100M events, 84 groups,
    it spilled 40 GB and failed. There the values are numbered within their group by
    one sort (a window, which DuckDB and Spark spill well), and the median is the mean
    of the one or two middle values.

    Examples
    --------
    >>> import narwhals as nw, polars as pl
    >>> lf = nw.from_native(pl.LazyFrame({"k": ["a", "a", "a", "b", "b"], "x": [3, 1, 2, 4, 6]}))
    >>> ranked, median = grouped_median(lf, ["k"], "x")
    >>> ranked.group_by("k").agg(median.alias("m")).sort("k").collect().rows()
    [('a', 2.0), ('b', 5.0)]
    """
    if engine_of(frame) == "polars":
        return frame, nw.col(column).median()
    ranked = frame.with_columns(
        _median_pos=nw.col(column).rank("ordinal").over(*keys),
        _median_n=nw.col(column).count().over(*keys),
    )
    twice = nw.col("_median_pos") * 2
    middle = (twice >= nw.col("_median_n")) & (twice <= nw.col("_median_n") + 2)
    return ranked, nw.when(middle).then(nw.col(column).cast(nw.Float64)).mean()


def shared(frame: nw.LazyFrame) -> nw.LazyFrame:
    """Mark a frame that one query reads several times (self-joins), so it is computed once.

    Polars would otherwise recompute it on every branch (its common-subplan elimination
    misses branches that select different columns): ``LazyFrame.cache()`` keeps the
    result for the duration of one ``collect``. DuckDB and Spark plans are left to their
    own optimizers (Spark reuses identical exchanges).

    Examples
    --------
    >>> import narwhals as nw, polars as pl
    >>> lf = shared(nw.from_native(pl.LazyFrame({"a": [1, 2]})))
    >>> lf.join(lf, on="a").sort("a").collect()["a"].to_list()
    [1, 2]
    """
    if engine_of(frame) == "polars":
        return nw.from_native(frame.to_native().cache())
    return frame


def polars_sequential_levels(
    frame: nw.LazyFrame,
    keys: list[str],
    steps: list[str],
    *,
    window_us: int,
    exclude: list[str],
    journey: str | None = None,
) -> nw.LazyFrame:
    """Polars fast path of :func:`cxlib.funnel_levels` for ``order="sequential"``.

    Same result, same columns; the portable version spends most of its time in window
    functions grouped by a string key. Here the step and excluded events are sorted
    once, and every "next event of touchpoint t" is a backward fill over the whole
    frame, bounded by the journey's last row; attempts walk by ``gather``.
    ``journey`` names a column numbering the journeys of a frame already in journey
    order (:func:`cxlib.journeys.journey_table`): the sort is then skipped.
    Tests check it against the portable path and against a brute force.
    """
    tp = pl.col("touchpoint")
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    group = [journey] if journey else keys
    new = pl.any_horizontal([pl.col(k) != pl.col(k).shift(1) for k in group]).fill_null(True)
    ends = pl.any_horizontal([pl.col(k) != pl.col(k).shift(-1) for k in group]).fill_null(True)
    later = sorted(set(steps[1:]))

    def next_at(cond: pl.Expr) -> pl.Expr:
        # The first row at or after this one where cond holds, if it is in the same journey.
        nxt = pl.when(cond).then(pl.col("_r")).backward_fill()
        return pl.when(nxt <= pl.col("_end")).then(nxt)

    events = (
        frame.to_native()
        .filter(tp.is_in([*steps, *exclude]))
        .select(
            *dict.fromkeys([*keys, *group]), "touchpoint", "epoch_us", "event_index", "timestamp"
        )
    )
    if journey is None:
        events = events.sort([*keys, "epoch_us", "event_index"])
    df = (
        # Journey numbers never decrease: flagged sorted, the per-journey best attempt is
        # found by slicing runs (10M events: 0.35 -> 0.2 CPU-s).
        events.with_columns(_r=row, _j=new.cum_sum().set_sorted())
        .with_columns(_end=pl.when(ends).then(pl.col("_r")).backward_fill())
        .with_columns(
            _lim=next_at(tp.is_in(exclude)) if exclude else pl.lit(None, pl.Int64),
            **{f"_to_{i}": next_at(tp == t) for i, t in enumerate(later)},
        )
        .collect()
    )
    time, end = df["epoch_us"], df["_end"]
    attempts = df.filter(tp == steps[0])
    start, limit = attempts["_r"], attempts["_lim"]
    start_us = attempts["epoch_us"]
    cur, times = start, {"at_1": start_us}
    for k in range(1, len(steps)):
        to = df[f"_to_{later.index(steps[k])}"]
        # A step repeating the previous touchpoint needs a strictly later event.
        cand = (to.shift(-1) if steps[k] == steps[k - 1] else to).gather(cur)
        ok = (
            (cand <= end.gather(start))
            & (time.gather(cand) - start_us <= window_us)
            & (limit.is_null() | (cand < limit))
        ).fill_null(False)
        cur = pl.select(pl.when(ok).then(cand)).to_series()
        times[f"at_{k + 1}"] = time.gather(cur)
    level = pl.sum_horizontal([pl.col(c).is_not_null() for c in times]).cast(pl.Int64)
    best = (
        attempts.select(*keys, "_j", "_r", start_us="epoch_us", start_timestamp="timestamp")
        .with_columns(**times)
        .with_columns(level=level)
        .with_columns(_score=pl.col("level") * (1 << 40) - pl.col("_r"))
        .filter(pl.col("_score") == pl.col("_score").max().over("_j"))
    )
    at = [pl.col(c).cast(pl.Int64) for c in times]
    return nw.from_native(best.select(*keys, "level", "start_us", "start_timestamp", *at).lazy())


def spark_session() -> SparkSession:
    """Return a local Spark session set up the way cxlib needs it (UTC, small shuffles)."""
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[2]")
        .appName("cx-journey")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
        .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
        .getOrCreate()
    )


def spark_functions(frame: nw.LazyFrame) -> ModuleType:
    """PySpark's ``functions`` module for this frame: Spark Connect frames need their own.

    Spark's classic ``pyspark.sql.functions`` build columns in the local JVM, which a
    Spark Connect client does not have.
    """
    if frame.implementation.is_pyspark_connect():
        from pyspark.sql.connect import functions
    else:
        from pyspark.sql import functions
    return functions


def spark_connect(address: str) -> RemoteSession:
    """A new session on a Spark Connect server (``sc://host:port``), in UTC like every cxlib session.

    Each call opens its own session on the server (so two dashboard users never share
    one); the server runs the analyses and only their small results come back. An
    address nobody answers on fails within seconds (the client would otherwise retry
    for ten minutes). Needs the Spark Connect client: ``pip install -r requirements-spark.txt``.
    """
    from pyspark.sql.connect.client.retries import DefaultPolicy
    from pyspark.sql.connect.session import SparkSession as RemoteSession

    # create(), not getOrCreate(): that would hand every caller the same default session.
    session = RemoteSession.builder.remote(address).create()
    client = session.client
    patient = client.get_retry_policies()
    client.set_retry_policies([DefaultPolicy(max_retries=3, max_backoff=1000)])
    try:  # the first call reaches the server
        session.conf.set("spark.sql.session.timeZone", "UTC")
    except Exception:
        client.close()  # else its threads go on retrying, and Python waits for them at exit
        raise
    finally:
        client.set_retry_policies(patient)
    return session


def duckdb_connect(database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A DuckDB connection set up for logs larger than memory (read-only on a database file).

    DuckDB spills what does not fit in its memory limit (80 % of RAM by default) to a
    temporary folder, by default ``.tmp`` in the working directory or beside the
    database, which may be read-only or small; here it is ``cx-duckdb`` in the
    system's temporary folder (``TMPDIR``). 100M events need up to tens of GB there
    (see docs/performance.md).

    Examples
    --------
    >>> con = duckdb_connect()
    >>> con.sql("SELECT ends_with(current_setting('temp_directory'), 'cx-duckdb')").fetchall()
    [(True,)]
    """
    import duckdb

    con = duckdb.connect(database, read_only=database != ":memory:")
    spill = Path(tempfile.gettempdir()) / "cx-duckdb"
    con.execute("SET temp_directory = ?", [str(spill)])
    return con


def to_engine(frame: pl.DataFrame, engine: Engine, *, spark: Any = None) -> Any:
    """Move a (small) Polars frame to another engine and return that engine's native frame.

    Used by tests and benchmarks to run the same log on DuckDB or Spark.

    Examples
    --------
    >>> import polars as pl
    >>> to_engine(pl.DataFrame({"a": [1, 2]}), "duckdb").fetchall()
    [(1,), (2,)]
    """
    if engine == "polars":
        return frame.lazy()
    if engine == "duckdb":
        import duckdb

        return duckdb.from_arrow(frame.to_arrow())
    session = spark if spark is not None else spark_session()
    return session.createDataFrame(frame.to_pandas())

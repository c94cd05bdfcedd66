"""Which engine runs a frame, what that engine does best, and moving small frames between engines."""

from __future__ import annotations

from typing import Any, Literal, cast

import narwhals as nw
import polars as pl

from cxlib.errors import AnalysisError

__all__ = [
    "Engine",
    "collected_in_memory",
    "collected_together",
    "engine_of",
    "keeps_journeys_in_memory",
    "page_rows",
    "require_polars",
    "to_engine",
]

Engine = Literal["polars", "duckdb", "pyspark"]


def engine_of(frame: nw.LazyFrame[Any]) -> Engine:
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


def collected_in_memory(frame: nw.LazyFrame[Any]) -> nw.DataFrame[Any]:
    """Run the query ``frame`` into Polars, by Polars' in-memory engine where it reads no file.

    Polars runs a lazy query with its streaming engine unless told otherwise. Over frames
    already in memory (the sorted journeys) its in-memory engine groups into a few groups
    far faster: at 10M events the distinct customers per touchpoint take 0.13 CPU-s
    instead of 0.71, the transitions 0.65 instead of 0.97. Into many groups it is slower
    (one per journey, :func:`cxlib.summary`: 1.7 CPU-s instead of 0.5), so analyses call
    this where it was measured faster. A query that scans files, and every other
    engine, runs as the engine chooses.

    Examples
    --------
    >>> import narwhals as nw, polars as pl
    >>> lf = nw.from_native(pl.LazyFrame({"a": [1, 1, 2]}))
    >>> collected_in_memory(lf.group_by("a").agg(n=nw.len()).sort("a")).rows()
    [(1, 2), (2, 1)]
    """
    if engine_of(frame) == "polars" and " SCAN [" not in frame.to_native().explain(optimized=False):
        return frame.collect("polars", engine="in-memory")
    return frame.collect("polars")


def collected_together(*frames: nw.LazyFrame[Any]) -> list[pl.DataFrame]:
    """Run several queries into Polars frames: on Polars at once, sharing what they read.

    Polars then runs the queries side by side by its default engine, computing once what
    they share. The three counts of :func:`cxlib.compare_segments` at 10M events (sizes
    and funnel, edges, paths; medians alternated in one process): 0.56 CPU-s, 0.31 s wall,
    where one after the other took 0.62 and 0.34, and with the sums by the in-memory
    engine (:func:`collected_in_memory`) 0.80 and 0.50. Other engines run them one after
    the other.

    Examples
    --------
    >>> import narwhals as nw, polars as pl
    >>> lf = nw.from_native(pl.LazyFrame({"a": [1, 2, 3]}))
    >>> [f.item() for f in collected_together(lf.select(nw.col("a").sum()), lf.select(nw.len()))]
    [6, 3]
    """
    if all(engine_of(f) == "polars" for f in frames):
        return pl.collect_all([f.to_native() for f in frames])
    return [f.collect("polars").to_native() for f in frames]


def keeps_journeys_in_memory(frame: nw.LazyFrame[Any]) -> bool:
    """Whether the analyses of this frame share one sorted copy of its journeys, held in memory.

    True on Polars, the embedded engine: the log fits in memory and sorting it is most of
    the cost of an analysis, so it is sorted once per log and kept in the log's cache
    (:class:`cxlib.cache.LogCache`; docs/performance-core.md). DuckDB and Spark sort
    within each query, spilling to disk or across a cluster: nothing is kept.

    Examples
    --------
    >>> import narwhals as nw, polars as pl
    >>> keeps_journeys_in_memory(nw.from_native(pl.LazyFrame({"a": [1]})))
    True
    """
    return engine_of(frame) == "polars"


def require_polars(frame: nw.LazyFrame[Any], *, what: str) -> None:
    """Raise :class:`~cxlib.errors.AnalysisError` unless the frame runs on Polars.

    For the few operations offered only on logs in memory (``what`` names the operation).

    Examples
    --------
    >>> import narwhals as nw, duckdb
    >>> require_polars(nw.from_native(duckdb.sql("SELECT 1 AS a")), what="anonymise")
    Traceback (most recent call last):
    ...
    cxlib.errors.AnalysisError: anonymise runs on Polars logs, not 'duckdb'; load the log with cxlib.load
    """
    engine = engine_of(frame)
    if engine != "polars":
        msg = f"{what} runs on Polars logs, not {engine!r}; load the log with cxlib.load"
        raise AnalysisError(msg)


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
    if spark is None:
        from cxlib.engines.connections import spark_session

        spark = spark_session()
    return spark.createDataFrame(frame.to_pandas())


def page_rows(
    frame: nw.LazyFrame[Any], *, order: list[str], offset: int, length: int
) -> tuple[pl.DataFrame, int]:
    """Rows ``offset`` to ``offset + length`` of ``frame`` sorted by ``order``, and its row count.

    Only that page comes back from the engine (a ``LIMIT ... OFFSET`` on DuckDB and
    Spark); narwhals has no offset, so each engine gets its own.

    Examples
    --------
    >>> import narwhals as nw, polars as pl
    >>> rows, total = page_rows(nw.from_native(pl.LazyFrame({"a": [3, 1, 2]})),
    ...     order=["a"], offset=1, length=5)
    >>> rows["a"].to_list(), total
    ([2, 3], 3)
    """
    native = frame.to_native()
    engine = engine_of(frame)
    # The row count rides along as a column where the engine counts in the same query.
    if engine == "polars":
        counted = native.with_columns(_rows=pl.len()).sort(order).slice(offset, length).collect()
    elif engine == "duckdb":
        by = ", ".join(f'"{c}"' for c in order)
        counted = native.project("*, count(*) OVER () AS _rows").order(by)
        counted = counted.limit(length, offset=offset).pl()
    else:
        page = native.orderBy(*order).offset(offset).limit(length).toArrow()
        # An Arrow table becomes a DataFrame; pyarrow being untyped, mypy cannot pick that overload.
        counted = cast("pl.DataFrame", pl.from_arrow(page)).with_columns(
            _rows=pl.lit(native.count())
        )
    if counted.height:
        return counted.drop("_rows"), int(counted["_rows"][0])
    return counted.drop("_rows"), int(frame.select(nw.len()).collect("polars").item())

"""The engine-specific corner of cxlib: everything else is written once against narwhals.

Analyses run on Polars (the embedded default), DuckDB and PySpark. The few things
narwhals cannot express identically on all of them live here: the timestamp as
integer microseconds, a row-order tie-breaker, and moving a small frame to another
engine (for tests and benchmarks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import narwhals as nw
import polars as pl

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = [
    "Engine",
    "engine_of",
    "ordered_join",
    "shared",
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
        from pyspark.sql import functions as F  # noqa: N812 (optional engine)

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
        from pyspark.sql import functions as F  # noqa: N812 (optional engine)

        out = native.withColumn("event_index", F.monotonically_increasing_id())
    return nw.from_native(out)


def ordered_join(
    frame: nw.LazyFrame, keys: list[str], *, value: str, order: list[str], separator: str
) -> nw.LazyFrame:
    """One row per group of ``keys``: its ``value`` strings in ``order``, joined by ``separator``.

    The result has the key columns and ``path``. An ordered string aggregation has no
    portable narwhals form, so each engine gets its own: Polars ``sort_by`` + ``str.join``,
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
        out = native.group_by(keys).agg(
            pl.col(value).sort_by(order).str.join(separator).alias("path")
        )
    elif engine == "duckdb":
        quoted = ", ".join(f'"{k}"' for k in keys)
        by = ", ".join(f'"{o}"' for o in order)
        sep = separator.replace("'", "''")
        out = native.aggregate(
            f"{quoted}, string_agg(\"{value}\", '{sep}' ORDER BY {by}) AS path", quoted
        )
    else:
        from pyspark.sql import functions as F  # noqa: N812 (optional engine)

        # Structs sort field by field, so the order columns go first and the value last.
        items = F.sort_array(F.collect_list(F.struct(*order, value)))
        out = native.groupBy(*keys).agg(
            F.array_join(F.transform(items, lambda s: s[value]), separator).alias("path")
        )
    return nw.from_native(out)


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
    >>> lf.join(lf, on="a").collect()["a"].to_list()
    [1, 2]
    """
    if engine_of(frame) == "polars":
        return nw.from_native(frame.to_native().cache())
    return frame


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

"""Expressions narwhals cannot write once for every engine: one implementation per engine.

The timestamp as integer microseconds, a row-order tie-breaker, an ordered string
aggregation and the counts of its distinct values, an exact grouped median, a lean grouping by two categories, and a frame read several times by one query.
Everything else in cxlib is written once against narwhals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import narwhals as nw
import polars as pl

from cxlib.engines.frames import engine_of

if TYPE_CHECKING:
    from types import ModuleType

__all__ = [
    "counted_paths",
    "grouped_by_pair",
    "grouped_median",
    "ordered_join",
    "shared",
    "spark_functions",
    "with_epoch_us",
    "with_event_index",
]


def with_epoch_us(frame: nw.LazyFrame[Any], *, column: str = "timestamp") -> nw.LazyFrame[Any]:
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
    lazy: nw.LazyFrame[Any] = nw.from_native(out)
    return lazy


def with_event_index(frame: nw.LazyFrame[Any]) -> nw.LazyFrame[Any]:
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
    lazy: nw.LazyFrame[Any] = nw.from_native(out)
    return lazy


def ordered_join(
    frame: nw.LazyFrame[Any], keys: list[str], *, value: str, order: list[str], separator: str
) -> nw.LazyFrame[Any]:
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
    lazy: nw.LazyFrame[Any] = nw.from_native(out)
    return lazy


def counted_paths(
    frame: nw.LazyFrame[Any],
    keys: list[str],
    *,
    value: str,
    order: list[str],
    separator: str,
    flags: Sequence[str] = (),
    top: int | None = None,
) -> nw.LazyFrame[Any]:
    """How many groups of ``keys`` have each path (:func:`ordered_join`): ``path``, ``journeys``.

    For each Boolean column of ``flags``, constant within each group (a flag of the
    journey), the path also counts the groups flagged (under the flag's name). With
    ``top``, paths that cannot be among the ``top`` most common by one of those counts
    may be left out (fewer than the ``top``-th largest count, or none).

    On Polars, rows in order already and ``value`` Categorical
    (:func:`cxlib.journeys.journey_table`), each group's path is the list of its
    category codes, grouped without any text; only the paths kept by ``top`` are then
    written out (10M events, 400k distinct paths: 0.4 CPU-s, where joining each
    journey's names took 1.0).

    Examples
    --------
    >>> import narwhals as nw, polars as pl
    >>> lf = nw.from_native(pl.LazyFrame({"k": [1, 1, 2, 3, 4], "v": list("xyxxz"),
    ...     "f": [True, True, True, False, False]}, schema_overrides={"v": pl.Categorical}))
    >>> out = counted_paths(lf, ["k"], value="v", order=[], separator="-", flags=["f"])
    >>> out.sort("path").collect().rows()
    [('x', 2, 1), ('x-y', 1, 1), ('z', 1, 0)]
    >>> counted_paths(lf, ["k"], value="v", order=[], separator="-", top=1).collect().rows()
    [('x', 2)]
    """
    native = frame.to_native()
    counts = ["journeys", *flags]
    if (
        engine_of(frame) != "polars"
        or order
        or not isinstance(native.collect_schema()[value], pl.Categorical)
    ):
        paths = ordered_join(frame, keys, value=value, order=order, separator=separator)
        if flags:
            of_journey = [nw.col(f).cast(nw.Int64).max().alias(f) for f in flags]
            paths = paths.join(frame.group_by(*keys).agg(*of_journey), on=keys)
        return paths.group_by("path").agg(
            nw.len().cast(nw.Int64).alias("journeys"),
            *(nw.col(f).sum().cast(nw.Int64).alias(f) for f in flags),
        )
    codes = native.group_by(keys).agg(
        pl.col(value).to_physical().alias("_codes"), *(pl.col(f).first() for f in flags)
    )
    grouped = codes.group_by("_codes").agg(
        pl.len().cast(pl.Int64).alias("journeys"), *(pl.col(f).cast(pl.Int64).sum() for f in flags)
    )
    if top is not None:
        grouped = grouped.filter(pl.any_horizontal(_among_top(pl.col(c), top) for c in counts))
    # Each code back to its name, as grouped_by_pair does: no pass over the events for them.
    name = pl.element().cat.to(native.collect_schema()[value]).cast(pl.String)
    path = pl.col("_codes").list.eval(name).list.join(separator)
    out: nw.LazyFrame[Any] = nw.from_native(grouped.select(path.alias("path"), *counts))
    return out


def _among_top(count: pl.Expr, top: int) -> pl.Expr:
    """Whether a path's ``count`` may be among the ``top`` largest: at least the ``top``-th, not 0."""
    return (count > 0) & (count >= count.top_k(top).min())


def grouped_median(
    frame: nw.LazyFrame[Any], keys: list[str], column: str
) -> tuple[nw.LazyFrame[Any], nw.Expr]:
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


#: The code of a null second category in :func:`grouped_by_pair` (Polars' codes are 32-bit).
_NULL_CODE = (1 << 32) - 1


def grouped_by_pair(
    frame: nw.LazyFrame[Any], pair: list[str], **aggs: nw.Expr
) -> nw.LazyFrame[Any]:
    """``frame.group_by(*pair).agg(**aggs)``, for the two columns ``pair``.

    Two Categorical columns of Polars (the touchpoints of journeys in memory) are
    grouped by one integer made of their codes, then named again from the codes: a
    group_by on two categories holds far more (10M events, transitions: 0.2-0.3 GB less
    at its peak), and ``min()`` of categories per group is slow.

    Examples
    --------
    >>> import narwhals as nw, polars as pl
    >>> lf = nw.from_native(pl.LazyFrame({"a": ["x", "y", "x"], "b": ["y", None, "y"]},
    ...     schema_overrides={"a": pl.Categorical, "b": pl.Categorical}))
    >>> grouped_by_pair(lf, ["a", "b"], n=nw.len()).sort("n").collect().rows()
    [('y', None, 1), ('x', 'y', 2)]
    """
    if engine_of(frame) != "polars":
        return frame.group_by(*pair).agg(**aggs)
    native = frame.to_native()
    schema = native.collect_schema()
    if not all(isinstance(schema[c], pl.Categorical) for c in pair):
        return frame.group_by(*pair).agg(**aggs)
    first, second = (pl.col(c).to_physical().cast(pl.UInt64) for c in pair)
    keyed = nw.from_native(
        native.with_columns(_pair=first * (1 << 32) + second.fill_null(_NULL_CODE))
    )
    grouped = keyed.group_by("_pair").agg(**aggs).to_native()
    # Each code back to its name (a second pass for the distinct names took 0.15 CPU-s at 10M).
    codes = {pair[0]: pl.col("_pair") // (1 << 32), pair[1]: pl.col("_pair") % (1 << 32)}
    grouped = grouped.with_columns(
        pl.when(code != _NULL_CODE).then(code).cast(pl.UInt32).cat.to(schema[c]).alias(c)
        for c, code in codes.items()
    )
    out: nw.LazyFrame[Any] = nw.from_native(grouped.select(*pair, *aggs))
    return out


def shared(frame: nw.LazyFrame[Any]) -> nw.LazyFrame[Any]:
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
        native: pl.LazyFrame = frame.to_native()
        return nw.from_native(native.cache())
    return frame


def spark_functions(frame: nw.LazyFrame[Any]) -> ModuleType:
    """PySpark's ``functions`` module for this frame: Spark Connect frames need their own.

    Spark's classic ``pyspark.sql.functions`` build columns in the local JVM, which a
    Spark Connect client does not have.
    """
    if frame.implementation.is_pyspark_connect():
        from pyspark.sql.connect import functions as connect_functions

        return connect_functions
    from pyspark.sql import functions

    return functions

"""Everything that differs between Polars, DuckDB and Spark; the rest of cxlib is written once.

Analyses are written against narwhals and run unchanged on every engine. What
narwhals cannot express identically, and every decision that depends on the engine,
lives in this package and nowhere else:

- :mod:`~cxlib.engines.frames`: which engine runs a frame (:func:`engine_of`), what it
  does best (:func:`keeps_journeys_in_memory`), moving a small frame to another engine
  (:func:`to_engine`, for tests and benchmarks);
- :mod:`~cxlib.engines.expressions`: the few expressions with one implementation per
  engine (integer microseconds, row order, ordered string join, grouped median, ...);
- :mod:`~cxlib.engines.polars_sort` (the sort, once per log), :mod:`~cxlib.engines.polars_journeys`, :mod:`~cxlib.engines.polars_gather`, :mod:`~cxlib.engines.polars_rows`, :mod:`~cxlib.engines.polars_funnel`,
  :mod:`~cxlib.engines.polars_periods`, :mod:`~cxlib.engines.polars_stats`,
  :mod:`~cxlib.engines.polars_sets` and :mod:`~cxlib.engines.polars_differences`: the Polars fast paths, on a log's journeys sorted once in memory;
- :mod:`~cxlib.engines.connections`: DuckDB and Spark sessions set up for cxlib;
- :mod:`~cxlib.engines.choice`: Polars or DuckDB for a Parquet log, from its size and the
  free memory (:func:`choose_engine`);
- :mod:`~cxlib.engines.tables`: tables that live in an engine (DuckDB, Spark Connect);
- :mod:`~cxlib.engines.loading` and :mod:`~cxlib.engines.timestamps`: a loaded DuckDB or
  Spark frame's roles mapped on its own engine, and Polars' timestamp formats in each
  engine's words.
"""

from cxlib.engines.choice import (
    BYTES_PER_EVENT,
    SCANNED_BYTES_PER_EVENT,
    EngineChoice,
    choose_engine,
    free_memory,
    parquet_events,
)
from cxlib.engines.connections import duckdb_connect, spark_connect, spark_session
from cxlib.engines.expressions import (
    counted_paths,
    grouped_by_pair,
    grouped_median,
    ordered_join,
    shared,
    spark_functions,
    with_epoch_us,
    with_event_index,
)
from cxlib.engines.frames import (
    Engine,
    collected_in_memory,
    collected_together,
    engine_of,
    keeps_journeys_in_memory,
    page_rows,
    require_polars,
    to_engine,
)
from cxlib.engines.polars_differences import polars_values_had
from cxlib.engines.polars_funnel import (
    polars_any_order_events,
    polars_any_order_levels,
    polars_funnel_walk,
    polars_walk_continued,
    polars_walk_levels,
    polars_walk_reached,
)
from cxlib.engines.polars_gather import category_column, gathered, with_event_columns
from cxlib.engines.polars_journeys import (
    cut_sessions,
    first_rows,
    first_steps_where,
    relabel_events,
    running_sums,
    steps_in_order,
    with_column,
    with_revisits,
    with_touchpoint,
    with_value_at_step,
)
from cxlib.engines.polars_periods import active_periods, with_neighbour_periods
from cxlib.engines.polars_rows import (
    customers_where,
    kept_mask,
    kept_masks,
    kept_rows,
    repeated_rows,
    rows_of_customers,
    rows_where,
)
from cxlib.engines.polars_sets import channel_counts, reach_counts
from cxlib.engines.polars_sort import SortedJourneys, sort_journeys
from cxlib.engines.polars_stats import sorted_log_stats

__all__ = [
    "BYTES_PER_EVENT",
    "SCANNED_BYTES_PER_EVENT",
    "Engine",
    "EngineChoice",
    "SortedJourneys",
    "active_periods",
    "category_column",
    "channel_counts",
    "choose_engine",
    "collected_in_memory",
    "collected_together",
    "counted_paths",
    "customers_where",
    "cut_sessions",
    "duckdb_connect",
    "engine_of",
    "first_rows",
    "first_steps_where",
    "free_memory",
    "gathered",
    "grouped_by_pair",
    "grouped_median",
    "keeps_journeys_in_memory",
    "kept_mask",
    "kept_masks",
    "kept_rows",
    "ordered_join",
    "page_rows",
    "parquet_events",
    "polars_any_order_events",
    "polars_any_order_levels",
    "polars_funnel_walk",
    "polars_values_had",
    "polars_walk_continued",
    "polars_walk_levels",
    "polars_walk_reached",
    "reach_counts",
    "relabel_events",
    "repeated_rows",
    "require_polars",
    "rows_of_customers",
    "rows_where",
    "running_sums",
    "shared",
    "sort_journeys",
    "sorted_log_stats",
    "spark_connect",
    "spark_functions",
    "spark_session",
    "steps_in_order",
    "to_engine",
    "with_column",
    "with_epoch_us",
    "with_event_columns",
    "with_event_index",
    "with_neighbour_periods",
    "with_revisits",
    "with_touchpoint",
    "with_value_at_step",
]

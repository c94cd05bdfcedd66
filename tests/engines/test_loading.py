"""Loading on DuckDB and Spark: Polars' format codes translated, the frame's own order honoured."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest

from cxlib import load
from cxlib.engines import to_engine
from cxlib.engines.timestamps import duckdb_formats, spark_pattern, sql_timestamp
from cxlib.io.timestamps import TimestampFormat
from tests.io.grammar import ANCHOR, expected, render

D = dt.datetime


@pytest.mark.parametrize(
    ("fmt", "duckdb", "spark"),
    [
        ("%d/%m/%Y %H:%M", ["%d/%m/%Y %H:%M"], "d/M/yyyy H:m"),
        ("%Y/%m/%d %H:%M:%S%.f", ["%Y/%m/%d %H:%M:%S.%n", "%Y/%m/%d %H:%M:%S"],
         "yyyy/M/d H:m:s[.SSSSSSSSS]"),
        ("%Y-%m-%dT%H:%M:%S%#z", ["%Y-%m-%dT%H:%M:%S%z"], "yyyy-M-d'T'H:m:s[XXX][XX][X]"),
        ("%Y%m%d%H%M%S", ["%Y%m%d%H%M%S"], "yyyyMMddHHmmss"),
        ("%m/%d/%y %I:%M %p", ["%m/%d/%y %I:%M %p"], "M/d/yy h:m a"),
        ("%d %b %Y", ["%d %b %Y"], "d MMM yyyy"),
        ("%Y-%m-%d %H:%M:%S UTC", ["%Y-%m-%d %H:%M:%S UTC"], "yyyy-M-d H:m:s 'UTC'"),
    ],
)  # fmt: skip
def test_polars_codes_in_each_engines_words(fmt, duckdb, spark):
    assert duckdb_formats(fmt) == duckdb
    assert spark_pattern(fmt) == spark


@pytest.mark.parametrize(
    ("spec", "engine", "sql"),
    [
        (TimestampFormat("epoch", unit="ns"), "pyspark", "timestamp_micros(try_cast(t AS BIGINT) div 1000)"),
        (TimestampFormat("epoch", unit="ms"), "duckdb", "make_timestamp(try_cast(t AS BIGINT) * 1000)"),
        (TimestampFormat("text", ("%d.%m.%Y",)), "duckdb", "try_strptime(t, '%d.%m.%Y')"),
        (TimestampFormat("text", ("%Y-%m-%d %H:%M%#z",)), "duckdb",
         "timezone('UTC', try_strptime(regexp_replace(t, '[Zz]$', '+00:00'), '%Y-%m-%d %H:%M%z'))"),
        (TimestampFormat("excel"), "duckdb",
         "make_timestamp(CAST(round((try_cast(t AS DOUBLE) - 25569) * 86400000000) AS BIGINT))"),
    ],
)  # fmt: skip
def test_the_sql_of_a_parse(spec, engine, sql):
    assert sql_timestamp("t", spec, engine) == sql


def _texts(fmt: str, seed: int) -> tuple[pl.DataFrame, list[D]]:
    rnd = random.Random(seed)
    times = [ANCHOR, D(2024, 1, 5, 9, 5, 3, 250000), D(2009, 11, 30, 23, 59, 59)]  # 20xx
    texts = [render(t, fmt, rnd) for t in times]
    frame = pl.DataFrame({"user_id": ["a", "a", "b"], "event": ["x", "y", "x"], "t": texts})
    return frame, [expected(t, fmt, s) for t, s in zip(times, texts, strict=True)]


#: One format of each family of the grammar (a Spark job each takes seconds).
SPARK_FORMATS = [
    "%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S %#z", "%Y-%m-%d %H:%M:%S UTC", "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S%.f", "%Y.%m.%d %H:%M", "%Y%m%d", "%Y%m%d%H%M%S", "%d/%m/%Y %H:%M",
    "%m/%d/%Y %I:%M %p", "%d.%m.%y %H:%M:%S", "%m-%d-%Y %I:%M%p", "%d %b %Y", "%b %d, %Y %I:%M %p",
    "%d-%b-%y %H:%M", "%d/%b/%Y:%H:%M:%S %#z",
]  # fmt: skip


@pytest.mark.spark
@pytest.mark.parametrize("fmt", SPARK_FORMATS)
def test_a_format_given_is_honoured_on_spark(spark, fmt):
    # Spark reads two-digit years as 2000-2099: the times written are all in that century.
    frame, want = _texts(fmt, seed=len(fmt))
    log = load(to_engine(frame, "pyspark", spark=spark), timestamp="t", timestamp_format=fmt)
    got = log.frame.collect("polars").to_native().sort("event_index")["timestamp"].to_list()
    assert got == want


def _ordered() -> pl.DataFrame:
    # Three events of one customer at the same time, written in the order c, a, b.
    return pl.DataFrame(
        {
            "user_id": ["u", "u", "u"],
            "event": ["a", "b", "c"],
            "ts": [D(2024, 1, 1)] * 3,
            "event_index": [1, 2, 0],
        }
    )


@pytest.mark.parametrize(
    "engine", ["polars", "duckdb", pytest.param("pyspark", marks=pytest.mark.spark)]
)
def test_a_frames_own_event_index_orders_ties(engine, request):
    spark = request.getfixturevalue("spark") if engine == "pyspark" else None
    log = load(to_engine(_ordered(), engine, spark=spark))
    assert "event_index_2" not in log.frame.columns
    out = log.frame.collect("polars").to_native().sort("event_index")
    assert out["touchpoint"].to_list() == ["c", "a", "b"]
    assert log.attributes == []

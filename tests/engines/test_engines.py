"""The journey primitives give the same answer on every engine."""

import statistics

import narwhals as nw
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib import journey_steps, sessionize
from cxlib.engines import collected_in_memory, grouped_median, to_engine
from tests.conftest import make_log


def test_journey_steps_agree_across_engines(on_engine):
    log = make_log({"a": "x y x x", "b": "y", "c": "z z"}, minutes=20)
    out = (
        journey_steps(sessionize(on_engine(log), "30m"), by="session")
        .select("customer_id", "session_id", "step", "touchpoint", "next_touchpoint")
        .collect("polars")
        .to_native()
        .sort("customer_id", "session_id", "step")
    )
    assert out.rows() == [
        ("a", 1, 1, "x", "y"),
        ("a", 1, 2, "y", "x"),
        ("a", 1, 3, "x", "x"),
        ("a", 1, 4, "x", None),
        ("b", 1, 1, "y", None),
        ("c", 1, 1, "z", "z"),
        ("c", 1, 2, "z", None),
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("abc"), st.one_of(st.none(), st.integers(-3, 3))),
        min_size=1,
        max_size=25,
    )
)
@pytest.mark.parametrize("engine", ["polars", "duckdb"])
def test_grouped_median_is_the_exact_median_per_group(engine, rows):
    # Ties, nulls, odd and even group sizes, groups of nulls only: statistics.median decides.
    frame = pl.DataFrame(rows, schema={"k": pl.String, "x": pl.Int64}, orient="row")
    ranked, median = grouped_median(nw.from_native(to_engine(frame, engine)), ["k"], "x")
    out = ranked.group_by("k").agg(median.alias("m")).collect("polars").to_native()
    expected = {}
    for key in {k for k, _ in rows}:
        values = [x for k, x in rows if k == key and x is not None]
        expected[key] = statistics.median(values) if values else None
    assert dict(out.sort("k").rows()) == expected


@pytest.mark.spark
def test_grouped_median_on_spark(spark):
    frame = pl.DataFrame({"k": ["a", "a", "a", "a", "b", "c"], "x": [4, 1, None, 1, 7, None]})
    native = to_engine(frame, "pyspark", spark=spark)
    ranked, median = grouped_median(nw.from_native(native), ["k"], "x")
    out = ranked.group_by("k").agg(median.alias("m")).collect("polars").to_native()
    # a: median of 1, 1, 4 = 1; b: 7; c: no values
    assert dict(out.sort("k").rows()) == {"a": 1.0, "b": 7.0, "c": None}


def test_collected_runs_frames_in_memory_and_streams_files(tmp_path, monkeypatch):
    engines: list[str] = []
    collect = pl.LazyFrame.collect

    def recorded(self, *args, engine="auto", **kwargs):
        engines.append(engine)
        return collect(self, *args, engine=engine, **kwargs)

    monkeypatch.setattr(pl.LazyFrame, "collect", recorded)
    frame = pl.DataFrame({"a": [1, 1, 2]})
    frame.write_parquet(tmp_path / "a.parquet")
    counted = [
        collected_in_memory(nw.from_native(lazy).group_by("a").agg(n=nw.len()).sort("a")).rows()
        for lazy in (frame.lazy(), pl.scan_parquet(tmp_path / "a.parquet"))
    ]
    # The same counts; the frame in memory by Polars' in-memory engine, the file as Polars chooses.
    assert counted == [[(1, 2), (2, 1)]] * 2
    assert engines == ["in-memory", "auto"]


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.text(max_size=20)), min_size=1, max_size=60),
    data=st.data(),
)
def test_a_gather_in_parallel_equals_one_gather(values, data):
    # As many threads as the pool has, down to one row each.
    from cxlib.engines import polars_gather

    column = pl.Series(values, dtype=pl.String)
    rows = pl.Series(data.draw(st.permutations(range(len(values)))), dtype=pl.UInt32)
    out = polars_gather._in_parallel(column, rows, per_thread=1)
    assert out.to_list() == column.gather(rows).to_list()
    assert out.n_chunks() == min(pl.thread_pool_size(), len(values))

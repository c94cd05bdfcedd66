import duckdb
import networkx as nx
import polars as pl
import pytest

import cxlib
from cxlib import sample
from cxlib.analyses import overview
from cxlib.anonymise import anonymise, pseudonyms
from tests.conftest import make_log


def test_pseudonyms_are_numbered_in_salted_hash_order():
    ids = [f"id{i}" for i in range(50)]
    names = pseudonyms(ids, prefix="customer")
    assert sorted(names.values(), key=lambda n: int(n.split()[1])) == [
        f"customer {n}" for n in range(1, 51)
    ]
    assert names == pseudonyms(reversed(ids), prefix="customer")  # stable, order-free
    assert names != pseudonyms(ids, prefix="customer", salt="workshop")
    # Not the original order: with 50 ids, keeping it by chance has odds 1/50!.
    assert [names[i] for i in ids] != [f"customer {n}" for n in range(1, 51)]


def test_no_original_value_survives_and_the_figures_do():
    log = cxlib.load(sample.path("bank"))
    hidden = anonymise(log)
    before, after = log.to_polars(), hidden.to_polars()
    assert after["customer_id"].str.starts_with("customer ").all()
    assert after["customer_id"].n_unique() == before["customer_id"].n_unique()
    assert set(after["customer_id"]).isdisjoint(before["customer_id"])
    for column in log.attributes:
        kept = before[column].drop_nulls().cast(pl.String)
        assert set(after[column].drop_nulls()).isdisjoint(kept)
        assert after[column].null_count() == before[column].null_count()
    # Pseudonyms map one to one: every analysis gives the same numbers.
    goal = sample.GOALS["bank"]
    assert overview.summary(hidden, goal=goal) == overview.summary(log, goal=goal)
    assert nx.utils.graphs_equal(cxlib.journey_graph(hidden), cxlib.journey_graph(log))


def test_one_customer_keeps_one_pseudonym_across_their_events():
    log = make_log({"zed": "a b c", "amy": "a", "bo": "b c"}, segment=["x"] * 3 + ["y"] + ["x"] * 2)
    out = anonymise(log).to_polars()
    per_customer = out.group_by("customer_id").agg(pl.len(), pl.col("segment").n_unique())
    assert sorted(per_customer["len"].to_list()) == [1, 2, 3]
    assert set(out["segment"]) == {"segment 1", "segment 2"}


def test_other_engines_are_refused():
    log = cxlib.EventLog.from_frame(
        duckdb.sql("select 'a' customer_id, now()::timestamp timestamp, 'x' touchpoint")
    )
    with pytest.raises(cxlib.AnalysisError, match="anonymise runs on Polars logs, not 'duckdb'"):
        anonymise(log)

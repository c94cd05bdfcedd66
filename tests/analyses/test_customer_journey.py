"""customer_journey, find_customers, customer_rfm: one customer's events, hand-computed, on every engine."""

import datetime as dt

import polars as pl
import pytest

import cxlib
from cxlib import AnalysisError, EventLog, customer_journey, find_customers, sample
from cxlib.analyses.customer_journey import customer_propensity, customer_rfm

T = dt.datetime(2024, 3, 1, 9)
LOG = EventLog.from_frame(
    pl.DataFrame(
        {
            "customer_id": ["C1", "C1", "C1", "C10", "C1", "C2"],
            "timestamp": [T, T + dt.timedelta(minutes=5), T + dt.timedelta(days=2), T, T, T],
            "touchpoint": ["ad", "product", "buy", "ad", "search", "ad"],
            "channel": ["social", "web", "store", "web", "web", "app"],
            "value": [None, 0.0, 99.5, None, 0.0, None],
            "rating": [None, None, 4.0, None, None, 2.0],
        }
    )
)
STAGES = {"ad": "awareness", "search": "awareness", "product": "consideration", "buy": "decision"}


def test_events_in_order_with_gaps_values_and_stages():
    journey = customer_journey(LOG, "C1", stages=STAGES)
    # ad and search share 09:00; the log's order breaks the tie (ad came first)
    assert journey.touchpoints == ["ad", "search", "product", "buy"]
    rows = journey.events.select(
        "step", "touchpoint", "channel", "value", "rating", "seconds_since_previous", "stage"
    ).rows()
    assert rows == [
        (1, "ad", "social", None, None, None, "awareness"),
        (2, "search", "web", 0.0, None, 0.0, "awareness"),
        (3, "product", "web", 0.0, None, 300.0, "consideration"),
        (4, "buy", "store", 99.5, 4.0, 2 * 86_400.0 - 300.0, "decision"),
    ]
    assert journey.stages.rows() == [
        ("awareness", T, T, 2, "entry"),
        ("consideration", T + dt.timedelta(minutes=5), T + dt.timedelta(minutes=5), 1, "forward"),
        ("decision", T + dt.timedelta(days=2), T + dt.timedelta(days=2), 1, "forward"),
    ]


def test_without_stages_or_optional_columns_the_columns_are_null():
    bare = EventLog.from_frame(
        LOG.frame.collect().to_native().select("customer_id", "timestamp", "touchpoint")
    )
    journey = customer_journey(bare, "C2")
    assert journey.events.select("channel", "value", "rating", "stage").rows() == [(None,) * 4]
    assert journey.stages.is_empty()


def test_the_same_journey_on_every_engine(on_engine):
    moved = customer_journey(on_engine(LOG), "C1", stages=STAGES)
    expected = customer_journey(LOG, "C1", stages=STAGES)
    assert moved.events.equals(expected.events)
    assert moved.stages.equals(expected.stages)
    assert find_customers(on_engine(LOG), "C1") == ["C1", "C10"]


def test_search_by_part_of_an_id():
    assert find_customers(LOG, "1") == ["C1", "C10"]
    assert find_customers(LOG, "C1", n=1) == ["C1"]
    assert find_customers(LOG, "zz") == []


def test_an_unknown_customer_names_the_closest():
    with pytest.raises(
        AnalysisError, match="customer 'C11' is not in the log; did you mean 'C1' or 'C10'"
    ):
        customer_journey(LOG, "C11")
    with pytest.raises(AnalysisError, match="customer 'nobody' is not in the log; search for"):
        customer_journey(LOG, "nobody")


def test_rfm_and_propensity_rows_of_a_customer():
    log = cxlib.load(sample.path("retail"))
    table = cxlib.rfm(log)
    first = table.row(0, named=True)
    score = customer_rfm(table, first["customer_id"])
    assert (score.segment, score.monetary, score.frequency) == (
        first["segment"],
        first["monetary"],
        first["frequency"],
    )
    assert (
        customer_propensity(pl.DataFrame({"customer_id": ["x"], "propensity": [0.5]}), "x") == 0.5
    )


@pytest.mark.parametrize(
    ("name", "case"),
    [("helpdesk.xes.gz", "Case 1"), ("running_example.csv", "3"), ("app_onboarding.csv", None)],
)
def test_real_logs(shared_data, name, case):
    log = cxlib.load(shared_data / name)
    if case is None:
        case = find_customers(log, "", n=1)[0]
    journey = customer_journey(log, case)
    whole = log.to_polars().filter(pl.col("customer_id") == case)
    assert journey.touchpoints == whole["touchpoint"].to_list()
    assert journey.events["timestamp"].is_sorted()

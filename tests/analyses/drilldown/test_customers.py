"""customers_at: the journey summary, paging, errors, and the same lists on every engine."""

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib import (
    ENTRY,
    EXIT,
    AnalysisError,
    DropOff,
    EventLog,
    FlowThrough,
    FunnelStep,
    GraphEdge,
    GraphNode,
    InFlight,
    Listed,
    PathTaken,
    RfmSegment,
    StageMove,
    StageReached,
    StepAt,
    customers_at,
    customers_in,
)
from cxlib.engines import to_engine
from tests.conftest import T0, random_log_frames


def timed(rows):
    """A log from (customer, minutes after T0, touchpoint, channel, value) rows."""
    frame = pl.DataFrame(
        [(c, T0 + dt.timedelta(minutes=m), t, ch, v) for c, m, t, ch, v in rows],
        schema={
            "customer_id": pl.String,
            "timestamp": pl.Datetime("us"),
            "touchpoint": pl.String,
            "channel": pl.String,
            "value": pl.Float64,
        },
        orient="row",
    )
    return EventLog.from_frame(frame)


LOG = timed(
    [
        ("a", 0, "home", "web", 0.0),
        ("a", 5, "cart", "web", 0.0),
        ("a", 200, "buy", "store", 30.0),  # a new session after 195 minutes
        ("b", 0, "home", "app", 0.0),
        ("b", 1, "cart", "app", None),
        ("c", 0, "home", "web", 0.0),
        ("d", 0, "cart", "email", 0.0),
        ("d", 3, "buy", "web", 12.5),
        ("d", 4, "buy", "web", 7.5),
    ]
)
STAGES = (("buy", "decision"), ("cart", "decision"), ("home", "awareness"))


def test_summary_of_each_customer_hand_computed():
    found = customers_at(LOG, GraphNode(ENTRY))
    assert found.total == 4
    assert found.unit == "customer"
    rows = found.rows.select(
        "customer_id", "first_touchpoint", "last_touchpoint", "events", "span_seconds", "value",
        "channels",
    ).rows()  # fmt: skip
    assert rows == [
        ("a", "home", "buy", 3, 200 * 60.0, 30.0, ["web", "store"]),
        ("b", "home", "cart", 2, 60.0, 0.0, ["app"]),  # the null value adds nothing
        ("c", "home", "home", 1, 0.0, 0.0, ["web"]),
        ("d", "cart", "buy", 3, 4 * 60.0, 20.0, ["email", "web"]),
    ]
    assert found.rows["first_event"][0] == T0
    assert found.rows["last_event"][0] == T0 + dt.timedelta(minutes=200)


def test_sessions_are_listed_with_their_own_summary():
    # Journeys that ended at cart: b's only session and a's first one.
    found = customers_at(LOG, DropOff("cart"), by="session")
    assert found.unit == "journey"
    assert found.rows.select("customer_id", "session_id", "events", "last_touchpoint").rows() == [
        ("a", 1, 2, "cart"),
        ("b", 1, 2, "cart"),
    ]


def test_pages_cut_the_list_in_key_order():
    first = customers_at(LOG, GraphNode(EXIT), page=1, page_size=3)
    second = customers_at(LOG, GraphNode(EXIT), page=2, page_size=3)
    assert (first.total, first.pages, second.total) == (4, 2, 4)
    assert first.rows["customer_id"].to_list() == ["a", "b", "c"]
    assert second.rows["customer_id"].to_list() == ["d"]
    beyond = customers_at(LOG, GraphNode(EXIT), page=3, page_size=3)
    assert (beyond.total, beyond.rows.height) == (4, 0)


def test_attempts_are_listed_with_their_start():
    found = customers_at(LOG, FunnelStep(("cart", "buy"), 1, count="attempts"))
    assert found.unit == "attempt"
    assert found.rows.select("customer_id", "attempt_start").rows() == [
        ("a", T0 + dt.timedelta(minutes=5)),
        ("b", T0 + dt.timedelta(minutes=1)),
        ("d", T0),
    ]


def test_customers_in_gives_each_customer_once():
    segment = customers_in(LOG, FunnelStep(("home", "cart"), 1, count="attempts"))
    assert sorted(segment.collect()["customer_id"].to_list()) == ["a", "b", "c"]


FIGURES = [
    (FunnelStep(("home", "cart", "buy"), 2), ["a", "b"]),
    (FunnelStep(("home", "cart", "buy"), 2, outcome="dropped", window="1h"), ["a", "b"]),
    (FunnelStep(("cart", "buy"), 1, count="attempts"), ["a", "b", "d"]),
    (GraphNode("buy"), ["a", "d"]),
    (GraphEdge("buy", "buy"), ["d"]),
    (GraphEdge(ENTRY, "cart"), ["d"]),
    (PathTaken("home → cart"), ["b"]),
    (FlowThrough(((1, ("home",)), (2, ("cart",)))), ["a", "b"]),
    (FlowThrough(((2, (EXIT,)),)), ["c"]),  # ended after step 1
    (StepAt(3, EXIT), ["b", "c"]),
    (StepAt(2, "cart"), ["a", "b"]),
    (DropOff("buy"), ["a", "d"]),
    (StageMove("awareness", "decision", STAGES), ["a", "b"]),
    (StageReached("decision", STAGES), ["a", "b", "d"]),
    (RfmSegment("about to sleep"), ["a"]),  # recency score 3, frequency score 1
    (InFlight("buy"), ["b", "c"]),
    (Listed(("c", "zz")), ["c"]),
]


@pytest.mark.parametrize(("figure", "customers"), FIGURES, ids=lambda f: type(f).__name__)
def test_each_kind_of_figure_on_every_engine(on_engine, figure, customers):
    moved = on_engine(LOG)
    found = customers_at(moved, figure)
    assert found.rows["customer_id"].to_list() == customers
    assert found.total == len(customers)
    assert found.rows.equals(customers_at(LOG, figure).rows)
    assert found.figure == figure


@settings(max_examples=60, deadline=None)
@given(
    frame=random_log_frames(),
    listed=st.sets(st.sampled_from(["a", "b", "c", "d", "zz"])),
    touchpoint=st.sampled_from(["x", "y", "ü"]),
)
def test_the_polars_rows_of_a_page_equal_the_portable_filter(frame, listed, touchpoint):
    # On Polars a page's customers are sliced out of the sorted journeys; DuckDB filters
    # every event by its customer id. Customers (listed) and sessions (a drop-off).
    log = EventLog.from_frame(frame)
    portable = EventLog.from_frame(to_engine(frame, "duckdb"))
    for figure, by in (
        (Listed(tuple(sorted(listed))), "customer"),
        (DropOff(touchpoint), "session"),
    ):
        here, there = customers_at(log, figure, by=by), customers_at(portable, figure, by=by)
        assert here.total == there.total
        assert here.rows.equals(there.rows)


def test_only_the_page_is_read_on_duckdb():
    from cxlib.engines import to_engine

    log = EventLog.from_frame(to_engine(LOG.frame.collect().to_native(), "duckdb"))
    found = customers_at(log, GraphNode(ENTRY), page=2, page_size=1)
    assert (found.total, found.rows["customer_id"].to_list()) == (4, ["b"])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: customers_at(LOG, "home"),
            "'home' is not a figure; use one of FunnelStep, GraphNode",
        ),
        (
            lambda: customers_at(LOG, GraphNode("home"), page=0),
            "page=0 must be a whole number of at least 1",
        ),
        (
            lambda: customers_at(LOG, GraphNode("home"), page_size=10**6),
            "page_size=1000000 is more than the 100,000 rows",
        ),
        (
            lambda: customers_at(LOG, FunnelStep(("home", "buy"), 2, outcome="dropped")),
            "step=2 is not a step to stop at in a funnel of 2 steps; pick 1 to 1",
        ),
        (
            lambda: customers_at(LOG, FlowThrough((), start_at="hom")),
            "touchpoint 'hom' is not in the log; did you mean 'home'",
        ),
        (
            lambda: customers_at(LOG, PathTaken("home", start_at="hom")),
            "touchpoint 'hom' is not in the log; did you mean 'home'",
        ),
    ],
)
def test_errors_name_the_problem(call, message):
    with pytest.raises(AnalysisError, match=message):
        call()


def test_a_cohort_is_a_segment_of_the_customers_behind_a_figure():
    from cxlib import Cohort, compare_segments

    cohort = Cohort(FunnelStep(("home", "cart", "buy"), 2, outcome="dropped", window="1h"))
    out = compare_segments(LOG, cohort, steps=["home", "cart"])
    assert (out.customers_a, out.customers_b) == (2, 2)  # a, b against c, d
    # Within the customers who started at home, those who went from cart to buy.
    nested = Cohort(GraphEdge("cart", "buy"), within=Cohort(GraphEdge(ENTRY, "home")))
    assert sorted(nested.customers(LOG).collect()["customer_id"]) == ["a"]
    # By session, a's purchase comes in another session than its cart: only d remains.
    by_session = Cohort(GraphEdge("cart", "buy"), by="session")
    assert by_session.customers(LOG).collect()["customer_id"].to_list() == ["d"]

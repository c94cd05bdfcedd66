"""journey_table: on Polars the cached sorted frame equals the portable journey_steps on DuckDB."""

import datetime as dt

import narwhals as nw
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib import (
    EventLog,
    dropoffs,
    filters,
    funnel,
    funnel_levels,
    journeys,
    step_matrix,
    top_paths,
    transitions,
)
from cxlib.analyses.compare import segment_log
from cxlib.analyses.overview import value_counts
from cxlib.engines import category_column, polars_sort, to_engine
from cxlib.errors import AnalysisError
from cxlib.journeys import in_memory, journey_steps, journey_table, sessionize
from tests.conftest import T0, approx_rows, make_log, random_log_frames

COLUMNS = [
    "customer_id",
    "touchpoint",
    "timestamp",
    "epoch_us",
    "event_index",
    "step",
    "next_touchpoint",
    "next_epoch_us",
]


def rows_of(frame, by):
    keys = ["session_id"] if by == "session" else []
    return sorted(frame.select(*COLUMNS, *keys).collect("polars").to_native().rows())


def check_against_portable(log: EventLog, by: str) -> None:
    table = journey_table(log, by=by)
    portable = EventLog.from_frame(to_engine(log.frame.collect().to_native(), "duckdb"))
    expected = journey_table(portable, by=by)
    assert rows_of(table.frame, by) == rows_of(expected.frame, by)
    assert (expected.keys, expected.customer, expected.ordered) == (
        journeys.journey_keys(portable, by),
        "customer_id",
        False,
    )
    # The codes number the journeys and customers one to one, in journey order.
    out = table.frame.collect("polars").to_native()
    names = ["customer_id", "session_id"] if by == "session" else ["customer_id"]
    for code, columns in (("_journey", names), ("_customer", ["customer_id"])):
        pairs = out.select(code, *columns).unique()
        assert pairs.height == pairs[code].n_unique() == out.select(columns).unique().height
    # Rows come in journey order: grouped by journey, then in the order of events.
    assert out.equals(out.sort("_journey", "epoch_us", "event_index"))


@settings(max_examples=150, deadline=None)
@given(frame=random_log_frames(), by=st.sampled_from(["customer", "session"]))
def test_polars_table_equals_portable_steps(frame, by):
    check_against_portable(EventLog.from_frame(frame), by)


def test_hash_clash_falls_back_to_sorting_by_text(monkeypatch):
    # Every customer hashing alike is the worst clash: journeys must still not mix.
    monkeypatch.setattr(polars_sort, "CUSTOMER_HASH", pl.col("customer_id").hash(0) * 0)
    log = make_log({"b": "x y", "a": "y z x", "c": "z"})
    check_against_portable(log, "customer")
    assert journey_table(log).frame.collect()["_journey"].n_unique() == 3


def never() -> pl.DataFrame:
    raise AssertionError("computed again")


def test_sorted_journeys_are_computed_once_per_log_and_by():
    log = make_log({"a": "x y", "b": "y"})
    journey_table(log)
    kept = log.cache.journeys("customer", never)
    journey_table(log)
    assert log.cache.entries() == [("journeys", "customer")]
    assert log.cache.journeys("customer", never) is kept
    filtered = log.with_frame(log.frame.filter(nw.col("touchpoint") == "x"))
    assert filtered.cache.entries() == []
    assert journey_table(filtered).frame.collect()["touchpoint"].to_list() == ["x"]


def test_forgetting_results_keeps_the_sorted_journeys():
    log = make_log({"a": "x y", "b": "y"})
    transitions(log)
    funnel(log, ["x", "y"])
    kept = log.cache.journeys("customer", never)
    log.cache.forget_results()
    assert log.cache.entries() == [("journeys", "customer")]
    assert log.cache.journeys("customer", never) is kept
    # a's x -> y, counted again on the kept order
    assert transitions(log).filter(pl.col("source") == "x").rows() == [("x", "y", 1, 1, 60.0)]


def with_channel(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with a channel: web for touchpoints x and y, else app (a column to gather)."""
    web = pl.col("touchpoint").is_in(["x", "y"])
    return frame.with_columns(channel=pl.when(web).then(pl.lit("web")).otherwise(pl.lit("app")))


#: Logs made from another without changing the order of journeys' events.
DERIVED = {
    "dates": lambda log: filters.filter_time(log, start=T0 + dt.timedelta(minutes=1)),
    "touchpoints": lambda log: filters.filter_touchpoints(log, drop=["y"]),
    "channel": lambda log: filters.filter_channels(log, "web"),
    "renamed": lambda log: filters.rename_touchpoints(log, {"x": "y"}),
    "collapsed": lambda log: journeys.collapse_repeats(log),
    "collapsed sessions": lambda log: journeys.collapse_repeats(log, by="session"),
    "segment": lambda log: segment_log(log, ("channel", "web")),
    "rest": lambda log: segment_log(log, ("channel", "web"), rest=True),
    "sessions": lambda log: sessionize(log, "1h"),
}


@pytest.mark.parametrize("made", ["dates", "collapsed"])
def test_a_filtered_log_keeps_only_the_columns_asked_for(made):
    # Columns other pages brought into the parent's journeys are not copied by a filter:
    # asked for later, they come from the first log by _row.
    log = make_log({"a": "x y y", "b": "y x"}, channel=["web", "app", "app", "store", "web"])
    journey_table(log, columns=["channel"], categories=["channel"])
    derived = DERIVED[made](log)
    journey_table(derived)
    assert "channel" in log.cache.kept_journeys("customer").columns
    assert not {"channel", category_column("channel")} & set(
        derived.cache.kept_journeys("customer").columns
    )
    asked = journey_table(derived, columns=["channel"]).frame.collect("polars").to_native()
    expected = {"dates": ["app", "app", "web"], "collapsed": ["web", "app", "store", "web"]}
    assert asked.sort("customer_id", "step")["channel"].to_list() == expected[made]


@settings(max_examples=80, deadline=None)
@given(
    frame=random_log_frames(),
    made=st.lists(st.sampled_from(sorted(DERIVED)), min_size=1, max_size=3),
    by=st.sampled_from(["customer", "session"]),
    coded_first=st.booleans(),
)
def test_derived_logs_reuse_the_order_of_the_log_they_come_from(frame, made, by, coded_first):
    # A chain of filters, renamings, collapsed repeats and segments sorts the first log
    # once; each later log's journeys (with a gathered column, and the same as categories,
    # kept from the first log's or gathered for the last) equal DuckDB's own.
    log = EventLog.from_frame(with_channel(frame))
    journey_table(log, categories=["channel"] if coded_first else [])
    sorts = []
    original = in_memory.sort_journeys

    def counted(*args, **kwargs):
        sorts.append(args)
        return original(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(in_memory, "sort_journeys", counted)
        for name in made:
            try:
                log = DERIVED[name](log)
            except AnalysisError:  # a value the log made so far no longer has
                return
        check_against_portable(log, by)
        portable = EventLog.from_frame(to_engine(log.frame.collect().to_native(), "duckdb"))
        # A sessions log's session_id is its own, made by no other log of the chain.
        own = ["session_id"] if log.has("session_id") else []
        pick = ["customer_id", "event_index", "touchpoint", "channel", *own]
        fast = journey_table(log, by=by, columns=["channel", *own]).frame.select(pick)
        slow = journey_table(portable, by=by, columns=["channel", *own]).frame.select(pick)
        fast_rows = fast.collect("polars").to_native().cast({"touchpoint": pl.String}).rows()
        assert sorted(fast_rows) == sorted(slow.collect("polars").to_native().rows())
        coded = journey_table(log, by=by, categories=["channel"]).frame.select(pick)
        coded_rows = coded.collect("polars").to_native()
        assert coded_rows.schema["channel"] == pl.Categorical
        assert sorted(coded_rows.cast({"touchpoint": pl.String, "channel": pl.String}).rows()) == (
            sorted(slow.collect("polars").to_native().rows())
        )
    assert sorts == []


def test_a_frame_giving_its_rows_in_another_order_is_sorted_again():
    # The rows of a source must come back in the order they were sorted in, for a column
    # gathered later to land on the right events: when they do not, the log sorts again.
    log = EventLog.from_frame(with_channel(make_log({"a": "x z", "b": "y"}).to_polars()))
    journey_table(log)
    shuffled = log.with_frame(log.frame.sort("event_index", descending=True))
    shuffled.cache.keep_journeys("customer", log.cache.journeys("customer", never))
    out = journey_table(shuffled, columns=["channel"]).frame.collect()
    expected = [("a", "x", "web"), ("a", "z", "app"), ("b", "y", "web")]
    assert sorted(out.select("customer_id", "touchpoint", "channel").rows()) == expected
    # So do the columns gathered as categories.
    shuffled = log.with_frame(log.frame.sort("event_index", descending=True))
    shuffled.cache.keep_journeys("customer", log.cache.journeys("customer", never))
    coded = journey_table(shuffled, categories=["channel"]).frame.collect().to_native()
    assert coded["channel"].dtype == pl.Categorical
    assert sorted(coded.select("customer_id", "touchpoint", "channel").rows()) == expected
    # And so do the customers of a segment on a column the journeys lack (a's: one app event).
    shuffled = log.with_frame(log.frame.sort("event_index", descending=True))
    shuffled.cache.keep_journeys("customer", log.cache.journeys("customer", never))
    app = journey_table(segment_log(shuffled, ("channel", "app"))).frame.collect()
    assert sorted(app.select("customer_id", "touchpoint").rows()) == [("a", "x"), ("a", "z")]


@pytest.mark.parametrize("by", ["customer", "session"])
def test_empty_log(by):
    schema = {"customer_id": pl.String, "timestamp": pl.Datetime("us"), "touchpoint": pl.String}
    log = EventLog.from_frame(pl.DataFrame(schema=schema))
    assert journey_table(log, by=by).frame.collect().shape[0] == 0
    assert journey_steps(log, by=by).collect().shape[0] == 0


def test_ordered_join_without_order_keeps_the_rows_order():
    from cxlib.engines import ordered_join

    frame = nw.from_native(pl.LazyFrame({"k": [2, 2, 1, 2], "v": list("bcad"), "o": [3, 1, 0, 2]}))
    joined = ordered_join(frame, ["k"], value="v", order=[], separator="-")
    assert sorted(joined.collect().rows()) == [(1, "a"), (2, "b-c-d")]
    ordered = ordered_join(frame, ["k"], value="v", order=["o"], separator="-")
    assert sorted(ordered.collect().rows()) == [(1, "a"), (2, "c-d-b")]


def test_journey_codes_are_flagged_sorted():
    table = journey_table(make_log({"b": "x y", "a": "y z x", "c": "z"}))
    assert table.frame.collect("polars").to_native()["_journey"].flags["SORTED_ASC"]


def test_funnel_levels_are_computed_once_and_shared_by_the_funnel_analyses():
    from cxlib import conversion_over_time, dropped_next, funnel, time_to_convert

    log = make_log({"a": "home cart buy", "b": "home cart", "c": "home help"})
    steps = ["home", "cart", "buy"]
    fresh = make_log({"a": "home cart buy", "b": "home cart", "c": "home help"})
    assert funnel(log, steps).equals(funnel(fresh, steps))
    definition = (("home", "cart", "buy"), "30d", "sequential", (), "customer", "journeys")
    kept = [k for k in log.cache.entries() if k[0] == "funnel_levels"]
    assert kept == [("funnel_levels", definition)]
    stored = log.cache.funnel_levels(definition, never)
    time_to_convert(log, steps)
    conversion_over_time(log, steps)
    # b stopped at cart and its journey ended there; c went to help after home
    assert dropped_next(log, steps).select("touchpoint", "next_touchpoint").rows() == [
        ("home", "help"),
        ("cart", "(exit)"),
    ]
    assert log.cache.funnel_levels(definition, never) is stored
    assert funnel(log, steps)["customers"].to_list() == [3, 2, 1]
    # Another funnel replaces the first: one funnel is kept at a time.
    assert funnel(log, ["home", "help"])["customers"].to_list() == [3, 1]
    kept = [k[1][0] for k in log.cache.entries() if k[0] == "funnel_levels"]
    assert kept == [("home", "help")]


def with_every_touchpoint(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame plus one event of each touchpoint, so that any funnel step is valid."""
    extra = pl.DataFrame(
        {"customer_id": ["zz"] * 4, "timestamp": [T0] * 4, "touchpoint": ["x", "y", "z", "ü"]},
        schema=frame.schema,
    )
    return pl.concat([frame, extra])


@settings(max_examples=60, deadline=None)
@given(
    frame=random_log_frames(),
    steps=st.lists(st.sampled_from(["x", "y", "ü"]), min_size=1, max_size=3, unique=True),
    windows=st.permutations(["1m", "2h", "1d"]),
    order=st.sampled_from(["sequential", "strict", "any"]),
    exclude=st.sampled_from([[], ["z"]]),
    by=st.sampled_from(["customer", "session"]),
    count=st.sampled_from(["journeys", "attempts"]),
    with_next=st.booleans(),
)
def test_polars_funnel_levels_equal_the_portable_path(
    frame, steps, windows, order, exclude, by, count, with_next
):
    # Every order and with_next: on Polars the walk runs on journey_table's integer codes,
    # in order once without a window, each window in turn reusing it.
    log = EventLog.from_frame(with_every_touchpoint(frame))
    portable = EventLog.from_frame(to_engine(log.frame.collect().to_native(), "duckdb"))
    keys = ["customer_id", "session_id"] if by == "session" else ["customer_id"]
    for window in windows:
        options = {"window": window, "order": order, "exclude": exclude, "by": by, "count": count}
        fast = funnel_levels(log, steps, with_next=with_next, **options).collect().to_native()
        slow = funnel_levels(portable, steps, with_next=with_next, **options)
        slow = slow.collect("polars").to_native()
        assert fast.schema == slow.schema
        order_by = [*keys, "start_us"]
        assert fast.sort(order_by).equals(slow.sort(order_by))
    # What does not depend on the window is kept for another one: the walk in order, the
    # next event of each step in any order.
    walks = [entry[:2] for entry in log.cache.entries()].count(("reused", "funnel walk"))
    assert walks == 1


@settings(max_examples=60, deadline=None)
@given(frame=random_log_frames(), by=st.sampled_from(["customer", "session"]))
def test_polars_analyses_equal_the_portable_path(frame, by):
    log = EventLog.from_frame(frame)
    portable = EventLog.from_frame(to_engine(log.frame.collect().to_native(), "duckdb"))
    for analysis in (transitions, dropoffs, top_paths, step_matrix):
        fast, slow = analysis(log, by=by), analysis(portable, by=by)
        assert fast.schema == slow.schema
        assert fast.rows() == approx_rows(slow.rows())
    cut = {"max_steps": 2, "collapse_repeats": True, "by": by}
    assert top_paths(log, **cut).rows() == approx_rows(top_paths(portable, **cut).rows())


@pytest.mark.parametrize("order", ["sequential", "strict", "any"])
def test_one_step_funnel_in_every_order(order):
    # Customers a and c have an event of step 1 ("x"); b has none: 2 customers, rate 2/2.
    log = make_log({"a": "x y", "b": "y", "c": "y x"})
    rows = funnel(log, ["x"], order=order).rows()
    assert rows == [(1, "x", 2, 1.0, 1.0, None)]


@settings(max_examples=60, deadline=None)
@given(frame=random_log_frames(), gap=st.sampled_from(["0s", "1m", "30m", "1h", "2h"]))
def test_sessionized_log_reuses_its_parents_journeys(frame, gap):
    # sessionize on Polars links the new log to its parent: its journeys are cut from the
    # parent's sorted customers, and must equal DuckDB's sessionize with the same gap.
    parent = EventLog.from_frame(frame)
    log = sessionize(parent, gap)
    assert log.cache.derived is not None
    assert log.cache.derived[0] is parent
    portable = sessionize(
        EventLog.from_frame(to_engine(parent.frame.collect().to_native(), "duckdb")), gap
    )
    for by in ("customer", "session"):
        assert rows_of(journey_table(log, by=by).frame, by) == rows_of(
            journey_table(portable, by=by).frame, by
        )
    assert parent.cache.entries() == [("journeys", "customer")]
    assert transitions(log, by="session").rows() == approx_rows(
        transitions(portable, by="session").rows()
    )


@settings(max_examples=80, deadline=None)
@given(
    frame=random_log_frames(),
    goal=st.sampled_from(["x", "y", "q"]),
    other=st.sampled_from(["x", "y", "q"]),
)
def test_polars_conversion_steps_equal_the_portable_window(frame, goal, other):
    # The Polars path finds each customer's first goal by runs of ordered rows, kept
    # per log and goal: asked again with other columns, or after another goal, the same.
    from cxlib.conversion.goal import with_conversion_step

    log = EventLog.from_frame(frame.with_columns(tag=pl.col("touchpoint").str.to_uppercase()))
    portable = EventLog.from_frame(to_engine(log.frame.collect("polars").to_native(), "duckdb"))
    pick = ["customer_id", "event_index", "step", "conv_step"]

    def rows(of: EventLog, goal: str, **columns) -> list[tuple]:
        steps = with_conversion_step(of, goal, **columns).frame
        return sorted(steps.select(*pick, *columns.get("columns", ())).collect("polars").rows())

    slow = rows(portable, goal, columns=["tag"])
    assert rows(log, goal, columns=["tag"]) == slow
    assert rows(log, goal, columns=["tag"], next_of=["tag"]) == slow
    assert rows(log, other) == rows(portable, other)
    assert rows(log, goal, columns=["tag"], categories=["tag"]) == slow


@settings(max_examples=150, deadline=None)
@given(
    events=st.lists(
        st.tuples(st.sampled_from("abc"), st.integers(0, 3), st.integers(0, 99)),
        max_size=30,
        unique_by=lambda e: e[2],  # event_index: unique, in no particular order
    )
)
def test_sorted_journeys_in_any_row_order_equal_a_python_sort(events):
    # Rows out of time order and indexes out of row order: one stable sort per column.
    lf = nw.from_native(
        pl.LazyFrame(
            events, schema=["customer_id", "epoch_us", "event_index"], orient="row"
        ).with_columns(touchpoint=pl.col("customer_id"))
    )
    out = polars_sort.sort_journeys(
        lf,
        ["customer_id"],
        ["epoch_us", "event_index"],
        columns=["customer_id", "touchpoint", "epoch_us", "event_index"],
    )
    # Customers come in the order of their hashes, each one's events in time order.
    rank = {c: k for k, c in enumerate(out["customer_id"].unique(maintain_order=True))}
    order = sorted(range(len(events)), key=lambda i: (rank[events[i][0]], *events[i][1:]))
    assert out.select("customer_id", "epoch_us", "event_index").rows() == [events[i] for i in order]
    assert out["_row"].to_list() == order


def test_a_filtered_log_keeps_its_time_zone():
    # The filtered journeys make timestamp again from epoch_us: same instants, same zone.
    stamps = [dt.datetime(2024, 3, 1, h, tzinfo=dt.UTC) for h in (9, 10, 11, 12)]
    frame = pl.DataFrame(
        {"customer_id": ["a", "a", "b", "b"], "timestamp": stamps, "touchpoint": list("xyxz")}
    ).with_columns(pl.col("timestamp").dt.convert_time_zone("Europe/Paris"))
    log = EventLog.from_frame(frame)
    journey_table(log)
    later = filters.filter_time(log, start="2024-03-01T10:30:00+00:00")
    out = journey_table(later).frame.collect("polars").to_native()
    assert out.schema["timestamp"] == pl.Datetime("us", "Europe/Paris")
    assert out.sort("timestamp")["timestamp"].to_list() == frame["timestamp"][2:].to_list()
    assert out["_journey"].to_list() == out["_customer"].to_list() == [1, 1]


@pytest.mark.parametrize("by", ["customer", "session"])
def test_a_sessions_log_cuts_its_own_session_ids(by):
    # Events 10 minutes apart cut at 5 minutes: one session an event. The loaded
    # session_id (7 for all) is replaced, also where the journeys were kept before
    # session_id was asked for, and on a log filtered first (c's q dropped).
    parent = make_log({"a": "x y z", "b": "y", "c": "q"}, minutes=10, session_id=[7] * 5)
    log = sessionize(filters.filter_touchpoints(parent, drop=["q"]), "5m")
    journey_table(log, by=by)
    asked = journey_table(log, by=by, columns=["session_id"]).frame.collect().to_native()
    assert asked.sort("customer_id", "timestamp")["session_id"].to_list() == [1, 2, 3, 1]
    counts = value_counts(log, "session_id").rows()
    assert counts == [(1, 2, 2, 1.0), (2, 1, 1, 0.5), (3, 1, 1, 0.5)]

"""top_paths and step_matrix: hand-computed tables, edge cases, brute force, every engine."""

import datetime as dt
from collections import Counter
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib import ENTRY, EXIT, PATH_SEP, TRUNCATED, AnalysisError, EventLog, step_matrix, top_paths
from tests.conftest import T0, approx_rows, brute_journeys, make_log, random_log_frames


def frac(numerator: int, denominator: int) -> float:
    return float(Fraction(numerator, denominator))


def path(*touchpoints: str) -> str:
    return PATH_SEP.join(touchpoints)


def empty_log() -> EventLog:
    schema = {"customer_id": pl.String, "timestamp": pl.Datetime("us"), "touchpoint": pl.String}
    return EventLog.from_frame(pl.DataFrame(schema=schema))


def test_top_paths_counts_variants():
    log = make_log({"a": "home cart buy", "b": "home cart buy", "c": "home", "d": "home cart"})
    out = top_paths(log)
    assert out.schema == pl.Schema({"path": pl.String, "customers": pl.Int64, "share": pl.Float64})
    assert out.rows() == [
        (path("home", "cart", "buy"), 2, frac(2, 4)),  # a and b, of 4 customers
        ("home", 1, frac(1, 4)),  # ties sorted by path
        (path("home", "cart"), 1, frac(1, 4)),
    ]
    assert top_paths(log, n=1).rows() == [(path("home", "cart", "buy"), 2, 0.5)]


def test_collapse_repeats_merges_runs_but_keeps_loops():
    log = make_log({"a": "x x y", "b": "x y y", "c": "x y", "d": "x y x"})
    assert top_paths(log)["customers"].to_list() == [1, 1, 1, 1]
    assert top_paths(log, collapse_repeats=True).rows() == [
        (path("x", "y"), 3, frac(3, 4)),  # a, b, c
        (path("x", "y", "x"), 1, frac(1, 4)),  # d's loop back to x stays
    ]


def test_start_at_keeps_the_part_from_the_first_occurrence():
    log = make_log({"a": "home search product buy product", "b": "product buy", "c": "home help"})
    # c never sees product: left out, so the share is over a and b only
    assert top_paths(log, start_at="product").rows() == [
        (path("product", "buy"), 1, frac(1, 2)),
        (path("product", "buy", "product"), 1, frac(1, 2)),
    ]


def test_end_at_keeps_journeys_reaching_it_up_to_the_first_occurrence():
    log = make_log({"a": "home product buy product buy", "b": "home buy", "c": "home"})
    assert top_paths(log, end_at="buy").rows() == [
        (path("home", "buy"), 1, frac(1, 2)),  # c never buys: 2 journeys considered
        (path("home", "product", "buy"), 1, frac(1, 2)),
    ]


def test_start_and_end_take_the_first_end_after_the_start():
    log = make_log({"a": "buy home x buy y", "b": "buy home x", "c": "home y"})
    # a: cut at home, then up to the next buy; b: no buy after home; c: no buy at all
    assert top_paths(log, start_at="home", end_at="buy").rows() == [
        (path("home", "x", "buy"), 1, 1.0)
    ]
    assert top_paths(log, start_at="home", end_at="home").rows() == [("home", 3, 1.0)]


def test_max_steps_marks_journeys_that_went_on():
    log = make_log({"a": "x y z", "b": "x y", "c": "x", "d": "w x y z"})
    assert top_paths(log, max_steps=2).rows() == [
        (path("w", "x", TRUNCATED), 1, frac(1, 4)),
        ("x", 1, frac(1, 4)),
        (path("x", "y"), 1, frac(1, 4)),  # exactly 2 steps: not truncated
        (path("x", "y", TRUNCATED), 1, frac(1, 4)),
    ]
    # counted from start_at: d's "x y z" is cut after 2 steps like a's
    assert top_paths(log, start_at="x", max_steps=2).rows()[0] == (
        path("x", "y", TRUNCATED),
        2,
        frac(2, 4),
    )


def test_by_session_counts_sessions():
    log = make_log({"a": "x y", "b": "x"}, minutes=40)  # 40 min apart: every event its own session
    assert top_paths(log, by="session").rows() == [("x", 2, frac(2, 3)), ("y", 1, frac(1, 3))]
    assert top_paths(log).rows() == [("x", 1, 0.5), (path("x", "y"), 1, 0.5)]


@pytest.mark.parametrize(
    ("journeys", "minutes", "expected"),
    [
        ({"a": "x", "b": "x", "c": "y"}, 1, [("x", 2, frac(2, 3)), ("y", 1, frac(1, 3))]),
        ({"a": "z y x"}, 0, [(path("z", "y", "x"), 1, 1.0)]),  # equal times: source order
        ({"a": "x x x"}, 1, [(path("x", "x", "x"), 1, 1.0)]),  # loops kept
        ({"a": ["café", "🛒 panier"]}, 1, [(path("café", "🛒 panier"), 1, 1.0)]),
    ],
    ids=["one-event customers", "equal timestamps", "loops", "unicode"],
)
def test_top_paths_edge_cases(journeys, minutes, expected):
    assert top_paths(make_log(journeys, minutes=minutes)).rows() == expected


def test_empty_log_gives_empty_tables_with_the_contract_columns():
    out = top_paths(empty_log(), start_at="x")
    assert out.shape == (0, 3)
    assert out.columns == ["path", "customers", "share"]
    matrix = step_matrix(empty_log())
    assert matrix.shape == (0, 4)
    assert matrix.columns == ["step", "touchpoint", "journeys", "share"]


def test_step_matrix_hand_computed():
    log = make_log({"a": "home cart buy", "b": "home cart", "c": "cart"})
    out = step_matrix(log, steps=3)
    assert out.schema == pl.Schema(
        {"step": pl.Int64, "touchpoint": pl.String, "journeys": pl.Int64, "share": pl.Float64}
    )
    assert out.rows() == [
        (0, ENTRY, 3, 1.0),
        (1, "home", 2, frac(2, 3)),
        (1, "cart", 1, frac(1, 3)),
        (2, "cart", 2, frac(2, 3)),
        (2, EXIT, 1, frac(1, 3)),  # c had one event
        (3, EXIT, 2, frac(2, 3)),  # b and c have left
        (3, "buy", 1, frac(1, 3)),
    ]


def test_step_matrix_collapses_repeats_and_counts_sessions():
    log = make_log({"a": "x x y"})
    assert step_matrix(log, steps=3, collapse_repeats=True).rows() == [
        (0, ENTRY, 1, 1.0),
        (1, "x", 1, 1.0),
        (2, "y", 1, 1.0),
        (3, EXIT, 1, 1.0),
    ]
    sessions = step_matrix(make_log({"a": "x y"}, minutes=40), steps=2, by="session")
    assert sessions.rows() == [
        (0, ENTRY, 2, 1.0),
        (1, "x", 1, 0.5),
        (1, "y", 1, 0.5),
        (2, EXIT, 2, 1.0),  # both sessions had one event
    ]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda log: top_paths(log, n=0), r"n=0 must be a whole number of at least 1"),
        (lambda log: top_paths(log, max_steps=0), r"max_steps=0 must be a whole number"),
        (lambda log: top_paths(log, max_steps=True), r"max_steps=True must be a whole number"),
        (
            lambda log: top_paths(log, start_at="hom"),
            r"'hom' is not in the log; did you mean 'home'",
        ),
        (lambda log: top_paths(log, end_at="by"), r"'by' is not in the log; did you mean 'buy'"),
        (lambda log: top_paths(log, by="visit"), r"use 'customer' or 'session'"),
        (lambda log: step_matrix(log, steps=0), r"steps=0 must be a whole number"),
    ],
    ids=["n", "max_steps", "max_steps bool", "start_at", "end_at", "by", "steps"],
)
def test_bad_options_are_refused(call, message):
    with pytest.raises(AnalysisError, match=message):
        call(make_log({"a": "home buy"}))


def test_paths_agree_across_engines(on_engine):
    log = make_log(
        {
            "a": "home cart cart buy",
            "b": "home cart cart buy",
            "c": "cart home",
            "d": ["é", "home"],
        },
        minutes=20,
    )
    moved = on_engine(log)
    for options in [
        {},
        {"collapse_repeats": True, "max_steps": 2},
        {"start_at": "cart", "end_at": "home"},
    ]:
        assert top_paths(moved, **options).equals(top_paths(log, **options))
    assert top_paths(moved, by="session").equals(top_paths(log, by="session"))
    assert step_matrix(moved, steps=4).equals(step_matrix(log, steps=4))


# --- property: top_paths equals a brute force in plain Python ---------------------------------


def brute_top_paths(frame, *, n, max_steps, start_at, end_at, collapse, by):
    counts = Counter()
    for rows in brute_journeys(frame, by).values():
        tps = [r["touchpoint"] for r in rows]
        if collapse:
            tps = [t for i, t in enumerate(tps) if i == 0 or tps[i - 1] != t]
        if start_at is not None:
            if start_at not in tps:
                continue
            tps = tps[tps.index(start_at) :]
        if end_at is not None:
            if end_at not in tps:
                continue
            tps = tps[: tps.index(end_at) + 1]
        if max_steps is not None and len(tps) > max_steps:
            tps = [*tps[:max_steps], TRUNCATED]
        counts[PATH_SEP.join(tps)] += 1
    total = sum(counts.values())
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]
    return [(p, c, c / total) for p, c in rows]


@settings(max_examples=250, deadline=None)
@given(
    frame=random_log_frames(),
    n=st.integers(1, 6),
    max_steps=st.none() | st.integers(1, 4),
    start_at=st.none() | st.sampled_from(["x", "ü"]),
    end_at=st.none() | st.sampled_from(["y", "x"]),
    collapse=st.booleans(),
    by=st.sampled_from(["customer", "session"]),
)
def test_top_paths_equal_brute_force(frame, n, max_steps, start_at, end_at, collapse, by):
    # every touchpoint appears once so that start_at / end_at are known touchpoints
    every = {"customer_id": ["zz"] * 4, "timestamp": [T0 + dt.timedelta(days=9)] * 4}
    frame = pl.concat([frame, pl.DataFrame({**every, "touchpoint": ["x", "y", "z", "ü"]})])
    log = EventLog.from_frame(frame)
    out = top_paths(
        log,
        n=n,
        max_steps=max_steps,
        start_at=start_at,
        end_at=end_at,
        collapse_repeats=collapse,
        by=by,
    )
    expected = brute_top_paths(
        log.frame.collect().to_native(),
        n=n,
        max_steps=max_steps,
        start_at=start_at,
        end_at=end_at,
        collapse=collapse,
        by=by,
    )
    assert out.rows() == approx_rows(expected)

"""The journey primitives give the same answer on every engine."""

from cxlib import journey_steps, sessionize
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

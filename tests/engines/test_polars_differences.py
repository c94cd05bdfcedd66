"""polars_differences: each journey's outcome found by a merge of the ids' hashes, by the text where hashes clash."""

import polars as pl

from cxlib.engines import polars_differences
from cxlib.engines.polars_differences import _matched


def test_ids_sharing_a_hash_are_matched_on_their_text(monkeypatch):
    # Hashed by their length, the ids stay in order, but "bb" and "xy" share a hash:
    # "bb" has no outcome, and must not take xy's.
    length = pl.col("customer_id").str.len_bytes().cast(pl.UInt64)
    monkeypatch.setattr(polars_differences, "CUSTOMER_HASH", length)
    firsts = pl.DataFrame({"customer_id": ["a", "bb", "ccc"]})
    outcomes = pl.DataFrame({"customer_id": ["xy", "a"], "converted": [1, 0]})
    expected = [("a", 0), ("bb", None), ("ccc", None)]
    assert _matched(firsts, outcomes, ["customer_id"]).rows() == expected
    # Without the clash, the merge itself: every id with its own outcome.
    outcomes = pl.DataFrame({"customer_id": ["ccc", "a"], "converted": [1, 0]})
    expected = [("a", 0), ("bb", None), ("ccc", 1)]
    assert _matched(firsts, outcomes, ["customer_id"]).rows() == expected


def test_journeys_not_in_their_hashes_order_are_matched_on_their_text(monkeypatch):
    # By length the ids' hashes come 3, 1, 2: no merge; and sessions are matched on text.
    length = pl.col("customer_id").str.len_bytes().cast(pl.UInt64)
    monkeypatch.setattr(polars_differences, "CUSTOMER_HASH", length)
    firsts = pl.DataFrame({"customer_id": ["ccc", "a", "bb"], "session_id": [1, 1, 2]})
    outcomes = pl.DataFrame({"customer_id": ["a", "bb"], "session_id": [1, 1], "converted": [1, 0]})
    out = _matched(firsts.drop("session_id"), outcomes.drop("session_id"), ["customer_id"])
    assert out.rows() == [("ccc", None), ("a", 1), ("bb", 0)]
    out = _matched(firsts, outcomes, ["customer_id", "session_id"])
    assert out.rows() == [("ccc", 1, None), ("a", 1, 1), ("bb", 2, None)]

"""Two people at once: one session's upload and filters never show in another's."""

from __future__ import annotations

import tempfile

from streamlit.testing.v1 import AppTest

from tests.app.conftest import assert_clean, data_label, new_app, open_page, upload


def _csv(prefix: str, customers: int) -> bytes:
    rows = ["customer_id,timestamp,touchpoint,channel"]
    for c in range(customers):
        for step, touchpoint in enumerate(["start", "middle", "goal"][: 1 + c % 3]):
            rows.append(
                f"{prefix}-{c},2024-03-0{1 + c % 9}T10:0{step}:00,{prefix}_{touchpoint},web"
            )
    return "\n".join(rows).encode()


def _text(at: AppTest) -> str:
    """Everything the page shows as text: tables, figures, captions, choices offered."""
    parts = [df.value.to_csv() for df in at.dataframe]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [m.value for m in [*at.markdown, *at.caption, *at.subheader]]
    parts += [str(w.options) for w in [*at.multiselect, *at.selectbox]]
    return "\n".join(parts)


def _session(prefix: str, customers: int) -> AppTest:
    at = open_page(new_app().run(), "pages/data.py")
    return upload(at, ("export.csv", _csv(prefix, customers)))  # the same file name


def test_two_sessions_with_different_uploads_never_see_each_others_data(tmp_path, monkeypatch):
    # Uploads stay in memory: nothing is written to the temporary folder.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    alice, bob = _session("alice", 7), _session("bob", 5)
    for page in ["pages/data.py", "pages/overview.py", "pages/paths.py", "pages/dropoffs.py"]:
        seen = {}
        for name, at in [("alice", alice), ("bob", bob)]:
            open_page(at, page)
            assert [e.value for e in at.exception] == []
            seen[name] = _text(at)
        assert "alice_" in seen["alice"]
        assert "bob_" not in seen["alice"]
        assert "bob_" in seen["bob"]
        assert "alice_" not in seen["bob"]
    # Overview: 7 and 5 customers, each its own.
    open_page(alice, "pages/overview.py")
    open_page(bob, "pages/overview.py")
    assert alice.metric[0].value == "7"
    assert bob.metric[0].value == "5"
    assert list(tmp_path.iterdir()) == []


def test_one_sessions_filters_do_not_reach_another():
    alice, bob = _session("alice", 6), _session("bob", 6)
    open_page(alice, "pages/overview.py")
    alice.multiselect(key="hide").set_value(["alice_goal"]).run()
    assert alice.metric[2].value == "10"  # 12 events (1+2+3 twice) minus the 2 goals
    open_page(bob, "pages/overview.py")
    assert bob.multiselect(key="hide").value == []
    assert bob.metric[2].value == "12"
    assert "hide" not in bob.query_params


def test_the_same_file_shares_the_cache_key_but_not_the_state():
    alice, bob = _session("same", 4), _session("same", 4)
    a, b = alice.session_state["cx_loaded"], bob.session_state["cx_loaded"]
    assert a.key == b.key  # computation is shared through the content hash...
    assert a is not b  # ...the session's data is not
    # A new upload in one session leaves the other on its data.
    upload(alice, ("other.csv", _csv("carol", 3)))
    bob.run()
    assert data_label(alice) == "other.csv"
    assert data_label(bob) == "export.csv"
    assert_clean(open_page(bob, "pages/overview.py"), "Overview")
    assert bob.metric[0].value == "4"

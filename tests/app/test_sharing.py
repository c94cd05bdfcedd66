"""The team's workspace in the app: reloads and teammates' links reopen the same log and view;
with sign-in, private logs and views are "not found" for someone else, shared ones open."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.conftest import assert_clean, data_label, new_app, open_page, plain, upload
from tests.app.test_auth import AUTH
from ui.text import md

ADA = {"is_logged_in": True, "email": "ada@example.com", "name": "Ada"}
BOB = {"is_logged_in": True, "email": "bob@example.com", "name": "Bob"}
#: The banner every page shows while the link's data did not open (nothing says it exists).
NOT_FOUND = (
    "Showing **sample: retail**, not **the link's data**, which did not load: no saved log "
    "with this link: it was deleted, or it is private to the person who added it; open one "
    "from the Data page. Fix it on the Data page, or remove it there."
)
VIEW_NOT_FOUND = (
    "Showing **sample: retail**, not **the link's view**, which did not load: no saved view "
    "with this link: it was deleted, or it (or its data) is private to the person who saved "
    "it. Fix it on the Data page, or remove it there."
)


def _csv(prefix: str, customers: int) -> bytes:
    rows = ["customer_id,timestamp,touchpoint"]
    for c in range(customers):
        for step, touchpoint in enumerate(["start", "middle", "goal"][: 1 + c % 3]):
            rows.append(f"{prefix}-{c},2024-03-0{1 + c % 9}T10:0{step}:00,{prefix}_{touchpoint}")
    return "\n".join(rows).encode()


def _app(user: dict | None = None, query: dict | None = None) -> AppTest:
    at = new_app(query)
    if user is not None:
        at.secrets["auth"] = AUTH
        at.user = user
    return at


def _uploaded(user: dict | None, prefix: str = "ada", customers: int = 9) -> AppTest:
    at = open_page(_app(user).run(), "pages/data.py")
    return upload(at, (f"{prefix}.csv", _csv(prefix, customers)))


def _banners(at: AppTest) -> list[str]:
    return [plain(w.value) for w in at.warning]


def _log_id(at: AppTest) -> str:
    return at.session_state["cx_loaded"].log_id


def _customers(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label == "Customers")


def _funnel(at: AppTest, steps: list[str]) -> AppTest:
    at = open_page(at, "pages/funnels.py")
    at.multiselect(key="funnel_steps").set_value(steps).run()
    at.selectbox(key="funnel_window").set_value("1h").run()
    return at


def _save_view(at: AppTest, name: str, *, shared: bool | None = None) -> str:
    at.text_input(key="view_name").set_value(name)
    if shared is not None:
        at.toggle(key="view_shared").set_value(shared)
    at.button(key="view_save").click().run()
    assert [e.value for e in at.error] == []
    button = next(b for b in at.get("link_button") if b.proto.label == md(name))
    return button.proto.url.removeprefix("?").split("view=")[1].split("&")[0]


# --- Without sign-in: the team ---------------------------------------------------------


def test_a_reload_and_a_teammates_link_open_the_same_log():
    ada = _uploaded(None)
    log_id = _log_id(ada)
    assert dict(ada.query_params)["log"] == log_id
    for at in [_app(None, {"log": log_id}).run(), _app(None, {"log": log_id}).run()]:
        assert_clean(at, "Overview")
        assert data_label(at) == "ada.csv"
        assert at.metric[0].value == "9"


def test_a_saved_view_reopens_with_the_same_numbers():
    ada = _funnel(_uploaded(None), ["ada_start", "ada_middle", "ada_goal"])
    original = ada.dataframe[0].value
    view_id = _save_view(ada, "ada's funnel")
    bob = _app(None, {"view": view_id}).run()
    assert_clean(bob, "Funnels")
    assert bob.multiselect(key="funnel_steps").value == ["ada_start", "ada_middle", "ada_goal"]
    assert bob.selectbox(key="funnel_window").value == "1h"
    assert bob.dataframe[0].value.equals(original)
    # 9 customers: c % 3 gives 3 at start only, 3 to middle, 3 to the goal
    assert bob.dataframe[0].value["customers"].tolist() == [9, 6, 3]
    assert bob.query_params["view"] == view_id  # a reload opens the view again


def test_the_data_page_lists_renames_and_deletes_the_teams_logs():
    ada = _uploaded(None)
    bob = _uploaded(None, "bob", 5)
    assert data_label(bob) == "bob.csv"
    labels = bob.selectbox(key="data_saved_log").options
    assert [label.split(" (added by")[0] for label in labels] == ["bob.csv", "ada.csv"]
    # Bob reopens Ada's upload from the list; his session now shows it.
    bob.selectbox(key="data_saved_log").set_value(_log_id(ada)).run()
    bob.button(key="data_saved_open").click().run()
    assert data_label(bob) == "ada.csv"
    assert _customers(bob) == "9"
    bob.text_input(key="data_saved_name").set_value("March export")
    bob.button(key="data_saved_rename").click().run()
    assert data_label(bob) == "March export"
    bob.button(key="data_saved_delete").click().run()
    assert "log" not in bob.query_params  # still open in Bob's session, but saved no more
    assert [
        label.split(" (added by")[0] for label in bob.selectbox(key="data_saved_log").options
    ] == ["bob.csv"]
    gone = _app(None, {"log": _log_id(ada)}).run()
    assert _banners(gone) == [NOT_FOUND]
    assert data_label(gone) == "sample: retail"


def test_sessions_keep_their_own_data_while_sharing_the_list():
    ada, bob = _uploaded(None), _uploaded(None, "bob", 5)
    open_page(ada, "pages/overview.py")
    open_page(bob, "pages/overview.py")
    assert (ada.metric[0].value, bob.metric[0].value) == ("9", "5")


# --- With sign-in: owners, private and shared ------------------------------------------


def test_a_private_log_is_not_found_for_another_signed_in_person():
    ada = _uploaded(ADA)
    log_id = _log_id(ada)
    bob = _app(BOB, {"log": log_id}).run()
    assert _banners(bob) == [NOT_FOUND]
    assert data_label(bob) == "sample: retail"
    open_page(bob, "pages/data.py")
    assert "data_saved_log" not in [s.key for s in bob.selectbox]  # nothing of Ada's listed
    assert "ada" not in str([m.value for m in bob.markdown])
    # Ada herself reopens it.
    again = _app(ADA, {"log": log_id}).run()
    assert data_label(again) == "ada.csv"


def test_a_shared_log_opens_for_the_team_but_only_its_owner_changes_it():
    ada = _uploaded(ADA)
    log_id = _log_id(ada)
    ada.toggle(key=f"data_saved_shared_{log_id}").set_value(True).run()
    bob = open_page(_app(BOB, {"log": log_id}).run(), "pages/data.py")
    assert [e.value for e in bob.error] == []
    assert data_label(bob) == "ada.csv"
    assert _customers(bob) == "9"
    for key in ["data_saved_rename", "data_saved_delete"]:
        assert bob.button(key=key).disabled
    assert f"data_saved_shared_{log_id}" not in [t.key for t in bob.toggle]


def test_new_uploads_are_private_unless_shared_when_added():
    ada = open_page(_app(ADA).run(), "pages/data.py")
    ada.toggle(key="data_share").set_value(True).run()
    ada = upload(ada, ("ada.csv", _csv("ada", 9)))
    bob = _app(BOB, {"log": _log_id(ada)}).run()
    assert data_label(bob) == "ada.csv"


def test_views_private_or_shared_and_never_over_private_data():
    ada = _uploaded(ADA)
    log_id = _log_id(ada)
    ada.toggle(key=f"data_saved_shared_{log_id}").set_value(True).run()
    ada = _funnel(ada, ["ada_start", "ada_goal"])
    private = _save_view(ada, "mine", shared=False)
    shared = _save_view(ada, "for the team", shared=True)
    bob = _app(BOB, {"view": private}).run()
    assert _banners(bob) == [VIEW_NOT_FOUND]
    assert data_label(bob) == "sample: retail"
    bob = _app(BOB, {"view": shared}).run()
    assert_clean(bob, "Funnels")
    assert bob.multiselect(key="funnel_steps").value == ["ada_start", "ada_goal"]
    assert [b.proto.label for b in bob.get("link_button")] == [md("for the team")]
    # Ada makes the log private again: the shared view over it is not found either.
    ada = open_page(ada, "pages/data.py")
    ada.toggle(key=f"data_saved_shared_{log_id}").set_value(False).run()
    bob = _app(BOB, {"view": shared}).run()
    assert _banners(bob) == [VIEW_NOT_FOUND]


def test_an_unusable_workspace_folder_is_a_message_and_the_upload_still_opens(
    monkeypatch, tmp_path
):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the workspace should be")
    monkeypatch.setenv("CX_DATA_DIR", str(blocked))
    at = open_page(_app().run(), "pages/data.py")
    assert any("cannot be used" in e.value for e in at.error)  # the saved logs and views
    at = upload(at, ("ada.csv", _csv("ada", 9)))
    assert data_label(at) == "ada.csv"
    assert at.session_state["cx_loaded"].log_id is None
    assert _customers(at) == "9"
    shown = [e.value for e in at.error]
    assert md("ada.csv is open in this session only, not saved: the workspace in") in shown[0]
    assert md("must give it a writable folder (CX_DATA_DIR)") in shown[0]

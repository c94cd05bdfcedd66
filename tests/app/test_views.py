"""Saved views in the catalog: kept with their page and parameters, seen only by those allowed."""

from __future__ import annotations

import datetime as dt

import pytest

import cxlib
from tests.conftest import make_log
from ui import views
from ui.ownership import Person
from ui.workspace import NotFound, Workspace

ADA, BOB, TEAM = Person("ada@example.com", "Ada"), Person("bob@example.com", "Bob"), Person()
FUNNEL = {
    "funnel_steps": ["a", "b"],
    "funnel_window": "7d",
    "dates": (dt.date(2024, 1, 2), dt.date(2024, 2, 1)),
}


@pytest.fixture
def ws(tmp_path) -> Workspace:
    return Workspace(tmp_path / "data")


def _log(ws: Workspace, who: Person, *, shared: bool = True) -> str:
    log = make_log({"c": "a b"})
    return ws.add(log, name="log", content_key=f"{who.id}{shared}", roles={}, who=who,
                         shared=shared).id  # fmt: skip


def test_a_view_keeps_its_page_data_and_controls_values_exactly(ws):
    log_id = _log(ws, TEAM)
    # A value that cannot be kept, and the app's own state, are left out.
    controls = {**FUNNEL, "upload": object(), "cx_loaded": "x", "Odd Key!": 1}
    view = views.save(ws, name="funnel", page="funnels", controls=controls, log_id=log_id,
                      scenario=None, who=TEAM)  # fmt: skip
    found = views.get(ws, view.id, TEAM)
    assert (found.name, found.page, found.log_id) == ("funnel", "funnels", log_id)
    assert found.controls == FUNNEL
    assert found.query() == {"log": log_id, "view": view.id}
    assert [v.id for v in views.views(ws, TEAM)] == [view.id]


def test_a_view_of_a_bundled_sample_names_its_scenario(ws):
    view = views.save(ws, name="v", page="paths", controls={}, log_id=None, scenario="bank",
                      who=TEAM)  # fmt: skip
    assert views.get(ws, view.id, TEAM).query() == {"scenario": "bank", "view": view.id}


def test_a_private_view_or_a_view_of_a_private_log_is_not_found_for_someone_else(ws):
    shared_log, private_log = _log(ws, ADA), _log(ws, ADA, shared=False)
    common = {"page": "overview", "controls": {}, "scenario": None, "who": ADA}
    private = views.save(ws, name="mine", log_id=shared_log, shared=False, **common)
    on_private = views.save(ws, name="on private data", log_id=private_log, **common)
    team = views.save(
        ws, name="team", page="overview", controls={}, scenario=None, log_id=shared_log, who=ADA
    )
    assert [v.name for v in views.views(ws, ADA)] == ["team", "on private data", "mine"]
    assert [v.name for v in views.views(ws, BOB)] == ["team"]
    assert views.get(ws, team.id, BOB).name == "team"
    for hidden in [private, on_private]:
        with pytest.raises(NotFound, match="no saved view with this link"):
            views.get(ws, hidden.id, BOB)


def test_a_view_cannot_name_a_log_its_author_may_not_open(ws):
    private_log = _log(ws, ADA, shared=False)
    with pytest.raises(NotFound, match="no saved log"):
        views.save(
            ws, name="x", page="overview", controls={}, scenario=None, log_id=private_log, who=BOB
        )


def test_only_its_owner_deletes_a_view(ws):
    view = views.save(ws, name="v", page="paths", controls={}, scenario=None, log_id=None, who=ADA)
    with pytest.raises(cxlib.AnalysisError, match=r"only Ada \(who saved 'v'\) may delete it"):
        views.delete(ws, view.id, BOB)
    views.delete(ws, view.id, ADA)
    assert views.views(ws, ADA) == []


def test_deleting_a_log_deletes_its_views(ws):
    log_id = _log(ws, TEAM)
    views.save(ws, name="v", page="paths", controls={}, scenario=None, log_id=log_id, who=TEAM)
    ws.delete(log_id, TEAM)
    assert views.views(ws, TEAM) == []


def test_too_many_parameters_are_refused(ws):
    controls = {"hide": ["x" * 1000] * 100}  # 100 kB
    with pytest.raises(cxlib.AnalysisError, match="more than 65,536 bytes: too many to save"):
        views.save(ws, name="big", page="overview", controls=controls, log_id=None,
                   scenario=None, who=TEAM)  # fmt: skip

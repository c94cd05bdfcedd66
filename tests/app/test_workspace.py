"""The workspace's storage: logs kept once, read back equal, seen only by those allowed."""

from __future__ import annotations

import datetime as dt
import string
import threading
from pathlib import Path

import polars as pl
import pytest

import cxlib
from cxlib import sample
from tests.conftest import make_log
from ui import logfiles
from ui import workspace as ws_module
from ui.ownership import Person
from ui.workspace import NotFound, Workspace, data_dir

ADA, BOB = Person("ada@example.com", "Ada"), Person("bob@example.com", "Bob")
TEAM = Person()
REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture
def ws(tmp_path) -> Workspace:
    return Workspace(tmp_path / "data")


@pytest.fixture(scope="module")
def bank() -> cxlib.EventLog:
    return cxlib.load(sample.path("bank"))


def add(ws: Workspace, log: cxlib.EventLog, who: Person = TEAM, key: str = "k", **options):
    return ws.add(log, name=options.pop("name", "log"), content_key=key, roles={},
                         who=who, **options)  # fmt: skip


def test_an_uploaded_log_reads_back_equal_with_its_mapping_and_report(ws, bank):
    entry = ws.open(add(ws, bank, name="bank.csv"))
    assert entry.to_polars().equals(bank.to_polars())
    assert entry.to_polars().schema == bank.to_polars().schema
    assert entry.mapping == bank.mapping
    for figure in ["rows_read", "rows_kept", "dropped", "timestamp_format", "notes",
                   "duplicates", "customers", "touchpoints", "time_min", "time_max"]:  # fmt: skip
        assert getattr(entry.report, figure) == getattr(bank.report, figure), figure
    assert cxlib.transitions(entry).equals(cxlib.transitions(bank))


def test_the_catalog_records_name_who_when_and_size(ws, bank):
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    entry = add(ws, bank, ADA, name="  bank\nexport ")
    assert (entry.name, entry.owner, entry.owner_name, entry.kind) == (
        "bank export", "ada@example.com", "Ada", "upload"
    )  # fmt: skip
    assert before <= entry.added_at <= dt.datetime.now(dt.UTC)
    assert entry.rows == bank.report.rows_kept == bank.to_polars().height
    assert entry.bytes == (ws.files / entry.file).stat().st_size


def test_the_same_upload_by_the_same_person_is_stored_once(ws, bank):
    first, again = add(ws, bank, key="same"), add(ws, bank, key="same")
    assert again.id == first.id
    assert len(list(ws.files.glob("*.parquet"))) == 1
    other = add(ws, bank, ADA, key="same")  # someone else's copy is theirs
    assert other.id != first.id


def test_ids_are_long_random_and_url_safe(ws):
    log = make_log({"a": "x y"})
    ids = [add(ws, log, key=str(i)).id for i in range(20)]
    assert len(set(ids)) == 20
    assert all(
        len(i) >= 22 and set(i) <= set(string.ascii_letters + string.digits + "-_") for i in ids
    )


def test_without_sign_in_everything_is_the_teams(ws):
    entry = add(ws, make_log({"a": "x"}), shared=False)
    assert entry.shared
    assert [e.id for e in ws.logs(TEAM)] == [entry.id]


def test_a_private_log_is_not_found_for_someone_else_a_shared_one_is(ws):
    private = add(ws, make_log({"a": "x"}), ADA, key="p", shared=False, name="ada only")
    shared = add(ws, make_log({"b": "y"}), ADA, key="s", name="for the team")
    assert [e.name for e in ws.logs(ADA)] == ["for the team", "ada only"]
    assert [e.name for e in ws.logs(BOB)] == ["for the team"]
    assert [e.name for e in ws.logs(TEAM)] == ["for the team"]
    assert ws.get(shared.id, BOB).name == "for the team"
    with pytest.raises(NotFound, match="deleted, or it is private") as hidden:
        ws.get(private.id, BOB)
    with pytest.raises(NotFound) as unknown:
        ws.get("no-such-id", BOB)
    assert str(hidden.value) == str(unknown.value)  # nothing tells them it exists


def test_only_the_owner_renames_shares_or_deletes(ws):
    entry = add(ws, make_log({"a": "x"}), ADA)
    for change in [lambda: ws.rename(entry.id, "mine now", BOB),
                   lambda: ws.share(entry.id, False, BOB), lambda: ws.delete(entry.id, BOB)]:  # fmt: skip
        with pytest.raises(cxlib.LoadError, match=r"only Ada \(who added 'log'\) may change it"):
            change()
    assert ws.rename(entry.id, "renamed", ADA).name == "renamed"
    assert not ws.share(entry.id, False, ADA).shared
    with pytest.raises(NotFound):
        ws.rename(entry.id, "hidden now", BOB)


def test_an_empty_name_is_refused(ws):
    entry = add(ws, make_log({"a": "x"}))
    with pytest.raises(cxlib.LoadError, match="give it a name"):
        ws.rename(entry.id, " \n ", TEAM)


def test_delete_removes_the_row_and_its_file(ws):
    entry = add(ws, make_log({"a": "x"}))
    ws.delete(entry.id, TEAM)
    assert ws.logs(TEAM) == []
    assert list(ws.files.iterdir()) == []
    with pytest.raises(NotFound):
        ws.get(entry.id, TEAM)


def test_a_connection_is_recorded_not_copied(ws):
    source = {"connect": "parquet", "connect_to": "/data/events"}
    entry = ws.add(source, name="events", content_key="c", roles={}, who=TEAM)
    assert (entry.kind, entry.source, entry.file) == ("connection", source, None)
    assert list(ws.files.iterdir()) == []
    with pytest.raises(cxlib.LoadError, match="is a connection"):
        ws.open(entry)


def test_opening_removes_what_a_crash_left_and_keeps_what_a_writer_holds(tmp_path):
    folder = tmp_path / "data"
    entry = add(Workspace(folder), make_log({"a": "x"}))
    files = folder / "logs"
    (files / ".tmp-half.parquet").write_bytes(b"PAR1 half written")  # died before the rename
    (files / "renamed.parquet").write_bytes(b"PAR1")  # died before the commit
    held = (files / ".tmp-live.parquet").open("wb")  # another process still writing
    logfiles._lock(held)
    try:
        ws_module._swept.discard(folder)  # a new server process
        ws = Workspace(folder)
        left = sorted(p.name for p in files.iterdir())
        assert left == sorted([".tmp-live.parquet", entry.file])
        assert ws.check() == []
    finally:
        held.close()


def test_check_reports_a_missing_or_unnamed_file(ws):
    entry = add(ws, make_log({"a": "x"}))
    (ws.files / entry.file).rename(ws.files / "moved.parquet")
    problems = ws.check()
    assert len(problems) == 2
    assert problems[0].startswith(f"log {entry.id}: {entry.file} unreadable")
    assert problems[1] == "moved.parquet: no catalog row names it"


def test_threads_adding_at_once_all_land(ws):
    logs = [make_log({f"c{i}": "x y z"}) for i in range(8)]
    threads = [threading.Thread(target=add, args=(ws, log, TEAM, str(i)))
               for i, log in enumerate(logs)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ws.logs(TEAM)) == 8
    assert ws.check() == []


def test_the_data_folder_is_configurable_and_by_default_outside_the_repository(
    monkeypatch, tmp_path
):
    monkeypatch.setenv("CX_DATA_DIR", str(tmp_path / "mine"))
    assert data_dir() == tmp_path / "mine"
    monkeypatch.delenv("CX_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_dir() == tmp_path / "xdg" / "cx-journey"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert data_dir() == Path.home().resolve() / ".local" / "share" / "cx-journey"
    assert not data_dir().is_relative_to(REPOSITORY)


def test_a_stored_file_that_cannot_be_read_is_a_message(ws):
    entry = add(ws, make_log({"a": "x"}), name="broken")
    (ws.files / entry.file).write_bytes(b"not parquet")
    with pytest.raises(cxlib.LoadError, match="the stored file of 'broken' cannot be read"):
        ws.open(entry)


def test_a_log_with_attributes_channel_and_a_time_zone_reads_back_equal(ws):
    frame = pl.DataFrame({
        "customer_id": ["a", "a", "b"],
        "timestamp": [dt.datetime(2024, 1, 1, h, tzinfo=dt.UTC) for h in (9, 10, 11)],
        "touchpoint": ["visit", "buy", "visit"],
        "channel": ["web", "store", "app"],
        "plan": ["gold", "gold", None],
    })  # fmt: skip
    log = cxlib.load(frame)
    assert ws.open(add(ws, log)).to_polars().equals(log.to_polars())

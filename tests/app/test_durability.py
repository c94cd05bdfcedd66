"""The workspace survives crashes and concurrent writers: processes killed mid-write, restarts.

A writer process adds logs in a loop and is killed with SIGKILL while a Parquet file is
being written (the test waits until the temporary file exists); a new process then opens
the workspace, as a restarted server does, and finds every committed log readable, no
half-written file and no row naming a missing file. Several processes adding at once
all land. A new app session opens a log committed before the crash.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.app.conftest import new_app

ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import datetime as dt, sys
sys.path.insert(0, {root!r})
import polars as pl
import cxlib
from ui.ownership import Person
from ui.workspace import Workspace
ws = Workspace(__import__("pathlib").Path({folder!r}))
n = {events}
for i in range({count}):
    frame = pl.DataFrame({{
        "customer_id": [f"{{{tag!r}}}-{{i}}-{{k // 10}}" for k in range(n)],
        "timestamp": pl.datetime_range(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1)
                                       + dt.timedelta(seconds=n - 1), "1s", eager=True),
        "touchpoint": [f"t{{k % 7}}" for k in range(n)],
    }})
    entry = ws.add(cxlib.EventLog.from_frame(frame), name=f"{{{tag!r}}} {{i}}",
                          content_key=f"{{{tag!r}}}-{{i}}", roles={{}}, who=Person())
    print(entry.id, flush=True)
"""

CHECK = """
import json, sys
sys.path.insert(0, {root!r})
from ui.ownership import Person
from ui.workspace import Workspace
ws = Workspace(__import__("pathlib").Path({folder!r}))
files = sorted(p.name for p in ws.files.iterdir())
print(json.dumps({{"problems": ws.check(), "ids": [e.id for e in ws.logs(Person())],
                  "files": files}}))
"""


def _writer(folder: Path, tag: str, *, count: int, events: int) -> subprocess.Popen:
    script = WRITER.format(root=str(ROOT), folder=str(folder), tag=tag, count=count, events=events)
    return subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)


def _restart_and_check(folder: Path) -> dict:
    """Open the workspace in a new process (as a restarted server) and report what it finds."""
    script = CHECK.format(root=str(ROOT), folder=str(folder))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_a_writer_killed_mid_write_leaves_a_consistent_catalog(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    committed: list[str] = []
    for round_ in range(4):
        writer = _writer(folder, f"r{round_}", count=50, events=300_000)
        committed.append(writer.stdout.readline().strip())  # one log in, then the next starts
        files = folder / "logs"
        deadline = time.monotonic() + 60
        while not any(p.name.startswith(".tmp-") for p in files.iterdir()):
            assert time.monotonic() < deadline, "the writer never started a second file"
            time.sleep(0.001)
        os.kill(writer.pid, signal.SIGKILL)  # in the middle of writing a Parquet file
        writer.wait()
        committed += [line.strip() for line in writer.stdout if line.strip()]
        writer.stdout.close()
        found = _restart_and_check(folder)
        assert found["problems"] == []
        assert set(committed) <= set(found["ids"])  # nothing committed is lost
        assert len(found["ids"]) == len(found["files"])  # one file per row, no half file
        assert not any(name.startswith(".tmp-") for name in found["files"])
    # A new session (a restarted server's first visitor) opens a log committed before a crash.
    monkeypatch.setenv("CX_DATA_DIR", str(folder))
    at = new_app({"log": committed[0]}).run()
    assert [e.value for e in at.error] == []
    assert at.session_state["cx_loaded"].label == "r0 0"
    assert at.metric[0].value == "30,000"  # 300,000 events, 10 per customer


def test_several_processes_adding_at_once_all_land(tmp_path):
    folder = tmp_path / "data"
    writers = [_writer(folder, f"w{k}", count=5, events=20_000) for k in range(4)]
    ids = []
    for writer in writers:
        out, _ = writer.communicate(timeout=300)
        assert writer.returncode == 0
        ids += out.split()
    found = _restart_and_check(folder)
    assert found["problems"] == []
    assert sorted(found["ids"]) == sorted(ids)
    assert len(ids) == 20

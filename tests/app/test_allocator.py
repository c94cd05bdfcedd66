"""The server keeps freed memory for its next rerun: the allocator's setting reaches Polars."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ui.allocator import DECAY, POLARS_OWN

ROOT = Path(__file__).resolve().parents[2]
#: What Polars' allocator is told, in a fresh process that imports the app's first modules.
PROBE = "import streamlit, ui.allocator, polars, os; print(os.environ['_RJEM_MALLOC_CONF'])"


def _told(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_polars_is_told_to_keep_freed_memory_for_the_next_rerun():
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    told = _told(env)
    # Polars puts its own 500 ms first; the last setting of a name wins.
    assert told == f"dirty_decay_ms:500,muzzy_decay_ms:1000,{DECAY}"


def test_polars_own_setting_inherited_from_a_parent_process_is_not_an_operators():
    # A server started by a Python process that imported Polars (a benchmark, a test).
    parent = f"{POLARS_OWN},thp:always,metadata_thp:always"
    told = _told({**os.environ, "_RJEM_MALLOC_CONF": parent})
    assert told == f"{POLARS_OWN},{parent},{DECAY}"
    assert _told({**os.environ, "_RJEM_MALLOC_CONF": POLARS_OWN}).endswith(f",{DECAY}")


def test_an_operators_setting_is_kept():
    told = _told({**os.environ, "_RJEM_MALLOC_CONF": "dirty_decay_ms:0"})
    assert told.endswith(",dirty_decay_ms:0")
    assert DECAY not in told
    # Polars' own setting followed by an operator's, as a parent process passes it on.
    passed_on = f"{POLARS_OWN},dirty_decay_ms:0"
    assert _told({**os.environ, "_RJEM_MALLOC_CONF": passed_on}) == f"{POLARS_OWN},{passed_on}"


def test_the_app_script_and_every_page_import_it_before_anything_else():
    # Until st.navigation has run once in the process, a link to a page runs that page
    # alone (a folder named pages/: Streamlit's legacy multipage mode, ui/page.py): its
    # imports load Polars before the app script's.
    for script in [ROOT / "streamlit_app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        imports = [
            line
            for line in script.read_text().splitlines()
            if line.startswith(("import ", "from "))
            and line.split()[1].split(".")[0] not in {*sys.stdlib_module_names, "streamlit"}
        ]
        assert imports[0].startswith("from ui import allocator"), script.name

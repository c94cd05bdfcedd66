"""The server keeps freed memory for its next rerun: the allocator's setting reaches Polars."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ui.allocator import DECAY

ROOT = Path(__file__).resolve().parents[2]
#: What Polars' allocator is told, in a fresh process that imports the app's first modules.
PROBE = "import streamlit, ui.allocator, polars, os; print(os.environ['_RJEM_MALLOC_CONF'])"


def _told(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_polars_is_told_to_keep_freed_memory_10_s():
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    told = _told(env)
    # Polars puts its own 500 ms first; the last setting of a name wins.
    assert told == f"dirty_decay_ms:500,muzzy_decay_ms:1000,{DECAY}"


def test_an_operators_setting_is_kept():
    told = _told({**os.environ, "_RJEM_MALLOC_CONF": "dirty_decay_ms:0"})
    assert told.endswith(",dirty_decay_ms:0")
    assert DECAY not in told


def test_the_app_script_imports_it_before_anything_else_of_ours():
    script = (ROOT / "streamlit_app.py").read_text()
    ours = [line for line in script.splitlines() if line.startswith(("from ui", "import ui"))]
    assert ours[0].startswith("from ui import allocator")

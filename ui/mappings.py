"""Saved import settings: a file with the same columns is read the way the last one was.

When a person fixes an upload on the Data page (a separator, a timestamp format, a
column per role) they may save the settings; the next upload with exactly the same
columns gets them at once. Settings are kept in the session and in one small JSON file,
``mappings.json``, in the data folder (:func:`ui.workspace.data_dir`: ``CX_DATA_DIR`` when
set, else ``cx-journey`` in the user's data directory), never inside the project. The file holds column names and reading settings,
no data. A folder that cannot be written keeps the settings for the session only.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import streamlit as st

from ui.workspace import data_dir

__all__ = ["find", "save"]

_FILE = "mappings.json"
_SESSION = "cx_saved_mappings"
#: Most settings kept in the file (the oldest are dropped).
_MOST = 200


def _key(columns: Sequence[str]) -> str:
    return hashlib.sha256("\x1f".join(sorted(columns)).encode()).hexdigest()[:24]


def _read_file() -> dict[str, Any]:
    try:
        saved = json.loads((data_dir() / _FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return saved if isinstance(saved, dict) else {}


def find(columns: Sequence[str]) -> dict[str, Any] | None:
    """The settings saved for a file with exactly these columns, or None."""
    key = _key(columns)
    session = st.session_state.get(_SESSION, {})
    if key in session:
        return dict(session[key])
    entry = _read_file().get(key)
    return dict(entry["settings"]) if isinstance(entry, dict) and "settings" in entry else None


def save(columns: Sequence[str], settings: Mapping[str, Any]) -> bool:
    """Keep settings for files with these columns; False when only the session keeps them."""
    key = _key(columns)
    st.session_state.setdefault(_SESSION, {})[key] = dict(settings)
    saved = _read_file()
    saved.pop(key, None)
    saved[key] = {"columns": sorted(columns), "settings": dict(settings)}
    saved = dict(list(saved.items())[-_MOST:])
    folder = data_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=folder, suffix=".tmp", delete=False
        ) as out:
            json.dump(saved, out, indent=1, ensure_ascii=False)
        Path(out.name).replace(folder / _FILE)
    except OSError:
        return False
    return True

"""Saved views: a page's state (its data, the sidebar's filters, the page's controls) under a name.

A view keeps the page (its URL path), the data (a workspace log, or a bundled sample's
``scenario``) and the value of every control bound to the URL (the sidebar's filters and
the page's own controls: each is bound to a query parameter named like its key). Values
are kept as JSON (dates and tuples tagged, see :func:`encode`), so a view restores the
exact values, and the numbers equal the original's. A link to one is ``?view=<id>``.

Views live in the workspace's catalog (:mod:`ui.workspace`), with the same rules: the
team's without sign-in; with sign-in, their owner's, shared with the team or private. A
view is found only when both it and its log may be seen.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cxlib
from ui.ownership import Owned, Person, owned, ownership
from ui.workspace import NotFound, Workspace

__all__ = ["MAX_STATE_BYTES", "View", "decode", "delete", "encode", "get", "save", "views"]

#: Most bytes of state a view keeps (a page has a few dozen short values).
MAX_STATE_BYTES = 64 * 1024
#: What a control's key looks like; the app's own state (``cx_...``) is never a control.
_CONTROL = re.compile(r"(?!cx_)[a-z][a-z0-9_]{0,80}")
_VISIBLE = """
SELECT views.* FROM views LEFT JOIN logs ON logs.id = views.log_id
WHERE (views.shared = 1 OR views.owner IS :who)
  AND (views.log_id IS NULL OR logs.shared = 1 OR logs.owner IS :who)
"""


@dataclass(frozen=True)
class View(Owned):
    """A saved view: the page (its URL path), its data and its controls' values."""

    log_id: str | None
    scenario: str | None
    page: str
    controls: Mapping[str, Any]

    def query(self) -> dict[str, str]:
        """The query parameters naming its data and itself."""
        data = {"log": self.log_id} if self.log_id is not None else {"scenario": self.scenario}
        return {**{k: v for k, v in data.items() if v is not None}, "view": self.id}


def save(
    ws: Workspace,
    *,
    name: str,
    page: str,
    controls: Mapping[str, Any],
    log_id: str | None,
    scenario: str | None,
    who: Person,
    shared: bool = True,
) -> View:
    """Save a page's state as a view (``log_id`` must be a log ``who`` may open).

    Controls whose value cannot be kept (not text, numbers, dates or lists of them) are left
    out, and so is anything whose key is not a control's (the app's own ``cx_...`` state).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> ws = Workspace(pathlib.Path(tempfile.mkdtemp()))
    >>> view = save(ws, name="bank funnel", page="funnels", log_id=None, scenario="bank",
    ...             who=Person(), controls={"funnel_steps": ["a", "b"], "dates": (dt.date(2024, 1, 1),)})
    >>> found = get(ws, view.id, Person())
    >>> found.controls["dates"], found.query() == {"scenario": "bank", "view": view.id}
    ((datetime.date(2024, 1, 1),), True)
    """
    kept = {}
    for key, value in controls.items():
        with contextlib.suppress(TypeError):
            if _CONTROL.fullmatch(str(key)):
                kept[str(key)] = encode(value)
    state = json.dumps({"scenario": scenario, "controls": kept})
    if len(state.encode()) > MAX_STATE_BYTES:
        msg = f"this page's settings take more than {MAX_STATE_BYTES:,} bytes: too many to save"
        raise cxlib.AnalysisError(msg)
    if log_id is not None:
        ws.get(log_id, who)  # raises NotFound
    values = {
        **ownership(name, who, shared),
        "log_id": log_id,
        "page": str(page),
        "state": state,
    }
    with ws.transaction() as con:
        con.execute(
            f"INSERT INTO views ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
            tuple(values.values()),
        )
    return get(ws, values["id"], who)


def encode(value: Any) -> Any:
    """A control's value as JSON: dates, times and tuples tagged (raises ``TypeError`` otherwise).

    Examples
    --------
    >>> encode((dt.date(2024, 1, 2), None)), encode(["a", 2, 0.5, True])
    ({'tuple': [{'date': '2024-01-02'}, None]}, ['a', 2, 0.5, True])
    """
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"tuple": [encode(v) for v in value]}
    for kind in _TIMES:  # datetime before date: a datetime is a date too
        if isinstance(value, _TIMES[kind]):
            return {kind: value.isoformat()}
    msg = f"a {type(value).__name__} cannot be kept in a view"
    raise TypeError(msg)


def decode(value: Any) -> Any:
    """The value :func:`encode` was given.

    Examples
    --------
    >>> decode({"tuple": [{"date": "2024-01-02"}, None]})
    (datetime.date(2024, 1, 2), None)
    """
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        ((kind, inner),) = value.items()
        if kind == "tuple":
            return tuple(decode(v) for v in inner)
        return _TIMES[kind].fromisoformat(inner)
    return value


_TIMES: dict[str, Any] = {"datetime": dt.datetime, "date": dt.date, "time": dt.time}


def views(ws: Workspace, who: Person) -> list[View]:
    """The views ``who`` may open (their log too), the newest first."""
    rows = ws.query(_VISIBLE + " ORDER BY views.added_at DESC, views.name", {"who": who.id})
    return [_view(row) for row in rows]


def get(ws: Workspace, view_id: str, who: Person) -> View:
    """The view with this id, if ``who`` may open it and its log (else :class:`NotFound`)."""
    rows = ws.query(_VISIBLE + " AND views.id = :id", {"who": who.id, "id": str(view_id)})
    if not rows:
        msg = (
            "no saved view with this link: it was deleted, or it (or its data) is private to "
            "the person who saved it"
        )
        raise NotFound(msg)
    return _view(rows[0])


def delete(ws: Workspace, view_id: str, who: Person) -> None:
    """Delete a view (its owner only)."""
    view = get(ws, view_id, who)
    if view.owner != who.id:
        msg = f"only {view.owner_name or view.owner} (who saved {view.name!r}) may delete it"
        raise cxlib.AnalysisError(msg)
    with ws.transaction() as con:
        con.execute("DELETE FROM views WHERE id = ?", (view.id,))


def _view(row: sqlite3.Row) -> View:
    state = json.loads(row["state"])
    return View(
        **owned(row),
        log_id=row["log_id"],
        scenario=state["scenario"],
        page=row["page"],
        controls={
            key: decode(value)
            for key, value in state["controls"].items()
            if _CONTROL.fullmatch(key)
        },
    )

"""Who owns what in the team's workspace, and who sees it: the fields every catalog row has.

Without sign-in everything belongs to the team (everyone using the server); with
sign-in a log or a saved view belongs to the person who added it and is either shared
with the team or private. :mod:`ui.workspace` (logs) and :mod:`ui.views` (saved views)
write and read these fields alike. Pure (no Streamlit).
"""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any

import cxlib

__all__ = ["MAX_NAME", "Owned", "Person", "clean_name", "now", "owned", "ownership"]

#: Longest name a log or a view may have.
MAX_NAME = 200


@dataclass(frozen=True)
class Person:
    """Who is using the dashboard: ``id`` (an e-mail) when signed in, ``None`` for the team."""

    id: str | None = None
    name: str | None = None

    @property
    def label(self) -> str:
        """How the Data page names them."""
        return self.name or self.id or "the team"


@dataclass(frozen=True)
class Owned:
    """What every catalog row has: an id, a name, who added it and when, and who may see it."""

    id: str
    name: str
    owner: str | None
    owner_name: str | None
    shared: bool
    added_at: dt.datetime

    def visible_to(self, who: Person) -> bool:
        """Whether ``who`` may open it: shared with the team, or theirs."""
        return self.shared or self.owner == who.id


def now() -> str:
    """The time now, as the catalog writes it (ISO 8601, UTC)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def clean_name(name: str) -> str:
    """A name on one line, at most :data:`MAX_NAME` characters (raises when empty)."""
    cleaned = " ".join(str(name).split())[:MAX_NAME]
    if not cleaned:
        msg = "give it a name (the name is how the team finds it)"
        raise cxlib.LoadError(msg)
    return cleaned


def owned(row: sqlite3.Row) -> dict[str, Any]:
    """The fields every catalog row has: id, name, who added it, with whom it is shared, when."""
    return {
        "id": row["id"],
        "name": row["name"],
        "owner": row["owner"],
        "owner_name": row["owner_name"],
        "shared": bool(row["shared"]),
        "added_at": dt.datetime.fromisoformat(row["added_at"]),
    }


def ownership(name: str, who: Person, shared: bool) -> dict[str, Any]:
    """Those fields for a new row: a random id, ``who`` as owner, shared always without sign-in."""
    return {
        "id": secrets.token_urlsafe(16),
        "name": clean_name(name),
        "owner": who.id,
        "owner_name": who.name,
        "shared": int(shared or who.id is None),
        "added_at": now(),
    }

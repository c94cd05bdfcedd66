"""The team's workspace: every uploaded or connected log, kept on the server under a name.

Pure storage (no Streamlit): a folder holding one Parquet file per uploaded log and a
catalog in SQLite (the standard library's ``sqlite3``)::

    <data folder>/catalog.sqlite    the logs and the saved views (ui.views), one row each
    <data folder>/logs/<file>.parquet  an uploaded log's events, in canonical columns

The data folder is ``CX_DATA_DIR``, by default ``cx-journey`` in the user's data
directory (``$XDG_DATA_HOME`` or ``~/.local/share``; ``%LOCALAPPDATA%`` on Windows,
``~/Library/Application Support`` on macOS), never inside the repository.

A connected log (a Parquet folder, a DuckDB table, a Spark table: data too large to
copy) is kept as its connection, which is checked again each time it is opened.

**Ids** are random (:func:`secrets.token_urlsafe`, 128 bits): a link carries one, never
a path, and cannot be guessed. **Who sees what**: without sign-in everything belongs
to the team (everyone using the server); with sign-in a log belongs to the person who
added it and is either shared with the team or private, and only that person may
rename, share or delete it. Anything not visible is "not found", exactly like an id
that never existed.

**Durability**: a Parquet file is written to a temporary file in the same folder,
flushed to disk, then renamed into place and recorded in the catalog in one
transaction (SQLite's write lock held), so a crash leaves either the previous state or
the new log, never a catalog row pointing to a missing or half-written file. Opening a
workspace removes what a crash can leave behind: temporary files no writer holds and
Parquet files no row names.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import polars as pl

import cxlib
from ui import logfiles
from ui.ownership import Owned, Person, clean_name, owned, ownership

__all__ = [
    "LogEntry",
    "NotFound",
    "StorageError",
    "Workspace",
    "data_dir",
    "workspace",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS logs (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    owner       TEXT,               -- who added it (NULL: the team, no sign-in)
    owner_name  TEXT,
    shared      INTEGER NOT NULL,   -- 1: the team sees it; 0: its owner only
    added_at    TEXT NOT NULL,      -- ISO 8601, UTC
    kind        TEXT NOT NULL CHECK (kind IN ('upload', 'connection')),
    content_key TEXT NOT NULL,      -- hash of the uploaded bytes and roles (cache key)
    file        TEXT,               -- uploads: the Parquet file in logs/
    source      TEXT,               -- connections: the connection, as JSON
    roles       TEXT NOT NULL,      -- role -> column chosen by hand, as JSON
    meta        TEXT NOT NULL,      -- the role mapping and the load report, as JSON
    rows        INTEGER NOT NULL,
    bytes       INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS logs_by_content ON logs (owner, content_key);
CREATE TABLE IF NOT EXISTS views (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    owner       TEXT,
    owner_name  TEXT,
    shared      INTEGER NOT NULL,
    added_at    TEXT NOT NULL,
    log_id      TEXT REFERENCES logs (id) ON DELETE CASCADE,  -- NULL: a bundled sample
    page        TEXT NOT NULL,      -- the page's URL path
    state       TEXT NOT NULL       -- the sample's scenario and the controls' values, as JSON
);
"""
_swept: set[Path] = set()
_swept_lock = threading.Lock()


class NotFound(cxlib.LoadError):
    """No log or view with this id that this person may see (deleted, private or never made)."""


class StorageError(cxlib.LoadError):
    """The workspace's folder or catalog cannot be read or written (permissions, a full disk)."""


@dataclass(frozen=True)
class LogEntry(Owned):
    """One log of the workspace, as the catalog records it."""

    kind: Literal["upload", "connection"]
    content_key: str
    file: str | None
    source: Mapping[str, str] | None
    roles: Mapping[str, str]
    meta: Mapping[str, Any]
    rows: int
    bytes: int


def data_dir() -> Path:
    """The workspace's folder: ``CX_DATA_DIR``, else ``cx-journey`` in the user's data directory."""
    if configured := os.environ.get("CX_DATA_DIR", "").strip():
        return Path(configured).expanduser().resolve()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return (base / "cx-journey").resolve()


def workspace() -> Workspace:
    """The workspace in :func:`data_dir` (read from the environment at each call)."""
    return Workspace(data_dir())


class Workspace:
    """The logs kept in one data folder (see the module docstring).

    Examples
    --------
    >>> import datetime as dt, tempfile
    >>> ws = Workspace(Path(tempfile.mkdtemp()))
    >>> log = cxlib.EventLog.from_frame(pl.DataFrame({
    ...     "customer_id": ["a", "a"],
    ...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10)],
    ...     "touchpoint": ["visit", "buy"],
    ... }))
    >>> entry = ws.add(log, name="two events", content_key="k", roles={}, who=Person())
    >>> [e.name for e in ws.logs(Person())], ws.open(entry).to_polars()["touchpoint"].to_list()
    (['two events'], ['visit', 'buy'])
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files = folder / "logs"
        self.catalog = folder / "catalog.sqlite"
        with self._storage():
            self.files.mkdir(parents=True, exist_ok=True)
            with contextlib.closing(self._connect()) as con:
                con.execute("PRAGMA journal_mode = WAL")  # readers never wait for a writer
                con.executescript(_SCHEMA)
        with _swept_lock:
            if folder not in _swept:
                self._sweep()
                _swept.add(folder)

    @contextlib.contextmanager
    def _storage(self) -> Iterator[None]:
        """The disk's and SQLite's errors as one message naming the folder."""
        try:
            yield
        except (OSError, sqlite3.Error) as err:
            msg = (
                f"the workspace in {str(self.folder)!r} cannot be used ({err}); the server's "
                "operator must give it a writable folder (CX_DATA_DIR)"
            )
            raise StorageError(msg) from err

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.catalog, timeout=30, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("PRAGMA synchronous = FULL")  # a committed row survives a power cut
        return con

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: SQLite's write lock is held from the start to the commit."""
        with self._storage():
            con = self._connect()
        try:
            with self._storage():
                con.execute("BEGIN IMMEDIATE")
            try:
                with self._storage():
                    yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            with self._storage():
                con.execute("COMMIT")
        finally:
            con.close()

    def query(self, sql: str, args: tuple[Any, ...] | Mapping[str, Any] = ()) -> list[sqlite3.Row]:
        """Rows of a read-only query on the catalog."""
        with self._storage(), contextlib.closing(self._connect()) as con:
            return con.execute(sql, args).fetchall()

    # --- Adding ---------------------------------------------------------------------

    def add(
        self,
        data: cxlib.EventLog | Mapping[str, str],
        *,
        name: str,
        content_key: str,
        roles: Mapping[str, str],
        who: Person,
        shared: bool = True,
    ) -> LogEntry:
        """Keep an uploaded log (its events), or record a connection (the data stays where it is).

        ``data`` is the loaded log or the connection (see :meth:`ui.connect.Connection.source`).
        The same content added again by the same person is the entry already there.
        """
        if (found := self._same(who, content_key)) is not None:
            return found
        common: dict[str, Any] = {
            "name": name,
            "who": who,
            "shared": shared,
            "content_key": content_key,
        }
        if not isinstance(data, cxlib.EventLog):
            with self.transaction() as con:
                if (found := self._same(who, content_key, con)) is not None:
                    return found
                return self._insert(
                    con, **common, kind="connection", file=None, source=dict(data), roles=roles,
                    meta={}, rows=0, size=0,
                )  # fmt: skip
        frame = data.frame.collect("polars").to_native()
        meta = logfiles.meta(data)
        with (
            self._storage(),
            logfiles.written(frame, self.files) as (temporary, file),
            self.transaction() as con,
        ):
            if (found := self._same(who, content_key, con)) is not None:
                return found
            final = self.files / file
            os.replace(temporary, final)
            logfiles.sync_folder(self.files)
            entry = self._insert(
                con, **common, kind="upload", file=file, source=None, roles=roles, meta=meta,
                rows=frame.height, size=final.stat().st_size,
            )  # fmt: skip
        return entry

    def _same(
        self, who: Person, content_key: str, con: sqlite3.Connection | None = None
    ) -> LogEntry | None:
        sql = "SELECT * FROM logs WHERE owner IS ? AND content_key = ? ORDER BY added_at LIMIT 1"
        if con is None:
            rows = self.query(sql, (who.id, content_key))
        else:
            rows = con.execute(sql, (who.id, content_key)).fetchall()
        return _entry(rows[0]) if rows else None

    def _insert(
        self,
        con: sqlite3.Connection,
        *,
        name: str,
        who: Person,
        shared: bool,
        kind: str,
        content_key: str,
        file: str | None,
        source: Mapping[str, str] | None,
        roles: Mapping[str, str],
        meta: Mapping[str, Any],
        rows: int,
        size: int,
    ) -> LogEntry:
        values = {
            **ownership(name, who, shared),
            "kind": kind,
            "content_key": content_key,
            "file": file,
            "source": None if source is None else json.dumps(source),
            "roles": json.dumps(dict(roles)),
            "meta": json.dumps(meta),
            "rows": rows,
            "bytes": size,
        }
        names = ", ".join(values)
        con.execute(
            f"INSERT INTO logs ({names}) VALUES ({', '.join('?' * len(values))})",
            tuple(values.values()),
        )
        return _entry(con.execute("SELECT * FROM logs WHERE id = ?", (values["id"],)).fetchone())

    # --- Reading --------------------------------------------------------------------

    def logs(self, who: Person) -> list[LogEntry]:
        """The logs ``who`` may open, the newest first."""
        rows = self.query(
            "SELECT * FROM logs WHERE shared = 1 OR owner IS ? ORDER BY added_at DESC, name",
            (who.id,),
        )
        return [_entry(row) for row in rows]

    def get(self, log_id: str, who: Person) -> LogEntry:
        """The log with this id, if ``who`` may open it (else :class:`NotFound`)."""
        rows = self.query("SELECT * FROM logs WHERE id = ?", (str(log_id),))
        entry = _entry(rows[0]) if rows else None
        if entry is None or not entry.visible_to(who):
            msg = (
                "no saved log with this link: it was deleted, or it is private to the person "
                "who added it; open one from the Data page"
            )
            raise NotFound(msg)
        return entry

    def open(self, entry: LogEntry) -> cxlib.EventLog:
        """An uploaded log read back from its Parquet file, with its mapping and load report."""
        if entry.file is None:
            msg = f"{entry.name!r} is a connection: open it with its connection"
            raise cxlib.LoadError(msg)
        path = self.files / entry.file
        try:
            frame = pl.read_parquet(path)
        except (OSError, pl.exceptions.PolarsError) as err:
            msg = f"the stored file of {entry.name!r} cannot be read ({err}); upload it again"
            raise cxlib.LoadError(msg) from err
        return logfiles.log(frame, entry.meta)

    # --- Changing -------------------------------------------------------------------

    def rename(self, log_id: str, name: str, who: Person) -> LogEntry:
        """Give a log another name (its owner only)."""
        return self._change(log_id, who, "name = ?", (clean_name(name),))

    def share(self, log_id: str, shared: bool, who: Person) -> LogEntry:
        """Share a log with the team, or keep it private (its owner only, with sign-in)."""
        return self._change(log_id, who, "shared = ?", (int(shared or who.id is None),))

    def delete(self, log_id: str, who: Person) -> None:
        """Delete a log, its file and the views on it (its owner only)."""
        with self.transaction() as con:
            entry = self._owned(con, log_id, who)
            con.execute("DELETE FROM logs WHERE id = ?", (entry.id,))
        if entry.file is not None:  # after the commit: a crash here leaves an unnamed file
            (self.files / entry.file).unlink(missing_ok=True)

    def _change(self, log_id: str, who: Person, assignment: str, args: tuple[Any, ...]) -> LogEntry:
        with self.transaction() as con:
            entry = self._owned(con, log_id, who)
            con.execute(f"UPDATE logs SET {assignment} WHERE id = ?", (*args, entry.id))
            return _entry(con.execute("SELECT * FROM logs WHERE id = ?", (entry.id,)).fetchone())

    def _owned(self, con: sqlite3.Connection, log_id: str, who: Person) -> LogEntry:
        row = con.execute("SELECT * FROM logs WHERE id = ?", (str(log_id),)).fetchone()
        entry = _entry(row) if row is not None else None
        if entry is None or not entry.visible_to(who):
            msg = "no saved log with this id: it was deleted, or it is private"
            raise NotFound(msg)
        if entry.owner != who.id:
            msg = f"only {entry.owner_name or entry.owner} (who added {entry.name!r}) may change it"
            raise cxlib.LoadError(msg)
        return entry

    # --- Crash recovery -------------------------------------------------------------

    def _sweep(self) -> None:
        """Remove what a crash leaves: temporary files no writer holds, files no row names."""
        with self.transaction() as con:  # no writer renames a file meanwhile
            named = {row["file"] for row in con.execute("SELECT file FROM logs")}
            logfiles.remove_leftovers(self.files, named)

    def check(self) -> list[str]:
        """What is inconsistent between the catalog and the files (empty when all is well)."""
        problems = []
        rows = self.query("SELECT id, file, rows FROM logs WHERE file IS NOT NULL")
        named = {row["file"] for row in rows}
        for row in rows:
            path = self.files / row["file"]
            try:
                height = pl.scan_parquet(path).select(pl.len()).collect().item()
            except (OSError, pl.exceptions.PolarsError) as err:
                problems.append(f"log {row['id']}: {row['file']} unreadable ({err})")
                continue
            if height != row["rows"]:
                problems.append(f"log {row['id']}: {height} rows, the catalog says {row['rows']}")
        stray = [
            p.name
            for p in self.files.glob("*.parquet")
            if p.name not in named and not logfiles.is_temporary(p)
        ]
        problems += [f"{name}: no catalog row names it" for name in stray]
        return problems


def _entry(row: sqlite3.Row) -> LogEntry:
    return LogEntry(
        **owned(row),
        kind=row["kind"],
        content_key=row["content_key"],
        file=row["file"],
        source=None if row["source"] is None else json.loads(row["source"]),
        roles=json.loads(row["roles"]),
        meta=json.loads(row["meta"]),
        rows=row["rows"],
        bytes=row["bytes"],
    )

"""Data that outgrows an upload, opened where it lives: Parquet, a DuckDB table, Spark Connect.

A :class:`Connection` names the source (a Parquet file or folder, a DuckDB database
file and table, a Spark Connect address and table) and the engine the analyses run
on; only their small results come back to the dashboard. Connecting is **off** unless
the server's operator names what may be opened, by two environment variables:

``CX_CONNECT_ROOTS``
    Folders (separated by ``:``, ``;`` on Windows) that Parquet and DuckDB paths must
    lie in. A path is resolved first (links, ``..``) and must be a regular file or a
    folder inside one of them; every file of a folder too. Unset: no path may be opened.
``CX_SPARK_REMOTES``
    The Spark Connect addresses (comma-separated) that may be used. Unset: none.

The kind chosen is enforced: a Parquet source must be Parquet files (their magic
bytes are checked before anything reads them), a DuckDB database a DuckDB file. A
DuckDB database is opened read-only on a connection that may read only inside the
roots, with its configuration locked (:func:`cxlib.engines.duckdb_safe.duckdb_confined`),
so a view in it cannot read elsewhere. A connection is kept in the workspace
(:mod:`ui.workspace`) and a link names it by its id, never by its path.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import polars as pl

import cxlib
from cxlib.engines.choice import choose_engine, parquet_events
from cxlib.engines.duckdb_safe import duckdb_confined
from cxlib.engines.tables import SPARK_CONNECT, duckdb_table
from cxlib.io.readers import Table

__all__ = ["ENGINES", "KINDS", "Connection", "allowed_remotes", "allowed_roots", "offered"]

Kind = Literal["parquet", "duckdb", "spark"]
#: What can be connected to, as the Data page names it.
KINDS: dict[str, str] = {
    "parquet": "Parquet file or folder",
    "duckdb": "DuckDB database",
    "spark": "Spark Connect",
}
#: The engines a Parquet source can run on.
ENGINES: dict[str, str] = {
    "auto": "Automatic: Polars while the log fits in memory, else DuckDB",
    "polars": "Polars (in memory, fastest to tens of millions of events)",
    "duckdb": "DuckDB (spills to disk: logs larger than memory)",
}
_ADDRESS = re.compile(r"sc://[A-Za-z0-9.\-]+(:\d{1,5})?(/;[^\s]*)?")
_PARQUET, _DUCKDB = b"PAR1", b"DUCK"
T = TypeVar("T")


def allowed_roots() -> list[Path]:
    """The folders paths must lie in (``CX_CONNECT_ROOTS``, resolved); empty: no path may be opened."""
    value = os.environ.get("CX_CONNECT_ROOTS", "")
    roots = [Path(p.strip()).expanduser().resolve() for p in value.split(os.pathsep) if p.strip()]
    return [root for root in roots if root.is_dir()]


def offered() -> list[str]:
    """The kinds this server lets people connect to (none unless its operator named some)."""
    return [kind for kind in KINDS if (allowed_remotes() if kind == "spark" else allowed_roots())]


def allowed_remotes() -> list[str]:
    """The Spark Connect addresses that may be used (``CX_SPARK_REMOTES``); empty: none."""
    value = os.environ.get("CX_SPARK_REMOTES", "")
    return [r.strip() for r in value.split(",") if r.strip()]


@dataclass(frozen=True)
class Connection:
    """A source opened where it lives: ``kind``, ``target`` (path or address), table, engine."""

    kind: Kind
    target: str
    table: str | None = None
    engine: Literal["auto", "polars", "duckdb"] = "auto"
    #: Why an automatic engine is the one it is (set by :meth:`resolved`).
    chosen: str = ""

    @classmethod
    def from_source(cls, source: Mapping[str, str]) -> Connection:
        """The connection a workspace entry records (see :meth:`source`)."""
        return cls(
            source["kind"],  # type: ignore[arg-type]
            source["target"],
            source.get("table") or None,
            source.get("engine", "auto"),  # type: ignore[arg-type]
        )

    def source(self) -> dict[str, str]:
        """What the workspace records; a Spark address's parameters (``/;token=...``) left out."""
        target = self.target.split("/;")[0] if self.kind == "spark" else self.target
        params = {"kind": self.kind, "target": target}
        if self.table:
            params["table"] = self.table
        if self.kind == "parquet":
            params["engine"] = self.engine
        return params

    @property
    def label(self) -> str:
        """How the Data page names the source (with the engine picked automatically, and why)."""
        table = f", table {self.table}" if self.table else ""
        engine = ""
        if self.kind == "parquet" and self.engine != "auto":
            engine = f" on {ENGINES[self.engine].split()[0]}"
            engine += f" (chosen: {self.chosen})" if self.chosen else ""
        return f"{KINDS[self.kind]}: {self.target.split('/;')[0]}{table}{engine}"

    def resolved(self) -> Connection:
        """The connection with an automatic engine picked from the data's size (files checked)."""
        if self.kind != "parquet" or self.engine != "auto":
            return self
        _, files = self._files()
        choice = choose_engine(parquet_events(files))
        return dataclasses.replace(self, engine=choice.engine, chosen=choice.reason)

    def open(self, **roles: Any) -> cxlib.EventLog:
        """Load the source as an EventLog on its engine (raises :class:`cxlib.CxError`)."""
        if self.kind == "parquet" and self.engine == "auto":
            return self.resolved().open(**roles)
        if self.kind == "spark":
            return cxlib.load(self._address(), table=self.table, **roles)
        path, files = self._files()
        if self.kind == "duckdb":
            return _duckdb(
                "database",
                path,
                lambda: cxlib.load(
                    duckdb_table(duckdb_confined(path, readable=allowed_roots()), self.table),
                    **roles,
                ),
            )
        # The files checked, read as Parquet whatever their names say.
        if self.engine == "duckdb":
            names = [str(file) for file in files]
            return _duckdb(
                "Parquet",
                path,
                lambda: cxlib.load(duckdb_confined(readable=files).read_parquet(names), **roles),
            )
        # On Polars the log is read into memory once while it fits (10M events: 0.7 s):
        # scanned lazily, every analysis's first pass read the files again and the load
        # report's figures took a pass of their own (connect -> first graph 10.9 s in
        # chromium). Polars asked for on a log too large for memory scans it lazily.
        if choose_engine(parquet_events(files)).in_memory:
            return cxlib.load(pl.read_parquet(files), **roles)
        # Scanned as the Parquet it is: its load report's figures wait until read (100M
        # events: 8 s of the load).
        return cxlib.load(Table(path.name, pl.scan_parquet(files), "parquet"), **roles)

    def fingerprint(self) -> bytes:
        """What identifies the data now: the files' sizes and times (a changed file is new data).

        A Spark table cannot be fingerprinted from here, so each connection to one is new.
        """
        parts = [self.kind, self.target, self.table or "", self.engine]
        if self.kind == "spark":
            parts.append(str(time.time_ns()))
        else:
            _, files = self._files()
            parts += [f"{file}\0{size}\0{mtime}" for file, size, mtime in files_stats(files)]
        return hashlib.sha256("\n".join(parts).encode()).digest()

    def _files(self) -> tuple[Path, list[Path]]:
        """The resolved path and the data files it holds, each checked (raises :class:`cxlib.LoadError`)."""
        raw = self.target.strip()
        roots = allowed_roots()
        if not roots:
            msg = (
                "connecting to files on the server is off: its operator has not named the folders "
                "that may be opened (CX_CONNECT_ROOTS); upload the file instead"
            )
            raise cxlib.LoadError(msg)
        if not raw:
            msg = "type the path of the file or folder to open"
            raise cxlib.LoadError(msg)
        try:
            path = Path(raw).expanduser().resolve()
            inside = any(path.is_relative_to(root) for root in roots)
            if not inside:
                shown = ", ".join(str(r) for r in roots)
                msg = f"{raw!r} is outside the folders this dashboard may open ({shown}); put the data there"
                raise cxlib.LoadError(msg)
            if not path.exists():
                msg = f"no such file or folder: {raw!r}; check the path (it is read on the server)"
                raise cxlib.LoadError(msg)
            files = self._data_files(raw, path, roots)
        except (RuntimeError, ValueError) as err:  # ~unknown_user, a NUL byte
            msg = f"{raw!r} is not a usable path ({err}); type a folder or file path"
            raise cxlib.LoadError(msg) from err
        except OSError as err:
            msg = f"cannot open {raw!r} on the server: {err.strerror or type(err).__name__}"
            raise cxlib.LoadError(msg) from err
        return path, files

    def _data_files(self, raw: str, path: Path, roots: list[Path]) -> list[Path]:
        """The regular files to read, each inside the roots and of the chosen kind."""
        if path.is_dir():
            if self.kind == "duckdb":
                msg = f"{raw!r} is a folder: a DuckDB database is one file; type its path"
                raise cxlib.LoadError(msg)
            files = sorted(p for p in path.rglob("*.parquet") if not p.name.startswith((".", "_")))
            if not files:
                msg = f"{raw!r} holds no .parquet file; type a Parquet file or a folder of them"
                raise cxlib.LoadError(msg)
        else:
            files = [path]
        for file in files:
            name = raw if file == path else str(file)
            real = file.resolve()
            if not any(real.is_relative_to(root) for root in roots):
                shown = ", ".join(str(r) for r in roots)
                msg = f"{name!r} links outside the folders this dashboard may open ({shown})"
                raise cxlib.LoadError(msg)
            if not stat.S_ISREG(real.stat().st_mode):
                msg = f"{name!r} is not a regular file: only data files can be opened"
                raise cxlib.LoadError(msg)
            self._check_kind(file, name)
        return files

    def _check_kind(self, file: Path, name: str) -> None:
        """Refuse a file whose first bytes are not those of the chosen kind."""
        with file.open("rb") as handle:
            head = handle.read(12)
            if self.kind == "parquet":
                handle.seek(0, os.SEEK_END)
                size = handle.tell()
                handle.seek(max(size - 4, 0))
                tail = handle.read(4)
                ok = head.startswith(_PARQUET) and tail == _PARQUET and size >= 12
            else:
                ok = head[8:12] == _DUCKDB
        if not ok:
            msg = f"{name!r} is not a {KINDS[self.kind]} (its first bytes say otherwise); choose its kind"
            raise cxlib.LoadError(msg)

    def _address(self) -> str:
        address = self.target.strip()
        if not _ADDRESS.fullmatch(address):
            msg = (
                f"{address!r} is not a Spark Connect address; write it as "
                f"{SPARK_CONNECT}host:port (the default port is 15002)"
            )
            raise cxlib.LoadError(msg)
        remotes = allowed_remotes()
        if address.split("/;")[0] not in {r.split("/;")[0] for r in remotes}:
            msg = (
                f"{address!r} is not a Spark server this dashboard may use; use one of {remotes!r}"
                if remotes
                else "Spark Connect is off: the server's operator has named no Spark server "
                "(CX_SPARK_REMOTES)"
            )
            raise cxlib.LoadError(msg)
        return address


def files_stats(files: list[Path]) -> list[tuple[Path, int, int]]:
    """Each file's size and modification time (what changes when the data changes)."""
    return [(file, (s := file.stat()).st_size, s.st_mtime_ns) for file in files]


def _duckdb(what: str, path: Path, open_it: Callable[[], T]) -> T:
    """Open ``path`` on DuckDB; its errors (no common base class) become a message."""
    try:
        return open_it()
    except cxlib.CxError:
        raise
    except Exception as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        msg = f"DuckDB cannot open {str(path)!r} as {what}: {first}"
        raise cxlib.LoadError(msg) from err

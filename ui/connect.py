"""Data that outgrows an upload, opened where it lives: Parquet, a DuckDB table, Spark Connect.

A :class:`Connection` names the source (a Parquet file or folder, a DuckDB database
file and table, a Spark Connect address and table) and the engine the analyses run
on; only their small results come back to the dashboard. On a shared server the
operator decides what may be opened, by two environment variables:

``CX_CONNECT_ROOTS``
    Folders (separated by ``:``, ``;`` on Windows) that paths must lie in, after
    resolving links and ``..``. Unset: any path the server's user can read.
``CX_SPARK_REMOTES``
    The Spark Connect addresses (comma-separated) that may be used. Unset: any.

The Docker image sets ``CX_CONNECT_ROOTS=/data`` (see docs/hosting.md).
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cxlib
from cxlib.engines import duckdb_connect
from cxlib.engines.tables import SPARK_CONNECT

__all__ = ["ENGINES", "KINDS", "QUERY_KEYS", "Connection", "allowed_roots"]

Kind = Literal["parquet", "duckdb", "spark"]
#: What can be connected to, as the Data page names it.
KINDS: dict[str, str] = {
    "parquet": "Parquet file or folder",
    "duckdb": "DuckDB database",
    "spark": "Spark Connect",
}
#: The engines a Parquet source can run on.
ENGINES: dict[str, str] = {
    "polars": "Polars (in memory, fastest to tens of millions of events)",
    "duckdb": "DuckDB (spills to disk: logs larger than memory)",
}
#: URL parameters of a connection (a link reproduces it).
QUERY_KEYS = ("connect", "connect_to", "connect_table", "connect_engine")
_ADDRESS = re.compile(r"sc://[A-Za-z0-9.\-]+(:\d{1,5})?(/;[^\s]*)?")


def allowed_roots() -> list[Path]:
    """The folders paths must lie in (``CX_CONNECT_ROOTS``); empty when any path may be opened."""
    value = os.environ.get("CX_CONNECT_ROOTS", "")
    return [Path(p).expanduser().resolve() for p in value.split(os.pathsep) if p.strip()]


def _allowed_remotes() -> list[str]:
    value = os.environ.get("CX_SPARK_REMOTES", "")
    return [r.strip() for r in value.split(",") if r.strip()]


@dataclass(frozen=True)
class Connection:
    """A source opened where it lives: ``kind``, ``target`` (path or address), table, engine."""

    kind: Kind
    target: str
    table: str | None = None
    engine: Literal["polars", "duckdb"] = "polars"

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> Connection | None:
        """The connection a link names (``?connect=parquet&connect_to=...``), if any."""
        kind = params.get("connect")
        if kind not in KINDS or not params.get("connect_to"):
            return None
        engine = params.get("connect_engine", "polars")
        return cls(
            kind,  # type: ignore[arg-type]
            params["connect_to"],
            params.get("connect_table") or None,
            engine if engine in ENGINES else "polars",  # type: ignore[arg-type]
        )

    def query(self) -> dict[str, str]:
        """The URL parameters that reproduce this connection."""
        # A Spark address's parameters (/;token=...) may hold a secret: never in a link.
        target = self.target.split("/;")[0] if self.kind == "spark" else self.target
        params = {"connect": self.kind, "connect_to": target}
        if self.table:
            params["connect_table"] = self.table
        if self.kind == "parquet":
            params["connect_engine"] = self.engine
        return params

    @property
    def label(self) -> str:
        """How the Data page names the source."""
        table = f", table {self.table}" if self.table else ""
        engine = f" on {ENGINES[self.engine].split()[0]}" if self.kind == "parquet" else ""
        return f"{KINDS[self.kind]}: {self.target}{table}{engine}"

    def open(self, **roles: str) -> cxlib.EventLog:
        """Load the source as an EventLog on its engine (raises :class:`cxlib.CxError`)."""
        if self.kind == "spark":
            return cxlib.load(self._address(), table=self.table, **roles)
        path = self._path()
        if self.kind == "duckdb":
            return cxlib.load(str(path), table=self.table, **roles)
        if self.engine == "duckdb":
            pattern = str(path / "**" / "*.parquet") if path.is_dir() else str(path)
            try:
                relation = duckdb_connect().read_parquet(pattern)
            except Exception as err:  # DuckDB's IO and format errors have no common base
                msg = f"DuckDB cannot read {str(path)!r} as Parquet: {err}"
                raise cxlib.LoadError(msg) from err
            return cxlib.load(relation, **roles)
        return cxlib.load(path, **roles)

    def fingerprint(self) -> bytes:
        """What identifies the data now: the files' sizes and times (a changed file is new data).

        A Spark table cannot be fingerprinted from here, so each connection to one is new.
        """
        parts = [self.kind, self.target, self.table or "", self.engine]
        if self.kind == "spark":
            parts.append(str(time.time_ns()))
        else:
            path = self._path()
            try:
                files = sorted(path.rglob("*")) if path.is_dir() else [path]
                stats = [(file, file.stat()) for file in files]
            except OSError as err:
                msg = f"cannot read {self.target!r}: {err.strerror or err}; check its permissions"
                raise cxlib.LoadError(msg) from err
            parts += [f"{file}\0{st.st_size}\0{st.st_mtime_ns}" for file, st in stats]
        return hashlib.sha256("\n".join(parts).encode()).digest()

    def _path(self) -> Path:
        raw = self.target.strip()
        if not raw:
            msg = "type the path of the file or folder to open"
            raise cxlib.LoadError(msg)
        try:
            path = Path(raw).expanduser().resolve()
            path.exists()  # a NUL byte is refused here, not later
        except (RuntimeError, ValueError, OSError) as err:  # ~unknown_user, NUL, too long
            msg = f"{raw!r} is not a usable path ({err}); type a folder or file path"
            raise cxlib.LoadError(msg) from err
        roots = allowed_roots()
        if roots and not any(path.is_relative_to(root) for root in roots):
            shown = ", ".join(str(r) for r in roots)
            msg = f"{raw!r} is outside the folders this dashboard may open ({shown}); put the data there"
            raise cxlib.LoadError(msg)
        if not path.exists():
            msg = f"no such file or folder: {raw!r}; check the path (it is read on the server)"
            raise cxlib.LoadError(msg)
        return path

    def _address(self) -> str:
        address = self.target.strip()
        if not _ADDRESS.fullmatch(address):
            msg = (
                f"{address!r} is not a Spark Connect address; write it as "
                f"{SPARK_CONNECT}host:port (the default port is 15002)"
            )
            raise cxlib.LoadError(msg)
        remotes = _allowed_remotes()
        if remotes and address.split("/;")[0] not in {r.split("/;")[0] for r in remotes}:
            msg = (
                f"{address!r} is not a Spark server this dashboard may use; use one of {remotes!r}"
            )
            raise cxlib.LoadError(msg)
        return address

"""A DuckDB connection that reads only where it is allowed to, for data opened on a shared server.

A DuckDB database file can hold views that read any file DuckDB can reach
(``CREATE VIEW events AS SELECT * FROM read_csv('/etc/...')``), and a query can
``ATTACH`` another database or load an extension from the internet. A connection from
:func:`duckdb_confined` has external access disabled except for the files and folders
it is given (DuckDB's ``allowed_paths`` and ``allowed_directories``, checked after
resolving links), and its configuration locked, so nothing run on it can lift that.
It spills to disk as :func:`~cxlib.engines.duckdb_connect` does.

A database file is attached read-only to a new in-memory database rather than opened:
DuckDB shares one instance per opened file within a process, and a second connection
to a locked instance could not be set up; each confined connection is its own instance.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cxlib.engines import duckdb_connect

if TYPE_CHECKING:
    import duckdb

__all__ = ["duckdb_confined"]


def duckdb_confined(
    database: str | Path = ":memory:", *, readable: Sequence[str | Path]
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection (on a database file, read-only) that may read only ``readable``.

    ``readable`` lists the files and folders its queries may read (a folder with all
    below it); anything else, ``ATTACH``, extensions and changing a setting are refused
    with DuckDB's ``PermissionException`` or ``InvalidInputException``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> allowed = pathlib.Path(tempfile.mkdtemp())
    >>> con = duckdb_confined(readable=[allowed])
    >>> con.sql("SELECT 1 + 1").fetchall()
    [(2,)]
    >>> con.sql("SELECT * FROM read_text('/etc/hostname')")
    Traceback (most recent call last):
    ...
    _duckdb.PermissionException: Permission Error: Cannot access file "/etc/hostname" - file system operations are disabled by configuration
    >>> con.execute("SET enable_external_access = true")
    Traceback (most recent call last):
    ...
    _duckdb.InvalidInputException: Invalid Input Error: Cannot change configuration option ""enable_external_access"" - the configuration has been locked
    """
    con = duckdb_connect()
    if str(database) != ":memory:":
        quoted = str(Path(database).resolve()).replace("'", "''")
        con.execute(f"ATTACH '{quoted}' AS source (READ_ONLY)")
        con.execute("USE source")
    paths = [Path(p).resolve() for p in readable]
    folders = [f"{p}{os.sep}" for p in paths if p.is_dir()]
    files = [str(p) for p in paths if not p.is_dir()]
    con.execute("SET allowed_directories = ?", [folders])
    con.execute("SET allowed_paths = ?", [files])
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con

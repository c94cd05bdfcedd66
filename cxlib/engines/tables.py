"""Tables that live in an engine: a DuckDB database's tables, a Spark Connect server's.

:func:`cxlib.load` reads them through :func:`duckdb_table` (a database file's path or
a DuckDB connection, with ``table=``) and :func:`spark_table` (an ``sc://host:port``
address, with ``table=``). Nothing is read but the table's columns: the analyses run
on the engine.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw

from cxlib.engines import duckdb_connect, spark_connect
from cxlib.errors import LoadError

__all__ = ["SPARK_CONNECT", "duckdb_table", "spark_table"]

#: How a Spark Connect address starts (``sc://host:port``).
SPARK_CONNECT = "sc://"


def duckdb_table(database: Any, table: str | None) -> nw.LazyFrame[Any]:
    """A table of a DuckDB database (a file's path, opened read-only, or a connection)."""
    con = duckdb_connect(database) if isinstance(database, str) else database
    tables = [row[0] for row in con.sql("SHOW TABLES").fetchall()]
    return nw.from_native(con.table(_pick_table(table, tables, "database")))


def _pick_table(table: str | None, tables: list[str], where: str) -> str:
    """The table asked for, or the only one there is (raises :class:`LoadError`)."""
    if table is None and len(tables) == 1:
        return tables[0]
    if table not in tables:
        shown = tables[:20] + (["..."] if len(tables) > 20 else [])
        asked = "choose the table to load" if table is None else f"there is no table {table!r}"
        msg = f"{asked}: the {where} has {shown!r}"
        raise LoadError(msg)
    return table


def spark_table(address: str, table: str | None) -> nw.LazyFrame[Any]:
    """A table (or view) on a Spark Connect server, read lazily there (raises :class:`LoadError`)."""
    try:
        session = spark_connect(address)
    except ImportError as err:
        msg = (
            f"reading {address!r} needs the Spark Connect client, which is not installed: "
            "pip install -r requirements-spark.txt (PySpark with its connect extras)"
        )
        raise LoadError(msg) from err
    except Exception as err:  # the client raises many kinds; all mean no server there
        msg = (
            f"cannot reach a Spark Connect server at {address!r} ({_first_line(err)}); "
            "check the host and port, and that the server is running"
        )
        raise LoadError(msg) from err
    catalog = session.catalog
    names = [t.name for t in catalog.listTables()]
    names += [f"global_temp.{t.name}" for t in catalog.listTables("global_temp")]
    if table is None:
        return nw.from_native(session.table(_pick_table(table, names, "Spark catalog")))
    try:  # a qualified name (db.table) is not in the listing: ask for its columns
        frame = session.table(table)
        frame.columns  # noqa: B018 (resolves the table on the server)
    except Exception as err:  # an AnalysisException, over gRPC
        _pick_table(table, names, "Spark catalog")  # raises, listing the tables there
        raise LoadError(_first_line(err)) from err
    return nw.from_native(frame)


def _first_line(err: BaseException) -> str:
    """What went wrong, in one line: a gRPC error's details (Spark Connect), else its first line."""
    cause: BaseException | None = err
    while cause is not None:
        details = getattr(cause, "details", None)
        if callable(details) and isinstance(text := details(), str) and text:
            return text.splitlines()[0][:300]
        cause = cause.__cause__ or cause.__context__
    lines = str(err).strip().splitlines()
    return lines[0][:300] if lines else type(err).__name__

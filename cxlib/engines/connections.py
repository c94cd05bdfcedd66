"""Connections to the engines cxlib runs on besides Polars: DuckDB and Spark (local or Spark Connect).

Each is set up the way the analyses need it: times in UTC, spilling to the system's
temporary folder, few shuffle partitions on a laptop.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    from pyspark.sql import SparkSession
    from pyspark.sql.connect.session import SparkSession as RemoteSession

__all__ = ["duckdb_connect", "spark_connect", "spark_session"]


def spark_session() -> SparkSession:
    """Return a local Spark session set up the way cxlib needs it (UTC, small shuffles)."""
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[2]")
        .appName("cx-journey")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
        .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
        .getOrCreate()
    )


def spark_connect(address: str) -> RemoteSession:
    """A new session on a Spark Connect server (``sc://host:port``), in UTC like every cxlib session.

    Each call opens its own session on the server (so two dashboard users never share
    one); the server runs the analyses and only their small results come back. An
    address nobody answers on fails within seconds (the client would otherwise retry
    for ten minutes). Needs the Spark Connect client: ``pip install -r requirements-spark.txt``.
    """
    from pyspark.sql.connect.client.retries import DefaultPolicy
    from pyspark.sql.connect.session import SparkSession as RemoteSession

    # create(), not getOrCreate(): that would hand every caller the same default session.
    session = RemoteSession.builder.remote(address).create()
    client = session.client
    patient = client.get_retry_policies()
    client.set_retry_policies([DefaultPolicy(max_retries=3, max_backoff=1000)])
    try:  # the first call reaches the server
        session.conf.set("spark.sql.session.timeZone", "UTC")
    except Exception:
        client.close()  # else its threads go on retrying, and Python waits for them at exit
        raise
    finally:
        client.set_retry_policies(patient)
    return session


def duckdb_connect(database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A DuckDB connection set up for logs larger than memory (read-only on a database file).

    DuckDB spills what does not fit in its memory limit (80 % of RAM by default) to a
    temporary folder, by default ``.tmp`` in the working directory or beside the
    database, which may be read-only or small; here it is ``cx-duckdb`` in the
    system's temporary folder (``TMPDIR``). 100M events need up to tens of GB there
    (see docs/performance.md).

    Examples
    --------
    >>> con = duckdb_connect()
    >>> con.sql("SELECT ends_with(current_setting('temp_directory'), 'cx-duckdb')").fetchall()
    [(True,)]
    """
    import duckdb

    con = duckdb.connect(database, read_only=database != ":memory:")
    spill = Path(tempfile.gettempdir()) / "cx-duckdb"
    con.execute("SET temp_directory = ?", [str(spill)])
    return con

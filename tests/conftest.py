"""Shared fixtures: tiny hand-written logs and the real public logs in ../shared/data."""

from __future__ import annotations

import atexit
import datetime as dt
import os
import socket
import subprocess
import time
from pathlib import Path

import polars as pl
import pytest
from hypothesis import settings

from cxlib import EventLog

# CI runs the property tests on a fixed sequence of examples (the same on every run, so a
# submission is judged on what was tried before it); locally they explore anew each time.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "default")

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
T0 = dt.datetime(2024, 1, 1)


def make_log(
    journeys: dict[str, str | list[str]], *, minutes: int = 1, **columns: list
) -> EventLog:
    """Build a log from ``{"customer": "a b c"}``: one event a minute, in the order written.

    Touchpoints are separated by spaces (or given as a list). Extra keyword columns
    (``channel=[...]``) are taken in the same row order.
    """
    rows = []
    for customer, path in journeys.items():
        steps = path.split() if isinstance(path, str) else path
        rows += [
            (customer, T0 + dt.timedelta(minutes=i * minutes), tp) for i, tp in enumerate(steps)
        ]
    frame = pl.DataFrame(
        rows, schema=["customer_id", "timestamp", "touchpoint"], orient="row"
    ).with_columns(**{k: pl.Series(v) for k, v in columns.items()})
    return EventLog.from_frame(frame)


@pytest.fixture(autouse=True)
def workspace_folder(tmp_path_factory, monkeypatch) -> Path:
    """Every test's own empty workspace (``CX_DATA_DIR``): nothing is written to the user's."""
    folder = tmp_path_factory.mktemp("workspace")
    monkeypatch.setenv("CX_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def shared_data() -> Path:
    """The folder of real public logs; tests using it skip where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"real logs not found at {SHARED_DATA} (a folder shared/data beside the clone; see the README)"
        )
    return SHARED_DATA


ENGINES = ["polars", "duckdb", pytest.param("pyspark", marks=pytest.mark.spark)]


@pytest.fixture(scope="session")
def spark():
    """One local Spark session (UTC) for the whole run: starting the JVM costs seconds."""
    from cxlib.engines import spark_session

    session = spark_session()
    yield session
    session.stop()


@pytest.fixture(scope="session")
def spark_connect_address(tmp_path_factory):
    """The address (``sc://127.0.0.1:port``) of a Spark Connect server started for this run.

    The server is PySpark's own (its jars include Spark Connect), in local mode and UTC,
    started the way ``sbin/start-connect-server.sh`` does; it takes 10-30 s to listen.
    """
    import pyspark

    home = Path(pyspark.__file__).parent
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = tmp_path_factory.mktemp("spark-connect") / "server.log"
    command = [
        str(home / "bin" / "spark-submit"),
        "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
        "--master", "local[2]",
        "--conf", f"spark.connect.grpc.binding.port={port}",
        "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
        "--conf", "spark.sql.session.timeZone=UTC",
        "--conf", "spark.sql.shuffle.partitions=4",
        "--conf", "spark.ui.enabled=false",
        "--conf", "spark.driver.extraJavaOptions=-Duser.timezone=UTC",
        "--conf", f"spark.sql.warehouse.dir={out.parent / 'warehouse'}",
    ]  # fmt: skip
    with out.open("wb") as log:
        server = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "SPARK_HOME": str(home)},
        )
    # Stopped at the very end: every Spark Connect client registers an exit hook that
    # cleans up on the server (and retries for minutes if the server is gone). Exit hooks
    # run last-registered first, so this one, registered before any client, runs after.
    atexit.register(lambda: (server.terminate(), server.wait(60)))
    deadline = time.monotonic() + 180
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail("the Spark Connect server did not start:\n" + out.read_text()[-3000:])
        time.sleep(0.5)
    return f"sc://127.0.0.1:{port}"


@pytest.fixture(params=ENGINES)
def on_engine(request):
    """A function moving a Polars-backed EventLog to the parametrized engine.

    The log keeps its ``event_index`` and ``epoch_us``, so all engines see the same order.
    Usage: ``def test_x(on_engine): log = on_engine(make_log(...))``.
    """
    from cxlib.engines import to_engine

    engine = request.param
    spark = request.getfixturevalue("spark") if engine == "pyspark" else None

    def convert(log: EventLog) -> EventLog:
        native = to_engine(log.frame.collect("polars").to_native(), engine, spark=spark)
        return EventLog.from_frame(native, mapping=log.mapping, report=log.report)

    convert.engine = engine
    return convert


# --- Brute-force references for property tests (plain Python, no dataframe logic) ---

SESSION_GAP_US = 30 * 60 * 1_000_000


def brute_journeys(frame: pl.DataFrame, by: str = "customer") -> dict[tuple, list[dict]]:
    """Group a canonical frame's rows into journeys with plain loops.

    Rows of a customer are ordered by ``(epoch_us, event_index)``; with
    ``by="session"`` a new journey starts after a pause of more than 30 minutes.
    Returns ``{journey key: [row dicts in order]}``.
    """
    by_customer: dict[str, list[dict]] = {}
    for row in frame.iter_rows(named=True):
        by_customer.setdefault(row["customer_id"], []).append(row)
    journeys: dict[tuple, list[dict]] = {}
    for customer, rows in by_customer.items():
        rows.sort(key=lambda r: (r["epoch_us"], r["event_index"]))
        session, previous = 1, None
        for row in rows:
            if (
                by == "session"
                and previous is not None
                and row["epoch_us"] - previous > SESSION_GAP_US
            ):
                session += 1
            previous = row["epoch_us"]
            key = (customer,) if by == "customer" else (customer, session)
            journeys.setdefault(key, []).append(row)
    return journeys


def random_log_frames():
    """Hypothesis strategy: small raw logs with few customers, touchpoints and tied times."""
    from hypothesis import strategies as st

    event = st.tuples(
        st.sampled_from(["a", "b", "c", "d"]),
        st.sampled_from([0, 1, 2, 40, 41, 90]),  # minutes: ties, and gaps > 30 min
        st.sampled_from(["x", "y", "z", "ü"]),
    )
    return st.lists(event, max_size=25).map(
        lambda events: pl.DataFrame(
            [(c, T0 + dt.timedelta(minutes=m), tp) for c, m, tp in events],
            schema={
                "customer_id": pl.String,
                "timestamp": pl.Datetime("us"),
                "touchpoint": pl.String,
            },
            orient="row",
        )
    )


def approx_rows(rows: list[tuple]) -> list[tuple]:
    """Expected result rows with every float compared approximately (engines round differently)."""
    return [tuple(pytest.approx(v) if isinstance(v, float) else v for v in row) for row in rows]

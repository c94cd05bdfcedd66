"""The Data page's Connect section: Parquet (Polars or DuckDB), DuckDB tables, Spark Connect."""

from __future__ import annotations

import os

import duckdb
import polars as pl
import pytest

import cxlib
from cxlib import sample
from tests.app.conftest import PAGES, assert_clean, data_label, errors, new_app, open_page, plain
from ui.connect import Connection

CUSTOMERS = f"{sample.BUNDLED['customers']:,}"


@pytest.fixture(scope="module")
def retail() -> pl.DataFrame:
    return pl.read_csv(sample.path("retail"))


@pytest.fixture
def parquet_folder(tmp_path, retail):
    """The retail sample as a folder of two Parquet files (split by customer)."""
    folder = tmp_path / "events"
    folder.mkdir()
    first = retail["customer_id"].unique().sort().head(100)
    retail.filter(pl.col("customer_id").is_in(first)).write_parquet(folder / "part-0.parquet")
    retail.filter(~pl.col("customer_id").is_in(first)).write_parquet(folder / "part-1.parquet")
    return folder


@pytest.fixture
def database(tmp_path, retail):
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.register("retail", retail.to_arrow())
    con.execute("CREATE TABLE events AS SELECT * FROM retail")
    con.execute("CREATE TABLE other AS SELECT 1 AS x")
    con.close()
    return path


def connect(at, kind: str, target: str, *, table: str = "", engine: str = "polars"):
    """Fill the Connect section of the Data page and press Connect."""
    at.radio(key="data_connect_kind").set_value(kind).run()
    at.text_input(key="data_connect_to").set_value(target)
    if kind == "parquet":
        at.selectbox(key="data_connect_engine").set_value(engine)
    else:
        at.text_input(key="data_connect_table").set_value(table)
    return at.button(key="data_connect").click().run()


def customers(at) -> str:
    return next(m for m in at.metric if m.label == "Customers").value


def data_page():
    return open_page(new_app().run(), "pages/data.py")


@pytest.mark.parametrize("engine", ["polars", "duckdb"])
def test_every_page_opens_on_a_parquet_folder(parquet_folder, engine):
    at = connect(data_page(), "parquet", str(parquet_folder), engine=engine)
    assert_clean(at, "Data")
    shown = {"polars": "Polars", "duckdb": "DuckDB"}[engine]
    assert data_label(at) == f"Parquet file or folder: {parquet_folder} on {shown}"
    assert at.session_state["cx_loaded"].log.engine == engine
    assert customers(at) == CUSTOMERS
    assert dict(at.query_params) == {
        "connect": "parquet",
        "connect_to": str(parquet_folder),
        "connect_engine": engine,
    }
    for file, title, _ in PAGES:
        assert_clean(open_page(at, file), title)


def test_the_parquet_log_on_duckdb_gives_the_same_transitions(parquet_folder):
    on_polars = Connection("parquet", str(parquet_folder)).open()
    on_duckdb = Connection("parquet", str(parquet_folder), engine="duckdb").open()
    assert on_duckdb.engine == "duckdb"
    # DuckDB numbers events in its own scan order: compare with ties at equal times left out.
    columns = ["source", "target", "transitions", "customers"]
    assert (
        cxlib.transitions(on_duckdb)
        .select(columns)
        .equals(cxlib.transitions(on_polars).select(columns))
    )


def test_a_link_reopens_the_connection(parquet_folder):
    link = {"connect": "parquet", "connect_to": str(parquet_folder), "connect_engine": "duckdb"}
    at = new_app(link).run()
    assert_clean(at, "Overview")
    assert at.session_state["cx_loaded"].connection == Connection(
        "parquet", str(parquet_folder), engine="duckdb"
    )
    assert customers(at) == CUSTOMERS
    assert "scenario" not in at.query_params


def test_a_link_to_a_moved_file_says_so_and_opens_the_sample(tmp_path):
    at = new_app({"connect": "parquet", "connect_to": str(tmp_path / "gone.parquet")}).run()
    assert [e.value for e in at.exception] == []
    assert data_label(at) == "sample: retail"
    assert errors(at) == []
    # Every page says which data it shows instead, and why.
    gone = tmp_path / "gone.parquet"
    assert [plain(w.value) for w in at.warning] == [
        f"Showing **sample: retail**, not **the link's data (Parquet file or folder: {gone} on Polars)**, "
        f"which did not load: no such file or folder: '{gone}'; check the path (it is read "
        "on the server). Fix it on the Data page, or remove it there."
    ]
    assert "connect" not in at.query_params


def test_a_duckdb_table_opens_and_a_wrong_table_keeps_the_data(database):
    at = connect(data_page(), "duckdb", str(database), table="events")
    assert_clean(at, "Data")
    assert data_label(at) == f"DuckDB database: {database}, table events"
    assert at.session_state["cx_loaded"].log.engine == "duckdb"
    assert at.query_params["connect_table"] == "events"
    assert_clean(open_page(at, "pages/overview.py"), "Overview")
    assert customers(at) == CUSTOMERS

    at = connect(open_page(at, "pages/data.py"), "duckdb", str(database), table="evnts")
    assert errors(at) == ["there is no table 'evnts': the database has ['events', 'other']"]
    assert data_label(at) == f"DuckDB database: {database}, table events"


def test_a_database_with_several_tables_asks_which(database):
    at = connect(data_page(), "duckdb", str(database))
    assert errors(at) == ["choose the table to load: the database has ['events', 'other']"]
    assert data_label(at) == "sample: retail"


@pytest.mark.parametrize(
    ("kind", "target", "message"),
    [
        ("parquet", "", "type the path of the file or folder to open"),
        (
            "parquet",
            "/no/such/folder",
            "no such file or folder: '/no/such/folder'; check the path (it is read on the server)",
        ),
        (
            "parquet",
            "~no_such_user_here/events",
            "'~no_such_user_here/events' is not a usable path (Could not determine home "
            "directory.); type a folder or file path",
        ),
        (
            "parquet",
            "/tmp/a\x00b",
            "'/tmp/a\\x00b' is not a usable path (embedded null byte); type a folder or file path",
        ),
        (
            "spark",
            "http://spark:15002",
            "'http://spark:15002' is not a Spark Connect address; write it as "
            "sc://host:port (the default port is 15002)",
        ),
        (
            "spark",
            "sc://<script>:1",
            "'sc://<script>:1' is not a Spark Connect address; write it as "
            "sc://host:port (the default port is 15002)",
        ),
    ],
)
def test_bad_connections_say_what_to_fix_and_keep_the_data(kind, target, message):
    at = connect(data_page(), kind, target, table="events")
    assert [e.value for e in at.exception] == []
    assert errors(at) == [message]
    assert data_label(at) == "sample: retail"


def test_paths_outside_the_allowed_folders_are_refused(monkeypatch, tmp_path, parquet_folder):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    monkeypatch.setenv("CX_CONNECT_ROOTS", str(allowed))
    sneaky = f"{allowed}/../events"  # resolves to parquet_folder, outside the root
    with pytest.raises(cxlib.LoadError) as err:
        Connection("parquet", sneaky).open()
    assert str(err.value) == (
        f"{sneaky!r} is outside the folders this dashboard may open ({allowed}); put the data there"
    )
    (allowed / "events").symlink_to(parquet_folder)
    with pytest.raises(cxlib.LoadError, match="is outside the folders"):
        Connection("parquet", str(allowed / "events")).open()
    monkeypatch.setenv("CX_CONNECT_ROOTS", os.pathsep.join([str(allowed), str(tmp_path)]))
    assert Connection("parquet", sneaky).open().report.customers == sample.BUNDLED["customers"]


def test_only_the_allowed_spark_servers_are_used(monkeypatch):
    monkeypatch.setenv("CX_SPARK_REMOTES", "sc://spark-a:15002, sc://spark-b:15002/;use_ssl=true")
    with pytest.raises(cxlib.LoadError) as err:
        Connection("spark", "sc://evil:15002", "events").open()
    assert str(err.value) == (
        "'sc://evil:15002' is not a Spark server this dashboard may use; use one of "
        "['sc://spark-a:15002', 'sc://spark-b:15002/;use_ssl=true']"
    )


def test_a_spark_token_never_reaches_the_link():
    connection = Connection("spark", "sc://spark:15002/;token=s3cret;use_ssl=true", "events")
    assert connection.query() == {
        "connect": "spark",
        "connect_to": "sc://spark:15002",
        "connect_table": "events",
    }
    assert Connection.from_query(connection.query()) == Connection(
        "spark", "sc://spark:15002", "events"
    )


def test_a_changed_file_is_new_data(parquet_folder):
    connection = Connection("parquet", str(parquet_folder))
    before = connection.fingerprint()
    assert connection.fingerprint() == before
    pl.DataFrame({"x": [1]}).write_parquet(parquet_folder / "part-0.parquet")
    assert connection.fingerprint() != before


def test_the_data_page_names_the_allowed_folders(monkeypatch, tmp_path):
    monkeypatch.setenv("CX_CONNECT_ROOTS", str(tmp_path))
    captions = [plain(c.value) for c in data_page().caption]
    assert any(
        c.endswith(f"only their results come back. Paths must be under {tmp_path}.")
        for c in captions
    )

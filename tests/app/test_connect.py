"""The Data page's Connect section: off unless the server names its folders; paths, kinds, DuckDB confined."""

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
def root(tmp_path, monkeypatch):
    """The one folder the server lets people open (``CX_CONNECT_ROOTS``)."""
    folder = tmp_path / "root"
    folder.mkdir()
    monkeypatch.setenv("CX_CONNECT_ROOTS", str(folder))
    return folder


@pytest.fixture
def parquet_folder(root, retail):
    """The retail sample as a folder of two Parquet files (split by customer)."""
    folder = root / "events"
    folder.mkdir()
    first = retail["customer_id"].unique().sort().head(100)
    retail.filter(pl.col("customer_id").is_in(first)).write_parquet(folder / "part-0.parquet")
    retail.filter(~pl.col("customer_id").is_in(first)).write_parquet(folder / "part-1.parquet")
    return folder


@pytest.fixture
def database(root, retail):
    path = root / "warehouse.duckdb"
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
def test_every_page_opens_on_a_parquet_folder_and_the_link_names_no_path(parquet_folder, engine):
    at = connect(data_page(), "parquet", str(parquet_folder), engine=engine)
    assert_clean(at, "Data")
    shown = {"polars": "Polars", "duckdb": "DuckDB"}[engine]
    assert data_label(at) == f"Parquet file or folder: {parquet_folder} on {shown}"
    loaded = at.session_state["cx_loaded"]
    assert loaded.log.engine == engine
    assert customers(at) == CUSTOMERS
    assert dict(at.query_params) == {"log": loaded.log_id}  # an id, never the path
    for file, title, _ in PAGES:
        assert_clean(open_page(at, file), title)


def test_the_engine_is_picked_from_the_size_and_the_page_says_which(parquet_folder, monkeypatch):
    at = data_page()
    assert at.selectbox(key="data_connect_engine").value == "auto"
    at = connect(at, "parquet", str(parquet_folder), engine="auto")
    events = at.session_state["cx_loaded"].log.report.rows_kept
    assert at.session_state["cx_loaded"].log.engine == "polars"
    assert data_label(at) == (
        f"Parquet file or folder: {parquet_folder} on Polars (chosen: {events:,} events fit in memory)"
    )
    # On a server with 1 MB free, the same files go to DuckDB, and the link keeps "auto".
    monkeypatch.setattr("cxlib.engines.choice.free_memory", lambda: 2**20)
    at = connect(data_page(), "parquet", str(parquet_folder), engine="auto")
    assert at.session_state["cx_loaded"].log.engine == "duckdb"
    assert data_label(at).endswith(
        f"on DuckDB (chosen: {events:,} events need about 0.0 GiB, 0.0 GiB is free)"
    )
    assert at.session_state["cx_loaded"].connection.engine == "auto"
    assert customers(at) == CUSTOMERS


def test_polars_reads_into_memory_only_what_fits(parquet_folder, monkeypatch):
    read: list[object] = []
    real = pl.read_parquet
    monkeypatch.setattr(pl, "read_parquet", lambda *a, **k: read.append(a) or real(*a, **k))
    at = connect(data_page(), "parquet", str(parquet_folder), engine="polars")
    assert len(read) == 1  # read once, into memory
    # Polars asked for on a server with 1 MB free: the files are scanned lazily, never read whole.
    monkeypatch.setattr("cxlib.engines.choice.free_memory", lambda: 2**20)
    at = connect(data_page(), "parquet", str(parquet_folder), engine="polars")
    assert len(read) == 1
    assert at.session_state["cx_loaded"].log.engine == "polars"
    assert customers(at) == CUSTOMERS


def test_the_link_reopens_the_connection_in_a_new_session(parquet_folder):
    first = connect(data_page(), "parquet", str(parquet_folder), engine="duckdb")
    log_id = first.session_state["cx_loaded"].log_id
    at = new_app({"log": log_id}).run()
    assert_clean(at, "Overview")
    assert at.session_state["cx_loaded"].connection == Connection(
        "parquet", str(parquet_folder), engine="duckdb"
    )
    assert at.metric[0].value == CUSTOMERS


def test_a_connection_whose_file_moved_says_so_and_opens_the_sample(root, retail):
    retail.write_parquet(root / "events.parquet")
    log_id = connect(data_page(), "parquet", str(root / "events.parquet"))
    log_id = log_id.session_state["cx_loaded"].log_id
    (root / "events.parquet").rename(root / "moved.parquet")
    at = new_app({"log": log_id}).run()
    assert data_label(at) == "sample: retail"
    assert errors(at) == []
    # Every page says which data it shows instead, and why.
    assert [plain(w.value) for w in at.warning] == [
        "Showing **sample: retail**, not **the link's data**, which did not load: no such file "
        f"or folder: '{root / 'events.parquet'}'; check the path (it is read on the server). "
        "Fix it on the Data page, or remove it there."
    ]
    assert "log" not in at.query_params


def test_links_that_name_a_path_no_longer_open_it(retail, tmp_path):
    secret = tmp_path / "secret.csv"
    retail.write_csv(secret)
    link = {"connect": "parquet", "connect_to": str(secret), "connect_engine": "polars"}
    at = new_app(link).run()
    assert data_label(at) == "sample: retail"
    assert [plain(w.value) for w in at.warning] == [
        "Showing **sample: retail**, not **the link's data**, which did not load: links no "
        "longer name a file or a server: open the data from the Data page, then share the new "
        "link (it names the saved log). Fix it on the Data page, or remove it there."
    ]
    assert dict(at.query_params) == {"scenario": "retail"}


def test_connect_is_off_unless_the_server_names_its_folders(monkeypatch, parquet_folder):
    monkeypatch.delenv("CX_CONNECT_ROOTS")
    at = data_page()
    assert_clean(at, "Data")
    assert "data_connect_kind" not in [r.key for r in at.radio]
    assert not any("Connect to data" in e.label for e in at.expander)
    with pytest.raises(cxlib.LoadError) as err:
        Connection("parquet", str(parquet_folder)).open()
    assert str(err.value) == (
        "connecting to files on the server is off: its operator has not named the folders "
        "that may be opened (CX_CONNECT_ROOTS); upload the file instead"
    )


def test_a_duckdb_table_opens_and_a_wrong_table_keeps_the_data(database):
    at = connect(data_page(), "duckdb", str(database), table="events")
    assert_clean(at, "Data")
    assert data_label(at) == f"DuckDB database: {database}, table events"
    assert at.session_state["cx_loaded"].log.engine == "duckdb"
    assert_clean(open_page(at, "pages/overview.py"), "Overview")
    assert at.metric[0].value == CUSTOMERS

    at = connect(open_page(at, "pages/data.py"), "duckdb", str(database), table="evnts")
    assert errors(at) == ["there is no table 'evnts': the database has ['events', 'other']"]
    assert data_label(at) == f"DuckDB database: {database}, table events"


def test_a_database_with_several_tables_asks_which(database):
    at = connect(data_page(), "duckdb", str(database))
    assert errors(at) == ["choose the table to load: the database has ['events', 'other']"]
    assert data_label(at) == "sample: retail"


def test_a_duckdb_view_cannot_read_outside_the_roots(root, tmp_path, retail):
    outside = tmp_path / "outside.csv"
    retail.write_csv(outside)
    inside = root / "inside.parquet"
    retail.write_parquet(inside)
    path = root / "views.duckdb"
    con = duckdb.connect(str(path))
    con.execute(f"CREATE VIEW events AS SELECT * FROM read_csv('{outside}')")
    con.execute(f"CREATE VIEW inside AS SELECT * FROM read_parquet('{inside}')")
    con.close()
    with pytest.raises(cxlib.LoadError) as err:
        Connection("duckdb", str(path), "events").open()
    assert str(outside) in str(err.value)
    assert "file system operations are disabled by configuration" in str(err.value)
    assert "customer_id" not in str(err.value)  # nothing of the file's content
    # A view over data inside the roots is fine.
    log = Connection("duckdb", str(path), "inside").open()
    assert log.report.customers == sample.BUNDLED["customers"]


def test_the_chosen_kind_is_enforced(root, retail, database):
    retail.write_csv(root / "events.parquet")  # a CSV named like Parquet
    retail.write_parquet(root / "really.csv")  # Parquet named like CSV: read as Parquet
    with pytest.raises(cxlib.LoadError) as err:
        Connection("parquet", str(root / "events.parquet")).open()
    assert str(err.value) == (
        f"'{root / 'events.parquet'}' is not a Parquet file or folder (its first bytes say "
        "otherwise); choose its kind"
    )
    assert Connection("parquet", str(root / "really.csv")).open().report.rows_read == retail.height
    with pytest.raises(cxlib.LoadError, match=r"is not a DuckDB database \(its first bytes"):
        Connection("duckdb", str(root / "really.csv"), "events").open()
    with pytest.raises(cxlib.LoadError, match="is not a Parquet file or folder"):
        Connection("parquet", str(database)).open()
    with pytest.raises(cxlib.LoadError, match="is a folder: a DuckDB database is one file"):
        Connection("duckdb", str(root), "events").open()
    (root / "empty").mkdir()
    with pytest.raises(cxlib.LoadError, match=r"holds no \.parquet file"):
        Connection("parquet", str(root / "empty")).open()


def test_paths_outside_the_roots_are_refused_after_resolving(root, tmp_path, retail):
    outside = tmp_path / "outside"
    outside.mkdir()
    retail.write_parquet(outside / "events.parquet")
    sneaky = f"{root}/../outside/events.parquet"
    with pytest.raises(cxlib.LoadError) as err:
        Connection("parquet", sneaky).open()
    assert str(err.value) == (
        f"{sneaky!r} is outside the folders this dashboard may open ({root}); put the data there"
    )
    (root / "link.parquet").symlink_to(outside / "events.parquet")
    with pytest.raises(cxlib.LoadError, match="is outside the folders"):
        Connection("parquet", str(root / "link.parquet")).open()
    # A folder inside whose file links outside.
    (root / "events").mkdir()
    (root / "events" / "part-0.parquet").symlink_to(outside / "events.parquet")
    with pytest.raises(cxlib.LoadError) as err:
        Connection("parquet", str(root / "events"), engine="duckdb").open()
    assert str(err.value) == (
        f"'{root / 'events' / 'part-0.parquet'}' links outside the folders this dashboard "
        f"may open ({root})"
    )


def test_proc_self_environ_is_a_clear_message(monkeypatch, root):
    with pytest.raises(cxlib.LoadError, match="is outside the folders"):
        Connection("parquet", "/proc/self/environ").open()
    # Even with /proc/self among the roots (a careless operator): not Parquet, nothing shown.
    monkeypatch.setenv("CX_CONNECT_ROOTS", os.pathsep.join([str(root), "/proc/self"]))
    with pytest.raises(cxlib.LoadError) as err:
        Connection("parquet", "/proc/self/environ").open()
    assert str(err.value) == (
        "'/proc/self/environ' is not a Parquet file or folder (its first bytes say otherwise); "
        "choose its kind"
    )


def test_a_fifo_is_not_a_data_file(root):
    os.mkfifo(root / "pipe.parquet")
    with pytest.raises(cxlib.LoadError) as err:
        Connection("parquet", str(root / "pipe.parquet")).open()
    assert str(err.value) == (
        f"'{root / 'pipe.parquet'}' is not a regular file: only data files can be opened"
    )


@pytest.mark.parametrize(
    ("kind", "target", "message"),
    [
        ("parquet", "", "type the path of the file or folder to open"),
        (
            "parquet",
            "{root}/no/such/folder",
            "no such file or folder: '{root}/no/such/folder'; check the path (it is read on "
            "the server)",
        ),
        (
            "parquet",
            "~no_such_user_here/events",
            "'~no_such_user_here/events' is not a usable path (Could not determine home "
            "directory.); type a folder or file path",
        ),
        (
            "parquet",
            "{root}/a\x00b",
            "'{root}/a\\x00b' is not a usable path (embedded null byte); type a folder or file path",
        ),
        (
            "parquet",
            "{root}/" + "x" * 300,
            "cannot open '{root}/" + "x" * 300 + "' on the server: File name too long",
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
def test_bad_connections_say_what_to_fix_and_keep_the_data(
    monkeypatch, root, kind, target, message
):
    monkeypatch.setenv("CX_SPARK_REMOTES", "sc://spark:15002")
    at = connect(data_page(), kind, target.format(root=root), table="events")
    assert [e.value for e in at.exception] == []
    assert errors(at) == [message.format(root=root)]
    assert data_label(at) == "sample: retail"


def test_a_symlink_loop_is_a_message(root):
    (root / "a").symlink_to(root / "b")
    (root / "b").symlink_to(root / "a")
    with pytest.raises(cxlib.LoadError, match=r"is not a usable path \(Symlink loop"):
        Connection("parquet", str(root / "a")).open()


def test_spark_connect_is_off_unless_servers_are_named(monkeypatch):
    with pytest.raises(cxlib.LoadError) as err:
        Connection("spark", "sc://spark-a:15002", "events").open()
    assert str(err.value) == (
        "Spark Connect is off: the server's operator has named no Spark server (CX_SPARK_REMOTES)"
    )
    monkeypatch.setenv("CX_SPARK_REMOTES", "sc://spark-a:15002, sc://spark-b:15002/;use_ssl=true")
    with pytest.raises(cxlib.LoadError) as err:
        Connection("spark", "sc://evil:15002", "events").open()
    assert str(err.value) == (
        "'sc://evil:15002' is not a Spark server this dashboard may use; use one of "
        "['sc://spark-a:15002', 'sc://spark-b:15002/;use_ssl=true']"
    )


def test_a_spark_token_never_reaches_the_workspace():
    connection = Connection("spark", "sc://spark:15002/;token=s3cret;use_ssl=true", "events")
    assert connection.source() == {
        "kind": "spark",
        "target": "sc://spark:15002",
        "table": "events",
    }
    assert "s3cret" not in connection.label
    assert Connection.from_source(connection.source()) == Connection(
        "spark", "sc://spark:15002", "events"
    )


def test_a_changed_file_is_new_data(parquet_folder):
    connection = Connection("parquet", str(parquet_folder))
    before = connection.fingerprint()
    assert connection.fingerprint() == before
    pl.DataFrame({"x": [1]}).write_parquet(parquet_folder / "part-0.parquet")
    assert connection.fingerprint() != before


def test_the_data_page_names_the_allowed_folders(root):
    captions = [plain(c.value) for c in data_page().caption]
    assert any(
        c.endswith(f"only their results come back. Paths must be under {root}.") for c in captions
    )

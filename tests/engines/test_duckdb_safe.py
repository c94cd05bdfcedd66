"""duckdb_confined: reads only what it is given, its settings locked, a database file attached read-only."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from cxlib.engines.duckdb_safe import duckdb_confined


@pytest.fixture
def places(tmp_path):
    inside, outside = tmp_path / "inside", tmp_path / "outside"
    inside.mkdir()
    outside.mkdir()
    pl.DataFrame({"a": [1, 2, 3]}).write_parquet(inside / "ok.parquet")
    pl.DataFrame({"secret": ["s3cret"]}).write_csv(outside / "secret.csv")
    (inside / "link.parquet").symlink_to(outside / "secret.csv")
    database = inside / "db.duckdb"
    con = duckdb.connect(str(database))
    con.execute("CREATE TABLE events AS SELECT 1 AS x")
    con.execute(f"CREATE VIEW leak AS SELECT * FROM read_csv('{outside / 'secret.csv'}')")
    con.execute(f"CREATE VIEW fine AS SELECT * FROM read_parquet('{inside / 'ok.parquet'}')")
    con.close()
    return inside, outside, database


def test_reads_inside_and_nothing_outside(places):
    inside, outside, _ = places
    con = duckdb_confined(readable=[inside])
    assert con.sql(f"SELECT sum(a) FROM read_parquet('{inside / 'ok.parquet'}')").fetchall() == [
        (6,)
    ]
    refused = [
        f"SELECT * FROM read_csv('{outside / 'secret.csv'}')",
        f"SELECT * FROM read_csv('{inside}/../outside/secret.csv')",
        f"SELECT * FROM read_csv('{inside / 'link.parquet'}')",  # a link inside, to outside
        "SELECT * FROM read_text('/proc/self/environ')",
        f"ATTACH '{outside / 'other.duckdb'}'",
        f"COPY (SELECT 1) TO '{outside / 'out.csv'}'",
        "INSTALL httpfs",
        "LOAD httpfs",
    ]
    for sql in refused:
        with pytest.raises(duckdb.PermissionException, match="disabled"):
            con.sql(sql)
    assert list(outside.iterdir()) == [outside / "secret.csv"]


def test_its_configuration_cannot_be_changed(places):
    con = duckdb_confined(readable=[places[0]])
    for setting in [
        "enable_external_access = true",
        "allowed_directories = ['/']",
        "lock_configuration = false",
        "memory_limit = '100GB'",
    ]:
        with pytest.raises(duckdb.InvalidInputException, match="configuration has been locked"):
            con.execute(f"SET {setting}")


def test_a_database_files_views_read_only_inside(places):
    inside, outside, database = places
    con = duckdb_confined(database, readable=[inside])
    assert sorted(r[0] for r in con.sql("SHOW TABLES").fetchall()) == ["events", "fine", "leak"]
    assert con.table("fine").fetchall() == [(1,), (2,), (3,)]
    with pytest.raises(duckdb.PermissionException, match=str(outside / "secret.csv")):
        con.table("leak").fetchall()
    with pytest.raises(duckdb.Error, match="read-only"):
        con.execute("DROP TABLE events")
    # Another confined connection to the same file is its own instance.
    assert duckdb_confined(database, readable=[inside]).table("events").fetchall() == [(1,)]


def test_it_keeps_the_spill_folder_of_duckdb_connect(places):
    con = duckdb_confined(readable=[places[0]])
    ((setting,),) = con.sql("SELECT current_setting('temp_directory')").fetchall()
    assert setting.endswith("cx-duckdb")


def test_given_files_only_those_files(places):
    inside, _, _ = places
    other = inside / "other.parquet"
    pl.DataFrame({"b": [1]}).write_parquet(other)
    con = duckdb_confined(readable=[inside / "ok.parquet"])
    assert con.read_parquet([str(inside / "ok.parquet")]).fetchall() == [(1,), (2,), (3,)]
    with pytest.raises(duckdb.PermissionException, match="disabled by configuration"):
        con.read_parquet([str(other)]).fetchall()

"""A Spark Connect address (sc://host:port) with a table: the analyses run on the server."""

from __future__ import annotations

import socket

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import cxlib
from cxlib import sample
from cxlib.engines import spark_connect
from tests.app.conftest import new_app, open_page
from tests.app.test_connect import connect, customers

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def retail() -> pl.DataFrame:
    """The retail sample with the row order as an explicit column, so ties break alike."""
    frame = pl.read_csv(sample.path("retail"), try_parse_dates=True)
    return frame.with_row_index("event_index").with_columns(pl.col("event_index").cast(pl.Int64))


@pytest.fixture(scope="module")
def server(spark_connect_address, retail):
    """The server's address, with the retail sample as the view ``global_temp.events``."""
    session = spark_connect(spark_connect_address)
    session.createDataFrame(retail.to_arrow()).createOrReplaceGlobalTempView("events")
    session.createDataFrame(pl.DataFrame({"x": [1]}).to_arrow()).createOrReplaceGlobalTempView(
        "other"
    )
    return spark_connect_address


def test_a_spark_connect_table_gives_the_same_analyses_as_polars(server, retail):
    remote = cxlib.load(server, table="global_temp.events")
    local = cxlib.load(retail)
    assert remote.engine == "pyspark"
    assert remote.frame.implementation.is_pyspark_connect()
    assert cxlib.transitions(remote).equals(cxlib.transitions(local))
    steps = ["product_page", "add_to_cart", "checkout", "purchase"]
    assert cxlib.funnel(remote, steps).equals(cxlib.funnel(local, steps))
    # Shares are divided on Spark: equal to the last bits or so.
    assert_frame_equal(cxlib.top_paths(remote), cxlib.top_paths(local))


def test_a_spark_table_must_be_named_when_there_are_several(server):
    with pytest.raises(cxlib.LoadError) as err:
        cxlib.load(server)
    assert str(err.value) == (
        "choose the table to load: "
        "the Spark catalog has ['global_temp.events', 'global_temp.other']"
    )
    with pytest.raises(
        cxlib.LoadError, match=r"^there is no table 'evnts': the Spark catalog has \["
    ):
        cxlib.load(server, table="evnts")


def test_the_data_page_connects_to_spark(server, monkeypatch):
    monkeypatch.setenv("CX_SPARK_REMOTES", server)  # the operator allows this address
    at = open_page(new_app().run(), "pages/data.py")
    at.default_timeout = 300  # each page's analyses run on the Spark server: a hang guard only
    at = connect(at, "spark", server, table="global_temp.events")
    assert [e.value for e in at.error] == []
    assert at.session_state["cx_loaded"].log.engine == "pyspark"
    at = open_page(at, "pages/overview.py")
    assert [e.value for e in at.exception] == []
    assert customers(at) == f"{sample.BUNDLED['customers']:,}"


def test_an_address_nobody_answers_on_fails_at_once_with_the_reason():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(cxlib.LoadError) as err:
        cxlib.load(f"sc://127.0.0.1:{port}", table="events")
    assert str(err.value).startswith(
        f"cannot reach a Spark Connect server at 'sc://127.0.0.1:{port}' ("
    )
    assert str(err.value).endswith("); check the host and port, and that the server is running")

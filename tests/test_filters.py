import datetime as dt

import pytest

from cxlib import (
    AnalysisError,
    filter_attribute,
    filter_channels,
    filter_time,
    filter_touchpoints,
    rename_touchpoints,
)
from tests.conftest import make_log


def touchpoints(log) -> list[str]:
    return log.to_polars()["touchpoint"].to_list()


def base():
    # a: home at 00:00, /product/1 at 00:10, cart 00:20, /product/2 00:30; b: home 00:00, café 00:10.
    return make_log(
        {"a": ["home", "/product/1", "cart", "/product/2"], "b": ["home", "café"]},
        minutes=10,
        channel=["web", "web", "app", "app", "store", "web"],
        country=["ES", "ES", "ES", "ES", "DE", "DE"],
    )


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2024-01-01 00:10", None, ["/product/1", "cart", "/product/2", "café"]),
        (None, dt.datetime(2024, 1, 1, 0, 10), ["home", "home"]),  # end excluded
        (dt.datetime(2024, 1, 1, 0, 10), "2024-01-01 00:30", ["/product/1", "cart", "café"]),
        # An aware datetime is converted: 01:20 at +01:00 is 00:20 UTC.
        (
            dt.datetime(2024, 1, 1, 1, 20, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            None,
            ["cart", "/product/2"],
        ),
        (dt.date(2024, 1, 2), None, []),
    ],
)
def test_filter_time(on_engine, start, end, expected):
    assert touchpoints(filter_time(on_engine(base()), start, end)) == expected


def test_filter_touchpoints_keep_and_drop(on_engine):
    log = on_engine(base())
    assert touchpoints(filter_touchpoints(log, keep=["home", "cart"])) == ["home", "cart", "home"]
    assert touchpoints(filter_touchpoints(log, drop="home")) == [
        "/product/1",
        "cart",
        "/product/2",
        "café",
    ]


def test_filter_channels_and_attribute(on_engine):
    log = on_engine(base())
    assert touchpoints(filter_channels(log, ["app", "store"])) == ["cart", "/product/2", "home"]
    assert touchpoints(filter_attribute(log, "country", "DE")) == ["home", "café"]


def test_rename_by_pattern_groups_pages(on_engine):
    out = rename_touchpoints(on_engine(base()), pattern=r"^/product/.*", replacement="product_page")
    assert touchpoints(out) == ["home", "product_page", "cart", "product_page", "home", "café"]


def test_rename_by_mapping_can_swap_names(on_engine):
    out = rename_touchpoints(on_engine(base()), {"home": "cart", "cart": "home", "café": "cafe"})
    assert touchpoints(out) == ["cart", "/product/1", "home", "/product/2", "cart", "cafe"]


def test_filters_keep_the_report_and_mapping():
    log = base()
    assert filter_time(log, "2024-01-01").mapping == log.mapping


# Error paths.


def test_unknown_touchpoint_suggests_the_closest():
    with pytest.raises(
        AnalysisError, match=r"touchpoint 'hom' is not in the log; did you mean 'home'\?"
    ):
        filter_touchpoints(base(), keep=["hom"])


def test_keep_and_drop_together():
    with pytest.raises(
        AnalysisError, match=r"pass exactly one of keep=\[\.\.\.\] or drop=\[\.\.\.\]"
    ):
        filter_touchpoints(base(), keep=["home"], drop=["cart"])


def test_no_channel_column():
    log = make_log({"a": "x y"})
    with pytest.raises(
        AnalysisError, match=r"the log has no channel column; load it with channel=\.\.\."
    ):
        filter_channels(log, "web")


def test_unknown_attribute_and_value():
    with pytest.raises(
        AnalysisError, match=r"the log has no column 'countri'; did you mean 'country'\?"
    ):
        filter_attribute(base(), "countri", "ES")
    with pytest.raises(AnalysisError, match=r"country value 'FR' is not in the log"):
        filter_attribute(base(), "country", ["FR"])


@pytest.mark.parametrize("bad", ["yesterday", 42])
def test_bad_dates(bad):
    with pytest.raises(AnalysisError, match=rf"start={bad!r} is not a date"):
        filter_time(base(), bad)


def test_rename_needs_one_way():
    with pytest.raises(AnalysisError, match=r"pass either a mapping \{old: new\} or pattern="):
        rename_touchpoints(base())
    with pytest.raises(AnalysisError, match=r"pattern='x' needs replacement=\.\.\."):
        rename_touchpoints(base(), pattern="x")
    with pytest.raises(AnalysisError, match=r"pattern='\(' is not a regular expression"):
        rename_touchpoints(base(), pattern="(", replacement="y")

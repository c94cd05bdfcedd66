"""Every export shape of shared/REAL-EXPORTS.md loads with no arguments, roles recognised.

The files are written by tests/io/shapes.py (a few rows each, in the vendor's layout);
each expectation lists the column per role and the counts a person can check by eye
in the maker.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest

from cxlib import load
from tests.io.shapes import SHAPES


def _load(name: str, **options):
    file_name, data = SHAPES[name].make()
    handle = io.BytesIO(data)
    handle.name = file_name
    return load(handle, **options)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_each_shape_loads_with_no_arguments(name):
    shape = SHAPES[name]
    log = _load(name)
    assert {role: m.column for role, m in log.mapping.items()} == shape.roles
    report = log.report
    assert (report.rows_kept, report.customers, report.touchpoints) == (
        shape.events,
        shape.customers,
        shape.touchpoints,
    )
    assert report.dropped == shape.dropped


def test_amplitude_hourly_files_of_the_zip_are_one_log():
    log = _load("amplitude")
    assert log.report.notes[0] == "2 files of the zip archive read as one table"
    frame = log.to_polars()
    # event_time is UTC with microseconds; nested properties became columns.
    assert frame["timestamp"][0] == dt.datetime(2024, 1, 5, 10, 15, 23)
    assert "event_properties.page" in frame.columns
    # u3 never signed in: no user_id, the merged amplitude_id still names them.
    assert frame.filter(customer_id="1003")["user_id"].null_count() == 2


def test_mixpanel_time_and_user_sit_inside_properties():
    log = _load("mixpanel")
    assert log.report.timestamp_format == "Unix epoch (s)"
    # The event sent twice (same $insert_id) is counted as a duplicate, and kept.
    assert log.report.duplicates == 1


def test_ga4_event_params_become_one_column_per_key():
    for name in ("ga4_json", "ga4_parquet"):
        frame = _load(name).to_polars()
        assert frame["event_params.page_location"].to_list()[:2] == ["/p0", "/p1"]
        assert set(frame["event_params.ga_session_id"]) == {"77"}
        assert frame["device.category"][0] == "desktop"
        # event_timestamp is in microseconds: 2024-01-05 10:15:23 UTC.
        assert frame["timestamp"][0] == dt.datetime(2024, 1, 5, 10, 15, 23)


def test_segment_page_calls_take_their_name():
    frame = _load("segment").to_polars()
    # Page calls have no event: their name (Home) fills the touchpoint.
    assert frame.filter(customer_id="anon-u1")["touchpoint"].to_list() == [
        "Home",
        "add_to_cart",
        "purchase",
    ]


def test_disco_csv_keeps_the_case_called_na():
    frame = _load("disco").to_polars()
    assert frame.filter(customer_id="NA")["touchpoint"].to_list() == [
        "Registration",
        "Triage",
        "Discharge",
    ]
    assert frame.filter(customer_id="NA")["timestamp"][0] == dt.datetime(2014, 10, 22, 11, 15, 41)


def test_tickets_make_an_event_per_dated_column():
    log = _load("tickets")
    frame = log.to_polars().sort("customer_id", "timestamp")
    # INC0010001 was opened, resolved and closed; INC0010002 only opened.
    assert frame.filter(customer_id="INC0010001")["touchpoint"].to_list() == [
        "Opened",
        "Resolved",
        "Closed",
    ]
    assert frame.filter(customer_id="INC0010002")["touchpoint"].to_list() == ["Opened"]
    assert (
        log.mapping["touchpoint"].reason
        == "the names of the dated columns Opened, Resolved, Closed"
    )


def test_shopify_orders_are_one_purchase_each_with_their_total():
    log = _load("shopify")
    frame = log.to_polars().sort("timestamp")
    # #1001 (two lines, total 35.00), #1002 (15.00), #1003 (two lines, refunded, 10.50);
    # Created at 10:15:23 -0500 is 15:15:23 UTC.
    assert frame.select("customer_id", "value", "Name").rows() == [
        ("ana@x.test", 35.0, "#1001"),
        ("ben@x.test", 15.0, "#1002"),
        ("ana@x.test", 10.5, "#1003"),
    ]
    assert frame["timestamp"][0] == dt.datetime(2024, 1, 5, 15, 15, 23)
    assert "5 lines read as 3 purchases, one per order in 'Name'" in log.report.notes


def test_online_retail_invoices_are_purchases_valued_by_their_lines():
    log = _load("online_retail")
    frame = log.to_polars().sort("InvoiceNo")
    # 536365: 6 x 2.55 + 6 x 3.39 = 35.64; 536367: 32 x 1.69 + 6 x 2.10 = 66.68;
    # C536379 (a cancellation): -1 x 27.50.
    values = dict(zip(frame["InvoiceNo"], frame["value"], strict=True))
    assert values["536365"] == pytest.approx(35.64)
    assert values["536367"] == pytest.approx(66.68)
    assert values["C536379"] == pytest.approx(-27.5)
    assert (
        log.mapping["value"].reason
        == "invoice lines: quantity 'Quantity' times unit price 'UnitPrice'"
    )
    assert not any(m.column == "InvoiceNo" for m in log.mapping.values())


def test_cdnow_purchases_with_no_header():
    log = _load("cdnow")
    frame = log.to_polars()
    assert frame.select("customer_id", "timestamp", "value").rows()[0] == (
        "1",
        dt.datetime(1997, 1, 1),
        11.77,
    )
    assert log.report.timestamp_format == "%Y%m%d"
    assert (
        "no column names what happened: each row is read as a 'purchase', with 'column_4' as its value"
        in log.report.notes
    )


def test_crm_excel_serial_dates_title_row_and_sheet():
    log = _load("crm_excel")
    assert log.report.timestamp_format == "Excel serial days"
    # 45296.42 days after 1899-12-30 is 2024-01-05 10:04:48.
    assert log.to_polars()["timestamp"][0] == dt.datetime(2024, 1, 5, 10, 4, 48)
    assert "sheet 'Activities' read, of 2: 'Notes', 'Activities'" in log.report.notes


def test_crm_windows_1252_german_dates_and_decimal_commas():
    frame = _load("crm_locale_csv").to_polars().filter(customer_id="Müller")
    assert frame.select("touchpoint", "timestamp", "value").rows() == [
        ("Anruf", dt.datetime(2024, 1, 5, 10, 15), None),
        ("Kauf", dt.datetime(2024, 1, 13, 16, 40), 1234.5),
    ]


def test_utf16_us_dates_with_am_pm():
    frame = _load("crm_us_utf16").to_polars()
    # 5/13/2024 settles month-first for the whole column: 5/1/2024 is 1 May.
    assert frame["timestamp"].to_list() == [
        dt.datetime(2024, 5, 1, 10, 15),
        dt.datetime(2024, 5, 13, 13, 5),
        dt.datetime(2024, 6, 2, 9, 0),
    ]


def test_spanish_month_names_and_cr_line_endings():
    frame = _load("spanish_months").to_polars()
    assert frame["timestamp"].to_list() == [
        dt.datetime(2024, 1, 5),
        dt.datetime(2024, 1, 12),
        dt.datetime(2024, 2, 3),
    ]

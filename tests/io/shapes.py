"""Small files in the shapes real exports take (see shared/REAL-EXPORTS.md), written here.

Each maker returns ``(file name, bytes)``: a handful of rows in the vendor's documented
layout, never a copy of anyone's data. :data:`SHAPES` lists them with what
:func:`cxlib.load` must recognise with no arguments and the counts it must find.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

__all__ = ["SHAPES", "Shape"]

T0 = dt.datetime(2024, 1, 5, 10, 15, 23)


@dataclass(frozen=True)
class Shape:
    """A file maker and what loading it with no arguments must give."""

    make: Callable[[], tuple[str, bytes]]
    roles: dict[str, str]
    events: int
    customers: int
    touchpoints: int
    dropped: dict[str, int] = field(default_factory=dict)


def _journeys() -> list[tuple[str, dt.datetime, str]]:
    """Three customers' journeys: (customer, time, touchpoint), 9 events, 4 touchpoints."""
    steps = {
        "u1": ["page_view", "add_to_cart", "purchase"],
        "u2": ["page_view", "page_view", "sign_up", "purchase"],
        "u3": ["page_view", "sign_up"],
    }
    return [
        (user, T0 + dt.timedelta(days=d, minutes=7 * i), step)
        for d, (user, path) in enumerate(steps.items())
        for i, step in enumerate(path)
    ]


def amplitude() -> tuple[str, bytes]:
    """Amplitude Export API: a zip of gzipped JSON lines, one file per hour, in a folder."""
    rows = []
    for n, (user, t, step) in enumerate(_journeys()):
        rows.append({
            "event_type": step,
            "user_id": None if user == "u3" else f"user-{user}",  # u3 never signed in
            "device_id": f"dev-{user}",
            "amplitude_id": 1000 + int(user[1]),
            "event_time": t.strftime("%Y-%m-%d %H:%M:%S.%f"),
            "client_event_time": t.strftime("%Y-%m-%d %H:%M:%S.%f"),
            "server_upload_time": (t + dt.timedelta(seconds=2)).strftime("%Y-%m-%d %H:%M:%S.%f"),
            "session_id": int(t.timestamp() * 1000),
            "event_properties": {"page": f"/p{n}"},
            "user_properties": {"plan": "free"},
            "platform": "Web" if n % 2 else "iOS",
            "country": "Spain",
        })  # fmt: skip
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for hour, part in ((10, rows[:5]), (11, rows[5:])):
            lines = "".join(json.dumps(r) + "\n" for r in part).encode()
            archive.writestr(f"123/123_2024-01-05_{hour}#0.json.gz", gzip.compress(lines, mtime=0))
    return "export.zip", out.getvalue()


def mixpanel() -> tuple[str, bytes]:
    """Mixpanel raw export: JSON lines, the time (epoch seconds) and the user in properties."""
    lines = []
    for n, (user, t, step) in enumerate(_journeys()):
        props = {"time": int(t.timestamp()), "distinct_id": user, "$insert_id": f"i{n}",
                 "mp_lib": "web", "$browser": "Firefox"}  # fmt: skip
        lines.append(json.dumps({"event": step, "properties": props}))
    lines.append(lines[0])  # the same event sent twice (same $insert_id)
    return "mixpanel.json", ("\n".join(lines) + "\n").encode()


def _ga4_rows() -> list[dict]:
    rows = []
    for n, (user, t, step) in enumerate(_journeys()):
        params = [
            {"key": "page_location", "value": {"string_value": f"/p{n}", "int_value": None,
                                               "double_value": None}},
            {"key": "ga_session_id", "value": {"string_value": None, "int_value": 77,
                                               "double_value": None}},
        ]  # fmt: skip
        rows.append({
            "event_date": t.strftime("%Y%m%d"),
            "event_timestamp": int(t.timestamp() * 1_000_000),
            "event_name": step,
            "event_params": params,
            "user_id": "known-1" if n == 0 else None,
            "user_pseudo_id": f"{user}.1704449723",
            "device": {"category": "mobile" if n % 2 else "desktop", "operating_system": "iOS"},
            "geo": {"country": "Spain", "city": "Madrid"},
            "traffic_source": {"name": "(direct)", "medium": "organic" if n % 3 else "cpc",
                               "source": "google"},
        })  # fmt: skip
    return rows


def ga4_json() -> tuple[str, bytes]:
    """GA4's BigQuery export as JSON lines: lists of key/value structs, nested records."""
    return "ga4.jsonl", "".join(json.dumps(r) + "\n" for r in _ga4_rows()).encode()


def ga4_parquet() -> tuple[str, bytes]:
    """The same GA4 export as Parquet (structs and lists of structs), named .csv by mistake."""
    out = io.BytesIO()
    pl.DataFrame(_ga4_rows()).write_parquet(out)
    return "ga4_export.csv", out.getvalue()


def segment() -> tuple[str, bytes]:
    """Segment / RudderStack: track calls have an event, page calls a name; two ids."""
    rows = []
    for user, t, step in _journeys():
        page = step == "page_view"
        rows.append({
            "type": "page" if page else "track",
            "event": None if page else step,
            "name": "Home" if page else None,
            "userId": None if user == "u3" else user,
            "anonymousId": f"anon-{user}",
            "timestamp": t.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "sentAt": t.strftime("%Y-%m-%dT%H:%M:%S.100Z"),
            "properties": {"path": "/"},
            "context": {"campaign": {"source": "newsletter", "medium": "email"}},
        })  # fmt: skip
    return "segment.json", json.dumps(rows).encode()


def posthog() -> tuple[str, bytes]:
    """PostHog CSV export: event, distinct_id, person_id, ISO timestamp, property columns."""
    lines = ["event,distinct_id,person_id,timestamp,properties.$current_url,properties.$browser"]
    for user, t, step in _journeys():
        lines.append(f"{step},{user},p-{user},{t.isoformat()}+00:00,https://x.test/{step},Chrome")
    return "posthog.csv", ("\n".join(lines) + "\n").encode()


def disco() -> tuple[str, bytes]:
    """A Disco/Celonis CSV (a hospital log): ';', Complete Timestamp 2014/10/22 11:15:41.000,
    empty cells everywhere, a real case called NA."""
    lines = ["Case ID;Activity;Start Timestamp;Complete Timestamp;Resource;Variant;Age;Diagnosis"]
    cases = {"NA": ["Registration", "Triage", "Discharge"], "1201": ["Registration", "Lab", "Triage", "Discharge"], "1202": ["Registration", "Discharge"]}  # fmt: skip
    for c, (case, acts) in enumerate(cases.items()):
        for i, act in enumerate(acts):
            t = dt.datetime(2014, 10, 22 + c, 11, 15 + 9 * i, 41)
            start = "" if i else (t - dt.timedelta(minutes=3)).strftime("%Y/%m/%d %H:%M:%S.000")
            lines.append(
                f"{case};{act};{start};{t:%Y/%m/%d %H:%M:%S}.000;{'' if i % 2 else 'Nurse'};;{'' if i else 64};"
            )
    return "hospital.csv", ("\r\n".join(lines) + "\r\n").encode()


def tickets() -> tuple[str, bytes]:
    """A ticketing export (ServiceNow-like): one row per ticket, a dated column per milestone."""
    lines = ["Number,Caller,Short description,Priority,Opened,Resolved,Closed"]
    lines += [
        "INC0010001,ana@x.test,Cannot log in,2,2024-01-05 09:00:00,2024-01-05 11:30:00,2024-01-08 09:00:00",
        "INC0010002,ana@x.test,Printer,4,2024-01-09 10:00:00,,",
        "INC0010003,ben@x.test,VPN down,1,2024-01-10 08:00:00,2024-01-10 08:45:00,",
    ]
    return "incidents.csv", ("\n".join(lines) + "\n").encode()


def shopify() -> tuple[str, bytes]:
    """Shopify orders: a row per line item, order-level fields on the order's first row only."""
    head = "Name,Email,Financial Status,Paid at,Fulfillment Status,Currency,Subtotal,Total,Created at,Lineitem quantity,Lineitem name,Lineitem price"
    rows = [
        "#1001,ana@x.test,paid,2024-01-05 10:16:00 -0500,fulfilled,USD,30.00,35.00,2024-01-05 10:15:23 -0500,1,Mug,10.00",
        "#1001,ana@x.test,,,,,,,2024-01-05 10:15:23 -0500,2,Cup,10.00",
        "#1002,ben@x.test,paid,2024-01-06 12:01:00 -0500,,USD,12.00,15.00,2024-01-06 12:00:00 -0500,1,Tea,12.00",
        "#1003,ana@x.test,refunded,2024-02-01 09:31:00 -0500,fulfilled,USD,8.00,10.50,2024-02-01 09:30:00 -0500,1,Spoon,8.00",
        "#1003,ana@x.test,,,,,,,2024-02-01 09:30:00 -0500,1,Fork,0.00",
    ]  # fmt: skip
    return "orders_export.csv", ("\n".join([head, *rows]) + "\n").encode()


def online_retail() -> tuple[str, bytes]:
    """UCI Online Retail invoice lines in Excel, a cancellation (C invoice) among them."""
    import xlsxwriter

    rows = [
        ("536365", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 6, dt.datetime(2010, 12, 1, 8, 26), 2.55, 17850, "United Kingdom"),
        ("536365", "71053", "WHITE METAL LANTERN", 6, dt.datetime(2010, 12, 1, 8, 26), 3.39, 17850, "United Kingdom"),
        ("536366", "22633", "HAND WARMER UNION JACK", 6, dt.datetime(2010, 12, 1, 8, 28), 1.85, 17850, "United Kingdom"),
        ("536367", "84879", "ASSORTED COLOUR BIRD ORNAMENT", 32, dt.datetime(2010, 12, 1, 8, 34), 1.69, 13047, "United Kingdom"),
        ("536367", "22745", "POPPY'S PLAYHOUSE BEDROOM", 6, dt.datetime(2010, 12, 1, 8, 34), 2.10, 13047, "United Kingdom"),
        ("C536379", "D", "Discount", -1, dt.datetime(2010, 12, 1, 9, 41), 27.50, 14527, "United Kingdom"),
        ("536370", "22728", "ALARM CLOCK BAKELIKE PINK", 24, dt.datetime(2010, 12, 1, 8, 45), 3.75, 12583, "France"),
    ]  # fmt: skip
    out = io.BytesIO()
    head = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]  # fmt: skip
    with xlsxwriter.Workbook(out, {"in_memory": True}) as book:
        sheet = book.add_worksheet("Online Retail")
        dates = book.add_format({"num_format": "m/d/yyyy h:mm"})
        sheet.write_row(0, 0, head)
        for r, row in enumerate(rows, 1):
            for c, v in enumerate(row):
                sheet.write_datetime(r, c, v, dates) if isinstance(v, dt.datetime) else sheet.write(
                    r, c, v
                )
    return "Online Retail.xlsx", out.getvalue()


def cdnow() -> tuple[str, bytes]:
    """CDNOW purchases: whitespace aligned, no header, CRLF, YYYYMMDD dates, no event column."""
    rows = [(1, "19970101", 1, 11.77), (2, "19970112", 1, 12.00), (2, "19970112", 5, 77.00),
            (3, "19970102", 2, 20.76), (3, "19970330", 2, 20.76), (3, "19970402", 2, 19.54),
            (4, "19970101", 2, 29.33)]  # fmt: skip
    text = "".join(
        f"{c:>8} {d} {q:>2} {a:>6.2f}\r\n".replace(f"{c:>8}", f"   {c:05d}") for c, d, q, a in rows
    )
    return "CDNOW_master.txt", text.encode()


def crm_excel() -> tuple[str, bytes]:
    """A CRM workbook: a notes sheet first, a title above the header, Excel serial dates."""
    import xlsxwriter

    out = io.BytesIO()
    with xlsxwriter.Workbook(out, {"in_memory": True}) as book:
        notes = book.add_worksheet("Notes")
        notes.write(0, 0, "Exported from the CRM")
        sheet = book.add_worksheet("Activities")
        sheet.write(0, 0, "Activity report, January 2024")
        sheet.write_row(2, 0, ["Kundennr", "Aktivität", "Datum", "Kanal", "Umsatz"])
        rows = [("K-1", "Anruf", 45296.42, "Telefon", None), ("K-1", "Angebot", 45297.5, "E-Mail", None),
                ("K-1", "Kauf", 45301.4, "Filiale", 120.5), ("K-2", "Anruf", 45298.39, "Telefon", None),
                ("K-2", "Kauf", 45299.6, "Web", 80.0)]  # fmt: skip
        for r, row in enumerate(rows, 3):
            sheet.write_row(r, 0, row)  # the dates as plain serial numbers (General format)
    return "crm.xlsx", out.getvalue()


def crm_locale_csv() -> tuple[str, bytes]:
    """A CRM CSV in Windows-1252 with ';', German dates (05.01.2024 10:15) and decimal commas."""
    lines = ["Kunde;Aktion;Zeitpunkt;Betrag"]
    lines += ["Müller;Anruf;05.01.2024 10:15;", "Müller;Kauf;13.01.2024 16:40;1.234,50",
              "Günther;Anruf;06.01.2024 09:05;", "Günther;Beschwerde;07.01.2024 11:00;"]  # fmt: skip
    return "crm_export.csv", ("\r\n".join(lines) + "\r\n").encode("cp1252")


def crm_us_utf16() -> tuple[str, bytes]:
    """Excel's "Unicode text": UTF-16, tabs, US dates with AM/PM."""
    lines = ["Contact\tActivity\tDate"]
    lines += [
        "c1\tcall\t5/1/2024 10:15 AM",
        "c1\temail\t5/13/2024 1:05 PM",
        "c2\tcall\t6/2/2024 9:00 AM",
    ]
    return "contacts.txt", ("\r\n".join(lines) + "\r\n").encode("utf-16")


def spanish_months() -> tuple[str, bytes]:
    """Month names in Spanish, a header with accents, CR line endings (old Mac export)."""
    lines = [
        "cliente,acción,fecha",
        "a,visita,5 ene 2024",
        "a,compra,12 de enero de 2024",
        "b,visita,3 feb 2024",
    ]
    return "ventas.csv", "\r".join(lines).encode()


SHAPES: dict[str, Shape] = {
    "amplitude": Shape(amplitude, {"timestamp": "event_time", "customer_id": "amplitude_id", "touchpoint": "event_type", "channel": "platform"}, 9, 3, 4),
    "mixpanel": Shape(mixpanel, {"timestamp": "properties.time", "customer_id": "properties.distinct_id", "touchpoint": "event"}, 10, 3, 4),
    "ga4_json": Shape(ga4_json, {"timestamp": "event_timestamp", "customer_id": "user_pseudo_id", "touchpoint": "event_name", "channel": "traffic_source.medium"}, 9, 3, 4),
    "ga4_parquet": Shape(ga4_parquet, {"timestamp": "event_timestamp", "customer_id": "user_pseudo_id", "touchpoint": "event_name", "channel": "traffic_source.medium"}, 9, 3, 4),
    "segment": Shape(segment, {"timestamp": "timestamp", "customer_id": "anonymousId", "touchpoint": "event | name", "channel": "context.campaign.medium"}, 9, 3, 4),
    "posthog": Shape(posthog, {"timestamp": "timestamp", "customer_id": "person_id", "touchpoint": "event"}, 9, 3, 4),
    "disco": Shape(disco, {"timestamp": "Complete Timestamp", "customer_id": "Case ID", "touchpoint": "Activity"}, 9, 3, 4),
    "tickets": Shape(tickets, {"timestamp": "timestamp", "customer_id": "Number", "touchpoint": "touchpoint"}, 6, 3, 3),
    "shopify": Shape(shopify, {"timestamp": "Created at", "customer_id": "Email", "touchpoint": "purchase", "value": "Total"}, 3, 2, 1),
    "online_retail": Shape(online_retail, {"timestamp": "InvoiceDate", "customer_id": "CustomerID", "touchpoint": "purchase", "value": "Quantity × UnitPrice"}, 5, 4, 1),
    "cdnow": Shape(cdnow, {"timestamp": "column_2", "customer_id": "column_1", "touchpoint": "purchase", "value": "column_4"}, 7, 4, 1),
    "crm_excel": Shape(crm_excel, {"timestamp": "Datum", "customer_id": "Kundennr", "touchpoint": "Aktivität", "channel": "Kanal", "value": "Umsatz"}, 5, 2, 3),
    "crm_locale_csv": Shape(crm_locale_csv, {"timestamp": "Zeitpunkt", "customer_id": "Kunde", "touchpoint": "Aktion", "value": "Betrag"}, 4, 2, 3),
    "crm_us_utf16": Shape(crm_us_utf16, {"timestamp": "Date", "customer_id": "Contact", "touchpoint": "Activity"}, 3, 2, 2),
    "spanish_months": Shape(spanish_months, {"timestamp": "fecha", "customer_id": "cliente", "touchpoint": "acción"}, 3, 2, 2),
}  # fmt: skip

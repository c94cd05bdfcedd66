"""The column names each role goes by, in several languages and tools, and how names are compared.

:func:`normalize_name` makes ``Customer ID``, ``customerId``, ``customer-id`` and
``CUSTOMER_ID`` one name (``customer_id``); :data:`NAMES` lists, per role, the
normalised names that mean it, best first; :data:`WORDS` the words that point at a role
inside a longer name (``web_user_key``).
"""

from __future__ import annotations

import re

__all__ = ["GAP_FILLERS", "NAMES", "NOT_TOUCHPOINT_WORDS", "QUANTITY", "WORDS", "normalize_name"]

#: Known column names per role (normalised with :func:`normalize_name`), best first.
NAMES: dict[str, tuple[str, ...]] = {
    "timestamp": (
        "time_timestamp", "timestamp", "event_timestamp", "event_time", "datetime",
        "date_time", "created_at", "occurred_at", "complete_timestamp", "end_timestamp",
        "event_date_time", "time", "ts", "date", "fecha_hora", "fecha", "zeitstempel", "zeit",
        "event_date", "datum", "horodatage", "data_ora", "start_timestamp", "start_time", "starttime",
        "timestamp_utc", "invoice_date", "order_date", "transaction_date", "purchase_date",
        "sent_at", "received_at", "client_event_time",
    ),
    "customer_id": (
        "case_concept_name", "customer_id", "user_id", "client_id", "case_id", "visitor_id",
        "user_pseudo_id", "account_id", "contact_id", "member_id", "person_id", "distinct_id",
        "amplitude_id", "anonymous_id", "full_visitor_id", "fullvisitorid", "customerid",
        "userid", "clientid", "caseid", "customer", "user", "client", "case", "visitor",
        "cliente", "cliente_id", "id_cliente", "kunde", "kunden_id", "kundennummer", "kundennr",
        "utente", "id_utente", "usuario", "id_usuario", "device_id", "cookie_id",
        "session_user", "email", "customer_email", "e_mail", "correo", "ticket_id", "ticket",
        "issue_id", "issue_key", "requester", "requester_id", "requester_email",
    ),
    "touchpoint": (
        "concept_name", "touchpoint", "activity", "event_name", "event", "action",
        "event_type", "eventname", "eventtype", "activity_name", "page", "page_path",
        "page_name", "screen_name", "step", "interaction", "evento", "actividad", "accion",
        "aktivität", "aktion", "ereignis", "activité", "événement", "attività", "azione",
    ),
    "channel": (
        "channel", "case_channel", "canal", "kanal", "canale", "medium", "source_medium",
        "channel_name", "channel_group", "default_channel_group", "channel_type",
        "traffic_source_medium", "platform",
    ),
    "value": (
        "value", "revenue", "amount", "price", "costs", "cost", "importe", "umsatz", "betrag",
        "monto", "valor", "valore", "montant", "prix", "preis", "precio", "order_value",
        "purchase_value", "event_value", "sales", "total", "line_total", "subtotal",
    ),
    "rating": (
        "rating", "score", "nps", "csat", "satisfaction", "stars", "ces", "nps_score",
        "csat_score", "satisfaction_score", "review_score", "valoracion", "puntuacion",
        "bewertung", "zufriedenheit", "satisfaccion", "note_satisfaction",
    ),
}  # fmt: skip

#: Words that point at a role when they appear inside a longer name (``web_user_key``).
WORDS: dict[str, frozenset[str]] = {
    "timestamp": frozenset({"timestamp", "time", "date", "datetime", "fecha", "zeit", "datum"}),
    "customer_id": frozenset({"customer", "user", "client", "visitor", "account", "cliente"}),
    "touchpoint": frozenset({"activity", "event", "action", "touchpoint", "page", "screen"}),
    "channel": frozenset({"channel", "canal", "kanal", "medium"}),
    "value": frozenset({"revenue", "amount", "price", "value", "cost", "costs", "umsatz"}),
    "rating": frozenset({"rating", "score", "nps", "csat", "satisfaction"}),
}

#: Words that mark a descriptive column (a product, a place, an id): never a touchpoint
#: guessed from the data alone.
NOT_TOUCHPOINT_WORDS = frozenset(
    {
        "product", "item", "lineitem", "sku", "stock", "description", "desc", "title",
        "country", "city", "region", "state", "province", "currency", "email", "address",
        "zip", "postcode", "phone", "code", "number", "no", "nr", "id", "key", "uuid", "name",
        "vendor", "brand", "category", "method", "gateway", "note", "notes", "comment", "tags",
        "resource", "dismissal", "vehicle", "class", "lib", "os", "browser", "device",
    }
)  # fmt: skip

#: Names of a quantity column (a transactions export may have it instead of an amount).
QUANTITY = frozenset(
    {"quantity", "qty", "units", "menge", "cantidad", "quantite", "lineitem_quantity"}
)

#: Columns that name a page or screen: they fill a touchpoint column's gaps (Segment's
#: page calls have a ``name`` but no ``event``).
GAP_FILLERS = ("name", "page_name", "screen_name", "page_title", "page_path")


def normalize_name(name: str) -> str:
    """Lower-case a column name and join its words with ``_`` for matching.

    camelCase and PascalCase words are split (``InvoiceDate``, ``userId``).

    Examples
    --------
    >>> normalize_name("case:concept:name"), normalize_name(" User ID "), normalize_name("Aktivität")
    ('case_concept_name', 'user_id', 'aktivität')
    >>> normalize_name("InvoiceDate"), normalize_name("anonymousId"), normalize_name("CustomerID")
    ('invoice_date', 'anonymous_id', 'customer_id')
    """
    split = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return re.sub(r"[\W_]+", "_", split.casefold()).strip("_")

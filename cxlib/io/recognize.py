"""Role recognition: which column is the customer, the timestamp, the touchpoint, ...

A column given explicitly always wins (confidence 1.0). Otherwise each role is
looked up by the column's name (common spellings in several languages and tools:
``user_id``, ``case:concept:name``, ``cliente``, ``event_name``, ``fecha``,
``canal``, ``umsatz``, ...), and the name is checked against the data (a timestamp
column must hold timestamps, a value column numbers). The three required roles
fall back on the data alone: a column of datetimes or epoch numbers, a repeating
high-cardinality id, a repeating text column.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from cxlib.errors import MappingError
from cxlib.io.timestamps import TimestampFormat, detect_format
from cxlib.log import RoleMatch

__all__ = ["NAMES", "Recognition", "normalize_name", "recognize"]

#: Known column names per role (normalised with :func:`normalize_name`), best first.
NAMES: dict[str, tuple[str, ...]] = {
    "timestamp": (
        "time_timestamp", "timestamp", "event_timestamp", "event_time", "datetime",
        "date_time", "created_at", "occurred_at", "event_date", "time", "ts", "date",
        "fecha_hora", "fecha", "zeitstempel", "zeit", "datum", "horodatage", "data_ora",
        "start_timestamp", "start_time", "starttime", "timestamp_utc",
    ),
    "customer_id": (
        "case_concept_name", "customer_id", "user_id", "client_id", "case_id", "visitor_id",
        "user_pseudo_id", "account_id", "contact_id", "member_id", "person_id", "distinct_id",
        "anonymous_id", "fullvisitorid", "customerid", "userid", "clientid", "caseid",
        "customer", "user", "client", "case", "visitor", "cliente", "cliente_id", "id_cliente",
        "kunde", "kunden_id", "kundennummer", "kundennr", "utente", "id_utente", "usuario",
        "id_usuario", "device_id", "cookie_id", "session_user",
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
    ),
    "value": (
        "value", "revenue", "amount", "price", "costs", "cost", "importe", "umsatz", "betrag",
        "monto", "valor", "valore", "montant", "prix", "preis", "precio", "order_value",
        "purchase_value", "event_value", "sales", "total",
    ),
    "rating": (
        "rating", "score", "nps", "csat", "satisfaction", "stars", "ces", "nps_score",
        "csat_score", "satisfaction_score", "review_score", "valoracion", "puntuacion",
        "bewertung", "zufriedenheit", "satisfaccion", "note_satisfaction",
    ),
}  # fmt: skip

#: Words that point at a role when they appear inside a longer name (``web_user_key``).
_WORDS: dict[str, frozenset[str]] = {
    "timestamp": frozenset({"timestamp", "time", "date", "datetime", "fecha", "zeit", "datum"}),
    "customer_id": frozenset({"customer", "user", "client", "visitor", "account", "cliente"}),
    "touchpoint": frozenset({"activity", "event", "action", "touchpoint", "page", "screen"}),
    "channel": frozenset({"channel", "canal", "kanal", "medium"}),
    "value": frozenset({"revenue", "amount", "price", "value", "cost", "costs", "umsatz"}),
    "rating": frozenset({"rating", "score", "nps", "csat", "satisfaction"}),
}
_TIME_OF_DAY = re.compile(r"^\s*\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([ap]m)?\s*$", re.IGNORECASE)
_TIME_NAMES = ("time", "hora", "zeit", "uhrzeit", "heure", "ora", "time_of_day")
_ARGUMENT = {"customer_id": "customer", "touchpoint": "touchpoint", "timestamp": "timestamp"}
_ROLE_WORDS = {
    "customer_id": "a customer id",
    "touchpoint": "a touchpoint",
    "timestamp": "a timestamp",
}
_EPOCH_UNITS = ("s", "ms", "us", "ns")


def normalize_name(name: str) -> str:
    """Lower-case a column name and join its words with ``_`` for matching.

    Examples
    --------
    >>> normalize_name("case:concept:name"), normalize_name(" User ID "), normalize_name("Aktivität")
    ('case_concept_name', 'user_id', 'aktivität')
    """
    return re.sub(r"[\W_]+", "_", name.casefold()).strip("_")


@dataclass(frozen=True)
class Recognition:
    """The outcome of :func:`recognize`: a column per role and the timestamp's format.

    ``timestamp_columns`` holds one column, or a date column and a time-of-day column
    to be joined with a space.
    """

    mapping: dict[str, RoleMatch]
    timestamp_columns: tuple[str, ...]
    timestamp_format: TimestampFormat


def _check_column(name: str, columns: list[str], argument: str) -> str:
    if name in columns:
        return name
    folded = {c.casefold().strip(): c for c in columns}
    close = difflib.get_close_matches(name, columns, n=1, cutoff=0.6)
    guess = folded.get(name.casefold().strip()) or (close[0] if close else None)
    hint = f"did you mean {guess!r}? " if guess else ""
    msg = f"{argument}={name!r} is not a column of the data; {hint}columns are {columns!r}"
    raise MappingError(msg)


def _is_number_column(values: pl.Series) -> bool:
    if values.dtype.is_numeric():
        return True
    if values.dtype != pl.String:
        return False
    text = values.drop_nulls().str.strip_chars()
    text = text.filter(text != "")
    numbers = text.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
    return text.len() > 0 and numbers.null_count() <= 0.1 * text.len()


def _fits(role: str, values: pl.Series) -> bool:
    """Whether a sample's data can play a role picked by its name."""
    if values.null_count() == values.len():
        return False
    if role in ("value", "rating"):
        return _is_number_column(values)
    if role == "timestamp":
        return detect_format(values) is not None
    labels = values.dtype in (pl.String, pl.Categorical) or values.dtype.is_integer()
    return labels or (role == "touchpoint" and values.dtype in (pl.Boolean, pl.Enum))


def _by_name(role: str, sample: pl.DataFrame, free: list[str]) -> RoleMatch | None:
    normal = {c: normalize_name(c) for c in free}
    for known in NAMES[role]:
        for col in free:
            if normal[col] == known and _fits(role, sample[col]):
                exact = col in (known, known.replace("_", ":"))
                return RoleMatch(
                    col, 0.95 if exact else 0.9, f"column name {col!r} is a usual name for it"
                )
    for col in free:
        words = set(normal[col].split("_"))
        hit = words & _WORDS[role]
        if hit and _fits(role, sample[col]):
            if role == "touchpoint" and "id" in words:  # event_id is an id, not a touchpoint
                continue
            return RoleMatch(col, 0.7, f"column name {col!r} contains {sorted(hit)[0]!r}")
    return None


def _by_data(role: str, sample: pl.DataFrame, free: list[str]) -> RoleMatch | None:
    if role == "timestamp":
        for col in free:
            fmt = detect_format(sample[col], guess=True)
            if fmt is not None:
                return RoleMatch(col, 0.6, f"its values look like timestamps ({fmt.describe()})")
        return None
    kinds = (pl.String,) if role == "touchpoint" else (pl.String, pl.Int64, pl.Int32, pl.UInt32)
    best, best_n = None, 1
    for col in free:
        values = sample[col].drop_nulls()
        n = values.n_unique()
        if sample[col].dtype in kinds and best_n < n < values.len():  # repeats: a grouping
            best, best_n = col, n
    if best is None:
        return None
    what = "an id with many repeating values" if role == "customer_id" else "repeating labels"
    return RoleMatch(best, 0.5, f"its data looks like {what} ({best_n} distinct in the sample)")


def _explicit_format(timestamp_format: str) -> TimestampFormat:
    if timestamp_format in _EPOCH_UNITS:
        return TimestampFormat("epoch", unit=timestamp_format)  # type: ignore[arg-type]
    return TimestampFormat("text", (timestamp_format,), strip=True)


def _time_partner(sample: pl.DataFrame, free: list[str]) -> str | None:
    """A time-of-day column to complete a date-only timestamp (``fecha`` + ``hora``)."""
    for col in free:
        values = sample[col].drop_nulls()
        if values.dtype == pl.Time and normalize_name(col) in _TIME_NAMES:
            return col
        if (
            values.dtype == pl.String
            and values.len() > 0
            and (
                normalize_name(col) in _TIME_NAMES
                and values.str.contains(_TIME_OF_DAY.pattern).all()
            )
        ):
            return col
    return None


def timestamp_source(sample: pl.DataFrame, columns: tuple[str, ...]) -> pl.Expr:
    """The Polars expression of the timestamp's text: one column, or a date and a time joined."""
    if len(columns) == 1:
        return pl.col(columns[0])
    date, clock = columns
    date_expr = pl.col(date)
    if isinstance(sample.schema[date], pl.Datetime):
        date_expr = date_expr.dt.date()
    return pl.concat_str([date_expr.cast(pl.String), pl.lit(" "), pl.col(clock).cast(pl.String)])


def recognize(
    sample: pl.DataFrame,
    explicit: Mapping[str, str | tuple[str, str] | None],
    *,
    timestamp_format: str | None = None,
) -> Recognition:
    """Map each role to a column of ``sample`` (a few thousand rows of the source).

    ``explicit`` maps roles (``"customer_id"``, ``"timestamp"``, ...) to the columns
    the caller named; the timestamp may be a ``(date, time)`` pair.

    Examples
    --------
    >>> import polars as pl
    >>> sample = pl.DataFrame({"fecha": ["2024-01-31 09:00"] * 2, "cliente": ["7", "7"],
    ...     "evento": ["visita", "compra"], "canal": ["web", "tienda"]})
    >>> found = recognize(sample, {})
    >>> {role: m.column for role, m in found.mapping.items()}
    {'timestamp': 'fecha', 'customer_id': 'cliente', 'touchpoint': 'evento', 'channel': 'canal'}
    """
    columns = sample.columns
    taken: dict[str, RoleMatch] = {}
    ts_columns: tuple[str, ...] = ()
    for role, given in explicit.items():
        if given is None:
            continue
        names = (given,) if isinstance(given, str) else tuple(given)
        for name in names:
            _check_column(name, columns, _ARGUMENT.get(role, role))
        if role == "timestamp":
            ts_columns = names
        taken[role] = RoleMatch(" + ".join(names), 1.0, "given explicitly")
    used = {c for m in taken.values() for c in m.column.split(" + ")} | set(ts_columns)
    mapping: dict[str, RoleMatch] = {}
    for role in ("timestamp", "customer_id", "touchpoint", "channel", "value", "rating"):
        if role in taken:
            mapping[role] = taken[role]
            continue
        free = [c for c in columns if c not in used]
        match = _by_name(role, sample, free)
        if match is None and role in _ARGUMENT:
            match = _by_data(role, sample, free)
        if match is None and role in _ARGUMENT:
            msg = (
                f"no column looks like {_ROLE_WORDS[role]}; columns are {columns!r}; "
                f"pass {_ARGUMENT[role]}=..."
            )
            raise MappingError(msg)
        if match is not None:
            mapping[role] = match
            used.add(match.column)
            if role == "timestamp":
                ts_columns = (match.column,)
    mapping = {role: mapping[role] for role in mapping}  # keep role order stable
    return _finish_timestamp(sample, mapping, ts_columns, used, timestamp_format)


def _finish_timestamp(
    sample: pl.DataFrame,
    mapping: dict[str, RoleMatch],
    ts_columns: tuple[str, ...],
    used: set[str],
    timestamp_format: str | None,
) -> Recognition:
    text = sample.select(timestamp_source(sample, ts_columns)).to_series()
    fmt = _explicit_format(timestamp_format) if timestamp_format else detect_format(text)
    if fmt is None:
        example = text.drop_nulls().head(1).to_list()
        msg = (
            f"column {mapping['timestamp'].column!r} does not hold timestamps "
            f"(e.g. {example[0] if example else None!r}); pass timestamp_format=... "
            "(e.g. '%d/%m/%Y %H:%M' or 'ms' for epoch milliseconds) or another timestamp=..."
        )
        raise MappingError(msg)
    date_only = fmt.kind == "text" and not any("%H" in f or "%I" in f for f in fmt.formats)
    partner = _time_partner(sample, [c for c in sample.columns if c not in used])
    guessed = mapping["timestamp"].confidence < 1.0
    if len(ts_columns) == 1 and date_only and guessed and partner is not None:
        ts_columns = (ts_columns[0], partner)
        match = mapping["timestamp"]
        mapping["timestamp"] = RoleMatch(
            f"{match.column} + {partner}",
            match.confidence * 0.9,
            f"{match.reason}; joined with the time of day in {partner!r}",
        )
        return _finish_timestamp(sample, mapping, ts_columns, used | {partner}, timestamp_format)
    return Recognition(mapping, ts_columns, fmt)

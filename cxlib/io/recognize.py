"""Role recognition: which column is the customer, the timestamp, the touchpoint, ...

A column given explicitly always wins (confidence 1.0). Otherwise each role is looked up
by the column's name (see :mod:`cxlib.io.names`; for nested ``parent.child`` columns the
child's name counts too), and the name is checked against the data (a timestamp column
must hold timestamps, a value column numbers, no role is taken by an empty or nearly
empty column; :class:`cxlib.io.finder.Finder`). The three required roles fall back on
the data alone: a column of datetimes or epoch numbers, a repeating id, a repeating
label that varies within journeys. An identifier (values nearly unique per row, or each
belonging to one customer, like an invoice number) is never a touchpoint.

Two export shapes have no touchpoint column: a transactions export (customer, date,
amount or quantity) is read as one touchpoint ``purchase``, and a ticketing export
(one row per ticket with several dated columns) as one event per dated column
(``layout="dated_columns"``, see :func:`cxlib.io.loader.load`).

Every guess carries a confidence; below :data:`HIGH` the Data page asks about it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from cxlib.errors import MappingError
from cxlib.io.finder import Finder, is_number_column
from cxlib.io.names import (
    NAMES,
    QUANTITY,
    normalize_name,
)
from cxlib.io.timestamps import TimestampFormat, detect_format, explicit_format
from cxlib.log import RoleMatch

__all__ = [
    "HIGH",
    "NAMES",
    "PURCHASE",
    "ROLES",
    "Layout",
    "Recognition",
    "normalize_name",
    "recognize",
    "shown_columns",
    "timestamp_source",
]

Layout = Literal["events", "purchases", "dated_columns"]
#: The roles, in the order they are recognised.
ROLES = ("timestamp", "customer_id", "touchpoint", "channel", "value", "rating")
#: Confidence from which a guess is taken without asking (an exact or usual name).
HIGH = 0.9
#: The one touchpoint of a transactions export.
PURCHASE = "purchase"
_TIME_OF_DAY = re.compile(r"^\s*\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([ap]m)?\s*$", re.IGNORECASE)
_TIME_NAMES = ("time", "hora", "zeit", "uhrzeit", "heure", "ora", "time_of_day")
_ARGUMENT = {"customer_id": "customer", "touchpoint": "touchpoint", "timestamp": "timestamp"}
_ROLE_WORDS = {
    "customer_id": "the customer",
    "touchpoint": "the touchpoint (what happened)",
    "timestamp": "the timestamp",
    "channel": "the channel",
    "value": "the value",
    "rating": "the rating",
}


@dataclass(frozen=True)
class Recognition:
    """The outcome of :func:`recognize`: a column per role, the timestamp's format, the shape.

    ``sources`` names the source columns of each role: one column; a date and a
    time-of-day column joined with a space (``timestamp``); or columns whose first
    filled value is taken (``customer_id``, ``touchpoint``). With ``layout="purchases"``
    the touchpoint is :data:`PURCHASE` for every row; with ``"dated_columns"`` every
    one of ``dated_columns`` makes an event (the loader turns them into rows first).
    ``problems`` maps a role that could not be mapped to what to do about it (with
    ``strict=False``; else the first problem is raised).
    """

    mapping: dict[str, RoleMatch]
    sources: dict[str, tuple[str, ...]]
    timestamp_format: TimestampFormat | None
    layout: Layout = "events"
    dated_columns: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def timestamp_columns(self) -> tuple[str, ...]:
        """The timestamp's source column(s)."""
        return self.sources.get("timestamp", ())

    def used(self) -> set[str]:
        """Every source column that plays a role."""
        return {c for cols in self.sources.values() for c in cols}


def _check_column(name: str, columns: list[str], argument: str) -> str:
    if name in columns:
        return name
    folded = {c.casefold().strip(): c for c in columns}
    close = difflib.get_close_matches(name, columns, n=1, cutoff=0.6)
    guess = folded.get(name.casefold().strip()) or (close[0] if close else None)
    hint = f"did you mean {guess!r}? " if guess else ""
    msg = f"{argument}={name!r} is not a column of the data; {hint}columns are {shown_columns(columns)}"
    raise MappingError(msg)


def _time_partner(sample: pl.DataFrame, free: list[str]) -> str | None:
    """A time-of-day column to complete a date-only timestamp (``fecha`` + ``hora``)."""
    for col in free:
        values = sample[col].drop_nulls()
        if values.dtype == pl.Time and normalize_name(col) in _TIME_NAMES:
            return col
        if (
            values.dtype == pl.String
            and values.len() > 0
            and normalize_name(col) in _TIME_NAMES
            and values.str.contains(_TIME_OF_DAY.pattern).all()
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


def _tickets(finder: Finder) -> bool:
    """Whether a table with no touchpoint is a ticketing export: several dated columns, no amount."""
    if finder.by_name("value") is not None:
        return False  # an order export with dates (created, paid, fulfilled): purchases
    return len(finder.dated()) >= 2


def _line_value(finder: Finder, match: RoleMatch) -> RoleMatch | None:
    """Quantity times unit price, for invoice lines that have no amount of their own."""
    words = set(finder.normal[match.column].split("_"))
    if "price" not in words or words & {"total", "amount", "line"}:
        return None
    for col in finder.free():
        if finder.normal[col] in QUANTITY and is_number_column(finder.sample[col]):
            why = f"invoice lines: quantity {col!r} times unit price {match.column!r}"
            return RoleMatch(f"{col} × {match.column}", min(match.confidence, 0.7), why)
    return None


def _given(
    explicit: Mapping[str, str | Sequence[str] | None], columns: list[str]
) -> dict[str, tuple[str, ...]]:
    out = {}
    for role, given in explicit.items():
        if given is None:
            continue
        names = (given,) if isinstance(given, str) else tuple(given)
        for name in names:
            _check_column(name, columns, _ARGUMENT.get(role, role))
        out[role] = names
    return out


def recognize(
    sample: pl.DataFrame,
    explicit: Mapping[str, str | Sequence[str] | None],
    *,
    timestamp_format: str | None = None,
    layout: Layout | None = None,
    strict: bool = True,
) -> Recognition:
    """Map each role to a column of ``sample`` (a few thousand rows of the source).

    ``explicit`` maps roles (``"customer_id"``, ``"timestamp"``, ...) to the columns
    the caller named: the timestamp may be a ``(date, time)`` pair, the customer and the
    touchpoint several columns whose first filled value is taken. ``layout`` forces the
    export's shape (found out when ``None``). With ``strict=False`` nothing is raised
    but a wrong explicit column: what cannot be mapped is in ``problems``.

    Examples
    --------
    >>> sample = pl.DataFrame({"fecha": ["2024-01-31 09:00"] * 2, "cliente": ["7", "7"],
    ...     "evento": ["visita", "compra"], "canal": ["web", "tienda"]})
    >>> found = recognize(sample, {})
    >>> {role: m.column for role, m in found.mapping.items()}
    {'timestamp': 'fecha', 'customer_id': 'cliente', 'touchpoint': 'evento', 'channel': 'canal'}
    >>> orders = pl.DataFrame({"customer": ["1", "1", "2"], "date": ["19970101", "19970105", "19970101"],
    ...     "amount": [11.77, 5.0, 29.33]})
    >>> found = recognize(orders, {})
    >>> found.layout, found.mapping["touchpoint"].column, found.mapping["value"].column
    ('purchases', 'purchase', 'amount')
    """
    given = _given(explicit, sample.columns)
    finder = Finder(sample, {c for cols in given.values() for c in cols})
    for role in ROLES:
        if role in given:
            joiner = {"timestamp": " + ", "value": " × "}.get(role, " | ")
            finder.mapping[role] = RoleMatch(joiner.join(given[role]), 1.0, "given explicitly")
            finder.sources[role] = given[role]
        elif role == "touchpoint" and layout in ("purchases", "dated_columns"):
            continue
        elif match := _find(finder, role, layout):
            _take(finder, role, match)
    shape = _shape(finder, layout)
    if isinstance(shape, Recognition):
        return shape
    rec = _finish_timestamp(finder, timestamp_format, shape)
    for role in ("timestamp", "customer_id", "touchpoint"):
        if role not in rec.mapping and role not in rec.problems:
            rec.problems[role] = (
                f"no column looks like {_ROLE_WORDS[role]}: choose one of the columns "
                f"{shown_columns(sample.columns)}"
            )
    if strict and rec.problems:
        raise MappingError(next(iter(rec.problems.values())))
    return rec


def _find(finder: Finder, role: str, layout: Layout | None) -> RoleMatch | None:
    """A column for a role by its name, else (for some roles) by its data."""
    match = finder.by_name(role)
    if match is not None:
        return match
    if role in finder.empty and role in ("timestamp", "customer_id", "touchpoint"):
        column = finder.empty[role]
        finder.problems[role] = (
            f"column {column!r} is empty (or nearly): fill it, or choose another column for "
            f"{_ROLE_WORDS[role]}"
        )
        return None
    if role in finder.empty:
        finder.notes.append(
            f"column {finder.empty[role]!r} is empty: not used for {_ROLE_WORDS[role]}"
        )
    if role == "touchpoint" and layout is None and len(finder.dated()) >= 2:
        return None  # tickets or orders with milestones: no touchpoint guessed from the data
    if role == "value" and "touchpoint" in finder.sources:
        return None  # an amount is only guessed from the data for a transactions export
    if role in ("timestamp", "customer_id", "touchpoint", "value"):
        return finder.by_data(role)
    return None


def _take(finder: Finder, role: str, match: RoleMatch) -> None:
    cols: tuple[str, ...] = (match.column,)
    if role == "value" and (line := _line_value(finder, match)) is not None:
        cols = tuple(line.column.split(" × "))
        match = line
    filler = finder.gap_filler(role, match)
    if filler is not None:
        cols = (match.column, filler)
        match = RoleMatch(
            f"{match.column} | {filler}",
            match.confidence * 0.9,
            f"{match.reason}; its gaps filled from {filler!r}",
        )
    finder.mapping[role], finder.sources[role] = match, cols
    finder.used.update(cols)
    if role in finder.empty and finder.empty[role] not in cols:
        finder.notes.append(
            f"column {finder.empty[role]!r} is empty (or nearly): {match.column!r} is used for "
            f"{_ROLE_WORDS[role]}"
        )


def shown_columns(columns: list[str]) -> str:
    """Columns quoted in a message: at most 20, each cut to 30 characters (files can be junk).

    Examples
    --------
    >>> shown_columns(["a", "b" * 50])
    "['a', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbb…']"
    """
    cut = [c if len(c) <= 30 else c[:29] + "…" for c in columns[:20]]
    return repr(cut if len(columns) <= 20 else [*cut, "..."])


def _shape(finder: Finder, layout: Layout | None) -> Recognition | Layout:
    """The export's shape: tickets (returned), transactions (one touchpoint) or events.

    A ticketing export is returned as a :class:`Recognition` (the loader makes rows of it
    first); a transactions export gets the touchpoint :data:`PURCHASE`.
    """
    mapping = finder.mapping
    if "touchpoint" in finder.sources or layout == "events" or "touchpoint" in finder.problems:
        return "events"
    dated = finder.dated()
    if layout == "dated_columns" or (layout is None and _tickets(finder)):
        if len(dated) >= 2:
            return Recognition({}, {}, None, "dated_columns", tuple(dated), tuple(finder.notes))
        finder.problems["touchpoint"] = (
            "fewer than two columns hold dates: there are no dated columns to make events of"
        )
        return "events"
    if layout == "purchases" or ("value" in mapping and "customer_id" in mapping):
        mapping["touchpoint"] = RoleMatch(
            PURCHASE,
            0.7 if layout is None else 1.0,
            "no column names what happened: each row is a purchase",
        )
        value = f", with {mapping['value'].column!r} as its value" if "value" in mapping else ""
        finder.notes.append(
            f"no column names what happened: each row is read as a {PURCHASE!r}{value}"
        )
        return "purchases"
    return "events"


def _finish_timestamp(finder: Finder, timestamp_format: str | None, layout: Layout) -> Recognition:
    sample, mapping, sources, problems = (
        finder.sample,
        finder.mapping,
        finder.sources,
        finder.problems,
    )
    order = {role: mapping[role] for role in ROLES if role in mapping}
    columns = sources.get("timestamp", ())
    fmt = None
    if columns and "timestamp" not in problems:
        text = sample.select(timestamp_source(sample, columns)).to_series()
        fmt = explicit_format(timestamp_format) if timestamp_format else detect_format(text)
        if fmt is None:
            example = text.drop_nulls().head(1).to_list()
            problems["timestamp"] = (
                f"column {mapping['timestamp'].column!r} does not hold timestamps this loader "
                f"knows (e.g. {str(example[0])[:40] if example else None!r}): give its "
                "timestamp format (e.g. %d/%m/%Y %H:%M, or ms for epoch milliseconds) or "
                "choose another timestamp column"
            )
        elif _joins_time(fmt, columns, mapping["timestamp"]):
            partner = _time_partner(sample, finder.free())
            if partner is not None:
                match = mapping["timestamp"]
                mapping["timestamp"] = RoleMatch(
                    f"{match.column} + {partner}",
                    match.confidence * 0.9,
                    f"{match.reason}; joined with the time of day in {partner!r}",
                )
                sources["timestamp"] = (columns[0], partner)
                finder.used.add(partner)
                return _finish_timestamp(finder, timestamp_format, layout)
    return Recognition(
        order, dict(sources), fmt, layout, notes=tuple(finder.notes), problems=problems
    )


def _joins_time(fmt: TimestampFormat, columns: tuple[str, ...], match: RoleMatch) -> bool:
    date_only = fmt.kind == "text" and not any("%H" in f or "%I" in f for f in fmt.formats)
    return len(columns) == 1 and date_only and match.confidence < 1.0

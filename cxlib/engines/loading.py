"""Roles mapped on DuckDB and Spark: the loader's column plan carried out where the data lives.

:func:`cxlib.load` recognises the roles of a DuckDB or Spark frame on a small sample,
then :func:`map_roles` renames, casts and parses its columns on the engine itself (SQL
for what narwhals cannot say the same way on both: the timestamp parse, casts that must
not fail), so the frame is never collected. A frame's own integer ``event_index`` (the
order its rows were written in) is kept as the tie-breaker; otherwise one is numbered
in scan order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import narwhals as nw

from cxlib.engines.expressions import spark_functions, with_event_index
from cxlib.engines.frames import engine_of
from cxlib.engines.timestamps import ParseSpec, sql_timestamp

__all__ = [
    "FORMAT_INDEX",
    "RATING_TEXT",
    "TS_TEXT",
    "VALUE_TEXT",
    "RolePlan",
    "map_roles",
    "parsed_counts",
]

#: Temporary columns of a mapped frame, read by the load report and dropped after it:
#: the timestamp's text, the text of a value and a rating (to count what is no number),
#: and which of several timestamp formats parsed each row (0, 1, ...).
TS_TEXT, VALUE_TEXT, RATING_TEXT = "__cx_ts_text", "__cx_value_text", "__cx_rating_text"
FORMAT_INDEX = "__cx_format"


@dataclass(frozen=True)
class RolePlan:
    """Which source columns make each canonical column, and how.

    ``customer`` and ``touchpoint`` take the first filled value of their columns (an
    empty ``touchpoint`` means every row gets ``touchpoint_constant``); ``timestamp`` is
    one column or a date and a time-of-day column joined with a space, parsed as
    ``timestamp_format`` says; ``value`` one column or a quantity and a unit price
    multiplied (invoice lines); ``attributes`` maps the other source columns kept to
    their names in the log; ``event_index`` names a source column holding the rows'
    order, kept as ``event_index``.
    """

    customer: tuple[str, ...]
    timestamp: tuple[str, ...]
    timestamp_format: ParseSpec
    touchpoint: tuple[str, ...] = ()
    touchpoint_constant: str | None = None
    channel: str | None = None
    value: tuple[str, ...] = ()
    rating: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    event_index: str | None = None


def map_roles(
    frame: nw.LazyFrame[Any], plan: RolePlan, *, zoned: bool = False
) -> nw.LazyFrame[Any]:
    """The canonical columns of a DuckDB or Spark frame, computed on its own engine.

    The frame also gets :data:`TS_TEXT` (and :data:`FORMAT_INDEX` for several formats).
    ``zoned`` says the timestamp column already holds zoned datetimes (converted to UTC).
    """
    engine = engine_of(frame)
    native = frame.to_native()
    dialect = _Sql(frame)
    quote = dialect.quote

    def first_filled(names: tuple[str, ...]) -> str:
        if len(names) == 1:
            return dialect.text(names[0])
        filled = [f"CASE WHEN trim({t}) <> '' THEN {t} END" for t in map(dialect.text, names)]
        return f"coalesce({', '.join(filled)})"

    cols = plan.timestamp
    ts_sql = dialect.timestamp(cols)
    fmt = plan.timestamp_format
    sql: dict[str, str] = {TS_TEXT: ts_sql, "__cx_customer": first_filled(plan.customer)}
    if plan.touchpoint:
        sql["__cx_touchpoint"] = first_filled(plan.touchpoint)
    if fmt.kind != "native":
        sql["__cx_ts"] = sql_timestamp(ts_sql, fmt, engine)  # type: ignore[arg-type]
        if len(fmt.formats) > 1:
            cases = " ".join(
                f"WHEN {sql_timestamp(ts_sql, _Single(fmt, f), engine)} IS NOT NULL THEN {i}"  # type: ignore[arg-type]
                for i, f in enumerate(fmt.formats)
            )
            sql[FORMAT_INDEX] = f"CASE {cases} END"
    elif zoned and engine == "duckdb":  # narwhals cannot convert zones on DuckDB
        sql["__cx_ts"] = f"timezone('UTC', {ts_sql})"
    if plan.value:
        sql["__cx_value"] = " * ".join(f"try_cast({quote(c)} AS DOUBLE)" for c in plan.value)
    if plan.rating is not None:
        sql["__cx_rating"] = f"try_cast({quote(plan.rating)} AS DOUBLE)"
    if engine == "duckdb":
        native = native.project("*, " + ", ".join(f"{e} AS {quote(n)}" for n, e in sql.items()))
    else:
        F = spark_functions(frame)  # noqa: N806 (pyspark's own name)
        native = native.withColumns({name: F.expr(expr) for name, expr in sql.items()})
    lazy: nw.LazyFrame[Any] = nw.from_native(native)
    ts = nw.col("__cx_ts" if "__cx_ts" in sql else cols[0]).cast(nw.Datetime("us"))
    touchpoint = (
        nw.col("__cx_touchpoint")
        if plan.touchpoint
        else nw.lit(plan.touchpoint_constant, nw.String)
    )
    exprs = {
        "customer_id": nw.col("__cx_customer"),
        "timestamp": ts,
        "touchpoint": touchpoint,
        TS_TEXT: nw.col(TS_TEXT),
    }
    if FORMAT_INDEX in sql:
        exprs[FORMAT_INDEX] = nw.col(FORMAT_INDEX)
    if plan.channel is not None:
        exprs["channel"] = nw.col(plan.channel).cast(nw.String)
    for role in ("value", "rating"):
        if getattr(plan, role):
            exprs[role] = nw.col(f"__cx_{role}").cast(nw.Float64)
    exprs |= {name: nw.col(c) for c, name in plan.attributes.items()}
    if plan.event_index is not None:
        exprs["event_index"] = nw.col(plan.event_index).cast(nw.Int64)
        return lazy.select(**exprs)
    return with_event_index(lazy.select(**exprs))


class _Sql:
    """Quoting, the text type and the timestamp's text in one engine's SQL dialect."""

    def __init__(self, frame: nw.LazyFrame[Any]) -> None:
        duckdb = engine_of(frame) == "duckdb"
        self.mark, self.text_type = ('"', "VARCHAR") if duckdb else ("`", "STRING")

    def quote(self, name: str) -> str:
        return self.mark + name.replace(self.mark, self.mark * 2) + self.mark

    def text(self, name: str) -> str:
        return f"CAST({self.quote(name)} AS {self.text_type})"

    def timestamp(self, columns: tuple[str, ...]) -> str:
        if len(columns) == 1:
            return self.quote(columns[0])
        return f"concat({self.text(columns[0])}, ' ', {self.text(columns[1])})"


def parsed_counts(
    frame: nw.LazyFrame[Any], columns: tuple[str, ...], specs: Sequence[ParseSpec]
) -> list[int]:
    """How many values of a DuckDB or Spark timestamp column each format parses (one pass)."""
    engine = engine_of(frame)
    ts_sql = _Sql(frame).timestamp(columns)
    sums = [
        f"CAST(count({sql_timestamp(ts_sql, spec, engine)}) AS BIGINT) AS c{i}"  # type: ignore[arg-type]
        for i, spec in enumerate(specs)
    ]
    native = frame.to_native()
    if engine == "duckdb":
        row = native.aggregate(", ".join(sums)).fetchone()
    else:
        row = native.selectExpr(*sums).collect()[0]
    return [int(v or 0) for v in row]


@dataclass(frozen=True)
class _Single:
    """One format of a several-format spec (to tell which format parsed a row)."""

    whole: ParseSpec
    one: str

    @property
    def kind(self) -> str:
        return self.whole.kind

    @property
    def formats(self) -> tuple[str, ...]:
        return (self.one,)

    @property
    def unit(self) -> str | None:
        return self.whole.unit

    @property
    def strip(self) -> bool:
        return self.whole.strip

    @property
    def replacements(self) -> tuple[tuple[str, str], ...]:
        return self.whole.replacements

"""Which source columns make each canonical column of a log: the role plan and its Polars expressions.

:func:`role_plan` turns a recognition into the :class:`~cxlib.engines.loading.RolePlan`
every engine maps the same way (attributes renamed off the canonical names, a source's
own integer ``event_index`` honoured); on Polars, :func:`polars_columns` gives the plan
as expressions and :func:`with_row_index` numbers the source's rows.
"""

from __future__ import annotations

import itertools

import polars as pl

from cxlib.engines.loading import FORMAT_INDEX, RolePlan
from cxlib.io.numbers import number_expr
from cxlib.io.recognize import Recognition, timestamp_source
from cxlib.io.report import RATING_TEXT, TS_TEXT, VALUE_TEXT
from cxlib.io.timestamps import format_parsers, parse_expr
from cxlib.log import INTERNAL_COLUMNS, OPTIONAL_ROLES, REQUIRED_ROLES

__all__ = ["INDEX_TMP", "polars_columns", "role_plan", "with_row_index"]

#: The source row number's column while a source is mapped (the log's ``event_index``).
INDEX_TMP = "__cx_event_index"
_RESERVED = {*REQUIRED_ROLES, *OPTIONAL_ROLES, *INTERNAL_COLUMNS}


def with_row_index(frame: pl.DataFrame | pl.LazyFrame, offset: int) -> pl.DataFrame | pl.LazyFrame:
    """Add the source row number, chunked like the other columns of an eager frame.

    A CSV is read in chunks; a single-chunk index next to them would make Polars
    realign, i.e. copy, every column at the next step.
    """
    if isinstance(frame, pl.LazyFrame):
        return frame.with_columns(
            (pl.int_range(pl.len(), dtype=pl.Int64) + offset).alias(INDEX_TMP)
        )
    index = pl.int_range(offset, offset + frame.height, dtype=pl.Int64, eager=True).alias(INDEX_TMP)
    if frame.width and frame.n_chunks() > 1:
        lengths = [len(chunk) for chunk in frame.to_series(0).get_chunks()]
        starts = itertools.accumulate(lengths[:-1], initial=0)
        index = pl.concat(
            [index.slice(s, n) for s, n in zip(starts, lengths, strict=True)], rechunk=False
        )
    return frame.hstack([index])


def _attributes(
    columns: list[str], rec: Recognition, *, merged: bool, index: str | None
) -> dict[str, str]:
    """Source columns kept as attributes, and their names in the log (never a canonical name).

    A column named like a canonical one but not mapped to it (``channel`` when another
    column was given as ``channel=``) gets a suffix: ``channel_2``. A ``source`` column
    stays the log's ``source`` unless sources are merged (then ``source`` is the file).
    """
    used = rec.used() | ({index} if index else set())
    reserved = _RESERVED if merged else _RESERVED - {"source"}
    taken = set(columns) | reserved
    out: dict[str, str] = {}
    for col in columns:
        if col in used:
            continue
        name, n = col, 1
        while col in reserved and name in taken:
            n += 1
            name = f"{col}_{n}"
        taken.add(name)
        out[col] = name
    return out


def role_plan(sample: pl.DataFrame, rec: Recognition, *, merged: bool) -> RolePlan:
    """The recognition as a :class:`RolePlan` (the same plan on every engine)."""
    index = sample.schema.get("event_index")
    honoured = "event_index" if index is not None and index.is_integer() and not merged else None
    if honoured in rec.used():
        honoured = None
    src = rec.sources
    assert rec.timestamp_format is not None  # recognize raised otherwise
    return RolePlan(
        customer=src["customer_id"],
        timestamp=src["timestamp"],
        timestamp_format=rec.timestamp_format,
        touchpoint=src.get("touchpoint", ()),
        touchpoint_constant=None if "touchpoint" in src else rec.mapping["touchpoint"].column,
        channel=src["channel"][0] if "channel" in src else None,
        value=src.get("value", ()),
        rating=src["rating"][0] if "rating" in src else None,
        attributes=_attributes(sample.columns, rec, merged=merged, index=honoured),
        event_index=honoured,
    )


def _text(columns: tuple[str, ...], sample: pl.DataFrame) -> pl.Expr:
    """One column as text, or the first filled of several."""
    texts = [
        pl.col(c) if sample.schema[c] == pl.String else pl.col(c).cast(pl.String) for c in columns
    ]
    if len(texts) == 1:
        return texts[0]
    return pl.coalesce([pl.when(t.str.strip_chars() != "").then(t) for t in texts])


def polars_columns(
    sample: pl.DataFrame, rec: Recognition, plan: RolePlan, source: str | None
) -> list[pl.Expr]:
    """The canonical columns of ``plan`` as Polars expressions over the source.

    With the texts the drop counts read (:data:`cxlib.io.report.TS_TEXT`, ...), the
    format each timestamp was read with when several were found, and ``source`` (the
    file's name) when sources are merged.
    """
    fmt = rec.timestamp_format
    assert fmt is not None  # recognize raised otherwise
    ts_text = timestamp_source(sample, plan.timestamp)
    ts_dtype = sample.select(ts_text).to_series().dtype
    touchpoint = (
        _text(plan.touchpoint, sample)
        if plan.touchpoint
        else pl.lit(plan.touchpoint_constant, pl.String)
    )
    exprs = [
        _text(plan.customer, sample).alias("customer_id"),
        parse_expr(ts_text, fmt, ts_dtype).alias("timestamp"),
        touchpoint.alias("touchpoint"),
        ts_text.alias(TS_TEXT),
    ]
    if fmt.kind == "text" and len(fmt.formats) > 1:
        parsers = format_parsers(ts_text, fmt, ts_dtype)
        which = [pl.when(p.is_not_null()).then(pl.lit(i, pl.Int8)) for i, p in enumerate(parsers)]
        exprs.append(pl.coalesce(which).alias(FORMAT_INDEX))
    if plan.channel is not None:
        exprs.append(_text((plan.channel,), sample).alias("channel"))
    if len(plan.value) > 1:  # quantity times unit price
        product = [number_expr(c, sample[c]) for c in plan.value]
        exprs.append((product[0] * product[1]).alias("value"))
    for role, text, column in (
        ("value", VALUE_TEXT, plan.value[0] if len(plan.value) == 1 else None),
        ("rating", RATING_TEXT, plan.rating),
    ):
        if column is None:
            continue
        exprs.append(number_expr(column, sample[column]).alias(role))
        if sample.schema[column] == pl.String:
            exprs.append(pl.col(column).alias(text))
    if source is not None:
        exprs.append(pl.lit(source, dtype=pl.String).alias("source"))
    return exprs + [pl.col(c).alias(name) for c, name in plan.attributes.items()]

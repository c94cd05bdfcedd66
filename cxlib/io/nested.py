"""Nested data (JSON objects, Parquet structs and lists) made flat: one column per field.

Analytics exports nest what an analyst needs: Mixpanel puts the time and the user in
``properties``, GA4 the device in ``device.category`` and the page in a list of
``event_params`` (``{key, value: {string_value, int_value, ...}}``), Segment the campaign
in ``context.campaign``. :func:`flatten` turns every struct into ``parent.child`` columns,
every key/value list into one ``parent.key`` column per key, and any other list into text,
so roles can be recognised and every attribute filtered on.
"""

from __future__ import annotations

from typing import TypeVar, overload

import polars as pl

__all__ = ["MAX_KEYS", "flatten"]

#: Most keys of a key/value list turned into columns (the commonest, in the first rows).
MAX_KEYS = 100
_KEY_ROWS = 10_000
F = TypeVar("F", pl.DataFrame, pl.LazyFrame)
_JSON_KEY = r'^\{"(?:[^"\\]|\\.)*":'


def _is_key_value(dtype: pl.DataType) -> bool:
    if not isinstance(dtype, pl.List) or not isinstance(dtype.inner, pl.Struct):
        return False
    names = [f.name for f in dtype.inner.fields]
    return "key" in names and "value" in names and len(names) == 2


def _as_text(value: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A key's value as text: the first filled field of a struct (GA4's typed values)."""
    if isinstance(dtype, pl.Struct):
        return pl.coalesce([value.struct.field(f.name).cast(pl.String) for f in dtype.fields])
    return value.cast(pl.String)


def _key_columns(frame: pl.DataFrame | pl.LazyFrame, column: str) -> list[pl.Expr]:
    dtype = frame.collect_schema()[column]
    inner = dtype.inner if isinstance(dtype, pl.List) else None
    value_type = next(f.dtype for f in getattr(inner, "fields", []) if f.name == "value")
    keys = (
        frame.lazy()
        .head(_KEY_ROWS)
        .select(pl.col(column).list.eval(pl.element().struct.field("key")).explode().alias("k"))
        .drop_nulls()
        .group_by("k")
        .len()
        .sort(["len", "k"], descending=[True, False])
        .head(MAX_KEYS)
        .collect()["k"]
        .to_list()
    )
    out = []
    for key in sorted(str(k) for k in keys):
        picked = pl.element().filter(pl.element().struct.field("key") == key)
        value = pl.col(column).list.eval(picked.struct.field("value")).list.first()
        out.append(_as_text(value, value_type).alias(f"{column}.{key}"))
    return out


def _list_text(column: str, dtype: pl.List) -> pl.Expr:
    if isinstance(dtype.inner, pl.Struct | pl.List | pl.Array):
        encoded = pl.struct(pl.col(column)).struct.json_encode()
        return encoded.str.replace(_JSON_KEY, "").str.strip_suffix("}").alias(column)
    return pl.col(column).cast(pl.List(pl.String)).list.join(", ").alias(column)


# One overload per kind of frame, so that a frame of either kind (a union) can be passed.
@overload
def flatten(frame: pl.DataFrame) -> tuple[pl.DataFrame, bool]: ...
@overload
def flatten(frame: pl.LazyFrame) -> tuple[pl.LazyFrame, bool]: ...
def flatten(frame: F) -> tuple[F, bool]:
    """Structs, key/value lists and other lists of ``frame`` as flat columns.

    Returns the flat frame and whether anything was nested.

    Examples
    --------
    >>> frame = pl.DataFrame({
    ...     "event": ["view"],
    ...     "properties": [{"time": 1704448523, "distinct_id": "u1"}],
    ...     "params": [[{"key": "page", "value": {"string_value": "/home", "int_value": None}}]],
    ...     "tags": [["a", "b"]],
    ... })
    >>> flat, nested = flatten(frame)
    >>> flat.columns, nested
    (['event', 'properties.time', 'properties.distinct_id', 'params.page', 'tags'], True)
    >>> flat.row(0)
    ('view', 1704448523, 'u1', '/home', 'a, b')
    """
    nested = False
    while True:
        schema = frame.collect_schema()
        exprs: list[pl.Expr] = []
        changed = False
        for name, dtype in schema.items():
            if isinstance(dtype, pl.Struct):
                exprs += [
                    pl.col(name).struct.field(f.name).alias(f"{name}.{f.name}")
                    for f in dtype.fields
                ]
                changed = True
            elif _is_key_value(dtype):
                exprs += _key_columns(frame, name)
                changed = True
            elif isinstance(dtype, pl.List | pl.Array):
                exprs.append(_list_text(name, pl.List(dtype.inner)))
                changed = True
            else:
                exprs.append(pl.col(name))
        if not changed:
            return frame, nested
        nested = True
        frame = frame.select(exprs)

"""Orders written as several lines (a Shopify export, invoice lines): one purchase per order.

A commerce export has a row per line item: the order's id (``Name`` ``#1001``,
``InvoiceNo``) repeats on each of its lines, and order-level fields (the total, the
status) may be filled on the first line only. Read row by row, every order would count
once per line. :func:`order_column` finds the order id (a column named like one, whose
values each belong to one customer and one time), and :func:`one_row_per_order` makes
one row of each order: the first filled value of every column, and the order's value
(the sum of its lines, or the total when every line repeats it).
"""

from __future__ import annotations

import dataclasses

import polars as pl

from cxlib.io.names import normalize_name
from cxlib.io.numbers import number_expr
from cxlib.io.readers import Table, sanitize_names
from cxlib.io.recognize import Recognition, timestamp_source

__all__ = ["one_row_per_order", "order_column"]

_ORDER_WORDS = frozenset({"order", "invoice", "transaction", "receipt", "bill", "basket", "cart"})
_SHARE = 0.95


def order_column(sample: pl.DataFrame, rec: Recognition) -> str | None:
    """The column naming the order of each line, when lines of one order repeat it.

    Examples
    --------
    >>> from cxlib.io.recognize import recognize
    >>> lines = pl.DataFrame({"InvoiceNo": ["536365", "536365", "536366"],
    ...     "CustomerID": ["17850", "17850", "13047"],
    ...     "InvoiceDate": ["2010-12-01 08:26", "2010-12-01 08:26", "2010-12-01 08:28"],
    ...     "Quantity": [6, 8, 2], "UnitPrice": [2.55, 3.39, 1.85]})
    >>> order_column(lines, recognize(lines, {}))
    'InvoiceNo'
    """
    if rec.layout != "purchases" or "customer_id" not in rec.sources:
        return None
    customers = sample.select(pl.coalesce(pl.col(rec.sources["customer_id"]).cast(pl.String)))
    times = sample.select(timestamp_source(sample, rec.timestamp_columns).cast(pl.String))
    for col in sample.columns:
        if col in rec.used():
            continue
        values = sample[col].cast(pl.String)
        named = set(normalize_name(col).split("_")) & _ORDER_WORDS
        numbered = normalize_name(col) == "name" and values.str.contains(r"^#\d+$").mean() > 0.9  # type: ignore[operator]
        if not (named or numbered):
            continue
        lines = pl.DataFrame({"o": values, "c": customers.to_series(), "t": times.to_series()})
        per = (
            lines.drop_nulls("o")
            .group_by("o")
            .agg(rows=pl.len(), customers=pl.col("c").n_unique(), times=pl.col("t").n_unique())
        )
        if per.height == 0 or per["rows"].max() == 1:
            continue
        if (per["customers"] == 1).mean() >= _SHARE and (per["times"] == 1).mean() >= _SHARE:  # type: ignore[operator]
            return col
    return None


def one_row_per_order(tab: Table, rec: Recognition, order: str) -> tuple[Table, Recognition]:
    """One row per order: each column's first filled value, and the order's value.

    The value is the sum of the lines' values (quantity times unit price for invoice
    lines), or the total when every line of the order repeats the same one.
    """
    frame = tab.frame
    assert isinstance(frame, pl.DataFrame | pl.LazyFrame)
    schema = frame.collect_schema()
    value = rec.sources.get("value", ())
    aggregations = [
        pl.col(c).drop_nulls().first() for c in schema.names() if c != order and c not in value
    ]
    new_sources = dict(rec.sources)
    if value:
        sample = frame.lazy().select(value).head(2000).collect()
        numbers = [number_expr(c, sample[c]) for c in value]
        line = numbers[0] * numbers[1] if len(numbers) == 2 else numbers[0]
        repeated = (line.drop_nulls().n_unique() == 1) & (line.count() > 1)
        total = pl.when(line.count() == 0).then(None).when(repeated).then(line.drop_nulls().first())
        name = value[0] if len(value) == 1 else sanitize_names([*schema.names(), "line_value"])[-1]
        aggregations.append(total.otherwise(line.sum()).alias(name))
        new_sources["value"] = (name,)
    lines = frame.lazy().select(pl.len()).collect().item()
    grouped = frame.group_by(order, maintain_order=True).agg(aggregations)
    orders = grouped.lazy().select(pl.len()).collect().item()
    note = f"{lines:,} lines read as {orders:,} purchases, one per order in {order!r}"
    out = Table(tab.name, grouped, tab.file_format, [*tab.notes, note], tab.layout, tab.encoding)
    return out, dataclasses.replace(rec, sources=new_sources)

"""Timestamps settled on the whole column: what a sample of a source cannot tell.

The format of a timestamp column is detected on a sample (:mod:`cxlib.io.timestamps`).
Two things are then settled on every value: :func:`settle_day_order` decides day-first
or month-first when the sample has no day above 12, and :func:`second_look` looks at
the values no format parsed for a form the sample missed.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import narwhals as nw
import polars as pl

from cxlib.engines.loading import parsed_counts
from cxlib.io.readers import Table
from cxlib.io.recognize import Recognition, timestamp_source
from cxlib.io.report import TS_TEXT
from cxlib.io.timestamps import TimestampFormat, detect_format, parse_expr

__all__ = ["second_look", "settle_day_order"]

#: Distinct unparsed timestamps looked at again for a form the sample missed.
_SECOND_LOOK = 2000


def _parsed_counts(
    tab: Table, sample: pl.DataFrame, rec: Recognition, formats: list[TimestampFormat]
) -> list[int]:
    """How many values of the whole timestamp column each format parses."""
    columns = rec.timestamp_columns
    if isinstance(tab.frame, pl.DataFrame | pl.LazyFrame):
        source = timestamp_source(sample, columns)
        dtype = sample.select(source).to_series().dtype
        counts = tab.frame.lazy().select(
            parse_expr(source, fmt, dtype).is_not_null().sum().alias(str(i))
            for i, fmt in enumerate(formats)
        )
        return list(counts.collect().row(0))
    return parsed_counts(tab.frame, columns, formats)


def settle_day_order(tab: Table, sample: pl.DataFrame, rec: Recognition) -> Recognition:
    """Day-first or month-first, decided on the whole column when the sample cannot tell.

    A value whose first field is above 12 only parses day-first: the order parsing more
    values wins; a tie (no day above 12 anywhere) reads day-first and says so.
    """
    fmt = rec.timestamp_format
    if fmt is None or not fmt.other_order:
        return rec
    first, second = _parsed_counts(tab, sample, rec, [fmt, fmt.swapped()])
    column = rec.mapping["timestamp"].column
    if second > first:
        fmt = fmt.swapped()
    if first == second:
        note = (
            f"column {column!r} has no day above 12: its dates were read day-first "
            f"({fmt.formats[0]}); give the timestamp format if they are month-first"
        )
    else:
        note = None
    settled = dataclasses.replace(fmt, other_order=(), note=note)
    return dataclasses.replace(rec, timestamp_format=settled)


def second_look(
    frame: nw.DataFrame[Any] | nw.LazyFrame[Any], rec: Recognition
) -> Recognition | None:
    """The recognition with the forms of the timestamps no format parsed, if any are found."""
    fmt = rec.timestamp_format
    if fmt is None or fmt.kind != "text":
        return None
    failed = frame.filter(~nw.col(TS_TEXT).is_null() & nw.col("timestamp").is_null())
    values = failed.select(nw.col(TS_TEXT).cast(nw.String)).unique().head(_SECOND_LOOK)
    values = values.collect("polars") if isinstance(values, nw.LazyFrame) else values
    found = detect_format(values.to_native().to_series())
    if found is None or found.kind != "text" or found.months != fmt.months:
        return None
    orders = {f[:2] for f in fmt.formats if f[:2] in ("%d", "%m")}
    extra = tuple(
        f
        for f in found.formats
        if f not in fmt.formats and (f[:2] not in ("%d", "%m") or not orders or f[:2] in orders)
    )
    if not extra:
        return None
    return dataclasses.replace(
        rec, timestamp_format=dataclasses.replace(fmt, formats=fmt.formats + extra)
    )

"""Numbers written as text the way exports write them: ``1234.50``, ``1234,50``, ``1.234,50``, ``1,234.50``.

The convention is decided once per column from a sample (a value with both a dot and a
comma tells which one groups thousands), then applied to every row.
"""

from __future__ import annotations

import polars as pl

__all__ = ["number_expr"]

_EUROPEAN = r"^[-+]?\d{1,3}(\.\d{3})+(,\d+)?$|^[-+]?\d+,\d+$"
_ENGLISH = r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$"


def number_expr(column: str, sample: pl.Series) -> pl.Expr:
    """``column`` as Float64, text read with the decimal convention of its ``sample``.

    Examples
    --------
    >>> frame = pl.DataFrame({"a": ["1.234,50", "7,5"], "b": ["1,234.50", "7.5"], "c": [1, 2]})
    >>> frame.select(number_expr(c, frame[c]) for c in "abc").rows()
    [(1234.5, 1234.5, 1.0), (7.5, 7.5, 2.0)]
    """
    if sample.dtype != pl.String:
        return pl.col(column).cast(pl.Float64, strict=False)
    text = pl.col(column).str.strip_chars()
    values = sample.drop_nulls().str.strip_chars()
    if values.str.contains(_EUROPEAN).any() and not values.str.contains(_ENGLISH).any():
        text = text.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    elif values.str.contains(_ENGLISH).any():
        text = text.str.replace_all(",", "", literal=True)
    return text.cast(pl.Float64, strict=False)

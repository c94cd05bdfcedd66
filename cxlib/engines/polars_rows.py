"""Which rows of sorted journeys a filter, a segment or a list keeps, in journey order.

A log made from another by a filter keeps its parent's order: its sorted journeys are
the parent's rows where a mask is true (:func:`kept_rows`), the mask found on the sorted
rows themselves (:func:`kept_mask`: a condition on events, or on customers through one
flag per customer). Collapsed repeats drop :func:`repeated_rows`; a drill-down's page of
customers is sliced out as runs (:func:`rows_of_customers`). Nothing here sorts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import narwhals as nw
import numpy as np
import polars as pl

from cxlib.engines.polars_sort import SORTED, SortedJourneys

__all__ = [
    "customers_where",
    "kept_mask",
    "kept_masks",
    "kept_rows",
    "repeated_rows",
    "rows_of_customers",
    "rows_where",
]


def kept_rows(
    journeys: SortedJourneys, mask: pl.Series, columns: Sequence[str] | None = None
) -> SortedJourneys:
    """The rows of sorted journeys where ``mask`` is true, their customers and journeys numbered again.

    A filter keeps the order: no sort (10M events: 0.2 CPU-s instead of 2.3). The new
    codes count where the old ones change, so no text is compared. ``columns``: only
    those are kept (with the codes and ``_row``), not every column other analyses
    brought into ``journeys``: a filter copies what it keeps, and ``_row`` brings any
    other column in later (10M events, five such columns in ``journeys``: a new date
    range and the graph took 0.59-0.62 s instead of 0.80-1.07 s, 0.70-0.75 s without
    them; the filtered journeys 8 columns instead of 13).

    Examples
    --------
    >>> table = pl.DataFrame({"_customer": [1, 2, 2], "_journey": [1, 2, 3], "_row": [0, 1, 2],
    ...     "channel": ["web", "app", "app"]})
    >>> kept = kept_rows(table, pl.Series([False, True, True]))
    >>> kept["_customer"].to_list(), kept["_journey"].to_list()
    ([1, 1], [1, 2])
    >>> kept_rows(table, pl.Series([True, True, False]), columns=[]).columns
    ['_customer', '_journey', '_row']

    A column holding another's values (``timestamp`` its ``epoch_us``, ``_journey`` its
    ``_customer`` where journeys are customers) is not filtered but made again from that
    one, sharing its memory as in ``journeys`` (:func:`cxlib.engines.sort_journeys`):
    10M events, a new date range, 120 MB fewer to copy.
    """
    if columns is not None:
        journeys = journeys.select(c for c in journeys.columns if c in {*columns, *SORTED})
    again = _copies(journeys)
    kept = journeys.drop(*again).filter(mask.fill_null(False))

    # Numbered from 1 by runs of the old codes (10M events: 0.03 s a code, where comparing
    # each row with the one before and summing took 0.06 s).
    codes = {
        c: (pl.col(c).rle_id() + 1).set_sorted()
        for c in ("_customer", "_journey")
        if c not in again
    }
    return kept.with_columns(**codes).with_columns(**again).select(journeys.columns)


def _copies(journeys: SortedJourneys) -> dict[str, pl.Expr]:
    """Each column of sorted journeys holding the values of another, as made from that one.

    ``timestamp`` in microseconds equal to ``epoch_us``; ``_journey`` equal to
    ``_customer`` (journeys by customer). Checked value by value, not assumed.

    Examples
    --------
    >>> table = pl.DataFrame({"_customer": [0, 1], "_journey": [0, 1], "epoch_us": [1, 2]})
    >>> list(_copies(table)), list(_copies(table.with_columns(_journey=pl.Series([0, 2]))))
    (['_journey'], [])
    """
    copies: dict[str, pl.Expr] = {}
    stamp = journeys.schema.get("timestamp")
    if (
        isinstance(stamp, pl.Datetime)
        and stamp.time_unit == "us"
        and "epoch_us" in journeys.schema
        and journeys["timestamp"].to_physical().eq_missing(journeys["epoch_us"]).all()
    ):
        copies["timestamp"] = pl.col("epoch_us").cast(stamp)
    if (journeys["_journey"] == journeys["_customer"]).all():
        copies["_journey"] = pl.col("_customer")
    return copies


def customers_where(journeys: SortedJourneys, mask: pl.Series) -> pl.Series:
    """Whether each row's customer has a row where ``mask`` is true (sorted journeys).

    Customers are numbered from 1 in order (``_customer``): a lookup table of one flag
    per customer, no grouping (10M events: 0.05 CPU-s instead of 0.5).

    Examples
    --------
    >>> table = pl.DataFrame({"_customer": [1, 1, 2]})
    >>> customers_where(table, pl.Series([False, True, False])).to_list()
    [True, True, False]
    """
    customer = journeys["_customer"]
    last = cast("int | None", customer.max())
    flags = np.zeros((last or 0) + 1, dtype=np.bool_)
    flags[customer.filter(mask.fill_null(False)).to_numpy()] = True
    return pl.Series(flags[customer.to_numpy()])


def rows_of_customers(journeys: SortedJourneys, ids: Sequence[str]) -> SortedJourneys:
    """The rows of the customers ``ids`` in sorted journeys, each customer's rows in order.

    A customer's rows are one run of the sorted journeys: the runs are found among the
    customers' first rows (one id compared per customer, not per event) and sliced out.
    A drill-down's page of 50 customers at 10M events (``bench/warm.py``, 2026-12-05):
    the list of those who ended at checkout in 0.13 s instead of 0.36-0.44 s, where
    every event was filtered by its customer id.

    Examples
    --------
    >>> table = pl.DataFrame({"customer_id": ["b", "b", "a", "c"], "_customer": [1, 1, 2, 3],
    ...     "touchpoint": ["x", "y", "z", "w"]})
    >>> rows_of_customers(table, ["c", "b"])["touchpoint"].to_list()
    ['x', 'y', 'w']
    """
    customer = journeys["_customer"]
    starts = (customer != customer.shift(1)).fill_null(True).arg_true()
    ends = starts.shift(-1, fill_value=journeys.height)
    hit = journeys["customer_id"].gather(starts).is_in(list(ids))
    runs = zip(starts.filter(hit), ends.filter(hit), strict=True)
    return pl.concat([journeys.clear(), *(journeys.slice(a, b - a) for a, b in runs)])


def kept_mask(journeys: SortedJourneys, condition: nw.Expr, scope: str) -> pl.Series:
    """Whether each row of sorted journeys is kept by ``condition`` (narwhals) in ``scope``.

    ``scope`` as :func:`cxlib.journeys.kept` takes it: the rows where the condition
    holds (``"events"``; null counts as false), every row of the customers with one
    (``"customers"``), or of the others (``"other customers"``).

    Examples
    --------
    >>> table = pl.DataFrame({"_customer": [1, 1, 2], "a": [0, 1, 0]})
    >>> kept_mask(table, nw.col("a") == 1, "customers").to_list()
    [True, True, False]
    >>> kept_mask(table, nw.col("a") == 1, "other customers").to_list()
    [False, False, True]
    """
    return kept_masks(journeys, [(condition, scope)])[0]


def kept_masks(journeys: SortedJourneys, kept: Sequence[tuple[nw.Expr, str]]) -> list[pl.Series]:
    """:func:`kept_mask` of each ``(condition, scope)``, a condition given twice read once.

    A segment and the rest of the customers (:func:`cxlib.compare_segments`) give the
    same condition object in the scopes ``"customers"`` and ``"other customers"``: its
    customers are found once, the rest is their negation (10M events: 0.06 CPU-s
    spared).

    Examples
    --------
    >>> table = pl.DataFrame({"_customer": [1, 1, 2], "a": [0, 1, 0]})
    >>> hit = nw.col("a") == 1
    >>> [m.to_list() for m in kept_masks(table, [(hit, "customers"), (hit, "other customers")])]
    [[True, True, False], [False, False, True]]
    """
    customers: dict[int, pl.Series] = {}
    masks = []
    for condition, scope in kept:
        if scope == "events":
            masks.append(rows_where(journeys, condition).fill_null(False))
            continue
        if id(condition) not in customers:
            rows = rows_where(journeys, condition).fill_null(False)
            customers[id(condition)] = customers_where(journeys, rows)
        mask = customers[id(condition)]
        masks.append(mask if scope == "customers" else mask.not_())
    return masks


def repeated_rows(journeys: SortedJourneys) -> pl.Series:
    """Whether each row of sorted journeys repeats the touchpoint just before it in its journey.

    Examples
    --------
    >>> table = pl.DataFrame({"_journey": [1, 1, 1, 2], "touchpoint": list("xxyy")})
    >>> repeated_rows(table).to_list()
    [False, True, False, False]
    """
    journey, touchpoint = pl.col("_journey"), pl.col("touchpoint")
    repeat = (journey == journey.shift(1)) & (touchpoint == touchpoint.shift(1))
    return journeys.select(repeat.fill_null(False)).to_series()


def rows_where(journeys: SortedJourneys, expression: nw.Expr) -> pl.Series:
    """``expression`` (narwhals, over the columns of a log) evaluated on each row of sorted journeys.

    Examples
    --------
    >>> rows_where(pl.DataFrame({"a": [1, 2]}), nw.col("a") > 1).to_list()
    [False, True]
    """
    return nw.from_native(journeys).select(expression.alias("_value")).to_native().to_series()

"""The sort behind the Polars journey order: a log's core columns, once, into journeys.

:func:`sort_journeys` sorts row numbers, not the frame (by a 64-bit hash of the
customer, then the event order where rows are not in it already), gathers each column
in turn and numbers customers and journeys (``_customer``, ``_journey``); what is done
on the sorted rows is in :mod:`cxlib.engines.polars_journeys`.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import narwhals as nw
import polars as pl

__all__ = ["CUSTOMER_HASH", "SORTED", "SortedJourneys", "sort_journeys"]

#: A log's core columns in journey order, in memory: the journey keys, ``touchpoint``
#: (Categorical), ``timestamp``, ``epoch_us``, ``event_index``, the integer codes
#: ``_customer`` and ``_journey`` (flagged sorted) numbering customers and journeys,
#: ``_row`` (each event's row in the log it was sorted from) and any other column of
#: that log brought in by :func:`cxlib.engines.gathered`.
SortedJourneys: TypeAlias = pl.DataFrame

#: The columns :func:`sort_journeys` adds: each row's in the frame sorted, and the codes.
SORTED = ("_row", "_customer", "_journey")

#: How :func:`sort_journeys` groups a customer's events before sorting them.
CUSTOMER_HASH = pl.col("customer_id").hash(0)


def sort_journeys(
    frame: nw.LazyFrame[Any], keys: list[str], order: list[str], *, columns: list[str]
) -> SortedJourneys:
    """``columns`` of a Polars frame, sorted by the journey ``keys`` and then ``order``.

    ``keys`` start with ``customer_id``; ``order`` is the event order within a journey
    (:data:`cxlib.log.ORDER`). ``_customer`` and ``_journey`` number the customers and
    journeys in the sorted order; ``_row`` is each event's row in ``frame``.

    Measured at 10M events (CPU s, peak RSS): a sort of the frame by text customer and
    ORDER took 4.8 s; by a 64-bit hash of the customer 2.3 s but 1.9 GB, as a sort of
    a whole frame holds the frame, its sort keys and the sorted copy at once. Here only
    row numbers are sorted (stably, by the hash alone when the rows are already in
    ORDER, as exported logs mostly are; else by one stable sort per column,
    :func:`_stable_positions`), then each column is gathered in turn and
    released (rechunked first: gathering from 100 chunks is 6x slower): 1.4 s, 1.3 GB.
    Two customers sharing a hash would interleave: the check sees it and sorts by text.

    Examples
    --------
    >>> import narwhals as nw, polars as pl
    >>> lf = nw.from_native(pl.LazyFrame({"customer_id": ["b", "a", "b"], "touchpoint": list("xyz"),
    ...     "epoch_us": [2, 1, 1], "event_index": [0, 1, 2]}))
    >>> out = sort_journeys(lf, ["customer_id"], ["epoch_us", "event_index"],
    ...     columns=["customer_id", "touchpoint", "epoch_us", "event_index"])
    >>> out.filter(pl.col("customer_id") == "b")["touchpoint"].to_list(), out["_journey"].n_unique()
    (['z', 'x'], 2)
    """
    # Touchpoints become categories as they are read: their text is never held whole.
    data = frame.to_native().select(_as_read(c) for c in columns).collect()
    data, shared = _shared_time(data)
    data = data.with_columns(data[c].rechunk() for c in ["customer_id", *order])
    first, second = (data[c] for c in order)
    code = data.select(CUSTOMER_HASH).to_series().rechunk()
    hashed, by = data.with_columns(_hash=code), ["_hash", *keys[1:]]
    in_order = (_later(first) | (_same(first) & _later(second))).all()
    positions = _stable_positions(hashed, by if in_order else [*by, *order])
    del hashed, first, second
    customer_id = data["customer_id"].gather(positions)
    code = code.gather(positions)
    if (_same(customer_id) != _same(code)).any():
        positions = _stable_positions(data, [*keys, *order])
        customer_id = data["customer_id"].gather(positions)
    # Each column is released once in journey order: the source's and the sorted copy
    # of a column are never both held for more than one column at a time (taken out of
    # the frame before it is rechunked: no third copy).
    del code
    data = data.drop("customer_id")
    out = {"customer_id": customer_id}
    for name in columns[1:]:
        if name in out:
            continue
        out[name] = data.drop_in_place(name).rechunk().gather(positions)
        if shared and name == "timestamp":
            out["epoch_us"] = out[name].to_physical()
            data = data.drop("epoch_us")
    del data
    ordered = pl.DataFrame({name: out[name] for name in columns})
    return _numbered(ordered.with_columns(_row=positions), keys)


def _shared_time(data: pl.DataFrame) -> tuple[pl.DataFrame, bool]:
    """``data`` with ``epoch_us`` the very values of ``timestamp`` where they are equal, and whether.

    A timestamp in microseconds holds its epoch microseconds already: one buffer serves
    both columns (100M events: 800 MB less), checked value by value, not assumed.

    Examples
    --------
    >>> import datetime as dt
    >>> data = pl.DataFrame({"timestamp": [dt.datetime(1970, 1, 1, 0, 0, 1)], "epoch_us": [1_000_000]})
    >>> _shared_time(data)[1], _shared_time(data.with_columns(epoch_us=pl.lit(0)))[1]
    (True, False)
    """
    stamp = data.schema.get("timestamp")
    if not (isinstance(stamp, pl.Datetime) and stamp.time_unit == "us" and "epoch_us" in data):
        return data, False
    time = data["timestamp"].rechunk()
    if not time.to_physical().eq_missing(data["epoch_us"]).all():
        return data, False
    return data.with_columns(timestamp=time, epoch_us=time.to_physical()), True


def _stable_positions(frame: pl.DataFrame, by: list[str]) -> pl.Series:
    """The row numbers of ``frame`` sorted by the columns ``by``, ties in row order.

    One stable sort per column, the last column first (a least-significant-first sort),
    each skipped where that column is in order already: 100M events of a log written
    in 10 chunks of time order, by (hash, ``epoch_us``, ``event_index``), took 473 s as
    one sort on three columns and about 25 s so (20M events: 13.2 s and 4.2 s).

    Examples
    --------
    >>> frame = pl.DataFrame({"a": [2, 1, 2, 1], "b": [0, 5, 0, 4]})
    >>> _stable_positions(frame, ["a", "b"]).to_list()
    [3, 1, 0, 2]
    """
    positions: pl.Series | None = None
    for name in reversed(by):
        column = frame[name] if positions is None else frame[name].gather(positions)
        if column.is_sorted():
            continue
        step = column.to_frame().select(
            pl.int_range(pl.len(), dtype=pl.get_index_type()).sort_by(name, maintain_order=True)
        )
        positions = step.to_series() if positions is None else positions.gather(step.to_series())
    if positions is None:
        return pl.Series(range(frame.height), dtype=pl.get_index_type())
    return positions


def _same(column: pl.Series) -> pl.Series:
    """Whether each value but the first equals the one before it (null where either is null).

    Compared on two slices of ``column`` (no copy; a shift would copy it: 160 MB for
    10M customer ids). ``column`` is in one chunk, else the slices are realigned.

    Examples
    --------
    >>> _same(pl.Series(["a", "a", "b"])).to_list()
    [True, False]
    """
    return column.slice(1).eq(column.slice(0, max(column.len() - 1, 0)))


def _later(column: pl.Series) -> pl.Series:
    """Whether each value but the first is greater than the one before it (see :func:`_same`).

    Examples
    --------
    >>> _later(pl.Series([1, 2, 2])).to_list()
    [True, False]
    """
    return column.slice(1).gt(column.slice(0, max(column.len() - 1, 0)))


def _as_read(name: str) -> pl.Expr:
    """A column as :func:`sort_journeys` collects it: ``touchpoint`` as categories.

    A few dozen distinct names: as categories, every later group_by on them is faster
    and lighter (10M events: transitions 1.4 -> 0.8 CPU-s, 2.0 -> 1.5 GB), and cast as
    they are read, the text column is never in memory (10M events: 160 MB less).
    """
    return pl.col(name).cast(pl.Categorical) if name == "touchpoint" else pl.col(name)


def _numbered(journeys: pl.DataFrame, keys: list[str]) -> SortedJourneys:
    """``_customer`` and ``_journey`` numbering the customers and journeys of rows in journey order."""
    changed = [(pl.col(k) != pl.col(k).shift(1)).fill_null(True) for k in keys[1:]]
    # The customer ids, by slices (see _same): a shift of them would copy them.
    new_customer = pl.concat([pl.Series([True]), _same(journeys["customer_id"]).not_()])
    changed.insert(0, pl.lit(new_customer.head(journeys.height)).fill_null(True))
    numbered = journeys.with_columns(_customer=changed[0].cum_sum().cast(pl.UInt32).set_sorted())
    if len(keys) == 1:  # journeys are customers: one column serves both (10M events: 40 MB)
        return numbered.with_columns(_journey=pl.col("_customer"))
    return numbered.with_columns(
        # Flagged as sorted, group_by("_journey") slices runs instead of hashing (10M
        # events: top paths' string join 1.2 CPU-s instead of 2.8).
        _journey=pl.any_horizontal(changed).cum_sum().cast(pl.UInt32).set_sorted(),
    )

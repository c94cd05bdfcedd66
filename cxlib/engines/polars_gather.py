"""Columns of a log brought into its kept journey order (Polars, in memory).

The sorted journeys (:mod:`cxlib.engines.polars_sort`) hold the core columns only. An
analysis reading another column of the log brings it in when first asked for: by the
row each event came from (``_row``, :func:`gathered`), as text or as the codes of its
categories (:func:`category_column`), or matched by ``event_index``
(:func:`with_event_columns`).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import narwhals as nw
import polars as pl

from cxlib.engines.polars_sort import SortedJourneys

__all__ = ["category_column", "gathered", "with_event_columns"]


#: Rows a thread gathers at least (:func:`_in_parallel`).
_PER_THREAD = 500_000


def gathered(
    journeys: SortedJourneys,
    frame: nw.LazyFrame[Any],
    names: list[str],
    *,
    categories: Sequence[str] = (),
) -> SortedJourneys | None:
    """``journeys`` with the columns ``names`` of ``frame`` (the frame they were sorted from) added.

    Only those columns are read, then put in journey order by ``_row`` (10M events: 0.1-0.2
    CPU-s a text column). Each column of ``categories`` is added as the categories of its
    values as text (Categorical, as ``touchpoint``), named :func:`category_column`: cast
    as it is read, only its 32-bit codes are put in order (10M events: 0.17 CPU-s a
    column, once), and an analysis counting by value groups integers every time after
    (casting the text of the 5.5M events what converters do differently counts took
    0.07 CPU-s a column, each time). ``None`` when ``frame`` gives its rows in another
    order than when it was sorted (its ``event_index`` is checked): then sort again with
    the columns.

    Examples
    --------
    >>> lf = nw.from_native(pl.LazyFrame({"customer_id": ["b", "a"], "touchpoint": ["x", "y"],
    ...     "epoch_us": [0, 0], "event_index": [0, 1], "channel": ["web", "app"]}))
    >>> from cxlib.engines.polars_sort import sort_journeys
    >>> table = sort_journeys(lf, ["customer_id"], ["epoch_us", "event_index"],
    ...     columns=["customer_id", "touchpoint", "epoch_us", "event_index"])
    >>> gathered(table, lf, ["channel"]).select("customer_id", "channel").sort("customer_id").rows()
    [('a', 'app'), ('b', 'web')]
    >>> coded = gathered(table, lf, [], categories=["channel"])
    >>> coded.select("customer_id", category_column("channel")).sort("customer_id").rows()
    [('a', 'app'), ('b', 'web')]
    >>> coded[category_column("channel")].dtype
    Categorical
    """
    native = frame.to_native()
    schema = native.collect_schema()
    data = native.select(
        *names,
        *(_as_categories(c, schema[c]).alias(category_column(c)) for c in categories),
        "event_index",
    ).collect()
    rows = journeys["_row"]
    if not _same_events(journeys, data):
        return None
    added = [_in_parallel(data[name].rechunk(), rows) for name in names]
    if categories:  # 32-bit codes, small: rechunked and gathered together, in parallel
        coded = data.select(category_column(c) for c in categories).rechunk()[rows]
        added += coded.get_columns()
    return journeys.with_columns(added)


def _in_parallel(column: pl.Series, rows: pl.Series, per_thread: int = _PER_THREAD) -> pl.Series:
    """``column.gather(rows)``, a slice of ``rows`` per thread of Polars' pool, one chunk each.

    A gather runs on the thread that calls it, not Polars' pool, and releases the GIL:
    two threads gather a text column in journey order in half the time (10M events:
    0.065 s instead of 0.12 s). A thread gathers ``per_thread`` rows at least (fewer
    cost more than they save), and the chunks are not joined (a copy: 0.03 s for text).

    Examples
    --------
    >>> _in_parallel(pl.Series(["a", "b", "c"]), pl.Series([2, 0, 1])).to_list()
    ['c', 'a', 'b']
    """
    parts = min(pl.thread_pool_size(), rows.len() // per_thread)
    if parts < 2:  # one thread needs no pool
        return column.gather(rows)
    size = -(-rows.len() // parts)
    with ThreadPoolExecutor(parts) as pool:
        chunks = list(pool.map(lambda i: column.gather(rows.slice(i * size, size)), range(parts)))
    out = chunks[0]
    for chunk in chunks[1:]:
        out.append(chunk)
    return out


def _same_events(journeys: SortedJourneys, data: pl.DataFrame) -> bool:
    """Whether row ``_row`` of ``data`` is each event of ``journeys``: their ``event_index`` match.

    Where both number the rows (``data``'s ``event_index`` is its row number, as
    :func:`cxlib.load` makes it, and each event's is its ``_row``) that is two scans in
    order; else the indexes are gathered and compared (10M events: 0.03 s instead of
    0.11 s).

    Examples
    --------
    >>> journeys = pl.DataFrame({"_row": [1, 0], "event_index": [1, 0]})
    >>> _same_events(journeys, pl.DataFrame({"event_index": [0, 1]}))
    True
    >>> _same_events(journeys, pl.DataFrame({"event_index": [1, 0]}))
    False
    >>> _same_events(journeys.with_columns(event_index=pl.Series([0, 1])),
    ...     pl.DataFrame({"event_index": [0, 1]}))
    False
    >>> _same_events(journeys.with_columns(event_index=pl.Series([5, 7])),
    ...     pl.DataFrame({"event_index": [7, 5]}))
    True
    """
    rows = journeys["_row"]
    if not rows.len():
        return True
    last = rows.max()
    if not isinstance(last, int) or data.height <= last:
        return False
    if data.schema["event_index"].is_integer():
        by_row = pl.col("event_index") == pl.int_range(pl.len(), dtype=pl.Int64)
        by_event = pl.col("event_index") == pl.col("_row").cast(pl.Int64)
        if data.select(by_row.all()).item() and journeys.select(by_event.all()).item():
            return True
    return bool((data["event_index"].rechunk().gather(rows) == journeys["event_index"]).all())


def category_column(name: str) -> str:
    """The column of sorted journeys holding the column ``name`` as categories (:func:`gathered`).

    Examples
    --------
    >>> category_column("channel")
    '_categories:channel'
    """
    return f"_categories:{name}"


def _as_categories(name: str, dtype: pl.DataType) -> pl.Expr:
    """The column ``name`` as categories of its values as text; categories already are kept."""
    if isinstance(dtype, pl.Categorical | pl.Enum):
        return pl.col(name)
    return pl.col(name).cast(pl.String).cast(pl.Categorical)


def with_event_columns(
    steps: nw.LazyFrame[Any], frame: nw.LazyFrame[Any], columns: Sequence[str]
) -> nw.LazyFrame[Any] | None:
    """``steps`` (in journey order, kept) with more ``columns`` of the log's ``frame``.

    The sorted journeys hold the core columns only; the others are matched by
    ``event_index`` (1M events: 0.3 s, not a second sort). ``None`` when an index
    stands for several events of ``frame`` (a source's own ``event_index`` need not be
    unique): then events cannot be told apart by it.

    Examples
    --------
    >>> steps = nw.from_native(pl.LazyFrame({"event_index": [2, 0, 1]}))
    >>> log = nw.from_native(pl.LazyFrame({"event_index": [0, 1, 2], "channel": list("abc")}))
    >>> with_event_columns(steps, log, ["channel"]).collect()["channel"].to_list()
    ['c', 'a', 'b']
    >>> with_event_columns(steps, log.with_columns(event_index=nw.lit(0)), ["channel"]) is None
    True
    """
    extra = frame.to_native().select("event_index", *columns).collect()
    if extra["event_index"].n_unique() != extra.height:
        return None
    joined = steps.to_native().join(
        extra.lazy(), on="event_index", how="left", maintain_order="left"
    )
    out: nw.LazyFrame[Any] = nw.from_native(joined)
    return out

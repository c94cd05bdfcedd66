"""The Polars journey order: a log's events sorted once into journeys, in memory, with integer codes.

Sorting is most of the cost of an analysis at 10M events; counting on sorted rows is
nearly free (docs/performance-core.md). On Polars, :func:`cxlib.journeys.journey_table`
therefore sorts the core columns of a log once (:func:`sort_journeys`), keeps them in the
log's cache, cuts sessions from them without a second sort (:func:`cut_sessions`) and
derives each analysis's journey steps from them with shifts (:func:`steps_in_order`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import narwhals as nw
import polars as pl

if TYPE_CHECKING:
    from polars.expr.whenthen import ChainedThen, Then

__all__ = [
    "CUSTOMER_HASH",
    "SortedJourneys",
    "cut_sessions",
    "relabel_events",
    "running_sums",
    "sort_journeys",
    "steps_in_order",
    "with_event_columns",
]

#: A log's core columns in journey order, in memory: the journey keys, ``touchpoint``
#: (Categorical), ``timestamp``, ``epoch_us``, ``event_index``, and the integer codes
#: ``_customer`` and ``_journey`` (flagged sorted) numbering customers and journeys.
SortedJourneys: TypeAlias = pl.DataFrame

#: How :func:`sort_journeys` groups a customer's events before sorting them.
CUSTOMER_HASH = pl.col("customer_id").hash(0)


def sort_journeys(
    frame: nw.LazyFrame[Any], keys: list[str], order: list[str], *, columns: list[str]
) -> SortedJourneys:
    """``columns`` of a Polars frame, sorted by the journey ``keys`` and then ``order``.

    ``keys`` start with ``customer_id``; ``order`` is the event order within a journey
    (:data:`cxlib.log.ORDER`). ``_customer`` and ``_journey`` number the customers and
    journeys in the sorted order.

    Measured at 10M events (CPU s, peak RSS): a sort of the frame by text customer and
    ORDER took 4.8 s; by a 64-bit hash of the customer 2.3 s but 1.9 GB, as a sort of
    a whole frame holds the frame, its sort keys and the sorted copy at once. Here only
    row numbers are sorted (stably, by the hash alone when the rows are already in
    ORDER, as exported logs mostly are), then each column is gathered in turn and
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
    data = frame.to_native().select(columns).collect()
    rows = pl.int_range(pl.len(), dtype=pl.get_index_type())
    first, second = (pl.col(c) for c in order)
    later = (first > first.shift(1)) | ((first == first.shift(1)) & (second > second.shift(1)))
    code = data.select(CUSTOMER_HASH).to_series().rechunk()
    hashed, by = data.with_columns(_hash=code), ["_hash", *keys[1:]]
    if data.select(later.all()).item():
        positions = hashed.select(rows.sort_by(by, maintain_order=True)).to_series()
    else:
        positions = hashed.select(rows.sort_by([*by, *order])).to_series()
    del hashed
    customer_id = data["customer_id"].rechunk().gather(positions)
    code = code.gather(positions)
    if ((customer_id != customer_id.shift(1)) != (code != code.shift(1))).any():
        positions = data.select(rows.sort_by([*keys, *order])).to_series()
        customer_id = data["customer_id"].rechunk().gather(positions)
    out = {"customer_id": customer_id}
    for name in columns[1:]:
        column = data[name].rechunk()
        if name == "touchpoint":
            # A few dozen distinct names: as categories, every later group_by on them is
            # faster and lighter (10M events: transitions 1.4 -> 0.8 CPU-s, 2.0 -> 1.5 GB).
            column = column.cast(pl.Categorical)
        out[name] = column.gather(positions)
        data = data.drop(name)
    del data
    changed = [(pl.col(k) != pl.col(k).shift(1)).fill_null(True) for k in keys]
    return pl.DataFrame(out).with_columns(
        _customer=changed[0].cum_sum().cast(pl.UInt32),
        # Flagged as sorted, group_by("_journey") slices runs instead of hashing (10M
        # events: top paths' string join 1.2 CPU-s instead of 2.8).
        _journey=pl.any_horizontal(changed).cum_sum().cast(pl.UInt32).set_sorted(),
    )


def cut_sessions(customers: SortedJourneys, gap_us: int) -> SortedJourneys:
    """The customers' sorted journeys cut into sessions with a gap of ``gap_us`` microseconds.

    The rule of :func:`cxlib.sessionize` (a new session at a customer's first event and
    after every pause longer than the gap) on rows already in journey order, so only
    ``session_id`` and ``_journey`` are new columns (10M events: 0.3 CPU-s instead of
    10 s for the window functions and a second sort).

    Examples
    --------
    >>> customers = pl.DataFrame({"_customer": [1, 1, 1, 2], "epoch_us": [0, 5, 50, 0]})
    >>> cut_sessions(customers, 10)["session_id"].to_list()
    [1, 1, 2, 1]
    """
    customer, epoch = pl.col("_customer"), pl.col("epoch_us")
    first = (customer != customer.shift(1)).fill_null(True)
    starts = first | ((epoch - epoch.shift(1)) > gap_us)
    count = starts.cum_sum()
    return customers.with_columns(
        session_id=(count - pl.when(first).then(count).forward_fill() + 1).cast(pl.Int64),
        _journey=count.cast(pl.UInt32).set_sorted(),
    )


def steps_in_order(journeys: SortedJourneys) -> nw.LazyFrame[Any]:
    """The journey steps of sorted journeys: ``step``, ``next_touchpoint``, ``next_epoch_us``.

    The same columns as :func:`cxlib.journey_steps`, by shifts over rows already in
    journey order instead of window functions.

    Examples
    --------
    >>> table = pl.DataFrame({"_journey": [1, 1, 2], "touchpoint": list("xyz"), "epoch_us": [0, 5, 0]})
    >>> steps_in_order(table).collect().select("step", "next_touchpoint").rows()
    [(1, 'y'), (2, None), (1, None)]
    """
    journey, row = pl.col("_journey"), pl.int_range(pl.len(), dtype=pl.Int64)
    first = (journey != journey.shift(1)).fill_null(True)
    last = (journey != journey.shift(-1)).fill_null(True)
    steps = journeys.lazy().with_columns(
        step=(row - pl.when(first).then(row).forward_fill() + 1).cast(pl.Int64),
        next_touchpoint=pl.when(~last).then(pl.col("touchpoint").shift(-1)),
        next_epoch_us=pl.when(~last).then(pl.col("epoch_us").shift(-1)),
    )
    return nw.from_native(steps)


def running_sums(steps: nw.LazyFrame[Any], columns: Sequence[str]) -> nw.LazyFrame[Any]:
    """Each of ``columns`` summed over its journey up to and including each row.

    ``steps`` are in journey order (:func:`steps_in_order`: each journey's rows together,
    ``step`` 1 first). One running sum over the whole frame, less its value just before
    the journey's first row: at 1M events and 13 columns 0.3 s, where a running sum in
    a window per journey took 3.6 s. Sums of floats carry the rounding of the running
    total over the frame (about 1e-16 of it), not only of the journey's.

    Examples
    --------
    >>> steps = pl.LazyFrame({"step": [1, 2, 3, 1, 2], "x": [1, 0, 1, 1, 1]})
    >>> running_sums(nw.from_native(steps), ["x"]).collect()["x"].to_list()
    [1, 1, 2, 1, 2]
    """
    first = pl.col("step") == 1
    sums = [
        (pl.col(c).cum_sum() - pl.when(first).then(pl.col(c).cum_sum() - pl.col(c)).forward_fill())
        for c in columns
    ]
    # Computed here, by the in-memory engine: running sums do not stream, and the
    # streaming engine (Polars' default) took 1.3 s where this takes 0.9 s (1M events).
    sums_of_steps = steps.to_native().with_columns(sums).collect(engine="in-memory")
    out: nw.LazyFrame[Any] = nw.from_native(sums_of_steps.lazy())
    return out


def relabel_events(
    journeys: SortedJourneys, marked: Sequence[tuple[str, nw.Series[Any]]]
) -> SortedJourneys | None:
    """Sorted journeys with the events of each ``(label, event indexes)`` renamed to the label.

    The first pair listing an event wins. Only ``touchpoint`` is new (still
    Categorical): the kept sort is reused, no column is gathered again. ``None`` when an
    index stands for several events (a source's own ``event_index`` need not be unique):
    then events cannot be told apart by it.

    Examples
    --------
    >>> table = pl.DataFrame({"event_index": [0, 1, 2], "touchpoint": list("xyx")})
    >>> marks = [("X2", nw.from_native(pl.Series([2]), series_only=True))]
    >>> relabel_events(table, marks)["touchpoint"].to_list()
    ['x', 'y', 'X2']
    >>> relabel_events(table.with_columns(event_index=pl.lit(2)), marks) is None
    True
    """
    index = pl.col("event_index")
    hits = [index.is_in(indexes.to_native().implode()) for _, indexes in marked]
    if not hits:
        return journeys
    # As a category: no pass through text (10M events: 0.5 -> 0.02 CPU-s).
    out: Then | ChainedThen = pl.when(hits[0]).then(pl.lit(marked[0][0], dtype=pl.Categorical))
    for (label, _), hit in zip(marked[1:], hits[1:], strict=True):
        out = out.when(hit).then(pl.lit(label, dtype=pl.Categorical))
    relabelled = journeys.with_columns(
        touchpoint=out.otherwise(pl.col("touchpoint")), _hit=pl.any_horizontal(hits)
    )
    hit_rows = relabelled["_hit"].sum()
    unique = hit_rows == len(pl.concat([m.to_native() for _, m in marked]).unique())
    return relabelled.drop("_hit") if unique else None


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

"""Most valuable customers: recency, frequency and monetary value (RFM) scores and segments.

RFM describes the **buying customers**: those with at least one **transaction**
(an event of the ``goal`` touchpoint when one is given, else an event with
a positive ``value``). Per buying customer:

- **recency**: days from their last transaction to ``now`` (by default the
  log's last event, of any customer and touchpoint);
- **frequency**: their number of transactions;
- **monetary**: the summed ``value`` of those transactions.

Each is scored 1 to 5 by the customer's rank among all customers: ``score = 1 +
floor(5 * (rank - 1) / customers)`` with ties sharing the lowest rank, so equal
values get equal scores and each score holds about a fifth of the buying customers. A
high score is good: recent (few days), frequent, high value.

The **segment** comes from the recency and frequency scores, the widely used
RFM grid (monetary value goes into the ``rfm`` code but not the segment):

======================  ===============  ================
segment                 recency score    frequency score
======================  ===============  ================
champions               5                4-5
loyal                   3-4              4-5
potential loyalists     4-5              2-3
new customers           5                1
promising               4                1
need attention          3                3
about to sleep          3                1-2
cannot lose them        1-2              5
at risk                 1-2              3-4
hibernating             1-2              1-2 (not both 1)
lost                    1                1
======================  ===============  ================
"""

from __future__ import annotations

import datetime as dt

import narwhals as nw
import polars as pl

from cxlib.errors import AnalysisError
from cxlib.journeys import journey_table
from cxlib.log import EventLog
from cxlib.units import DAY_US

__all__ = ["SEGMENTS", "rfm", "rfm_segments"]

#: The RFM segments, from the best customers to the lost ones.
SEGMENTS = (
    "champions",
    "loyal",
    "potential loyalists",
    "new customers",
    "promising",
    "need attention",
    "about to sleep",
    "cannot lose them",
    "at risk",
    "hibernating",
    "lost",
)


def _score(column: str, *, descending: bool = False) -> pl.Expr:
    rank = pl.col(column).rank("min", descending=descending)
    return (1 + (5 * (rank - 1)) // pl.len()).cast(pl.Int64)


def _segment() -> pl.Expr:
    r, f = pl.col("r_score"), pl.col("f_score")
    return (
        pl.when((r == 5) & (f >= 4))
        .then(pl.lit("champions"))
        .when(r.is_between(3, 4) & (f >= 4))
        .then(pl.lit("loyal"))
        .when((r >= 4) & f.is_between(2, 3))
        .then(pl.lit("potential loyalists"))
        .when((r == 5) & (f == 1))
        .then(pl.lit("new customers"))
        .when((r == 4) & (f == 1))
        .then(pl.lit("promising"))
        .when((r == 3) & (f == 3))
        .then(pl.lit("need attention"))
        .when(r == 3)
        .then(pl.lit("about to sleep"))
        .when(f == 5)
        .then(pl.lit("cannot lose them"))
        .when(f >= 3)
        .then(pl.lit("at risk"))
        .when((r == 1) & (f == 1))
        .then(pl.lit("lost"))
        .otherwise(pl.lit("hibernating"))
    )


def rfm(log: EventLog, *, now: dt.datetime | None = None, goal: str | None = None) -> pl.DataFrame:
    """RFM values, scores and segment of every buying customer.

    Parameters
    ----------
    log
        The event log; it needs a ``value`` column.
    now
        The moment recency is measured from (naive UTC); default: the log's last event.
    goal
        The touchpoint that counts as a transaction; default: any event with a
        positive value.

    Returns
    -------
    polars.DataFrame
        One row per customer with at least one transaction, sorted by ``monetary``
        descending then ``customer_id``:
        ``recency_days`` (Float64), ``frequency`` (Int64), ``monetary`` (Float64),
        ``r_score``, ``f_score``, ``m_score`` (1 to 5, Int64), ``rfm`` (the three
        scores as a code, ``"545"``) and ``segment`` (see the module docstring).

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, d) for d in (1, 3, 2)],
    ...     "touchpoint": ["buy", "buy", "buy"], "value": [10.0, 5.0, 1.0]}))
    >>> rfm(log).select("customer_id", "recency_days", "frequency", "monetary", "rfm").rows()
    [('a', 0.0, 2, 15.0, '333'), ('b', 1.0, 1, 1.0, '111')]
    """
    if not log.has("value"):
        msg = "rfm needs a value column (revenue per event) and the log has none; map one when loading it"
        raise AnalysisError(msg)
    value = nw.col("value").cast(nw.Float64)
    is_transaction = nw.col("touchpoint") == goal if goal is not None else value > 0
    events = journey_table(log, columns=["value"], steps=False)
    # Grouped by the customers' codes where the journeys have them (text is slow to hash).
    named = {"customer_id": nw.col("customer_id").min()} if events.customer != "customer_id" else {}
    table: pl.DataFrame = (
        events.frame.with_columns(_tx=is_transaction.fill_null(False))
        .group_by(events.customer)
        .agg(
            **named,
            last_us=nw.col("epoch_us").max(),
            last_tx_us=nw.when(nw.col("_tx")).then(nw.col("epoch_us")).max(),
            frequency=nw.col("_tx").cast(nw.Int64).sum().cast(nw.Int64),
            monetary=nw.when(nw.col("_tx")).then(value).otherwise(0.0).sum().cast(nw.Float64),
        )
        .collect("polars")
        .to_native()
        .with_columns(pl.col("customer_id").cast(pl.String))
    )
    if now is None:
        now_us = table["last_us"].max() if table.height else 0
    else:
        now_us = (now - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1)
    return (
        table.filter(pl.col("frequency") > 0)
        .with_columns(
            recency_days=((now_us - pl.col("last_tx_us")) / DAY_US).cast(pl.Float64),
            monetary=pl.col("monetary").fill_null(0.0),
        )
        .with_columns(
            r_score=_score("recency_days", descending=True),
            f_score=_score("frequency"),
            m_score=_score("monetary"),
        )
        .with_columns(
            rfm=pl.concat_str(pl.col("r_score", "f_score", "m_score").cast(pl.String)),
            segment=_segment(),
        )
        .select(
            "customer_id",
            "recency_days",
            "frequency",
            "monetary",
            "r_score",
            "f_score",
            "m_score",
            "rfm",
            "segment",
        )
        .sort(["monetary", "customer_id"], descending=[True, False])
    )


def rfm_segments(table: pl.DataFrame) -> pl.DataFrame:
    """Customers and value per RFM segment, from the result of :func:`rfm`.

    One row per segment of :data:`SEGMENTS` (in that order, absent ones left out):
    ``customers`` (Int64), ``share`` = ``customers`` / all customers,
    ``monetary`` (summed value), ``monetary_share`` = ``monetary`` / all value (0
    when there is none), ``recency_days`` and ``frequency`` (means, Float64).

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, d) for d in (1, 3, 2)],
    ...     "touchpoint": ["buy", "buy", "buy"], "value": [10.0, 5.0, 1.0]}))
    >>> rfm_segments(rfm(log)).select("segment", "customers", "monetary_share").rows()
    [('need attention', 1, 0.9375), ('lost', 1, 0.0625)]
    """
    total = table["monetary"].sum()
    order = {s: i for i, s in enumerate(SEGMENTS)}
    return (
        table.group_by("segment")
        .agg(
            customers=pl.len().cast(pl.Int64),
            monetary=pl.col("monetary").sum(),
            recency_days=pl.col("recency_days").mean(),
            frequency=pl.col("frequency").cast(pl.Float64).mean(),
        )
        .with_columns(
            share=(pl.col("customers") / table.height).cast(pl.Float64),
            monetary_share=(pl.col("monetary") / total if total else pl.lit(0.0)).cast(pl.Float64),
            _order=pl.col("segment").replace_strict(order, return_dtype=pl.Int64),
        )
        .sort("_order")
        .select(
            "segment",
            "customers",
            "share",
            "monetary",
            "monetary_share",
            "recency_days",
            "frequency",
        )
    )

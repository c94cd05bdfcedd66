"""One customer's journey: their events in order, the time between them, their stages.

Only that customer's events are read (a filter the engine pushes down to the file or
the table), so it answers at once on the largest logs. :func:`find_customers` looks
customers up by a part of their id; :func:`customer_rfm` finds a customer's row in an
:func:`cxlib.rfm` table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import narwhals as nw
import polars as pl

from cxlib.analyses.stages import STAGE_ORDER
from cxlib.checks import check_known
from cxlib.errors import AnalysisError
from cxlib.log import ENTRY, ORDER, EventLog
from cxlib.units import SECOND_US

__all__ = [
    "CustomerJourney",
    "RfmScore",
    "customer_journey",
    "customer_propensity",
    "customer_rfm",
    "find_customers",
]


@dataclass(frozen=True)
class CustomerJourney:
    """One customer's events and stages (see :func:`customer_journey`)."""

    customer_id: str
    events: pl.DataFrame
    stages: pl.DataFrame

    @property
    def touchpoints(self) -> list[str]:
        """The customer's touchpoints in order: their path."""
        return self.events["touchpoint"].to_list()


def find_customers(log: EventLog, text: str, *, n: int = 20) -> list[str]:
    """Up to ``n`` customer ids containing ``text`` (an exact id first), in order.

    Examples
    --------
    >>> import datetime as dt
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["C12", "C2", "C120"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 3, "touchpoint": ["x"] * 3}))
    >>> find_customers(log, "C12")
    ['C12', 'C120']
    """
    ids = nw.col("customer_id").cast(nw.String)
    found = (
        log.frame.filter(ids.str.contains(text, literal=True))
        .select(customer_id=ids)
        .unique()
        .sort("customer_id")
        .head(n + 1)
        .collect("polars")["customer_id"]
        .to_list()
    )
    exact = [text] if text in found else []
    return (exact + [c for c in found if c != text])[:n]


def customer_journey(
    log: EventLog,
    customer_id: str,
    *,
    stages: Mapping[str, str] | None = None,
    order: Sequence[str] = STAGE_ORDER,
) -> CustomerJourney:
    """The events of one customer, in order, and their path through the stages.

    Parameters
    ----------
    log
        The event log; only this customer's events are read.
    customer_id
        The customer.
    stages
        The mapping touchpoint -> stage (as on the Stages page); without it the stage
        columns are null and ``stages`` is empty.
    order
        The stages in journey order, to tell moves forward from moves back.

    Returns
    -------
    CustomerJourney
        ``events``: one row per event, in order: ``step`` (1, 2, ...), ``timestamp``,
        ``touchpoint``, ``channel``, ``value``, ``rating`` (null where the log has no such
        column), ``seconds_since_previous`` (null on the first event), ``session_id``
        when the log has sessions, and ``stage``.
        ``stages``: one row per visit of a stage (consecutive events in the same stage
        are one visit; events outside the mapping are skipped): ``stage``, ``entered``
        and ``left`` (timestamps of its first and last event), ``events``, and ``move``:
        ``"entry"`` for the first, then ``"forward"`` or ``"back"``.

    Raises
    ------
    AnalysisError
        When the customer has no event in the log (naming close ids).

    Examples
    --------
    >>> import datetime as dt
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10, 12, 9)],
    ...     "touchpoint": ["visit", "cart", "visit", "visit"]}))
    >>> journey = customer_journey(log, "a", stages={"visit": "awareness", "cart": "decision"})
    >>> journey.events.select("step", "touchpoint", "seconds_since_previous").rows()
    [(1, 'visit', None), (2, 'cart', 3600.0), (3, 'visit', 7200.0)]
    >>> journey.stages.select("stage", "events", "move").rows()
    [('awareness', 1, 'entry'), ('decision', 1, 'forward'), ('awareness', 1, 'back')]
    """
    optional = {"channel": pl.String, "value": pl.Float64, "rating": pl.Float64}
    present = [c for c in (*optional, "session_id") if log.has(c)]
    rows = (
        log.frame.filter(nw.col("customer_id").cast(nw.String) == customer_id)
        .select("touchpoint", "timestamp", *ORDER, *present)
        .collect("polars")
        .to_native()
        .sort(ORDER)
    )
    if rows.height == 0:
        near = find_customers(log, customer_id[: max(1, len(customer_id) // 2)], n=50)
        if near:
            check_known(customer_id, near, what="customer")
        msg = f"customer {customer_id!r} is not in the log; search for a part of their id"
        raise AnalysisError(msg)
    epoch = pl.col("epoch_us")
    mapping = dict(stages or {})
    events = rows.select(
        step=pl.int_range(1, pl.len() + 1, dtype=pl.Int64),
        timestamp=pl.from_epoch(epoch, time_unit="us"),
        touchpoint=pl.col("touchpoint").cast(pl.String),
        **{c: pl.col(c).cast(t) if c in present else pl.lit(None, t) for c, t in optional.items()},
        seconds_since_previous=((epoch - epoch.shift(1)) / SECOND_US).cast(pl.Float64),
        **({"session_id": pl.col("session_id").cast(pl.Int64)} if "session_id" in present else {}),
        stage=pl.col("touchpoint")
        .cast(pl.String)
        .replace_strict(mapping, default=None, return_dtype=pl.String),
    )
    return CustomerJourney(customer_id, events, _stage_visits(events, order))


def _stage_visits(events: pl.DataFrame, order: Sequence[str]) -> pl.DataFrame:
    staged = events.filter(pl.col("stage").is_not_null())
    visit = (pl.col("stage") != pl.col("stage").shift(1)).fill_null(True).cum_sum()
    visits = (
        staged.with_columns(_visit=visit)
        .group_by("_visit", maintain_order=True)
        .agg(
            stage=pl.col("stage").first(),
            entered=pl.col("timestamp").first(),
            left=pl.col("timestamp").last(),
            events=pl.len().cast(pl.Int64),
        )
    )
    rank = {ENTRY: -1, **{s: i for i, s in enumerate(order)}}
    ranks = visits["stage"].replace_strict(rank, default=len(order), return_dtype=pl.Int64)
    previous = ranks.shift(1)
    move = pl.select(
        pl.when(previous.is_null())
        .then(pl.lit("entry"))
        .when(ranks > previous)
        .then(pl.lit("forward"))
        .otherwise(pl.lit("back"))
    ).to_series()
    return visits.select("stage", "entered", "left", "events").with_columns(move=move)


@dataclass(frozen=True)
class RfmScore:
    """One customer's row of :func:`cxlib.rfm`."""

    recency_days: float
    frequency: int
    monetary: float
    rfm: str
    segment: str


def customer_rfm(table: pl.DataFrame, customer_id: str) -> RfmScore | None:
    """The customer's RFM scores in an :func:`cxlib.rfm` table; None for a customer who never bought.

    Examples
    --------
    >>> table = pl.DataFrame({"customer_id": ["a"], "recency_days": [2.0], "frequency": [3],
    ...     "monetary": [40.0], "rfm": ["545"], "segment": ["champions"]})
    >>> customer_rfm(table, "a").segment, customer_rfm(table, "b")
    ('champions', None)
    """
    row = table.filter(pl.col("customer_id") == customer_id)
    if row.height == 0:
        return None
    values = row.row(0, named=True)
    return RfmScore(
        recency_days=float(values["recency_days"]),
        frequency=int(values["frequency"]),
        monetary=float(values["monetary"]),
        rfm=str(values["rfm"]),
        segment=str(values["segment"]),
    )


def customer_propensity(in_flight: pl.DataFrame, customer_id: str) -> float | None:
    """The customer's chance to convert in a :func:`cxlib.predict.propensity` table (None if not in flight).

    Examples
    --------
    >>> table = pl.DataFrame({"customer_id": ["a"], "propensity": [0.25]})
    >>> customer_propensity(table, "a"), customer_propensity(table, "b")
    (0.25, None)
    """
    row = in_flight.filter(pl.col("customer_id") == customer_id)
    return None if row.height == 0 else float(row["propensity"][0])

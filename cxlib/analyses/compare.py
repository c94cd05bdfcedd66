"""Compare two segments of customers: side-by-side funnels with a test per step, and a graph diff.

A **segment** is a set of customers, given as

- a pair ``(column, value)``: the customers with at least one event where the
  column equals the value (or is one of the values, for a list), e.g.
  ``("channel", "store")`` or ``("region", "north")``;
- a narwhals expression: the customers with at least one event where it is
  true, e.g. ``nw.col("touchpoint") == "purchase"`` for converted customers;
- a function ``EventLog -> EventLog``: any filter (e.g. ``lambda log:
  cxlib.filter_time(log, start="2024-03-01")``), whose result is used as is;
- a :class:`cxlib.Cohort`: the customers behind a figure (those who dropped at a
  funnel step, took a path, ...), found in the log compared.

Without a second segment, A is compared with **the rest**: the customers of the
log not in A (all their events).

For each funnel step the two step conversion rates (customers at the step /
customers at the previous step; at step 1, / customers of the segment) are
compared with a pooled two-proportion z-test. The **graph diff** lists the
journey graph's edges with their transition share (``transitions`` /
transitions out of the source, :func:`cxlib.transitions`) in each segment,
largest change first. Each segment's most common paths (:func:`cxlib.top_paths`)
come with it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import narwhals as nw
import polars as pl

from cxlib.analyses.drilldown.customers import Cohort
from cxlib.analyses.funnels.funnel import FunnelOrder, funnel
from cxlib.analyses.paths import top_paths
from cxlib.analyses.transitions import transitions
from cxlib.checks import require_column, require_touchpoints
from cxlib.errors import AnalysisError
from cxlib.journeys import journey_table, kept
from cxlib.log import EventLog

__all__ = [
    "Segment",
    "SegmentComparison",
    "compare_segments",
    "segment_log",
    "two_proportion_z_test",
]

Segment = tuple[str, Any] | nw.Expr | Callable[[EventLog], EventLog] | Cohort


def two_proportion_z_test(x_a: int, n_a: int, x_b: int, n_b: int) -> tuple[float, float]:
    """Compare ``x_a / n_a`` with ``x_b / n_b``: the pooled z statistic and its two-sided p-value.

    ``z`` is positive when A's proportion is the higher. With an empty group or no
    variation at all (pooled proportion 0 or 1) there is nothing to test: ``(0.0, 1.0)``.

    Examples
    --------
    >>> z, p = two_proportion_z_test(30, 100, 15, 100)
    >>> round(z, 3), round(p, 4)
    (2.54, 0.0111)
    """
    if n_a <= 0 or n_b <= 0:
        return (0.0, 1.0)
    pooled = (x_a + x_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if se == 0:
        return (0.0, 1.0)
    z = (x_a / n_a - x_b / n_b) / se
    return (z, math.erfc(abs(z) / math.sqrt(2)))


def _condition(log: EventLog, segment: nw.Expr | tuple[str, Any]) -> tuple[nw.Expr, list[str]]:
    """The condition an event of a segment's customer meets, and the columns it reads."""
    if isinstance(segment, nw.Expr):
        condition, columns = segment, [c for c in log.columns if c != "session_id"]
    elif isinstance(segment, tuple) and len(segment) == 2:
        column, value = segment
        require_column(log, column, purpose="the segment")
        values = value if isinstance(value, list | set | tuple) else [value]
        condition, columns = nw.col(column).is_in(list(values)), [column]
    else:
        msg = (
            f"segment {segment!r} is not a segment; give a (column, value) pair, "
            "a narwhals expression or a function EventLog -> EventLog"
        )
        raise AnalysisError(msg)
    return condition, columns


def _members(log: EventLog, segment: Segment, *, rest: bool = False) -> EventLog:
    if isinstance(segment, Cohort) or (callable(segment) and not isinstance(segment, nw.Expr)):
        members = (
            log.with_frame(log.frame.join(segment.customers(log), on="customer_id", how="semi"))
            if isinstance(segment, Cohort)
            else segment(log)
        )
        if not rest:
            return members
        chosen = members.frame.select("customer_id").unique()
        return log.with_frame(log.frame.join(chosen, on="customer_id", how="anti"))
    condition, columns = _condition(log, segment)
    return kept(
        log,
        condition.fill_null(False),
        columns=columns,
        scope="other customers" if rest else "customers",
    )


def segment_log(log: EventLog, segment: Segment, *, rest: bool = False) -> EventLog:
    """The events of the segment's customers (or, with ``rest=True``, of all other customers).

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 3, "touchpoint": ["x", "buy", "x"]}))
    >>> segment_log(log, ("touchpoint", "buy")).to_polars()["touchpoint"].to_list()
    ['x', 'buy']
    >>> segment_log(log, ("touchpoint", "buy"), rest=True).to_polars()["customer_id"].to_list()
    ['b']
    """
    return _members(log, segment, rest=rest)


@dataclass(frozen=True)
class SegmentComparison:
    """Two segments side by side; see :func:`compare_segments` for the columns."""

    customers_a: int
    customers_b: int
    funnel: pl.DataFrame
    edges: pl.DataFrame
    paths_a: pl.DataFrame
    paths_b: pl.DataFrame


def _customers(log: EventLog) -> int:
    events = journey_table(log, steps=False)
    return int(events.frame.select(nw.col(events.customer).n_unique()).collect("polars").item())


def _funnels(
    log: EventLog,
    segments: tuple[EventLog, EventLog],
    steps: Sequence[str],
    window: str,
    order: FunnelOrder,
) -> tuple[list[int], list[int]]:
    """Customers at each step in A and in B: each segment's own funnel, on its journeys.

    A step is a touchpoint of the log; where a segment never meets step k, nobody of
    it reaches step k or later, and the funnel of the steps before k gives the others.
    """
    require_touchpoints(log, steps)

    def counts(segment: EventLog) -> list[int]:
        events = journey_table(segment, steps=False).frame
        present = set(events.select("touchpoint").unique().collect("polars")["touchpoint"])
        met = next((k for k, step in enumerate(steps) if step not in present), len(steps))
        if met == 0:
            return [0] * len(steps)
        table = funnel(segment, steps[:met], window=window, order=order)
        return [*table.sort("step")["customers"].to_list(), *[0] * (len(steps) - met)]

    return counts(segments[0]), counts(segments[1])


def _funnel_test(
    steps: Sequence[str], at_a: list[int], at_b: list[int], size_a: int, size_b: int
) -> pl.DataFrame:
    rows = []
    previous_a, previous_b = size_a, size_b
    for step, (touchpoint, x_a, x_b) in enumerate(zip(steps, at_a, at_b, strict=True), 1):
        z, p = two_proportion_z_test(x_a, previous_a, x_b, previous_b)
        rows.append(
            (
                step,
                touchpoint,
                x_a,
                x_b,
                x_a / size_a if size_a else None,
                x_b / size_b if size_b else None,
                x_a / previous_a if previous_a else None,
                x_b / previous_b if previous_b else None,
                z,
                p,
            )
        )
        previous_a, previous_b = x_a, x_b
    schema = {
        "step": pl.Int64,
        "touchpoint": pl.String,
        "customers_a": pl.Int64,
        "customers_b": pl.Int64,
        "conversion_a": pl.Float64,
        "conversion_b": pl.Float64,
        "step_rate_a": pl.Float64,
        "step_rate_b": pl.Float64,
        "z": pl.Float64,
        "p_value": pl.Float64,
    }
    out = pl.DataFrame(rows, schema=schema, orient="row")
    return out.with_columns(difference=pl.col("step_rate_a") - pl.col("step_rate_b"))


def _edge_shares(log: EventLog) -> pl.DataFrame:
    table = transitions(log)
    return table.select(
        "source",
        "target",
        "transitions",
        share=pl.col("transitions") / pl.col("transitions").sum().over("source"),
    )


def _graph_diff(log_a: EventLog, log_b: EventLog) -> pl.DataFrame:
    a, b = _edge_shares(log_a), _edge_shares(log_b)
    joined = a.join(b, on=["source", "target"], how="full", coalesce=True, suffix="_b")
    sources_a, sources_b = set(a["source"]), set(b["source"])
    # An edge missing from a segment where its source exists has share 0 there;
    # where the source never occurs, the share is unknown (null).
    return (
        joined.select(
            "source",
            "target",
            transitions_a=pl.col("transitions").fill_null(0).cast(pl.Int64),
            transitions_b=pl.col("transitions_b").fill_null(0).cast(pl.Int64),
            share_a=pl.when(pl.col("source").is_in(list(sources_a))).then(
                pl.col("share").fill_null(0.0)
            ),
            share_b=pl.when(pl.col("source").is_in(list(sources_b))).then(
                pl.col("share_b").fill_null(0.0)
            ),
        )
        .with_columns(share_change=(pl.col("share_a") - pl.col("share_b")).cast(pl.Float64))
        .sort(
            [pl.col("share_change").abs(), "source", "target"],
            descending=[True, False, False],
            nulls_last=True,
        )
    )


def compare_segments(
    log: EventLog,
    segment_a: Segment,
    segment_b: Segment | None = None,
    *,
    steps: Sequence[str],
    window: str = "30d",
    order: FunnelOrder = "sequential",
    paths: int = 10,
) -> SegmentComparison:
    """Compare segment A with segment B (default: the rest of the customers).

    Parameters
    ----------
    log
        The event log.
    segment_a, segment_b
        The segments; see the module docstring. Without ``segment_b``, B is every
        customer not in A.
    steps, window, order
        The funnel, as in :func:`cxlib.funnel`.
    paths
        How many of each segment's most common paths to list.

    Returns
    -------
    SegmentComparison
        ``customers_a``, ``customers_b``: the segments' sizes;

        ``funnel``: one row per step with ``customers_a``, ``customers_b``
        (reaching the step), ``conversion_a``, ``conversion_b`` (those / the
        segment's customers), ``step_rate_a``, ``step_rate_b`` (those / the
        customers at the previous step, or the segment's at step 1), ``z``,
        ``p_value`` (two-sided, pooled two-proportion z-test of the step rates)
        and ``difference`` = ``step_rate_a - step_rate_b``;

        ``edges``: one row per edge of either journey graph with
        ``transitions_a``, ``transitions_b``, ``share_a``, ``share_b``
        (transitions / transitions out of the source; 0 when the source occurs
        but not the edge, null when the source does not occur) and
        ``share_change`` = ``share_a - share_b``, largest change first;

        ``paths_a``, ``paths_b``: the ``paths`` most common paths of each segment's
        customers (``path``, ``customers``, ``share`` of the segment's customers), as
        :func:`cxlib.top_paths` gives them.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": list("aabbc"),
    ...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10, 9, 10, 9)],
    ...     "touchpoint": ["home", "buy", "home", "buy", "home"],
    ...     "channel": ["web", "web", "app", "app", "app"]}))
    >>> out = compare_segments(log, ("channel", "web"), steps=["home", "buy"])
    >>> out.customers_a, out.customers_b
    (1, 2)
    >>> out.funnel.select("touchpoint", "step_rate_a", "step_rate_b").rows()
    [('home', 1.0, 1.0), ('buy', 1.0, 0.5)]
    >>> out.paths_b.rows()
    [('home', 1, 0.5), ('home → buy', 1, 0.5)]
    """
    if isinstance(paths, bool) or not isinstance(paths, int) or paths < 1:
        msg = f"paths={paths!r} must be a whole number of at least 1 (how many paths to list)"
        raise AnalysisError(msg)
    log_a = segment_log(log, segment_a)
    log_b = (
        segment_log(log, segment_a, rest=True) if segment_b is None else segment_log(log, segment_b)
    )
    size_a, size_b = _customers(log_a), _customers(log_b)
    at_a, at_b = _funnels(log, (log_a, log_b), steps, window, order)
    return SegmentComparison(
        customers_a=size_a,
        customers_b=size_b,
        funnel=_funnel_test(steps, at_a, at_b, size_a, size_b),
        edges=_graph_diff(log_a, log_b),
        paths_a=top_paths(log_a, n=paths),
        paths_b=top_paths(log_b, n=paths),
    )

"""What a story is made of: findings, each a plain sentence with its number and uncertainty.

A :class:`Finding` says one thing the data supports, the way a facilitator would tell it
("The largest drop-off is at checkout: ..."), with the number behind it, its 95%
interval, how many customers it concerns (**impact**, the ranking key), the dashboard
page and URL parameters of the view that shows it, and the small table its chart draws.
A :class:`Story` is the findings of a log, ranked, with a note for every kind of finding
the data could not support.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

__all__ = [
    "ESTIMATE_SCHEMA",
    "HEADINGS",
    "Finding",
    "Kind",
    "Story",
    "estimates",
    "estimates_of",
    "interval_text",
    "percent",
]

#: The kinds of finding, in the order the module docstring of :mod:`cxlib.story` lists them.
Kind = Literal[
    "dropoff",
    "removal",
    "moment_of_truth",
    "handoff",
    "opening",
    "valuable_customers",
    "segment",
]

#: A heading for each kind of finding, in a facilitator's words.
HEADINGS: dict[Kind, str] = {
    "dropoff": "Where customers drop",
    "removal": "What the conversions depend on",
    "moment_of_truth": "A moment of truth",
    "handoff": "A channel hand-off that loses customers",
    "opening": "The way in that converts best",
    "valuable_customers": "What the most valuable customers do",
    "segment": "A segment that converts differently",
}

#: Columns of a finding's chart table: one row per estimate drawn, its 95% interval, how
#: many customers it rests on, and whether it is the one the sentence is about.
ESTIMATE_SCHEMA = {
    "label": pl.String,
    "value": pl.Float64,
    "low": pl.Float64,
    "high": pl.Float64,
    "customers": pl.Int64,
    "highlight": pl.Boolean,
}


@dataclass(frozen=True)
class Finding:
    """One thing the data says, ready to tell and to show.

    Attributes
    ----------
    kind
        Which kind of finding (see :data:`Kind`).
    sentence
        The finding in plain words, with its number and 95% interval written in it.
    number
        The headline number (a share between 0 and 1, or a mean rating).
    interval
        Its 95% interval ``(low, high)``.
    impact
        Customers the finding concerns (lost, or to win), the ranking key; how it is
        counted is said for each kind in :mod:`cxlib.story`.
    page
        URL path of the dashboard page that shows it (``"dropoffs"``).
    query
        URL query parameters of the view on that page, as ``(name, value)`` pairs.
    chart
        The estimates its chart draws (:data:`ESTIMATE_SCHEMA`).
    axis
        What the chart's values are, in words.
    baseline
        A reference value the chart marks (the rate of everyone else), if any.
    is_share
        Whether ``number`` and the chart's values are shares (written as percentages).
    counted
        Who the chart's ``customers`` column counts, in words ("customers", or the
        converting customers who met a touchpoint when the sentence counts others).
    """

    kind: Kind
    sentence: str
    number: float
    interval: tuple[float, float]
    impact: float
    page: str
    query: tuple[tuple[str, str], ...]
    chart: pl.DataFrame
    axis: str
    baseline: float | None = None
    is_share: bool = True
    counted: str = "customers"

    @property
    def headline(self) -> str:
        """The number as a person reads it: ``"75%"``, or ``"2.9"`` for a mean rating."""
        return percent(self.number) if self.is_share else f"{self.number:.1f}"


@dataclass(frozen=True)
class Story:
    """The findings of a log, most impact first, and what could not be told.

    Attributes
    ----------
    findings
        At most the number asked for, ranked by :attr:`Finding.impact`.
    left_out
        One note per kind of finding the data could not support, saying why.
    customers
        Customers in the log.
    converted
        Customers who reached the goal (``None`` without a goal).
    """

    findings: tuple[Finding, ...]
    left_out: tuple[str, ...]
    customers: int
    converted: int | None


def percent(share: float) -> str:
    """A share as a percentage for a sentence: whole percents, one decimal under 10%.

    Examples
    --------
    >>> percent(0.4567), percent(0.0345), percent(0.0), percent(1.0)
    ('46%', '3.5%', '0%', '100%')
    """
    if 0 < abs(share) < 0.1:
        return f"{share:.1%}"
    return f"{share:.0%}"


def interval_text(interval: tuple[float, float], *, share: bool = True) -> str:
    """A 95% interval for a sentence: ``"95% interval 31–36%"``.

    Examples
    --------
    >>> interval_text((0.312, 0.364)), interval_text((2.71, 3.05), share=False)
    ('95% interval 31–36%', '95% interval 2.7–3.0')
    """
    low, high = interval
    if share:
        return f"95% interval {percent(low).rstrip('%')}–{percent(high)}"
    return f"95% interval {low:.1f}–{high:.1f}"


def estimates(rows: list[tuple[str, float, float, float, int, bool]]) -> pl.DataFrame:
    """A finding's chart table from ``(label, value, low, high, customers, highlight)`` rows.

    Examples
    --------
    >>> estimates([("checkout", 0.33, 0.31, 0.36, 1230, True)]).columns
    ['label', 'value', 'low', 'high', 'customers', 'highlight']
    """
    return pl.DataFrame(rows, schema=ESTIMATE_SCHEMA, orient="row")


def estimates_of(table: pl.DataFrame, *, label: str, value: str, chosen: str) -> pl.DataFrame:
    """A finding's chart table from a frame with ``label``, ``value``, ``low``, ``high``, ``customers``.

    The row whose label is ``chosen`` is the one highlighted.

    Examples
    --------
    >>> table = pl.DataFrame({"tp": ["a", "b"], "rate": [0.2, 0.5], "low": [0.1, 0.4],
    ...                       "high": [0.3, 0.6], "customers": [40, 50]})
    >>> estimates_of(table, label="tp", value="rate", chosen="b")["highlight"].to_list()
    [False, True]
    """
    return estimates(
        [
            (
                row[label],
                row[value],
                row["low"],
                row["high"],
                row["customers"],
                row[label] == chosen,
            )
            for row in table.iter_rows(named=True)
        ]
    )

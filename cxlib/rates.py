"""One definition per figure: every rate cxlib shows, with its numerator and denominator.

A rate is a share ``numerator / denominator``. Each one is defined here once, with a
name (the result column or graph attribute that holds it, the same in every table,
export, tooltip and page) and the words that say what is counted, so two different
figures never share a name and one figure never has two:

- :data:`EXIT_RATE` (``exit_rate``): visits that end the journey / visits. Per
  event: the journey graph's node colour, its ``touchpoint -> (exit)`` transition
  probability, the what-if's drop-off.
- :data:`JOURNEYS_ENDING_SHARE` (``journeys_ending_share``): journeys reaching the
  touchpoint that end there / journeys reaching it. Per journey: a touchpoint
  visited three times in a journey counts once. :func:`cxlib.dropoffs` gives it with
  a 95% interval.
- :data:`TRANSITION_SHARE` (``share``): transitions from A to B / transitions out of A.
- :data:`CONVERSION` (``conversion``): customers with an event at the goal / customers.

The two exit figures differ whenever customers come back to a touchpoint: on the
retail sample, 4.9% of the 8,182 visits to the product page end a journey, but 19.7% of
the 2,040 journeys that see it end there. Both are right; they answer different questions.
The goal touchpoint is never a drop-off: a journey that ends at its goal converted.

Examples
--------
>>> EXIT_RATE(1, 4), JOURNEYS_ENDING_SHARE(1, 2), EXIT_RATE(0, 0)
(0.25, 0.5, None)
>>> EXIT_RATE.definition
'exit rate: visits that end the journey / visits'
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

__all__ = [
    "CONVERSION",
    "EXIT_RATE",
    "JOURNEYS_ENDING_SHARE",
    "RATES",
    "TRANSITION_SHARE",
    "Rate",
]


@dataclass(frozen=True)
class Rate:
    """A share ``numerator / denominator`` with the name it has everywhere.

    ``name`` is the column or attribute holding it; ``label`` what people read;
    ``numerator`` and ``denominator`` say in words what is counted.
    """

    name: str
    label: str
    numerator: str
    denominator: str

    @property
    def definition(self) -> str:
        """``"<label>: <numerator> / <denominator>"``, the text of tooltips and column help."""
        return f"{self.label}: {self.numerator} / {self.denominator}"

    def __call__(self, numerator: float, denominator: float) -> float | None:
        """The rate of two counts; ``None`` when the denominator is 0 (nothing to count)."""
        return numerator / denominator if denominator else None

    def expr(self, numerator: str, denominator: str) -> pl.Expr:
        """The rate of two columns as a Polars expression named :attr:`name` (null over 0).

        Examples
        --------
        >>> frame = pl.DataFrame({"exits": [1, 0], "visits": [4, 0]})
        >>> frame.select(EXIT_RATE.expr("exits", "visits"))["exit_rate"].to_list()
        [0.25, None]
        """
        den = pl.col(denominator)
        value = pl.when(den > 0).then(pl.col(numerator) / den)
        return value.cast(pl.Float64).alias(self.name)


#: Per visit: of the touchpoint's events, the share that were the last of their journey.
EXIT_RATE = Rate("exit_rate", "exit rate", "visits that end the journey", "visits")
#: Per journey: of the journeys that reach the touchpoint, the share whose last event is there.
JOURNEYS_ENDING_SHARE = Rate(
    "journeys_ending_share",
    "journeys ending here",
    "journeys reaching the touchpoint that end there",
    "journeys reaching it",
)
#: The transition probability of an edge of the journey graph.
TRANSITION_SHARE = Rate(
    "share", "share of moves out", "transitions from A to B", "transitions out of A"
)
#: The share of customers who reached the goal at least once.
CONVERSION = Rate("conversion", "conversion", "customers with an event at the goal", "customers")

#: Every rate by its name.
RATES = {r.name: r for r in (EXIT_RATE, JOURNEYS_ENDING_SHARE, TRANSITION_SHARE, CONVERSION)}

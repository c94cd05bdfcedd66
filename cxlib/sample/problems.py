"""Problems injected into a stream of sample journeys, for a room to watch the figures react.

An :class:`Outage` is a touchpoint that stops working, for everyone or on one channel
("checkout breaks for app users"): from the moment it is applied, every customer who
reaches it there leaves right after (their later events never happen). It filters the
batches of :func:`cxlib.sample.stream` as they come, so it can be switched on and off
in the middle of a stream; the journey maps themselves are untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

__all__ = ["Outage"]


@dataclass
class Outage:
    """``touchpoint`` fails (on ``channel``, or on every channel): customers leave there.

    :meth:`apply` is called on consecutive batches of one stream, in time order; the
    customers who met the failure are remembered, so their later events are dropped in
    later batches too.

    Examples
    --------
    >>> import datetime as dt
    >>> batch = pl.DataFrame({"customer_id": ["a", "a", "a", "b", "b"],
    ...     "timestamp": [dt.datetime(2025, 1, 1, 9, m) for m in range(5)],
    ...     "touchpoint": ["cart", "checkout", "purchase", "checkout", "purchase"],
    ...     "channel": ["app", "app", "app", "web", "web"]})
    >>> outage = Outage("checkout", channel="app")
    >>> outage.apply(batch).select("customer_id", "touchpoint").rows()
    [('a', 'cart'), ('a', 'checkout'), ('b', 'checkout'), ('b', 'purchase')]
    >>> later = pl.DataFrame({"customer_id": ["a"], "timestamp": [dt.datetime(2025, 1, 2)],
    ...     "touchpoint": ["visit"], "channel": ["web"]})
    >>> outage.apply(later).height  # a left at the failed checkout: nothing more from a
    0
    """

    touchpoint: str
    channel: str | None = None
    _gone: set[str] = field(default_factory=set, repr=False)

    @property
    def label(self) -> str:
        """The outage in words: ``"checkout breaks for app users"``."""
        where = f" for {self.channel} users" if self.channel else " for everyone"
        return f"{self.touchpoint} breaks{where}"

    def apply(self, events: pl.DataFrame) -> pl.DataFrame:
        """The events of a batch (in time order) that still happen with the outage on."""
        if events.is_empty():
            return events
        failed = pl.col("touchpoint") == self.touchpoint
        if self.channel is not None:
            failed = failed & (pl.col("channel") == self.channel)
        marked = events.with_columns(_failed=failed.fill_null(False))
        # Events up to and including a customer's first failure stay; later ones vanish.
        before = pl.col("_failed").cast(pl.Int32).cum_sum().over("customer_id") - pl.col(
            "_failed"
        ).cast(pl.Int32)
        kept = marked.filter(~pl.col("customer_id").is_in(list(self._gone)) & (before == 0))
        self._gone.update(kept.filter(pl.col("_failed"))["customer_id"].to_list())
        return kept.drop("_failed")

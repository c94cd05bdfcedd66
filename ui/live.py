"""The live workshop feed: events arrive a few at a time, a bounded window is analysed.

A :class:`Feed` is either a scenario generated on the fly (:func:`cxlib.sample.stream`)
at a chosen number of events per second, or a replay of a loaded log at a chosen
multiple of real time. :meth:`Feed.tick` takes the events due since the last tick (and
:meth:`Feed.step` those of a few seconds more, paused or not) and keeps only the
:attr:`Feed.window` most recent ones, so memory stays flat however long
the session runs: the figures are those of the recent window (journeys that began
before it are cut at its start). An :class:`cxlib.sample.problems.Outage` set on a
feed drops the events its failure prevents, from then on. Nothing here draws: the Live page does
(``pages/live.py``); ``bench/live_rate.py`` drives a feed without a browser.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator
from dataclasses import dataclass, field

import polars as pl

import cxlib
from cxlib import sample
from cxlib.sample.problems import Outage

__all__ = ["COLUMNS", "WINDOW", "Feed", "generated", "replay"]

#: Most recent events kept and analysed.
WINDOW = 20_000
#: The columns a feed keeps (``channel`` when the source has it).
COLUMNS = ("customer_id", "timestamp", "touchpoint", "channel")


@dataclass
class Feed:
    """Events due over time from a source, the latest :attr:`window` of them kept.

    ``rate`` (events per second) drives a generated feed; ``speed`` (times real time)
    drives a replay. ``paused`` stops the clock: a resumed feed goes on where it was.
    ``outage``, when set, removes the events its failure prevents from what arrives.
    """

    batches: Iterator[pl.DataFrame]
    rate: float = 50.0
    speed: float | None = None
    window: int = WINDOW
    paused: bool = False
    outage: Outage | None = None
    total: int = 0
    _recent: collections.deque[pl.DataFrame] = field(default_factory=collections.deque, repr=False)
    _held: int = 0
    _pending: pl.DataFrame | None = field(default=None, repr=False)
    _due: float = 0.0
    _clock_us: int | None = None
    _last: float | None = None

    def tick(self, now: float) -> int:
        """Take the events due since the last tick (``now`` in seconds); returns how many."""
        elapsed = 0.0 if self._last is None or self.paused else max(0.0, now - self._last)
        self._last = now
        return self.step(elapsed)

    def step(self, seconds: float) -> int:
        """Take the events due in ``seconds`` of the feed's time, paused or not; returns how many."""
        if self.speed is None:
            self._due += self.rate * seconds
            wanted = int(self._due)
            self._due -= wanted
            events = self._take(wanted)
        else:
            events = self._replay(seconds)
        if self.outage is not None:
            events = self.outage.apply(events)
        if events.height:
            self._recent.append(events)
            self._held += events.height
            self.total += events.height
            while self._held - self._recent[0].height >= self.window:
                self._held -= self._recent.popleft().height
        return events.height

    def frame(self) -> pl.DataFrame:
        """The recent window's events (at most :attr:`window` plus one batch), in time order."""
        if not self._recent:
            return pl.DataFrame()
        return pl.concat(list(self._recent)).tail(self.window)

    def log(self) -> cxlib.EventLog | None:
        """The recent window as an event log (``None`` before the first event)."""
        frame = self.frame()
        return cxlib.EventLog.from_frame(frame) if frame.height else None

    def _next(self) -> pl.DataFrame | None:
        if self._pending is not None and self._pending.height:
            return self._pending
        try:
            batch = next(self.batches)
        except StopIteration:
            return None
        return batch.select(c for c in (*COLUMNS, "epoch_us") if c in batch.columns)

    def _take(self, wanted: int) -> pl.DataFrame:
        parts = []
        while wanted > 0 and (batch := self._next()) is not None:
            parts.append(batch.head(wanted))
            self._pending = batch.slice(wanted)
            wanted -= parts[-1].height
        return pl.concat(parts) if parts else pl.DataFrame()

    def _replay(self, elapsed: float) -> pl.DataFrame:
        parts = []
        while (batch := self._next()) is not None:
            if self._clock_us is None:  # the replay starts at the first event
                self._clock_us = batch["epoch_us"][0]
            limit = self._clock_us + int(elapsed * (self.speed or 1) * 1e6)
            due = batch["epoch_us"].search_sorted(limit, side="right")
            parts.append(batch.head(due))
            self._pending = batch.slice(due)
            if self._pending.height:
                break
        if self._clock_us is not None:
            self._clock_us += int(elapsed * (self.speed or 1) * 1e6)
        return pl.concat(parts) if parts else pl.DataFrame()


def generated(
    scenario: sample.Scenario, *, rate: float = 50.0, seed: int = 0, window: int = WINDOW
) -> Feed:
    """A feed of a bundled scenario generated on the fly, ``rate`` events per second.

    Examples
    --------
    >>> feed = generated("bank", rate=10, window=25)
    >>> feed.tick(0.0), feed.tick(2.0), feed.tick(2.5), feed.total
    (0, 20, 5, 25)
    >>> feed.tick(5.0), feed.total, feed.frame().height
    (25, 50, 25)
    """
    return Feed(sample.stream(scenario, seed=seed, batch_size=500), rate=rate, window=window)


def replay(log: cxlib.EventLog, *, speed: float = 3600.0, window: int = WINDOW) -> Feed:
    """A feed replaying a loaded log in time order at ``speed`` times real time.

    Examples
    --------
    >>> import datetime as dt
    >>> t0 = dt.datetime(2024, 1, 1)
    >>> log = cxlib.EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "b", "a"],
    ...     "timestamp": [t0, t0 + dt.timedelta(hours=1), t0 + dt.timedelta(hours=3)],
    ...     "touchpoint": ["visit", "visit", "buy"]}))
    >>> feed = replay(log, speed=3600)  # one hour a second
    >>> feed.tick(0.0), feed.tick(1.0), feed.tick(2.0), feed.tick(3.0)
    (1, 1, 0, 1)
    """
    columns = [c for c in COLUMNS if log.has(c)] + ["epoch_us"]  # the replay's clock
    frame = log.frame.sort("epoch_us", "event_index").select(*columns).collect("polars")
    frame = frame.to_native()
    return Feed(iter(frame.iter_slices(10_000)), speed=speed, window=window)

"""Logs over many touchpoints, as an uploaded export with 40 or 80 kinds of event has.

Customers walk a line of touchpoints: mostly a few steps on, sometimes the same one
again (a loop), sometimes back, sometimes to a popular one anywhere; a journey ends
with a fixed chance at each step. Popularity is skewed (a few touchpoints are met by
most customers, many by few), and names are of realistic lengths. Seeded.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

__all__ = ["wide_log"]

_WORDS = ["visit", "pricing", "page", "open", "email", "support", "chat", "form", "signup", "view"]


def wide_log(touchpoints: int, *, customers: int = 2_000, seed: int = 7) -> pl.DataFrame:
    """``customer_id``, ``timestamp``, ``touchpoint`` of ``customers`` journeys over ``touchpoints``."""
    rng = np.random.default_rng(seed)
    names = [
        "_".join(rng.choice(_WORDS, size=1 + i % 3, replace=False)) + f"_{i}"
        for i in range(touchpoints)
    ]
    popular = 1 / np.arange(1, touchpoints + 1) ** 1.1
    popular /= popular.sum()
    rows = []
    t0 = dt.datetime(2025, 1, 6)
    for c in range(customers):
        at = int(rng.choice(min(5, touchpoints)))
        when = t0 + dt.timedelta(minutes=int(rng.integers(0, 60 * 24 * 28)))
        for _ in range(30):
            rows.append((f"c{c}", when, names[at]))
            if rng.random() < 0.14:
                break
            move = rng.random()
            if move < 0.6:
                at = min(touchpoints - 1, at + int(rng.integers(1, 4)))
            elif move < 0.72:
                pass  # the same touchpoint again
            elif move < 0.87:
                at = max(0, at - int(rng.integers(1, 5)))
            else:
                at = int(rng.choice(touchpoints, p=popular))
            when += dt.timedelta(minutes=int(rng.integers(1, 90)))
    return pl.DataFrame(rows, schema=["customer_id", "timestamp", "touchpoint"], orient="row")

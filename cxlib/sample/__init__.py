"""Realistic sample journeys: seeded omnichannel retail, retail bank and telecom logs of any size.

Each scenario is a journey map written as a table (``cxlib.sample.maps``): for every
touchpoint its **stage**, its **channel**, the seconds a customer stays there, and
where they go next with what weight: in the same session (``next:w``), in a later
session (``next@w``: hours to weeks later), in a later session at one of the
scenario's **returns** (``later:w``: the customer comes back days later by an email, the
site, an ad, a store...), back to the touchpoint they came from (``back:w``) or away
for good (``exit:w``, a drop-off). Customers walk the map one event at a time, all of
them at once in NumPy, so ten million events take well under a minute.

What makes the journeys realistic rather than a plain first-order Markov chain:

- every customer carries a hidden **intent** level (0-8) set by their segment,
  region and acquisition source. High intent weights the steps towards the goal
  (column ``lift``) and lowers the exit. Some touchpoints raise or lower it (column
  ``intent``: ``+2:0.7`` adds 2 with probability 0.7), and so do the ratings the
  customer gives (a bad one lowers it, a top one raises it); interest cools a little
  at each new session. Whether a customer converts so depends on the whole path, not
  only on the last touchpoint;
- the **acquisition routes** (``maps.SOURCES``): each source brings its share of the
  customers in at its own touchpoints (an ad, a search, a store visit);
- ``back`` and the came-from **routes** (``maps.ROUTES``: other next steps after a
  given previous touchpoint) make the next step depend on the last two touchpoints;
- each scenario is built to show something (:data:`DESIGNS`): a **moment of truth**
  (a touchpoint on most converting journeys, rated worst, where many journeys end), a
  **leaky channel hand-off** (customers arriving in one channel from another, a share
  of them lost right there) and a **segment** whose best and worst values convert
  clearly differently;
- ``digital`` touchpoints happen on the web or in the app, by the customer's device,
  re-chosen at each new session; ``inherit`` takes the previous event's channel, so a
  purchase right after a store visit happens in the store;
- revenue (``value``, a median in the map) on purchases, contracts and sales;
  ratings at surveys, service and reviews (column ``rating``: kind, response rate and
  offset; CSAT and stars 1-5, NPS 0-10); times at whole seconds, so a few events of a
  customer share a timestamp; new sessions start at plausible hours of the day
  (stores, branches, call centres and technicians between 9:00 and 19:00).

The bundled files ``sample_data/<scenario>.csv`` are ``generate(scenario, **BUNDLED)``,
written by ``python -m cxlib.sample --write sample_data``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import pathlib
from collections.abc import Iterator
from typing import Literal

import numpy as np
import polars as pl

from cxlib.errors import AnalysisError
from cxlib.sample.maps import MAPS
from cxlib.sample.simulate import (
    CHANNELS,
    MAX_EVENTS,
    Design,
    build_spec,
    design,
    simulate,
    to_frame,
)
from cxlib.units import DAY_US

__all__ = [
    "BUNDLED",
    "CHANNELS",
    "DESCRIPTIONS",
    "DESIGNS",
    "GOALS",
    "MAX_EVENTS",
    "SCENARIOS",
    "STAGES",
    "Design",
    "Scenario",
    "generate",
    "path",
    "stream",
    "write_bundled",
]

Scenario = Literal["retail", "bank", "telecom"]
SCENARIOS: tuple[Scenario, ...] = ("retail", "bank", "telecom")
#: The conversion touchpoint of each scenario.
GOALS: dict[str, str] = {
    "retail": "purchase",
    "bank": "account_opened",
    "telecom": "contract_signed",
}
DESCRIPTIONS: dict[str, str] = {
    "retail": "Omnichannel retailer: ads, web and app browsing, store visits, click and collect, "
    "returns, support calls, reviews and referrals; goal: purchase.",
    "bank": "Retail bank: ads, rate comparisons, app, call centre and branch appointments, "
    "online applications with ID checks, first use and complaints; goal: account_opened.",
    "telecom": "Telecom operator: plan comparison on the web, store and sales calls, delivery and "
    "activation, bill shocks, support and technicians, churn requests; goal: contract_signed.",
}
#: Parameters of the bundled files: ``path(s)`` holds ``generate(s, **BUNDLED)``.
BUNDLED: dict[str, int] = {"customers": 3000, "seed": 0}
SAMPLE_DATA = pathlib.Path(__file__).resolve().parents[2] / "sample_data"

#: Per scenario, what it is built to show: its moment of truth, leaky hand-off and segments.
DESIGNS: dict[str, Design] = {s: design(s) for s in SCENARIOS}

#: Per scenario, touchpoint -> stage (awareness, consideration, decision, loyalty, advocacy).
STAGES: dict[str, dict[str, str]] = {
    s: {line.split()[0]: line.split()[1] for line in m.strip().splitlines()}
    for s, m in MAPS.items()
}


def _check_scenario(scenario: str) -> None:
    if scenario not in SCENARIOS:
        close = difflib.get_close_matches(str(scenario), SCENARIOS, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        msg = f"unknown sample scenario {scenario!r}; {hint}choose one of {list(SCENARIOS)!r}"
        raise AnalysisError(msg)


def _epoch_us(moment: dt.datetime) -> int:
    """Microseconds since 1970 of a naive (taken as UTC) or zone-aware datetime."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return (moment - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1)


def _midnights(rng: np.random.Generator, n: int, start_us: int, days: int) -> np.ndarray:
    """Arrival days: midnight of a uniform day among ``days`` from ``start_us``'s."""
    return start_us // DAY_US * DAY_US + rng.integers(0, days, n) * DAY_US


def generate(
    scenario: Scenario,
    *,
    customers: int = 2000,
    seed: int = 0,
    start: dt.datetime = dt.datetime(2025, 1, 6),
    days: int = 91,
    hidden: bool = False,
) -> pl.DataFrame:
    """Generate the journeys of ``customers`` customers of a sample scenario.

    Customers arrive over ``days`` days from ``start`` (naive times are UTC) and walk
    the scenario's journey map (see the module docstring) over days and weeks until
    they drop off; the same ``seed`` gives the same log. About 7 to 9.5 events per
    customer: 1.1 million retail customers make some 10 million events.

    Parameters
    ----------
    scenario
        One of :data:`SCENARIOS`: ``"retail"``, ``"bank"`` or ``"telecom"``.
    customers
        How many customers (journeys); ids are ``C000000``, ``C000001``... in order of
        arrival.
    seed
        Seed of the random generator.
    start
        The earliest first event.
    days
        Over how many days customers arrive (their journeys may go on after).
    hidden
        Add the column ``intent``: each customer's hidden intent level at arrival
        (0-8), to check what the analyses recover.

    Returns
    -------
    polars.DataFrame
        One row per event, in time order, with ``customer_id``, ``timestamp``
        (``Datetime("us")``), ``touchpoint``, ``channel``, ``value`` (revenue at
        :data:`GOALS` and other sales, else null), ``rating`` (1-5 or NPS 0-10 at
        surveys, support and reviews, else null), and the customer attributes
        ``segment``, ``region``, ``device`` and ``acquisition_source``.

    Examples
    --------
    >>> log = generate("retail", customers=3, seed=0)
    >>> log.columns  # doctest: +NORMALIZE_WHITESPACE
    ['customer_id', 'timestamp', 'touchpoint', 'channel', 'value', 'rating',
     'segment', 'region', 'device', 'acquisition_source']
    >>> dated = log.select("customer_id", pl.col("timestamp").dt.date(), "touchpoint", "channel")
    >>> for row in dated.rows():
    ...     print(*row)
    C000000 2025-02-21 search web
    C000001 2025-03-04 store_visit store
    C000001 2025-03-04 purchase store
    C000000 2025-03-14 visit_home web
    C000000 2025-03-14 search web
    C000000 2025-03-14 product_page web
    C000002 2025-03-24 search app
    C000000 2025-04-01 store_visit store
    C000000 2025-04-01 purchase store
    C000000 2025-04-15 nps_survey email
    >>> generate("retail", customers=3, seed=0).equals(log)
    True
    """
    _check_scenario(scenario)
    if customers < 0 or days < 1:
        msg = f"cannot generate {customers!r} customers over {days!r} days; give customers >= 0 and days >= 1"
        raise AnalysisError(msg)
    spec = build_spec(scenario)
    rng = np.random.default_rng([seed, SCENARIOS.index(scenario)])
    start_us = _epoch_us(start)
    midnights = _midnights(rng, customers, start_us, days)
    return to_frame(spec, simulate(spec, midnights, rng, not_before=start_us), hidden=hidden)


def path(scenario: Scenario) -> pathlib.Path:
    """The bundled CSV file of a scenario: ``generate(scenario, **BUNDLED)`` as text.

    Examples
    --------
    >>> path("telecom").name
    'telecom.csv'
    """
    _check_scenario(scenario)
    return SAMPLE_DATA / f"{scenario}.csv"


def write_bundled(folder: str | pathlib.Path = SAMPLE_DATA) -> list[pathlib.Path]:
    """Write ``<scenario>.csv`` of every scenario into ``folder``, timestamps as ISO text."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for scenario in SCENARIOS:
        target = folder / f"{scenario}.csv"
        log = generate(scenario, customers=BUNDLED["customers"], seed=BUNDLED["seed"])
        log.write_csv(target, datetime_format="%Y-%m-%dT%H:%M:%S")
        written.append(target)
    return written


def stream(
    scenario: Scenario,
    *,
    seed: int = 0,
    start: dt.datetime = dt.datetime(2025, 1, 6),
    customers_per_day: int = 200,
    batch_size: int = 100,
) -> Iterator[pl.DataFrame]:
    """Yield a never-ending scenario log in time order, ``batch_size`` events at a time.

    For the live mode: each day ``customers_per_day`` new customers arrive and walk
    the journey map as in :func:`generate`. Events are yielded once no later arrival
    can come before them, so the batches, joined, are in time order; customers whose
    journeys are over are forgotten, so memory stays bounded. The same ``seed`` gives
    the same batches. Customer ids go on across days (``C000000`` ... then day two's).

    Examples
    --------
    >>> batches = stream("retail", seed=3, batch_size=5)
    >>> first = next(batches)
    >>> first.height, first["timestamp"].is_sorted()
    (5, True)
    >>> next(batches)["timestamp"].min() >= first["timestamp"].max()
    True
    """
    _check_scenario(scenario)
    if customers_per_day < 1 or batch_size < 1:
        msg = (
            f"cannot stream with customers_per_day={customers_per_day!r} and "
            f"batch_size={batch_size!r}; both must be at least 1"
        )
        raise AnalysisError(msg)
    return _batches(scenario, seed, _epoch_us(start), customers_per_day, batch_size)


def _batches(
    scenario: Scenario, seed: int, start_us: int, customers_per_day: int, batch_size: int
) -> Iterator[pl.DataFrame]:
    """The generator behind :func:`stream` (which checks its arguments before the first batch)."""
    spec = build_spec(scenario)
    none = np.array([], np.int64)
    pending = to_frame(spec, simulate(spec, none, np.random.default_rng(0), not_before=0))
    for day in itertools.count():
        rng = np.random.default_rng([seed, SCENARIOS.index(scenario), day])
        day_start = start_us + day * DAY_US
        midnights = _midnights(rng, customers_per_day, day_start, 1)
        # Arrivals of this day fall in [day_start, day_start + one day): the cohort order.
        journeys = simulate(spec, midnights, rng, not_before=day_start)
        cohort = to_frame(spec, journeys, first_number=day * customers_per_day)
        pending = pl.concat([pending, cohort]).sort("timestamp", maintain_order=True)
        # Every later cohort starts after this horizon: events before it are final.
        horizon = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=start_us + (day + 1) * DAY_US)
        ready = pending["timestamp"].search_sorted(horizon)
        while ready >= batch_size:
            yield pending.head(batch_size)
            pending, ready = pending.slice(batch_size), ready - batch_size

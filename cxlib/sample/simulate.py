"""The simulation behind :mod:`cxlib.sample`: customers walk a journey map, all at once in NumPy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from cxlib.sample.maps import DESIGNS, DEVICES, MAPS, REGIONS, RETURNS, ROUTES, SEGMENTS, SOURCES
from cxlib.units import DAY_US, HOUR_S, MINUTE_US, SECOND_US

__all__ = [
    "CHANNELS",
    "MAX_EVENTS",
    "Design",
    "Simulated",
    "Spec",
    "build_spec",
    "design",
    "simulate",
    "to_frame",
]

CHANNELS = ("web", "app", "store", "email", "call_centre", "social", "branch", "home")
_DIGITAL, _INHERIT = -1, -2
_CHANNEL_CODES = {"digital": _DIGITAL, "inherit": _INHERIT} | {c: i for i, c in enumerate(CHANNELS)}
_PHYSICAL = frozenset({"store", "call_centre", "branch", "home"})  # open 9:00-19:00


_LEVELS = 9  # hidden intent 0..8
_MID = _LEVELS // 2  # neutral intent
_BETA = 0.5  # weight multiplier exp(_BETA * lift * (level - _MID)); the exit has lift -1
_COOLING = 0.25  # chance to lose one intent level at each later session
#: A generated journey ends after this many events.
MAX_EVENTS = 60
_HOURS = np.array([1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3, 4, 4.5, 5,
                   5.5, 5, 4.5, 4.5, 5, 5.5, 6.5, 7.5, 7.5, 6, 4, 2])  # fmt: skip
_OPEN_HOURS = np.where((np.arange(24) >= 9) & (np.arange(24) < 19), 1.0, 0.0)
_NO_RATING, _CSAT, _NPS, _STARS = 0, 1, 2, 3


def _fields(text: str, defaults: list[str]) -> list[str]:
    """``"csat:0.3"`` with defaults ``[".", "1", "0"]`` -> ``["csat", "0.3", "0"]``."""
    parts = text.split(":")
    return parts + defaults[len(parts) :]


def _groups(text: str) -> list[list[str]]:
    return [part.split() for part in text.split("|")]


@dataclass(frozen=True)
class Design:
    """What a scenario is built to show (``cxlib.sample.maps.DESIGNS``), for the analyses to find.

    ``moment_of_truth``: the touchpoint that matters most for converting and serves
    worst (low ratings, many exits). ``handoff``: the channel hand-off ``(from, to)``
    that loses customers, ``handoff_loss`` of them right there (on top of the
    touchpoint's own exit). ``segment``: ``(column, best, worst)``, an attribute with
    the value whose customers convert most and the one whose customers convert least.
    """

    moment_of_truth: str
    handoff: tuple[str, str]
    handoff_loss: float
    segment: tuple[str, str, str]


def design(scenario: str) -> Design:
    """Read a scenario's line of ``DESIGNS``."""
    truth, handoff, segment = _groups(DESIGNS[scenario])
    column, best, worst = segment
    return Design(truth[0], (handoff[0], handoff[1]), float(handoff[2]), (column, best, worst))


@dataclass(frozen=True)
class Spec:
    """A scenario's journey map as NumPy arrays (one entry per touchpoint unless said)."""

    names: tuple[str, ...]
    channel: np.ndarray  # channel code, or _DIGITAL / _INHERIT
    physical: np.ndarray  # in a store, branch, call centre or at home: opening hours
    secs: np.ndarray  # mean seconds spent before the next event of the same session
    delta: np.ndarray  # intent change after the touchpoint ...
    delta_p: np.ndarray  # ... with this probability
    rating: np.ndarray  # rating kind
    rating_p: np.ndarray  # response rate
    rating_shift: np.ndarray  # how much better or worse than the intent suggests
    value: np.ndarray  # median value (NaN: none)
    cum: np.ndarray  # (levels * rows) rows of cumulative next-step probabilities, shifted by row
    route: np.ndarray  # (n + 1, n): the row of (came from, touchpoint); last: no event before
    returns: np.ndarray  # where customers come back: cumulative probabilities, the last left out
    leak: np.ndarray  # (channels + 1, channels): chance to be lost at a hand-off; last: none before
    segments: list[list[str]]
    sources: list[list[str]]
    entry: np.ndarray  # (sources, n) entry probabilities


def build_spec(scenario: str) -> Spec:
    """Read a scenario's journey map table into NumPy arrays."""
    rows = [line.split(maxsplit=8) for line in MAPS[scenario].strip().splitlines()]
    names = tuple(r[0] for r in rows)
    n, index = len(names), {name: i for i, name in enumerate(names)}
    exit_, back = n, n + 1
    targets = {**index, "exit": exit_, "back": back}
    routes = [line.split(maxsplit=2) for line in ROUTES[scenario].strip().splitlines()]
    # A route replaces a touchpoint's next steps when the customer came from a given one.
    route = np.tile(np.arange(n), (n + 1, 1))
    for k, (touchpoint, came_from, _) in enumerate(routes):
        route[index[came_from], index[touchpoint]] = n + k
    steps = [r[8] for r in rows] + [r[2] for r in routes]
    # "later:w" is a later session at the scenario's RETURNS touchpoints, w shared by weight.
    comeback = np.zeros(n)
    for edge in RETURNS[scenario].split():
        back_at, w = edge.split(":")
        comeback[index[back_at]] = float(w)
    comeback /= comeback.sum()
    weights = np.zeros((len(steps), 2 * (n + 2)))  # column: target, plus n + 2 if later
    for i, text in enumerate(steps):
        for edge in text.split():
            later = "@" in edge
            target, w = edge.split("@" if later else ":")
            if target == "later":
                weights[i, n + 2 : 2 * n + 2] += float(w) * comeback
            else:
                weights[i, targets[target] + later * (n + 2)] += float(w)
    lift = np.array([float(r[4]) for r in rows] + [-1.0, 0.0])
    z = np.arange(_LEVELS) - _MID
    boost = np.exp(_BETA * z[:, None] * np.tile(lift, 2)[None, :])  # (levels, columns)
    w = weights[None, :, :] * boost[:, None, :]
    cum = np.cumsum(w, axis=2) / w.sum(axis=2, keepdims=True)
    cum[:, :, -1] = 1.0
    cum = (cum + np.arange(_LEVELS * len(steps)).reshape(_LEVELS, len(steps), 1)).reshape(-1)
    rating = [_fields(r[6], [".", "1", "0"]) for r in rows]  # kind:response rate:shift
    kinds = {".": _NO_RATING, "csat": _CSAT, "nps": _NPS, "stars": _STARS}
    intent = [_fields(r[5] if r[5] != "." else "0", ["0", "1"]) for r in rows]  # change:probability
    # Customers lost at the designed channel hand-off: leak[channel before, channel now].
    leak = np.zeros((len(CHANNELS) + 1, len(CHANNELS)))  # last row: no event before
    handoff = design(scenario)
    leak[CHANNELS.index(handoff.handoff[0]), CHANNELS.index(handoff.handoff[1])] = (
        handoff.handoff_loss
    )
    sources = _groups(SOURCES[scenario])
    entry = np.zeros((len(sources), n))
    for k, src in enumerate(sources):
        for edge in src[3:]:
            target, w_ = edge.split(":")
            entry[k, index[target]] = float(w_)
    return Spec(
        names=names,
        channel=np.array([_CHANNEL_CODES[r[2]] for r in rows]),
        physical=np.array([r[2] in _PHYSICAL for r in rows]),
        secs=np.array([float(r[3]) for r in rows]),
        delta=np.array([int(d) for d, _ in intent]),
        delta_p=np.array([float(p) for _, p in intent]),
        rating=np.array([kinds[r[0]] for r in rating]),
        rating_p=np.array([float(r[1]) for r in rating]),
        rating_shift=np.array([float(r[2]) for r in rating]),
        value=np.array([np.nan if r[7] == "." else float(r[7]) for r in rows]),
        cum=cum,
        route=route,
        returns=np.cumsum(comeback[:-1]),
        leak=leak,
        segments=_groups(SEGMENTS[scenario]),
        sources=sources,
        entry=entry / entry.sum(axis=1, keepdims=True),
    )


def _shares(groups: list[list[str]], column: int) -> np.ndarray:
    return np.array([float(g[column]) for g in groups])


def _pick(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    return rng.choice(len(weights), size=size, p=weights / weights.sum())


def _time_of_day(rng: np.random.Generator, hours: np.ndarray, size: int) -> np.ndarray:
    """Microseconds after midnight, the hour drawn from ``hours`` (24 weights)."""
    return (_pick(rng, hours, size) * HOUR_S + rng.integers(0, HOUR_S, size)) * SECOND_US


@dataclass(frozen=True)
class Simulated:
    """Simulated journeys: events in time order, customer codes and intents.

    ``events`` has the columns ``customer`` (index), ``t`` (µs), ``touchpoint``,
    ``channel`` (codes), ``value`` and ``rating`` (-1: none); ``intent`` is each
    customer's hidden intent level at arrival.
    """

    events: pl.DataFrame
    customers: dict[str, np.ndarray]
    intent: np.ndarray


def _customers(
    spec: Spec, midnights: np.ndarray, rng: np.random.Generator, *, not_before: int
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """Draw each customer's attributes, intent, entry touchpoint and first time.

    ``midnights`` are the arrival days; the hour follows the daily profile, or the
    opening hours when the journey starts in a store, branch or call centre.
    Customers come back sorted by their first time: ``(codes, intent, entry, time)``.
    """
    n, n_tp = len(midnights), len(spec.names)
    regions = _groups(REGIONS)
    codes = {
        "segment": _pick(rng, _shares(spec.segments, 1), n),
        "region": _pick(rng, _shares(regions, 1), n),
        "device": _pick(rng, _shares(_groups(DEVICES), 1), n),
        "acquisition_source": _pick(rng, _shares(spec.sources, 1), n),
    }
    src = codes["acquisition_source"]
    intent = (
        _MID
        - 1
        + 2 * _shares(spec.segments, 2)[codes["segment"]]
        + 2 * _shares(regions, 2)[codes["region"]]
        + 2 * _shares(spec.sources, 2)[src]
        + rng.normal(0, 0.5, n)
    )
    level = np.clip(np.rint(intent), 0, _LEVELS - 1).astype(np.int64)
    entry_cum = np.cumsum(spec.entry, axis=1)
    entry_cum[:, -1] = 1.0
    entry_cum = (entry_cum + np.arange(len(spec.sources))[:, None]).reshape(-1)
    entry = np.searchsorted(entry_cum, src + rng.random(n), side="right") - src * n_tp
    t = midnights + np.where(
        spec.physical[entry], _time_of_day(rng, _OPEN_HOURS, n), _time_of_day(rng, _HOURS, n)
    )
    t = np.where(t < not_before, t + DAY_US, t)
    order = np.argsort(t, kind="stable")
    return {k: v[order] for k, v in codes.items()}, level[order], entry[order], t[order]


def simulate(
    spec: Spec, midnights: np.ndarray, rng: np.random.Generator, *, not_before: int
) -> Simulated:
    """Walk every customer through the map from their arrival, all at once."""
    codes, level, cur, t = _customers(spec, midnights, rng, not_before=not_before)
    arrival_intent = level.copy()
    n, n_tp = len(cur), len(spec.names)
    width, back, exit_ = 2 * (n_tp + 2), n_tp + 1, n_tp
    n_rows = len(spec.cum) // (_LEVELS * width)
    devices = _groups(DEVICES)
    app_share = _shares(devices, 2)
    web, app = CHANNELS.index("web"), CHANNELS.index("app")

    def digital(customer: np.ndarray) -> np.ndarray:
        device = codes["device"][customer]
        return np.where(rng.random(len(customer)) < app_share[device], app, web)

    customer = np.arange(n)
    dchan, prev, prev_chan = digital(customer), np.full(n, -1), np.full(n, -1)
    # Customers go back to a page, or in a later session to a store or a branch; not to an
    # ad, an email or a call.
    page = np.isin(spec.channel, [_DIGITAL, web, app])
    place = page | np.isin(spec.channel, [CHANNELS.index("store"), CHANNELS.index("branch")])
    segment_value = _shares(spec.segments, 3)
    events: list[tuple[np.ndarray, ...]] = []
    for _ in range(MAX_EVENTS):
        m = len(customer)
        if m == 0:
            break
        kind = spec.channel[cur]
        chan = np.where(kind == _DIGITAL, dchan, np.where(kind == _INHERIT, prev_chan, kind))
        chan = np.where(chan < 0, dchan, chan)
        # Ratings follow the intent, and move it: a bad experience puts customers off.
        rating = np.full(m, -1)
        asked = np.flatnonzero(
            (spec.rating[cur] != _NO_RATING) & (rng.random(m) < spec.rating_p[cur])
        )
        if len(asked):
            nps = spec.rating[cur[asked]] == _NPS
            latent = (
                (level[asked] - _MID) / 2
                + spec.rating_shift[cur[asked]]
                + rng.normal(size=len(asked))
            )
            score = np.where(
                nps, np.clip(np.rint(6.8 + 2 * latent), 0, 10), np.clip(np.rint(3.5 + latent), 1, 5)
            ).astype(np.int64)
            rating[asked] = score
            good = np.where(nps, score >= 9, score >= 5)
            bad = np.where(nps, score <= 6, score <= 2)
            level[asked] += good.astype(np.int64) - 2 * bad
        value = np.full(m, np.nan)
        paid = np.flatnonzero(~np.isnan(spec.value[cur]))
        if len(paid):
            noise = 0.5 * rng.normal(size=len(paid)) + 0.05 * (level[paid] - _MID)
            scale = spec.value[cur[paid]] * segment_value[codes["segment"][customer[paid]]]
            value[paid] = np.round(scale * np.exp(noise), 2)
        # Narrow types: ten million events stay under a gigabyte while they are collected.
        narrow = (cur.astype(np.int16), chan.astype(np.int8), value, rating.astype(np.int8))
        events.append((customer.astype(np.int32), t, *narrow))
        level += spec.delta[cur] * (rng.random(m) < spec.delta_p[cur])
        level = np.clip(level, 0, _LEVELS - 1)
        # The next step: one draw in the cumulative table of (intent, came from, touchpoint).
        row = level * n_rows + spec.route[prev, cur]
        column = np.searchsorted(spec.cum, row + rng.random(m), side="right") - row * width
        later, nxt = column >= n_tp + 2, column % (n_tp + 2)
        went_back = np.flatnonzero(nxt == back)
        p = prev[went_back]
        # Nothing to go back to (an ad, an email, a call, or no event before): the same page
        # again, or a later session through the scenario's returns.
        ok = (p >= 0) & np.where(later[went_back], place[p], page[p])
        stuck = went_back[~ok]
        again = page[cur[stuck]]
        returning = np.searchsorted(spec.returns, rng.random(len(stuck)), side="right")
        nxt[went_back] = p
        nxt[stuck] = np.where(again, cur[stuck], returning)
        later[stuck] |= ~again
        # A leaky hand-off: some customers arriving in this channel from that one are lost here.
        nxt[rng.random(m) < spec.leak[prev_chan, chan]] = exit_
        t_next = t + np.rint(rng.exponential(spec.secs[cur])).astype(np.int64) * SECOND_US
        new = np.flatnonzero(later & (nxt != exit_))
        if len(new):
            # A later session: some days on, at a plausible hour (opening hours for stores).
            days = np.floor(np.exp(rng.normal(np.log(3), 1.0, len(new)))).astype(np.int64)
            tod = np.where(
                spec.physical[nxt[new]],
                _time_of_day(rng, _OPEN_HOURS, len(new)),
                _time_of_day(rng, _HOURS, len(new)),
            )
            start = (t[new] // DAY_US + days) * DAY_US + tod
            t_next[new] = np.where(start < t[new] + 31 * MINUTE_US, start + DAY_US, start)
            dchan[new] = digital(customer[new])
            # Interest cools between sessions: without this, keen customers never leave.
            level[new] = np.maximum(level[new] - (rng.random(len(new)) < _COOLING), 0)
        stay = np.flatnonzero(nxt != exit_)
        customer, t, level = customer[stay], t_next[stay], level[stay]
        prev, prev_chan, cur, dchan = cur[stay], chan[stay], nxt[stay], dchan[stay]
    schema = {
        "customer": pl.Int32,
        "t": pl.Int64,
        "touchpoint": pl.Int16,
        "channel": pl.Int8,
        "value": pl.Float64,
        "rating": pl.Int8,
    }
    columns = [np.concatenate(c) for c in zip(*events, strict=True)] if events else None
    # A stable sort (on every core): each customer's events stay in the order walked.
    table = pl.DataFrame(columns, schema=schema, orient="col").sort("t", maintain_order=True)
    return Simulated(events=table, customers=codes, intent=arrival_intent)


def to_frame(
    spec: Spec, sim: Simulated, *, first_number: int = 0, hidden: bool = False
) -> pl.DataFrame:
    """The events as a frame with text columns; customer ``i`` is ``C`` + ``first_number + i``.

    ``hidden=True`` adds ``intent``: the customer's hidden intent level at arrival (0-8).
    """
    customer, timestamp, touchpoint, channel, value, rating = sim.events.get_columns()
    n = len(sim.customers["segment"])
    numbers = pl.int_range(first_number, first_number + n, dtype=pl.Int64, eager=True)
    ids = ("C" + numbers.cast(pl.String).str.zfill(6)).alias("customer_id")
    names = {
        "segment": [g[0] for g in spec.segments],
        "region": [g[0] for g in _groups(REGIONS)],
        "device": [g[0] for g in _groups(DEVICES)],
        "acquisition_source": [g[0] for g in spec.sources],
    }
    return pl.DataFrame(
        [
            ids.gather(customer),
            timestamp.cast(pl.Datetime("us")).alias("timestamp"),
            pl.Series("touchpoint", spec.names, pl.String).gather(touchpoint),
            pl.Series("channel", CHANNELS, pl.String).gather(channel),
            value.fill_nan(None),
            pl.select(rating=pl.when(rating >= 0).then(rating.cast(pl.Int64))).to_series(),
            # Each customer's label first, then each event's: faster than by event at once.
            *(
                pl.Series(column, labels, pl.String).gather(sim.customers[column]).gather(customer)
                for column, labels in names.items()
            ),
            *([pl.Series("intent", sim.intent, pl.Int64).gather(customer)] if hidden else []),
        ]
    )

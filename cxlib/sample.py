"""Realistic sample journeys: seeded omnichannel retail, retail bank and telecom logs of any size.

Each scenario is a journey map written as a table (``_MAPS`` below): for every
touchpoint its **stage**, its **channel**, the seconds a customer stays there, and
where they go next with what weight: in the same session (``next:w``), in a later
session (``next@w``: hours to weeks later), back to the touchpoint they came from
(``back:w``) or away (``exit:w``, a drop-off). Customers walk the map one event at a
time, all of them at once in NumPy, so ten million events take well under a minute.

What makes the journeys realistic rather than a plain first-order Markov chain:

- every customer carries a hidden **intent** level (0-8) set by their segment,
  region and acquisition source. High intent weights the steps towards the goal
  (column ``lift``) and lowers the exit. Some touchpoints raise or lower it (column
  ``intent``: ``+2:0.7`` adds 2 with probability 0.7), and so do the ratings the
  customer gives (a bad one lowers it, a top one raises it); interest cools a little
  at each new session. Whether a customer converts so depends on the whole path, not
  only on the last touchpoint;
- ``back`` makes the next step depend on the last two touchpoints;
- ``digital`` touchpoints happen on the web or in the app, by the customer's device,
  re-chosen at each new session; ``inherit`` takes the previous event's channel, so a
  purchase right after a store visit happens in the store;
- revenue (``value``, a median in the map) on purchases, contracts and sales;
  ratings at surveys, support and reviews (column ``rating``: kind, response rate and
  offset; CSAT and stars 1-5, NPS 0-10); times at whole seconds, so a few events of a
  customer share a timestamp; new sessions start at plausible hours of the day.

The bundled files ``sample_data/<scenario>.csv`` are ``generate(scenario, **BUNDLED)``,
written by ``python -m cxlib.sample --write sample_data``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import itertools
import pathlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from cxlib.errors import AnalysisError

__all__ = [
    "BUNDLED",
    "CHANNELS",
    "DESCRIPTIONS",
    "GOALS",
    "MAX_EVENTS",
    "SCENARIOS",
    "STAGES",
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
SAMPLE_DATA = pathlib.Path(__file__).resolve().parent.parent / "sample_data"

# --- the journey maps -------------------------------------------------------------------
# Columns: touchpoint, stage, channel (a channel, "digital" or "inherit"), mean seconds
# before the next event of the same session, lift (how much intent draws customers here),
# intent (change:probability after the event), rating (kind:response rate:shift), value
# (median revenue), next (weighted steps: "x:w" same session, "x@w" later, back, exit).
# "." means none.
_MAPS = {
    "retail": """
ad_click          awareness     social      15   0    .      .             .   visit_home:3 product_page:5 search:1 exit:6
email_open        awareness     email       20   0    .      .             .   visit_home:2 product_page:3 back:2 exit:5
visit_home        awareness     digital     30   0    .      .             .   search:4 product_page:5 loyalty_signup:0.3 store_visit@0.6 exit:2
search            consideration digital     25   0.2  +1:0.3 .             .   product_page:8 search:1.5 exit:1.5
product_page      consideration digital     50   0.3  +1:0.4 .             .   product_page:2 back:3.5 add_to_cart:2.5 wishlist:0.8 visit_home@1.5 email_open@0.8 store_visit@0.6 call_support@0.3 exit:2.5
wishlist          consideration digital     15   0.4  +2     .             .   product_page:2 visit_home@2 email_open@1 exit:1
store_visit       consideration store       900  0.4  +1:0.5 csat:0.3:0.3  .   purchase:3 product_page@1 call_support@0.2 exit:2.5
add_to_cart       decision      digital     30   1    +1     .             .   checkout:4 product_page:2.5 visit_home@1 email_open@1.5 exit:2
checkout          decision      digital     80   1    .      .             .   purchase:6 click_and_collect@1 call_support:0.6 email_open@0.8 exit:2
click_and_collect decision      store       400  0.5  .      csat:0.3      .   purchase:5 call_support@0.3 exit:1
purchase          decision      inherit     30   1.2  -2     .             48  nps_survey@2 review@1 visit_home@3 email_open@3 return_item@0.6 loyalty_signup:0.5 exit:2.5
call_support      loyalty       call_centre 420  -0.2 .      csat:0.8:-0.6 .   back@2.5 return_item@1 visit_home@0.5 exit:2.5
return_item       loyalty       store       300  -0.5 -2     .             .   call_support@0.6 visit_home@1 email_open@1 exit:3
loyalty_signup    loyalty       digital     40   0.6  +2     .             .   product_page:2 email_open@2 exit:2
nps_survey        loyalty       email       60   0    .      nps:1         .   review:1 referral@0.5 visit_home@1.5 email_open@1.5 exit:3
review            advocacy      digital     90   0.3  .      stars:1       .   referral@0.5 visit_home@1 email_open@1 exit:3
referral          advocacy      social      30   0.5  +1     .             .   visit_home@1 email_open@1 exit:2
""",
    "bank": """
ad_view             awareness     social      10   0    .       .              .   website_visit:4 rate_comparison:1 exit:5
website_visit       awareness     web         45   0    .       .              .   rate_comparison:3 app_download:1 application_started:1.5 branch_appointment@0.6 call_centre@0.6 website_visit@2 exit:3
rate_comparison     consideration web         90   0.4  +2:0.7  .              .   rate_comparison:1 back:2.5 application_started:2 app_download:1 website_visit@1.5 branch_appointment@0.5 exit:2.5
app_download        consideration app         60   0.5  +1      .              .   application_started:3 rate_comparison:1 exit:2.5
call_centre         consideration call_centre 480  0    .       csat:0.6:-0.2  .   back@2.5 branch_appointment@1 website_visit@0.5 exit:2.5
branch_appointment  consideration branch      1500 0.5  +1      csat:0.5:0.3   .   application_started:2 id_check:1.5 account_opened:1 website_visit@1 exit:2
application_started decision      inherit     300  1    +1      .              .   id_check:5 call_centre@1 application_started@1 exit:3
id_check            decision      inherit     240  1    -3:0.3  .              .   account_opened:6 branch_appointment@1 call_centre@0.8 exit:2.5
account_opened      decision      inherit     30   1.2  +1      .              180 first_deposit@3 card_activated@2 mobile_login@1 exit:1.5
first_deposit       loyalty       digital     60   0.5  .       .              .   card_activated@1.5 mobile_login@2 survey@1 exit:2
card_activated      loyalty       app         30   0.5  .       .              .   mobile_login@3 survey@1 exit:2
mobile_login        loyalty       app         120  0.4  .       .              .   mobile_login@3 cross_sell@0.6 complaint@0.3 call_centre@0.5 survey@0.4 exit:1.5
complaint           loyalty       call_centre 600  -1   -2      csat:0.9:-2    .   mobile_login@1.5 branch_appointment@0.5 survey@0.5 exit:3
survey              loyalty       email       90   0    .       nps:1          .   mobile_login@2 referral@0.4 app_review@0.4 exit:3
cross_sell          loyalty       digital     120  1    -2      .              350 mobile_login@2 survey@0.5 exit:2
referral            advocacy      web         30   0.5  +1      .              .   mobile_login@1 exit:2
app_review          advocacy      app         60   0.3  .       stars:1        .   mobile_login@1.5 exit:2.5
""",
    "telecom": """
ad               awareness     social      10   0    .       .              .   website_visit:4 plan_compare:1 exit:5
website_visit    awareness     web         40   0    .       .              .   plan_compare:3 coverage_check:1.5 store_visit@1 call_sales@0.8 website_visit@2 exit:3
plan_compare     consideration digital     120  0.4  +1:0.8  .              .   plan_compare:1.5 back:2.5 coverage_check:1 contract_signed:1.5 store_visit@1 call_sales@0.7 exit:2.5
coverage_check   consideration web         40   0.3  -3:0.3  .              .   plan_compare:2 back:1 contract_signed:0.5 exit:3
store_visit      consideration store       1200 0.5  +1:0.5  csat:0.4:0.2   .   contract_signed:3 plan_compare@1 exit:3
call_sales       consideration call_centre 420  0.3  +1:0.5  csat:0.5       .   contract_signed:2.5 back@2 store_visit@1 exit:3
contract_signed  decision      inherit     60   1.2  +1      .              420 device_delivered@3 activation@1 exit:0.3
device_delivered loyalty       home        120  0.3  .       .              .   activation:4 call_support@1 exit:0.5
activation       loyalty       app         180  0.3  .       .              .   app_login@3 call_support@0.8 technician_visit@0.4 bill_shock@0.5 nps_survey@1 exit:1
app_login        loyalty       app         90   0.3  .       .              .   app_login@4 upgrade@0.5 bill_shock@0.5 call_support@0.5 nps_survey@0.5 referral@0.2 churn_request@0.2 exit:1.2
bill_shock       loyalty       email       30   -0.8 -2      .              .   call_support:2 app_login:1 churn_request@1 exit:1
call_support     loyalty       call_centre 540  -0.3 .       csat:0.8:-0.5  .   technician_visit@0.8 app_login@2 churn_request@0.6 nps_survey@0.5 exit:2
technician_visit loyalty       home        2400 0    .       csat:0.8:-0.3  .   app_login@2 call_support@0.5 nps_survey@0.6 exit:2
upgrade          loyalty       digital     150  1    -2      .              180 app_login@2 nps_survey@0.5 exit:1.5
churn_request    loyalty       call_centre 300  -1   -2      .              .   retention_offer:3 exit:2
retention_offer  loyalty       call_centre 240  0.8  +2:0.5  .              .   app_login@2 upgrade@0.5 churn_request@0.5 exit:2.5
nps_survey       loyalty       email       60   0    .       nps:1          .   app_login@2 referral@0.4 review@0.3 exit:2.5
referral         advocacy      social      30   0.5  .       .              .   app_login@1 exit:2
review           advocacy      web         60   0.3  .       stars:1        .   app_login@1 exit:2.5
""",
}
# Who the customers are, groups separated by "|". Segments: name, share, intent shift,
# value multiplier. Regions: name, share, intent shift. Acquisition sources: name, share,
# intent shift, entry touchpoints with weights. Devices: name, share, share of app sessions.
_SEGMENTS = {
    "retail": "budget 0.4 -0.2 0.6 | mainstream 0.45 0 1 | premium 0.15 0.3 2.2",
    "bank": "student 0.25 -0.3 0.4 | young_professional 0.35 0.2 1 | family 0.25 0 1.3 | senior 0.15 -0.1 1.6",
    "telecom": "consumer 0.55 0 1 | family 0.3 0.1 1.8 | small_business 0.15 0.2 2.5",
}
_REGIONS = "north 0.22 0.1 | south 0.24 -0.1 | east 0.18 0 | west 0.2 0.2 | central 0.16 -0.2"
_SOURCES = {
    "retail": "search 0.3 0.3 search:6 visit_home:3 product_page:3 | social 0.25 -0.5 ad_click:1"
    " | email 0.15 0.2 email_open:1 | direct 0.15 0.2 visit_home:1 | walk_in 0.1 0.5 store_visit:1"
    " | referral 0.05 0.8 visit_home:1 product_page:1",
    "bank": "search 0.3 0.2 website_visit:3 rate_comparison:1 | social 0.3 -0.5 ad_view:1"
    " | comparison_site 0.15 0.5 rate_comparison:1 | walk_in 0.15 0.3 branch_appointment:1"
    " | referral 0.1 0.6 website_visit:1 app_download:1",
    "telecom": "search 0.3 0.2 website_visit:3 plan_compare:1 | social 0.3 -0.5 ad:1"
    " | walk_in 0.2 0.3 store_visit:1 | phone 0.1 0.2 call_sales:1"
    " | referral 0.1 0.6 website_visit:1 plan_compare:1",
}
_DEVICES = "mobile 0.6 0.6 | desktop 0.32 0.05 | tablet 0.08 0.4"
#: Every channel a sample event can have.
CHANNELS = ("web", "app", "store", "email", "call_centre", "social", "branch", "home")
_DIGITAL, _INHERIT = -1, -2
_CHANNEL_CODES = {"digital": _DIGITAL, "inherit": _INHERIT} | {c: i for i, c in enumerate(CHANNELS)}
_PHYSICAL = frozenset({"store", "call_centre", "branch", "home"})  # open 9:00-19:00

#: Per scenario, touchpoint -> stage (awareness, consideration, decision, loyalty, advocacy).
STAGES: dict[str, dict[str, str]] = {
    s: {line.split()[0]: line.split()[1] for line in m.strip().splitlines()}
    for s, m in _MAPS.items()
}

_LEVELS = 9  # hidden intent 0..8
_MID = _LEVELS // 2  # neutral intent
_BETA = 0.5  # weight multiplier exp(_BETA * lift * (level - _MID)); the exit has lift -1
_COOLING = 0.25  # chance to lose one intent level at each later session
#: A generated journey ends after this many events.
MAX_EVENTS = 60
_SECOND, _MINUTE, _DAY = 1_000_000, 60_000_000, 86_400_000_000
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
class _Spec:
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
    cum: np.ndarray  # (levels * n) rows of cumulative next-step probabilities, shifted by row
    segments: list[list[str]]
    sources: list[list[str]]
    entry: np.ndarray  # (sources, n) entry probabilities


def _spec(scenario: str) -> _Spec:
    rows = [line.split(maxsplit=8) for line in _MAPS[scenario].strip().splitlines()]
    names = tuple(r[0] for r in rows)
    n, index = len(names), {name: i for i, name in enumerate(names)}
    exit_, back = n, n + 1
    targets = {**index, "exit": exit_, "back": back}
    weights = np.zeros((n, 2 * (n + 2)))  # column: target, plus n + 2 if in a later session
    for i, row in enumerate(rows):
        for edge in row[8].split():
            later = "@" in edge
            target, w = edge.split("@" if later else ":")
            weights[i, targets[target] + later * (n + 2)] += float(w)
    lift = np.array([float(r[4]) for r in rows] + [-1.0, 0.0])
    z = np.arange(_LEVELS) - _MID
    boost = np.exp(_BETA * z[:, None] * np.tile(lift, 2)[None, :])  # (levels, columns)
    w = weights[None, :, :] * boost[:, None, :]
    cum = np.cumsum(w, axis=2) / w.sum(axis=2, keepdims=True)
    cum[:, :, -1] = 1.0
    cum = (cum + np.arange(_LEVELS * n).reshape(_LEVELS, n, 1)).reshape(-1)
    rating = [_fields(r[6], [".", "1", "0"]) for r in rows]  # kind:response rate:shift
    kinds = {".": _NO_RATING, "csat": _CSAT, "nps": _NPS, "stars": _STARS}
    intent = [_fields(r[5] if r[5] != "." else "0", ["0", "1"]) for r in rows]  # change:probability
    sources = _groups(_SOURCES[scenario])
    entry = np.zeros((len(sources), n))
    for k, src in enumerate(sources):
        for edge in src[3:]:
            target, w_ = edge.split(":")
            entry[k, index[target]] = float(w_)
    return _Spec(
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
        segments=_groups(_SEGMENTS[scenario]),
        sources=sources,
        entry=entry / entry.sum(axis=1, keepdims=True),
    )


def _shares(groups: list[list[str]], column: int) -> np.ndarray:
    return np.array([float(g[column]) for g in groups])


def _pick(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    return rng.choice(len(weights), size=size, p=weights / weights.sum())


def _time_of_day(rng: np.random.Generator, hours: np.ndarray, size: int) -> np.ndarray:
    """Microseconds after midnight, the hour drawn from ``hours`` (24 weights)."""
    return (_pick(rng, hours, size) * 3600 + rng.integers(0, 3600, size)) * _SECOND


@dataclass(frozen=True)
class _Simulated:
    """Events (customer index, time, touchpoint, channel, value, rating) and customer codes."""

    events: tuple[np.ndarray, ...]
    customers: dict[str, np.ndarray]


def _customers(
    spec: _Spec, midnights: np.ndarray, rng: np.random.Generator, *, not_before: int
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """Draw each customer's attributes, intent, entry touchpoint and first time.

    ``midnights`` are the arrival days; the hour follows the daily profile, or the
    opening hours when the journey starts in a store, branch or call centre.
    Customers come back sorted by their first time: ``(codes, intent, entry, time)``.
    """
    n, n_tp = len(midnights), len(spec.names)
    regions = _groups(_REGIONS)
    codes = {
        "segment": _pick(rng, _shares(spec.segments, 1), n),
        "region": _pick(rng, _shares(regions, 1), n),
        "device": _pick(rng, _shares(_groups(_DEVICES), 1), n),
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
    t = np.where(t < not_before, t + _DAY, t)
    order = np.argsort(t, kind="stable")
    return {k: v[order] for k, v in codes.items()}, level[order], entry[order], t[order]


def _simulate(
    spec: _Spec, midnights: np.ndarray, rng: np.random.Generator, *, not_before: int
) -> _Simulated:
    """Walk every customer through the map from their arrival, all at once."""
    codes, level, cur, t = _customers(spec, midnights, rng, not_before=not_before)
    n, n_tp = len(cur), len(spec.names)
    width, back, exit_ = 2 * (n_tp + 2), n_tp + 1, n_tp
    devices = _groups(_DEVICES)
    app_share = _shares(devices, 2)
    web, app = CHANNELS.index("web"), CHANNELS.index("app")

    def digital(customer: np.ndarray) -> np.ndarray:
        device = codes["device"][customer]
        return np.where(rng.random(len(customer)) < app_share[device], app, web)

    customer = np.arange(n)
    dchan, prev, prev_chan = digital(customer), np.full(n, -1), np.full(n, -1)
    can_go_back = np.isin(spec.channel, [_DIGITAL, web, app])
    segment_value = _shares(spec.segments, 3)
    events = []
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
        # The next step: one draw in the cumulative table of (intent, touchpoint).
        row = level * n_tp + cur
        column = np.searchsorted(spec.cum, row + rng.random(m), side="right") - row * width
        later, nxt = column >= n_tp + 2, column % (n_tp + 2)
        went_back = np.flatnonzero(nxt == back)
        p = prev[went_back]
        # Back to an ad or an email, or from the first event: another page, or away.
        ok = (p >= 0) & can_go_back[p]
        instead = np.where(can_go_back[cur[went_back]], cur[went_back], exit_)
        nxt[went_back] = np.where(ok, p, instead)
        t_next = t + np.rint(rng.exponential(spec.secs[cur])).astype(np.int64) * _SECOND
        new = np.flatnonzero(later & (nxt != exit_))
        if len(new):
            # A later session: some days on, at a plausible hour (opening hours for stores).
            days = np.floor(np.exp(rng.normal(np.log(2), 1.1, len(new)))).astype(np.int64)
            tod = np.where(
                spec.physical[nxt[new]],
                _time_of_day(rng, _OPEN_HOURS, len(new)),
                _time_of_day(rng, _HOURS, len(new)),
            )
            start = (t[new] // _DAY + days) * _DAY + tod
            t_next[new] = np.where(start < t[new] + 31 * _MINUTE, start + _DAY, start)
            dchan[new] = digital(customer[new])
            # Interest cools between sessions: without this, keen customers never leave.
            level[new] = np.maximum(level[new] - (rng.random(len(new)) < _COOLING), 0)
        stay = np.flatnonzero(nxt != exit_)
        customer, t, level = customer[stay], t_next[stay], level[stay]
        prev, prev_chan, cur, dchan = cur[stay], chan[stay], nxt[stay], dchan[stay]
    if not events:  # no customers
        events = [(*[np.array([], np.int64)] * 4, np.array([]), np.array([], np.int64))]
    columns = [np.concatenate(c) for c in zip(*events, strict=True)]
    order = np.argsort(columns[1], kind="stable")
    return _Simulated(events=tuple(c[order] for c in columns), customers=codes)


def _frame(spec: _Spec, sim: _Simulated, *, first_number: int = 0) -> pl.DataFrame:
    """The events as a frame with text columns; customer ``i`` is ``C`` + ``first_number + i``."""
    customer, timestamp, touchpoint, channel, value, rating = sim.events
    n = len(sim.customers["segment"])
    numbers = pl.int_range(first_number, first_number + n, dtype=pl.Int64, eager=True)
    ids = ("C" + numbers.cast(pl.String).str.zfill(6)).alias("customer_id")
    names = {
        "segment": [g[0] for g in spec.segments],
        "region": [g[0] for g in _groups(_REGIONS)],
        "device": [g[0] for g in _groups(_DEVICES)],
        "acquisition_source": [g[0] for g in spec.sources],
    }
    return pl.DataFrame(
        [
            ids.gather(customer),
            pl.Series("timestamp", timestamp, pl.Int64).cast(pl.Datetime("us")),
            pl.Series("touchpoint", spec.names, pl.String).gather(touchpoint),
            pl.Series("channel", CHANNELS, pl.String).gather(channel),
            pl.Series("value", value, pl.Float64, nan_to_null=True),
            pl.Series("rating", np.where(rating >= 0, rating, np.nan), nan_to_null=True).cast(
                pl.Int64
            ),
            *(
                pl.Series(column, labels, pl.String).gather(sim.customers[column][customer])
                for column, labels in names.items()
            ),
        ]
    )


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
    return start_us // _DAY * _DAY + rng.integers(0, days, n) * _DAY


def generate(
    scenario: Scenario,
    *,
    customers: int = 2000,
    seed: int = 0,
    start: dt.datetime = dt.datetime(2025, 1, 6),
    days: int = 91,
) -> pl.DataFrame:
    """Generate the journeys of ``customers`` customers of a sample scenario.

    Customers arrive over ``days`` days from ``start`` (naive times are UTC) and walk
    the scenario's journey map (see the module docstring) until they drop off; the same
    ``seed`` gives the same log. About 4 to 5.5 events per customer: 1.8 million retail
    customers make some 10 million events.

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
    >>> for row in log.select("customer_id", "touchpoint", "channel", "value").rows():
    ...     print(*row)
    C000000 search web None
    C000001 store_visit store None
    C000001 purchase store 59.7
    C000001 return_item store None
    C000002 search app None
    C000002 product_page app None
    C000002 email_open email None
    >>> generate("retail", customers=3, seed=0).equals(log)
    True
    """
    _check_scenario(scenario)
    if customers < 0 or days < 1:
        msg = f"cannot generate {customers!r} customers over {days!r} days; give customers >= 0 and days >= 1"
        raise AnalysisError(msg)
    spec = _spec(scenario)
    rng = np.random.default_rng([seed, SCENARIOS.index(scenario)])
    start_us = _epoch_us(start)
    midnights = _midnights(rng, customers, start_us, days)
    return _frame(spec, _simulate(spec, midnights, rng, not_before=start_us))


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
        generate(scenario, **BUNDLED).write_csv(target, datetime_format="%Y-%m-%dT%H:%M:%S")
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
    spec = _spec(scenario)
    none = np.array([], np.int64)
    pending = _frame(spec, _simulate(spec, none, np.random.default_rng(0), not_before=0))
    for day in itertools.count():
        rng = np.random.default_rng([seed, SCENARIOS.index(scenario), day])
        day_start = start_us + day * _DAY
        midnights = _midnights(rng, customers_per_day, day_start, 1)
        # Arrivals of this day fall in [day_start, day_start + one day): the cohort order.
        journeys = _simulate(spec, midnights, rng, not_before=day_start)
        cohort = _frame(spec, journeys, first_number=day * customers_per_day)
        pending = pl.concat([pending, cohort]).sort("timestamp", maintain_order=True)
        # Every later cohort starts after this horizon: events before it are final.
        horizon = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=start_us + (day + 1) * _DAY)
        ready = pending["timestamp"].search_sorted(horizon)
        while ready >= batch_size:
            yield pending.head(batch_size)
            pending, ready = pending.slice(batch_size), ready - batch_size


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: write the bundled files, or generate one scenario of any size."""
    parser = argparse.ArgumentParser(prog="python -m cxlib.sample", description=main.__doc__)
    parser.add_argument("--write", metavar="FOLDER", help="write the bundled CSV files there")
    parser.add_argument("scenario", nargs="?", choices=SCENARIOS)
    parser.add_argument("--customers", type=int, default=BUNDLED["customers"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="output file: .csv or .parquet")
    args = parser.parse_args(argv)
    if args.write:
        for written in write_bundled(args.write):
            print(written)
    elif args.scenario and args.out:
        log = generate(args.scenario, customers=args.customers, seed=args.seed)
        if args.out.endswith(".parquet"):
            log.write_parquet(args.out)
        else:
            log.write_csv(args.out, datetime_format="%Y-%m-%dT%H:%M:%S")
        print(f"{args.out}: {log.height:,} events of {args.customers:,} customers")
    else:
        parser.error("give --write FOLDER, or a scenario and --out FILE")


if __name__ == "__main__":
    main()

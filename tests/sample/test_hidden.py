"""The sample's hidden structure is what the analyses and the predictions recover.

The generator documents what it hides (``cxlib.sample``): each customer's **intent** at
arrival, the **acquisition routes** (``maps.SOURCES``: each source's share and the
touchpoints its customers start at) and the **came-from routes** (``maps.ROUTES``: other
next steps after a given previous touchpoint). Here the library finds them again in the
bundled logs (``generate(**BUNDLED, hidden=True)`` is the bundled log plus ``intent``).
"""

from __future__ import annotations

import math
from collections import Counter

import polars as pl
import pytest

import cxlib
from cxlib import EventLog, predict, sample
from cxlib.analyses.compare import segment_log
from cxlib.sample import maps


@pytest.fixture(scope="module", params=sample.SCENARIOS)
def scenario(request):
    return request.param


@pytest.fixture(scope="module")
def hidden(scenario):
    """The bundled log with each customer's hidden intent at arrival."""
    return sample.generate(scenario, **sample.BUNDLED, hidden=True)


def test_hidden_adds_only_the_intent(hidden, scenario):
    assert hidden.drop("intent").equals(sample.generate(scenario, **sample.BUNDLED))
    per = hidden.group_by("customer_id").agg(
        pl.col("intent").n_unique(), level=pl.col("intent").first()
    )
    assert per["intent"].max() == 1
    assert 0 <= per["level"].min() < per["level"].max() <= 8


# --- intent ---------------------------------------------------------------------------------


def test_customers_with_higher_intent_convert_more(hidden, scenario):
    goal = sample.GOALS[scenario]
    rates = (
        hidden.group_by("customer_id")
        .agg(pl.col("intent").first(), converted=(pl.col("touchpoint") == goal).any())
        .group_by("intent")
        .agg(pl.col("converted").mean(), customers=pl.len())
        .filter(pl.col("customers") >= 100)
        .sort("intent")
    )
    assert rates.height >= 4
    assert rates["converted"].is_sorted()
    assert rates["converted"][-1] > rates["converted"][0] + 0.3


def test_the_propensity_model_ranks_high_intent_customers_higher(hidden, scenario):
    """Cut the log on 10 March, fit on what is known then, and score the journeys in flight:
    the model never sees the intent, yet it ranks the keen customers higher."""
    log = cxlib.filter_time(EventLog.from_frame(hidden.drop("intent")), end="2025-03-10")
    model = predict.fit(log, goal=sample.GOALS[scenario], stages=sample.STAGES[scenario])
    intent = hidden.group_by("customer_id").agg(pl.col("intent").first())
    scored = predict.propensity(model, log).join(intent, on="customer_id")
    assert scored.height > 1000
    high = scored.filter(pl.col("intent") >= 4)["propensity"].mean()
    low = scored.filter(pl.col("intent") <= 2)["propensity"].mean()
    assert high > 1.5 * low
    # among the journeys active in the last two weeks, the ranks agree
    recent = scored.filter(pl.col("hours_since_last_event") < 14 * 24)
    assert recent.height > 300
    assert recent.select(pl.corr("propensity", "intent", method="spearman")).item() > 0.1


# --- acquisition routes ---------------------------------------------------------------------


def designed_entries(groups: list[list[str]]) -> Counter:
    """Share of customers starting at each touchpoint: each source's share times the
    weight of the touchpoint among the source's entries (``maps.SOURCES``)."""
    expected: Counter = Counter()
    total = sum(float(group[1]) for group in groups)
    for _, share, _shift, *entries in groups:
        weights = {t: float(w) for t, w in (entry.split(":") for entry in entries)}
        for touchpoint, weight in weights.items():
            expected[touchpoint] += float(share) / total * weight / sum(weights.values())
    return expected


def first_touchpoints(log: EventLog) -> tuple[dict[str, float], int]:
    """The share of journeys at each touchpoint at their first step (cxlib.step_matrix),
    and how many journeys there are."""
    first = cxlib.step_matrix(log, steps=1).filter(pl.col("step") == 1)
    return dict(first.select("touchpoint", "share").iter_rows()), int(first["journeys"].sum())


def assert_shares(observed: dict[str, float], n: int, expected: Counter) -> None:
    """Each share within four standard errors of the designed one, nothing else."""
    assert n >= 100
    assert set(observed) == set(expected)
    for touchpoint, p in expected.items():
        assert abs(observed[touchpoint] - p) <= 4 * math.sqrt(p * (1 - p) / n) + 1e-9


def test_the_acquisition_routes_show_as_the_first_touchpoints(scenario):
    log = cxlib.load(sample.path(scenario))
    groups = [g.split() for g in maps.SOURCES[scenario].split("|")]
    assert_shares(*first_touchpoints(log), designed_entries(groups))
    # and per route: the customers of each source start where the source brings them
    for group in groups:
        route = segment_log(log, ("acquisition_source", group[0]))
        assert_shares(*first_touchpoints(route), designed_entries([group]))


# --- came-from routes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "came_from", "at", "route_next", "other_from"),
    [
        # bought in the store after click and collect: a survey, not the order email
        ("retail", "click_and_collect", "purchase", "nps_survey", "checkout"),
        # a phone signed for in the store is activated, not delivered
        ("telecom", "store_visit", "contract_signed", "activation", "plan_compare"),
        # a new card activated in the app: the first deposit comes next (and the reverse)
        ("bank", "card_activated", "mobile_login", "first_deposit", "first_deposit"),
    ],
)
def test_the_next_step_model_learns_the_came_from_routes(
    scenario, came_from, at, route_next, other_from
):
    log = cxlib.load(sample.path(scenario))
    model = predict.fit(log, goal=sample.GOALS[scenario])
    routed = predict.next_touchpoints(model, [came_from, at])["touchpoint"][0]
    assert routed == route_next
    assert predict.next_touchpoints(model, [other_from, at])["touchpoint"][0] != route_next

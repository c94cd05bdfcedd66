"""The sample journeys: deterministic, well-formed, realistic, path-dependent, bundled, streamed.

The realism tests count properties on 3,000 generated customers (the bundled size) with
plain Python loops over the journeys, and assert them with a margin well inside what the
generator gives over many seeds, so they test the journey maps, not one lucky draw.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import polars as pl
import pytest

import cxlib
from cxlib import AnalysisError, EventLog, sample
from cxlib.sample.__main__ import main as sample_command

TEXT = pl.String
SCHEMA = {
    "customer_id": TEXT,
    "timestamp": pl.Datetime("us"),
    "touchpoint": TEXT,
    "channel": TEXT,
    "value": pl.Float64,
    "rating": pl.Int64,
    "segment": TEXT,
    "region": TEXT,
    "device": TEXT,
    "acquisition_source": TEXT,
}
STAGE_NAMES = {"awareness", "consideration", "decision", "loyalty", "advocacy"}
#: Touchpoints that carry revenue, per scenario (the goal and the later sales).
VALUED = {
    "retail": {"purchase"},
    "bank": {"account_opened", "cross_sell"},
    "telecom": {"contract_signed", "upgrade"},
}
NPS = {"nps_survey", "survey"}
RATED = {
    "retail": {
        "store_visit",
        "checkout",
        "click_and_collect",
        "call_support",
        "nps_survey",
        "review",
    },
    "bank": {"call_centre", "branch_appointment", "id_check", "complaint", "survey", "app_review"},
    "telecom": {
        "store_visit",
        "call_sales",
        "chat",
        "call_support",
        "technician_visit",
        "nps_survey",
        "review",
    },
}


@pytest.fixture(scope="module", params=sample.SCENARIOS)
def scenario(request):
    return request.param


@pytest.fixture(scope="module")
def log(scenario):
    return sample.generate(scenario, **sample.BUNDLED)


def paths_of(log):
    """customer -> list of (touchpoint, channel, rating, timestamp), in order (the log is by time)."""
    out: dict[str, list[tuple]] = {}
    for c, tp, ch, r, t in log.select(
        "customer_id", "touchpoint", "channel", "rating", "timestamp"
    ).iter_rows():
        out.setdefault(c, []).append((tp, ch, r, t))
    return out


@pytest.fixture(scope="module")
def journeys(log):
    return paths_of(log)


def converted(path, goal):
    return any(step[0] == goal for step in path)


# --- determinism, schema, edge cases --------------------------------------------------------


def test_same_seed_same_log_other_seed_other_log(scenario):
    one = sample.generate(scenario, customers=300, seed=4)
    assert one.equals(sample.generate(scenario, customers=300, seed=4))
    assert not one.equals(sample.generate(scenario, customers=300, seed=5))


def test_schema_and_ids(log, scenario):
    assert log.schema == pl.Schema(SCHEMA)
    ids = log["customer_id"].unique().sort()
    assert ids.to_list() == [f"C{i:06d}" for i in range(sample.BUNDLED["customers"])]
    assert log["timestamp"].is_sorted()
    assert set(log["channel"]) <= set(sample.CHANNELS)
    # customer attributes are constant within a customer
    per = log.group_by("customer_id").agg(
        pl.col("segment", "region", "device", "acquisition_source").n_unique()
    )
    assert per.drop("customer_id").max().row(0) == (1, 1, 1, 1)
    assert log.group_by("customer_id").len()["len"].max() <= sample.MAX_EVENTS


def test_values_only_on_sales_and_positive(log, scenario):
    valued = log.filter(pl.col("value").is_not_null())
    assert set(valued["touchpoint"]) == VALUED[scenario]
    assert valued["value"].min() > 0
    goals = log.filter(pl.col("touchpoint") == sample.GOALS[scenario])
    assert goals["value"].null_count() == 0


def test_ratings_on_their_touchpoints_and_scales(log, scenario):
    rated = log.filter(pl.col("rating").is_not_null())
    assert set(rated["touchpoint"]) == RATED[scenario]
    nps = rated.filter(pl.col("touchpoint").is_in(NPS))["rating"]
    five = rated.filter(~pl.col("touchpoint").is_in(NPS))["rating"]
    assert (five.min(), five.max()) == (1, 5)
    assert nps.min() <= 3
    assert nps.max() == 10
    # detractors (0-6) and promoters (9-10) both common, as in real NPS surveys
    assert 0.1 < (nps <= 6).mean() < 0.45
    assert 0.2 < (nps >= 9).mean() < 0.6


def test_no_customers_gives_an_empty_log_with_the_schema():
    empty = sample.generate("retail", customers=0)
    assert empty.height == 0
    assert empty.schema == pl.Schema(SCHEMA)


def test_times_start_at_start_and_naive_means_utc():
    start = dt.datetime(2025, 3, 1, 12, 30)
    log = sample.generate("telecom", customers=400, start=start, days=7)
    first = log.group_by("customer_id").agg(pl.col("timestamp").min())["timestamp"]
    assert first.min() >= start
    assert first.max() < start + dt.timedelta(days=7)
    aware = start.replace(hour=13, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert sample.generate("telecom", customers=400, start=aware, days=7).equals(log)


@pytest.mark.parametrize(
    ("scenario", "touchpoint"),
    [("retail", "store_visit"), ("bank", "branch_appointment"), ("telecom", "technician_visit")],
)
def test_visits_happen_in_opening_hours(scenario, touchpoint):
    log = sample.generate(scenario, customers=2000, seed=2)
    hours = log.filter(pl.col("touchpoint") == touchpoint)["timestamp"].dt.hour()
    assert hours.len() > 50
    assert (hours.min(), hours.max()) == (9, 18)


# --- stages and goals ---------------------------------------------------------------------


def test_every_touchpoint_has_a_stage_and_occurs(log, scenario):
    stages = sample.STAGES[scenario]
    assert set(stages.values()) == STAGE_NAMES
    assert set(log["touchpoint"]) == set(stages)
    assert stages[sample.GOALS[scenario]] == "decision"
    assert set(sample.GOALS) == set(sample.DESCRIPTIONS) == set(sample.STAGES)


def test_conversion_rate_is_plausible(journeys, scenario):
    goal = sample.GOALS[scenario]
    rate = sum(converted(p, goal) for p in journeys.values()) / len(journeys)
    assert 0.2 < rate < 0.45


# --- realism ------------------------------------------------------------------------------


def test_journeys_cross_channels(journeys, scenario):
    multi = sum(len({step[1] for step in p}) > 1 for p in journeys.values()) / len(journeys)
    assert multi > 0.3
    # some customers start digital and convert in a store or a branch (or the reverse)
    goal = sample.GOALS[scenario]
    switched = [
        p
        for p in journeys.values()
        if p[0][1] in {"web", "app"}
        and any(s[0] == goal and s[1] in {"store", "branch", "call_centre"} for s in p)
    ]
    assert len(switched) > 30


def test_goal_happens_in_several_channels(log, scenario):
    goal_channels = Counter(log.filter(pl.col("touchpoint") == sample.GOALS[scenario])["channel"])
    assert goal_channels["web"] > 0.1 * goal_channels.total()
    physical = goal_channels["store"] + goal_channels["branch"]
    assert physical > 0.1 * goal_channels.total()


def test_loops_drop_offs_and_one_event_customers(journeys, scenario):
    n = len(journeys)
    loops = sum(len({s[0] for s in p}) < len(p) for p in journeys.values())
    assert loops > 0.4 * n
    # some customers bounce for good at their first event (mostly after an ad), a quarter at most
    one = sum(len(p) == 1 for p in journeys.values())
    assert 0.1 * n < one <= 0.25 * n
    # drop-offs happen at many touchpoints, not only at the entry
    last = Counter(p[-1][0] for p in journeys.values())
    assert sum(count >= 10 for count in last.values()) >= 8


def test_several_sessions_over_days(log, journeys):
    sessions = (
        cxlib.sessionize(EventLog.from_frame(log), "30m")
        .to_polars()
        .group_by("customer_id")
        .agg(pl.col("session_id").max())["session_id"]
    )
    # most customers come back, and a fifth or more over more than two weeks
    assert (sessions > 1).mean() > 0.6
    assert sessions.max() >= 10
    spans = [p[-1][3] - p[0][3] for p in journeys.values()]
    assert sum(s > dt.timedelta(days=14) for s in spans) > 0.2 * len(spans)


def test_equal_timestamps_within_a_customer(journeys):
    ties = sum(any(a[3] == b[3] for a, b in itertools.pairwise(p)) for p in journeys.values())
    assert ties > 10


def test_retail_customers_buy_again_and_advocate():
    journeys = paths_of(sample.generate("retail", **sample.BUNDLED))
    buyers = [p for p in journeys.values() if converted(p, "purchase")]
    again = sum(sum(s[0] == "purchase" for s in p) > 1 for p in buyers)
    assert again > 0.15 * len(buyers)
    advocates = sum(any(s[0] in {"review", "referral"} for s in p) for p in buyers)
    assert advocates > 0.1 * len(buyers)


# --- conversion depends on the path, not only on the last touchpoint -------------------------


def goal_next_rate(journeys, goal, at, earlier):
    """Share of events at ``at`` directly followed by the goal, split by whether the
    customer visited ``earlier`` before that event: {True: rate, False: rate}."""
    counts = {True: [0, 0], False: [0, 0]}
    for p in journeys.values():
        for i, step in enumerate(p):
            if step[0] == at:
                seen = any(s[0] == earlier for s in p[:i])
                counts[seen][0] += i + 1 < len(p) and p[i + 1][0] == goal
                counts[seen][1] += 1
    assert counts[True][1] >= 80
    assert counts[False][1] >= 80
    return {k: hits / total for k, (hits, total) in counts.items()}


@pytest.mark.parametrize(
    ("scenario", "at", "earlier", "margin"),
    [
        # a basket filled earlier online: the store visit ends in a purchase more often
        ("retail", "store_visit", "add_to_cart", 0.15),
        ("bank", "id_check", "rate_comparison", 0.08),
        ("telecom", "store_visit", "plan_compare", 0.1),
    ],
)
def test_same_touchpoint_converts_better_after_research(scenario, at, earlier, margin):
    log = sample.generate(scenario, **sample.BUNDLED)
    rates = goal_next_rate(paths_of(log), sample.GOALS[scenario], at, earlier)
    assert rates[True] > rates[False] + margin


def test_bad_ratings_lower_conversion(journeys, scenario):
    """Of the ratings given before a customer's first conversion, the share that a
    conversion follows: after a bad rating (1-2 of 5, 0-6 NPS) vs a good one (4-5, 9-10)."""
    goal = sample.GOALS[scenario]
    later = {"bad": [], "good": []}
    for p in journeys.values():
        names = [s[0] for s in p]
        first = names.index(goal) if goal in names else len(p)
        for i, (touchpoint, _, rating, _) in enumerate(p[:first]):
            if rating is None:
                continue
            bad, good = (6, 9) if touchpoint in NPS else (2, 4)
            if rating <= bad or rating >= good:
                later["bad" if rating <= bad else "good"].append(goal in names[i + 1 :])
    assert len(later["bad"]) >= 25
    assert sum(later["good"]) / len(later["good"]) > sum(later["bad"]) / len(later["bad"]) + 0.3


def test_next_step_depends_on_the_previous_two(journeys, scenario):
    """After a comparison page, customers go back where they came from: the next step
    depends on the touchpoint before, which a first-order chain cannot see."""
    page = {"retail": "product_page", "bank": "rate_comparison", "telecom": "plan_compare"}[
        scenario
    ]
    nexts: dict[str, Counter] = {}
    for p in journeys.values():
        for a, b, c in zip(p, p[1:], p[2:], strict=False):
            if b[0] == page and a[0] != page:
                nexts.setdefault(a[0], Counter())[c[0]] += 1
    common = sorted(nexts, key=lambda k: -nexts[k].total())[:2]
    first, second = (nexts[k] for k in common)
    # the share going back to each origin differs by origin
    back_first = first[common[0]] / first.total()
    back_second_to_first = second[common[0]] / second.total()
    assert back_first > back_second_to_first + 0.15


@pytest.mark.parametrize(
    ("scenario", "came_from", "at", "route_only", "map_only"),
    [
        # a purchase in the store is never followed by an email or a loyalty sign-up
        ("retail", "click_and_collect", "purchase", "nps_survey", {"email_open", "loyalty_signup"}),
        # a phone bought in the store is not delivered later: it is activated
        ("telecom", "store_visit", "contract_signed", "activation", set()),
        # at the branch to finish an ID check: the account is opened there
        ("bank", "id_check", "branch_appointment", "account_opened", {"website_visit"}),
    ],
)
def test_routes_depend_on_where_the_customer_came_from(
    scenario, came_from, at, route_only, map_only
):
    """The next steps after ``came_from -> at`` are the route's (maps.ROUTES), not ``at``'s own."""
    log = sample.generate(scenario, **sample.BUNDLED)
    routed, other = Counter(), Counter()
    for p in paths_of(log).values():
        for a, b, c in zip(p, p[1:], p[2:], strict=False):
            if b[0] == at:
                (routed if a[0] == came_from else other)[c[0]] += 1
    assert routed.total() >= 30
    assert not map_only & set(routed)
    assert all(other[t] > 0 for t in map_only)
    # the route's most likely next step is not the touchpoint's own
    assert routed.most_common(1)[0][0] == route_only
    assert other.most_common(1)[0][0] != route_only


# --- bundled files --------------------------------------------------------------------------


def test_bundled_file_is_the_generated_log(scenario, log):
    file = sample.path(scenario)
    assert file.name == f"{scenario}.csv"
    assert 1_000_000 < file.stat().st_size < 3_000_000
    assert pl.read_csv(file, try_parse_dates=True).equals(log)


def test_bundled_file_loads_with_no_arguments(scenario, log):
    loaded = cxlib.load(sample.path(scenario))
    taken = {role: match.column for role, match in loaded.mapping.items()}
    for role in ("customer_id", "timestamp", "touchpoint", "channel", "value", "rating"):
        assert taken[role] == role
    assert loaded.report.rows_kept == log.height
    assert loaded.report.customers == sample.BUNDLED["customers"]
    assert loaded.report.touchpoints == len(sample.STAGES[scenario])


def test_write_command_rewrites_the_bundled_files_byte_for_byte(tmp_path, capsys):
    sample_command(["--write", str(tmp_path)])
    for scenario in sample.SCENARIOS:
        written = tmp_path / f"{scenario}.csv"
        assert written.read_bytes() == sample.path(scenario).read_bytes()
    assert capsys.readouterr().out.count(".csv") == 3


def test_command_writes_any_size_as_parquet_or_csv(tmp_path, capsys):
    sample_command(
        ["bank", "--customers", "50", "--seed", "2", "--out", str(tmp_path / "b.parquet")]
    )
    expected = sample.generate("bank", customers=50, seed=2)
    assert pl.read_parquet(tmp_path / "b.parquet").equals(expected)
    sample_command(["bank", "--customers", "50", "--seed", "2", "--out", str(tmp_path / "b.csv")])
    assert pl.read_csv(tmp_path / "b.csv", try_parse_dates=True).equals(expected)
    assert f"{expected.height:,} events of 50 customers" in capsys.readouterr().out


def test_command_without_a_task_says_what_to_give(capsys):
    with pytest.raises(SystemExit):
        sample_command([])
    assert "give --write FOLDER, or a scenario and --out FILE" in capsys.readouterr().err


# --- the stream for the live mode -----------------------------------------------------------


def take(batches, n):
    return pl.concat(list(itertools.islice(batches, n)))


def test_stream_is_in_time_order_deterministic_and_in_batches():
    batches = list(itertools.islice(sample.stream("telecom", seed=1, batch_size=40), 30))
    assert {b.height for b in batches} == {40}
    joined = pl.concat(batches)
    assert joined["timestamp"].is_sorted()
    assert joined.schema == pl.Schema(SCHEMA)
    assert joined.equals(take(sample.stream("telecom", seed=1, batch_size=40), 30))
    assert not joined.equals(take(sample.stream("telecom", seed=2, batch_size=40), 30))


def test_stream_brings_new_customers_every_day():
    start = dt.datetime(2025, 1, 6)
    events = take(sample.stream("retail", start=start, customers_per_day=30, batch_size=50), 8)
    firsts = events.group_by("customer_id").agg(pl.col("timestamp").min())
    day = ((pl.col("timestamp") - start).dt.total_days()).alias("day")
    # customers 0-29 arrive on day 0, 30-59 on day 1, ...
    arrival = firsts.select(
        pl.col("customer_id").str.slice(1).cast(pl.Int64) // 30 == day
    ).to_series()
    assert arrival.all()
    assert firsts["timestamp"].max() >= start + dt.timedelta(days=2)


def test_stream_journeys_follow_the_journey_map():
    """Every step of a streamed journey is an edge of the map: the stream walks the same
    maps as generate (checked against the transitions generate produces)."""
    events = take(sample.stream("bank", customers_per_day=100, batch_size=100), 40)
    generated = paths_of(sample.generate("bank", customers=20_000, seed=9))
    allowed = {(a[0], b[0]) for p in generated.values() for a, b in itertools.pairwise(p)}
    streamed = paths_of(events)
    steps = {(a[0], b[0]) for p in streamed.values() for a, b in itertools.pairwise(p)}
    assert len(steps) > 30
    assert steps <= allowed


# --- errors ---------------------------------------------------------------------------------


def test_unknown_scenario_suggests_the_closest():
    with pytest.raises(
        AnalysisError, match=r"unknown sample scenario 'retial'; did you mean 'retail'\?"
    ):
        sample.generate("retial")


def test_unknown_scenario_lists_the_scenarios():
    with pytest.raises(
        AnalysisError, match=r"'shop'; choose one of \['retail', 'bank', 'telecom'\]"
    ):
        sample.path("shop")


@pytest.mark.parametrize(("customers", "days"), [(-1, 91), (10, 0)])
def test_bad_sizes_are_refused(customers, days):
    with pytest.raises(
        AnalysisError, match=f"cannot generate {customers} customers over {days} days"
    ):
        sample.generate("bank", customers=customers, days=days)


@pytest.mark.parametrize(("per_day", "batch"), [(0, 10), (10, 0)])
def test_bad_stream_options_are_refused_at_once(per_day, batch):
    with pytest.raises(AnalysisError, match=f"customers_per_day={per_day} and batch_size={batch}"):
        sample.stream("telecom", customers_per_day=per_day, batch_size=batch)

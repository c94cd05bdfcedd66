"""Omnichannel: switch matrix, switching edges, start vs conversion channel, channels used."""

import itertools

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cxlib import AnalysisError
from cxlib.analyses.omnichannel import (
    channel_switches,
    channels_used,
    omnichannel_summary,
    start_and_conversion_channels,
    switching_edges,
)
from tests.conftest import make_log

# a: x(web) y(web) buy(store) z(phone)  3 channels; web, store up to the conversion
# b: x(web) buy(web)                    1 channel, converts
# c: x(app) y(web)                      2 channels, never converts
# d: y(-)                               no channel at all
# e: x(store) buy(-) x(app)             2 channels; only store up to the conversion
JOURNEYS = {"a": "x y buy z", "b": "x buy", "c": "x y", "d": "y", "e": "x buy x"}
CHANNELS = ["web", "web", "store", "phone", "web", "web", "app", "web", None, "store", None, "app"]
VALUES = [None, None, 100.0, None, None, 20.0, 3.0, None, None, None, 5.0, None]


def log_():
    return make_log(JOURNEYS, channel=CHANNELS, value=VALUES)


def test_channel_switch_matrix(on_engine):
    out = channel_switches(on_engine(log_()))
    rows = {(r[0], r[1]): r[2:] for r in out.rows()}
    assert rows == {
        # (transitions, customers, share of moves out of the channel, switch)
        ("(none)", "app"): (1, 1, 1.0, True),  # e
        ("app", "web"): (1, 1, 1.0, True),  # c
        ("store", "(none)"): (1, 1, 0.5, True),  # e; store has 2 moves out
        ("store", "phone"): (1, 1, 0.5, True),  # a
        ("web", "store"): (1, 1, pytest.approx(1 / 3), True),  # a; web has 3 moves out
        ("web", "web"): (2, 2, pytest.approx(2 / 3), False),  # a and b
    }
    assert out["from_channel"].to_list() == sorted(out["from_channel"].to_list())


def test_switching_edges_per_touchpoint_transition(on_engine):
    out = switching_edges(on_engine(log_()))
    assert out.rows() == [
        # x -> buy: b stays on web, e goes store -> (none); x -> y: a stays, c app -> web
        ("buy", "x", 1, 1, 1.0),
        ("buy", "z", 1, 1, 1.0),
        ("x", "buy", 2, 1, 0.5),
        ("x", "y", 2, 1, 0.5),
        ("y", "buy", 1, 1, 1.0),
    ]


def test_start_and_conversion_channels(on_engine):
    out = start_and_conversion_channels(on_engine(log_()), goal="buy")
    # converting customers a (web -> store), b (web -> web), e (store -> none): 1/3 each
    assert out.rows() == [
        ("store", "(none)", 1, pytest.approx(1 / 3)),
        ("web", "store", 1, pytest.approx(1 / 3)),
        ("web", "web", 1, pytest.approx(1 / 3)),
    ]


def test_channels_used(on_engine):
    out = channels_used(on_engine(log_()), goal="buy")
    assert out.rows() == [
        # channels, customers, conversions, rate, value, value per customer
        (0, 1, 0, 0.0, 0.0, 0.0),  # d
        (1, 1, 1, 1.0, 20.0, 20.0),  # b
        (2, 2, 1, 0.5, 8.0, 4.0),  # c (3) and e (5): e converts
        (3, 1, 1, 1.0, 100.0, 100.0),  # a
    ]


def test_omnichannel_summary():
    out = omnichannel_summary(log_(), goal="buy")
    # 5 customers, a c e use 2+ channels; conversions a b e, only a's crossed channels
    assert out.row(0) == (5, 3, pytest.approx(3 / 5), 3, 1, pytest.approx(1 / 3))


def test_one_log_asked_for_two_goals_counts_each():
    # Counted once per log and goal: the page's second analysis reads the first's counts.
    log = log_()
    assert omnichannel_summary(log, goal="buy").row(0)[3:5] == (3, 1)
    assert omnichannel_summary(log, goal="z").row(0)[3:5] == (1, 1)  # a: web, store, phone
    assert channels_used(log, goal="buy")["conversions"].to_list() == [0, 1, 1, 1]
    assert channels_used(log, goal="z")["conversions"].to_list() == [0, 0, 0, 1]


def test_channels_used_without_value_column():
    out = channels_used(make_log({"a": "x buy"}, channel=["web", "app"]), goal="buy")
    assert out.select("channels", "conversions").rows() == [(2, 1)]
    assert out["value"].to_list() == [None]


def test_equal_timestamps_keep_source_order():
    log = make_log({"a": "x y z"}, minutes=0, channel=["web", "app", "web"])
    rows = {(r[0], r[1]): r[2] for r in channel_switches(log).rows()}
    assert rows == {("web", "app"): 1, ("app", "web"): 1}


@pytest.mark.parametrize(
    "call",
    [
        lambda log: channel_switches(log),
        lambda log: switching_edges(log),
        lambda log: channels_used(log, goal="buy"),
        lambda log: omnichannel_summary(log, goal="buy"),
        lambda log: start_and_conversion_channels(log, goal="buy"),
    ],
)
def test_channel_analyses_need_a_channel_column(call):
    with pytest.raises(AnalysisError, match=r"needs a channel column and the log has none"):
        call(make_log({"a": "x buy"}))


@pytest.mark.parametrize(
    "call",
    [
        lambda log: channels_used(log, goal="by"),
        lambda log: omnichannel_summary(log, goal="by"),
        lambda log: start_and_conversion_channels(log, goal="by"),
    ],
)
def test_unknown_conversion_is_refused(call):
    with pytest.raises(
        AnalysisError, match=r"touchpoint 'by' is not in the log; did you mean 'buy'"
    ):
        call(log_())


def brute_force(journeys):
    """Switch matrix and (channels -> customers, conversions, omnichannel conversions), by loops."""
    switches, per_count = {}, {}
    for events in journeys.values():
        channels = [c or "(none)" for _, c in events]
        for a, b in itertools.pairwise(channels):
            switches[a, b] = switches.get((a, b), 0) + 1
        used = {c for _, c in events if c is not None}
        tps = [t for t, _ in events]
        converted = "buy" in tps
        before = (
            {c for _, c in events[: tps.index("buy") + 1] if c is not None} if converted else set()
        )
        row = per_count.setdefault(len(used), [0, 0, 0])
        row[0] += 1
        row[1] += converted
        row[2] += converted and len(before) >= 2
    return switches, {k: tuple(v) for k, v in per_count.items()}


@settings(max_examples=120, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["a", "b", "c", "d"]),
        st.lists(
            st.tuples(
                st.sampled_from(["x", "buy"]), st.sampled_from(["web", "app", "store", None])
            ),
            min_size=1,
            max_size=6,
        ),
        max_size=4,
    )
)
def test_switches_and_channels_used_match_brute_force(journeys):
    assume(any(t == "buy" for events in journeys.values() for t, _ in events))
    log = make_log(
        {k: [t for t, _ in v] for k, v in journeys.items()},
        channel=[c for v in journeys.values() for _, c in v],
    )
    switches, per_count = brute_force(journeys)
    got = {(r[0], r[1]): r[2] for r in channel_switches(log).rows()}
    assert got == switches
    used = channels_used(log, goal="buy")
    omni = omnichannel_summary(log, goal="buy").row(0, named=True)
    assert {r[0]: (r[1], r[2]) for r in used.rows()} == {k: v[:2] for k, v in per_count.items()}
    assert omni["omnichannel_conversions"] == sum(v[2] for v in per_count.values())

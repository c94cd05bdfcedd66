import pytest

from cxlib import AnalysisError
from cxlib.units import DAY_US, DEFAULT_SESSION_GAP, MINUTE_US, parse_duration


@pytest.mark.parametrize("bad", ["30", "m", "-5m", "30 minutes", ""])
def test_bad_duration_names_the_format(bad):
    with pytest.raises(AnalysisError, match=r"write a number and a unit s, m, h or d"):
        parse_duration(bad)


@pytest.mark.parametrize(
    ("text", "microseconds"),
    [("45s", 45_000_000), ("1.5h", 90 * MINUTE_US), ("7d", 7 * DAY_US), (" 2 m ", 2 * MINUTE_US)],
)
def test_durations_in_every_unit(text, microseconds):
    assert parse_duration(text) == microseconds


def test_default_session_gap_is_thirty_minutes():
    assert parse_duration(DEFAULT_SESSION_GAP) == 30 * MINUTE_US

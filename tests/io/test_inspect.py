"""Inspecting an upload before loading it: the counts the import assistant shows on each run."""

from __future__ import annotations

import sys

import pytest

from cxlib import MappingError
from cxlib.io.inspect import inspect

# The module, not the function cxlib.io exports under its name.
inspect_module = sys.modules["cxlib.io.inspect"]

# Two rows of three parse as day.month.year; one has no time at all.
CSV = b"user,event,when\nu1,a,05.01.2024 10:15\nu1,b,13.01.2024 25:00\nu2,c,\n"


@pytest.fixture
def parses(monkeypatch):
    """The timestamp parses the inspection builds (one per count of the whole source)."""
    made = []
    real = inspect_module.parse_expr

    def spy(*args):
        made.append(args[1])
        return real(*args)

    monkeypatch.setattr(inspect_module, "parse_expr", spy)
    return made


def test_each_column_and_format_is_counted_once(parses):
    found = inspect(CSV)
    assert found.parsed("when", "%d.%m.%Y %H:%M") == (1, 2)
    assert found.parsed("when", "%d.%m.%Y %H:%M") == (1, 2)
    assert len(parses) == 1
    # Another format, or the one found out, is another count.
    assert found.parsed("when", "%d.%m.%Y %H:%M:%S") == (0, 2)
    assert found.parsed("when", None) == (1, 2)
    assert found.parsed("when", None) == (1, 2)
    assert len(parses) == 3


def test_a_format_that_cannot_be_used_raises_every_time(parses):
    found = inspect(CSV)
    for _ in range(2):
        with pytest.raises(MappingError):
            found.parsed("when", "%Q")
    assert parses == []

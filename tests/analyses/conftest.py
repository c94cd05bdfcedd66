"""The small shop log the journey graph's tests compute by hand."""

import pytest

from cxlib import journey_graph
from tests.conftest import make_log

# One event a minute. Transitions (count):
#   ENTRY->home 3, ENTRY->search 1, home->cart 2, home->search 1, search->cart 1,
#   search->EXIT 1, cart->buy 2, cart->EXIT 1, buy->EXIT 2
SHOP = {"a": "home cart buy", "b": "home cart", "c": "home search cart buy", "d": "search"}


@pytest.fixture
def shop():
    return journey_graph(make_log(SHOP))

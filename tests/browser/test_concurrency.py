"""A room opens the link at once: many sessions on a freshly started server, no exception.

The real server (``streamlit run`` on a free port) is visited over its websocket the way
a browser tab does (``bench/visits.py``), by new sessions on every page at the same moment,
before any page has ever run: the first visits import every library, while the others
draw tables and charts. Each visitor must see its
page drawn to the end, with no exception box. No timing is asserted (the machine is
shared); ``bench/concurrent_visits.py`` measures the times.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bench.visits import Visit, server, visit
from ui.pages import PAGES

pytestmark = pytest.mark.browser

#: Visitors of each page, all arriving at the same moment.
VISITORS = 3


async def _room(url: str) -> list[Visit]:
    pages = [path for _, _, path in PAGES]
    return list(
        await asyncio.gather(
            *(visit(url, page, "scenario=retail") for page in pages for _ in range(VISITORS))
        )
    )


def test_a_room_arriving_on_a_fresh_server_sees_no_exception(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with server(log) as url:
        seen = asyncio.run(_room(url))
    failed = [(v.page, v.exceptions) for v in seen if v.exceptions or not v.finished]
    assert failed == [], f"server log:\n{log.read_text()[-3000:]}"
    assert len(seen) == VISITORS * len(PAGES)

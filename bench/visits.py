"""Visit a running dashboard the way a browser does, over Streamlit's websocket, with no browser.

A visit opens ``/_stcore/stream``, asks for one page (its URL path and query string) as a
newly loaded browser tab does, and reads the server's messages until the script run that
draws the page has finished (runs ended early by ``st.rerun`` are followed). It records
how long that took and every exception box the page showed. Used by
``bench/concurrent_visits.py`` and by ``tests/browser/test_concurrency.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
__all__ = ["Visit", "free_port", "server", "visit", "visits"]


@dataclass
class Visit:
    """What one visitor saw: the seconds until the page was drawn, and its exception boxes."""

    page: str
    seconds: float = 0.0
    exceptions: list[str] = field(default_factory=list)
    finished: bool = False
    elements: int = 0


def free_port() -> int:
    """A free local TCP port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(log_path: Path, *, port: int | None = None) -> Iterator[str]:
    """``streamlit run streamlit_app.py`` on a free local port; yields its base URL."""
    port = port or free_port()
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                msg = f"the app did not start; server log:\n{log_path.read_text()}"
                raise RuntimeError(msg)
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _rerun(page: str, query: str) -> bytes:
    message = BackMsg()
    state = message.rerun_script
    state.query_string = query
    state.page_name = page
    state.page_script_hash = ""
    return message.SerializeToString()


async def visit(base: str, page: str, query: str = "", *, timeout: float = 120.0) -> Visit:
    """Open ``page`` (its URL path, ``""`` for the default page) with ``query`` as a new tab."""
    seen = Visit(page)
    ws_url = base.replace("http://", "ws://") + "/_stcore/stream"
    start = time.monotonic()
    async with websockets.connect(
        ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=timeout
    ) as ws:
        await ws.send(_rerun(page, query))
        async with asyncio.timeout(timeout):
            async for raw in ws:
                message = ForwardMsg.FromString(raw)  # type: ignore[arg-type]
                kind = message.WhichOneof("type")
                if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                    seen.elements += 1
                    element = message.delta.new_element
                    if element.WhichOneof("type") == "exception":
                        seen.exceptions.append(
                            f"{element.exception.type}: {element.exception.message}"
                            + (
                                "\n" + "\n".join(element.exception.stack_trace)
                                if os.environ.get("VISIT_TRACE")
                                else ""
                            )
                        )
                elif kind == "script_finished" and message.script_finished in (
                    ForwardMsg.FINISHED_SUCCESSFULLY,
                    ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
                ):
                    seen.finished = message.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY
                    break
    seen.seconds = time.monotonic() - start
    return seen


async def visits(base: str, page: str, query: str, n: int) -> list[Visit]:
    """``n`` visitors opening the same page at the same moment."""
    return list(await asyncio.gather(*(visit(base, page, query) for _ in range(n))))

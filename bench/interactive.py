"""How interactive the dashboard is with a large log: ``python bench/interactive.py [--events 1M]``.

Drives the real app headless with Streamlit's AppTest (the same script runs as in a
browser, minus the browser): uploads a generated retail log as Parquet, opens the
Journey graph page (first render), then changes one control at a time on the graph,
paths, funnel and drop-off pages and times each rerun. Issue 7's targets at 1M events:
first render of the journey graph page under 3 s, any control change under 1 s.
Prints one markdown table.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from cxlib import sample  # noqa: E402

APP = str(ROOT / "streamlit_app.py")


def _events(text: str) -> int:
    scale = {"k": 1_000, "M": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("kM")) * scale)


def _log(events: int) -> bytes:
    """A retail log of about ``events`` events (4-6 per customer), as Parquet bytes."""
    frame = sample.generate("retail", customers=max(1, events // 5), seed=7).head(events)
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def timed(rows: list[tuple[str, float]], what: str, action) -> AppTest:
    start = time.perf_counter()
    at = action()
    rows.append((what, time.perf_counter() - start))
    problems = [e.value for e in at.exception] + [e.value for e in at.error]
    if problems:
        raise SystemExit(f"{what}: {problems}")
    return at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", default="1M", help="log size, e.g. 100k, 1M")
    args = parser.parse_args()
    data = _log(_events(args.events))
    at = AppTest.from_file(APP, default_timeout=600)
    rows: list[tuple[str, float]] = []
    timed(rows, "open the app (retail sample)", at.run)
    at.switch_page("pages/data.py")
    at.run()
    (uploader,) = at.file_uploader
    uploader.set_value([("events.parquet", data, "application/octet-stream")])
    timed(rows, f"upload and load {args.events} events", at.run)
    loaded = at.session_state["cx_loaded"]
    if loaded.label != "events.parquet":
        raise SystemExit(f"the upload was not loaded: the app shows {loaded.label!r}")

    def page(file: str):
        at.switch_page(file)
        return at.run()

    timed(rows, "journey graph page, first render", lambda: page("pages/graph.py"))
    timed(rows, "graph: top edges 3 -> 5", lambda: at.slider(key="graph_top_k").set_value(5).run())
    timed(
        rows,
        "graph: minimum share 0.05 -> 0.1",
        lambda: at.slider(key="graph_min_share").set_value(0.1).run(),
    )
    timed(
        rows,
        "graph: edge weight -> customers",
        lambda: at.selectbox(key="graph_weight").set_value("customers").run(),
    )
    timed(rows, "paths page, first render", lambda: page("pages/paths.py"))
    timed(rows, "paths: collapse repeats", lambda: at.checkbox(key="paths_collapse").check().run())
    timed(rows, "funnels page, first render", lambda: page("pages/funnels.py"))
    steps = ["product_page", "add_to_cart", "checkout", "purchase"]
    timed(
        rows,
        "funnels: pick 4 steps",
        lambda: at.multiselect(key="funnel_steps").set_value(steps).run(),
    )
    timed(
        rows,
        "funnels: order -> strict",
        lambda: at.selectbox(key="funnel_order").set_value("strict").run(),
    )
    timed(rows, "drop-offs page, first render", lambda: page("pages/dropoffs.py"))
    timed(
        rows,
        "sidebar: sessions instead of customers",
        lambda: at.radio(key="journeys").set_value("session").run(),
    )
    print(f"\n{args.events} events, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
    print("| step | seconds |\n|---|--:|")
    for what, seconds in rows:
        print(f"| {what} | {seconds:.2f} |")


if __name__ == "__main__":
    main()

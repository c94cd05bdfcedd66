"""Every analysis the pages run, on one loaded log: ``python bench/warm.py --size 10M``.

    python bench/warm.py --size 10M                      # bench/data/events-10M-seed7.parquet
    python bench/warm.py --size 1M --only funnel,flow --repeat 3
    python bench/warm.py --file my.parquet --goal purchase

Loads the log once and sorts its journeys once (:func:`cxlib.journeys.journey_table`,
kept in ``log.cache``), as the app holds a session's log, then times each analysis a
page calls through ``ui/cache.py`` with the page's default arguments: the figure a
first visit to that page waits for once the data is in (the app's result cache then
answers a second visit at once). Before each page, what earlier pages left in
``log.cache`` (a Markov chain, transitions, a funnel's levels, stages) is dropped: a
row counts only on what its own page computed before it (:func:`visited`). Then the sidebar: each filter (dates, channel,
segment, sessions) applied to the loaded log and the journey graph of what is left,
as a filter change followed by the graph page's rerun. Prints one markdown table
(wall and CPU seconds, all threads) with the machine's load average, since the machine
may be shared: CPU seconds move less with other work than wall seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]

from spec import FUNNEL  # noqa: E402

import cxlib  # noqa: E402 (after the path is set, like bench/ours.py run from anywhere)
from cxlib import predict, sample  # noqa: E402
from cxlib.analyses.overview import summary, value_counts  # noqa: E402
from cxlib.conversion.attribution import compare_models  # noqa: E402
from cxlib.journeys import journey_table  # noqa: E402
from cxlib.views import graph_page  # noqa: E402
from ui.filters import Filters  # noqa: E402

#: The targets for each analysis on a loaded log, and for a filter + graph.
TARGET_S, FILTER_TARGET_S = 1.0, 1.5

Work = Callable[[cxlib.EventLog], Any]
#: The page of the analyses every page runs (the touchpoint list).
EVERY_PAGE = "every page"


def analyses(goal: str, stages: dict[str, str]) -> list[tuple[str, str, Work]]:
    """(page, analysis, call) for every analysis the pages run, with their default arguments."""
    graph = {"max_touchpoints": graph_page.MAX_GRAPH_TOUCHPOINTS}
    funnel = {"window": "30d", "order": "sequential", "exclude": []}
    on_app = cxlib.Step(FUNNEL[2], (cxlib.Where("channel", ("app",)),))
    conditioned = [*FUNNEL[:2], on_app, *FUNNEL[3:]]
    stopped = cxlib.FunnelStep(tuple(FUNNEL), 3, outcome="dropped")
    edge = cxlib.GraphEdge(FUNNEL[1], FUNNEL[2])
    return [
        (EVERY_PAGE, "touchpoint list", lambda log: value_counts(log, "touchpoint")),
        ("Overview", "summary", lambda log: summary(log, goal=goal)),
        ("Overview", "channel counts", lambda log: value_counts(log, "channel")),
        ("Journey graph", "transitions", cxlib.transitions),
        ("Journey graph", "journey graph", lambda log: cxlib.journey_graph(log, **graph)),
        (
            "Journey graph",
            "what-if at checkout",
            lambda log: predict.whatif_dropoff(log, "checkout", goal=goal, reduction=0.1),
        ),
        (
            "Journey graph",
            f"drill-down: edge {edge.source} -> {edge.target}, page 1",
            lambda log: cxlib.customers_at(log, edge),
        ),
        ("Paths", "flow", lambda log: cxlib.flow(log, steps=5, max_nodes=6)),
        ("Paths", "top paths", lambda log: cxlib.top_paths(log, n=20, max_steps=10)),
        ("Paths", "step matrix", lambda log: cxlib.step_matrix(log, steps=8)),
        ("Funnels", "funnel (4 steps)", lambda log: cxlib.funnel(log, FUNNEL, **funnel)),
        (
            "Funnels",
            "funnel by channel",
            lambda log: cxlib.funnel(log, FUNNEL, breakdown="channel", **funnel),
        ),
        ("Funnels", "time to convert", lambda log: cxlib.time_to_convert(log, FUNNEL, **funnel)),
        (
            "Funnels",
            "conversion over time",
            lambda log: cxlib.conversion_over_time(log, FUNNEL, **funnel),
        ),
        ("Funnels", "dropped next", lambda log: cxlib.dropped_next(log, FUNNEL, **funnel)),
        (
            "Funnels",
            "what converters do differently",
            lambda log: cxlib.converter_differences(log, steps=FUNNEL, **funnel),
        ),
        (
            "Funnels",
            "steps changed: funnel (3 steps)",
            lambda log: cxlib.funnel(log, FUNNEL[:3], **funnel),
        ),
        (
            "Funnels",
            "steps changed: what converters do differently",
            lambda log: cxlib.converter_differences(log, steps=FUNNEL[:3], **funnel),
        ),
        (
            "Funnels",
            "any-order funnel",
            lambda log: cxlib.funnel(log, FUNNEL, **{**funnel, "order": "any"}),
        ),
        (
            "Funnels",
            "strict funnel",
            lambda log: cxlib.funnel(log, FUNNEL, **{**funnel, "order": "strict"}),
        ),
        (
            "Funnels",
            f"funnel with {on_app.label}",
            lambda log: cxlib.funnel(log, conditioned, **funnel),
        ),
        (
            "Funnels",
            "drill-down: stopped at step 3, page 1",
            lambda log: cxlib.customers_at(log, stopped),
        ),
        ("Drop-offs", "drop-offs", lambda log: cxlib.dropoffs(log, goal=goal)),
        (
            "Drop-offs",
            "drill-down: ended at checkout, page 1",
            lambda log: cxlib.customers_at(log, cxlib.DropOff("checkout")),
        ),
        ("Drop-offs", "next after checkout", lambda log: cxlib.next_after(log, "checkout")),
        ("Stages", "stage reach", lambda log: cxlib.stage_reach(log, stages=stages)),
        ("Stages", "stage flow", lambda log: cxlib.stage_flow(log, stages=stages)),
        ("Stages", "stage graph", lambda log: cxlib.stage_graph(log, stages=stages)),
        ("Channels", "omnichannel summary", lambda log: cxlib.omnichannel_summary(log, goal=goal)),
        ("Channels", "channel switches", cxlib.channel_switches),
        ("Channels", "channels used", lambda log: cxlib.channels_used(log, goal=goal)),
        (
            "Channels",
            "start and conversion channels",
            lambda log: cxlib.start_and_conversion_channels(log, goal=goal),
        ),
        ("Channels", "switching edges", cxlib.switching_edges),
        (
            "Attribution",
            "attribution (Markov, last touch, linear)",
            lambda log: compare_models(log, goal=goal, models=["markov", "last_touch", "linear"]),
        ),
        (
            "Attribution",
            "touchpoint importance",
            lambda log: cxlib.touchpoint_importance(log, goal=goal),
        ),
        (
            "Compare segments",
            "mobile vs the rest",
            lambda log: cxlib.compare_segments(log, ("device", ("mobile",)), None, steps=FUNNEL),
        ),
        ("Customers", "RFM", lambda log: cxlib.rfm(log)),
        ("Retention", "retention (weeks)", lambda log: cxlib.retention(log, period="week")),
        ("Retention", "lifecycle (weeks)", lambda log: cxlib.lifecycle(log, period="week")),
        ("Story", "findings", lambda log: cxlib.findings(log, goal=goal)),
    ]


def filters(log: cxlib.EventLog) -> list[tuple[str, Filters]]:
    """A change of each sidebar filter, as a person would make it."""
    span = log.frame.select("timestamp").collect("polars").to_native()["timestamp"]
    first, last = span.min().date(), span.max().date()  # type: ignore[union-attr]
    half = first + (last - first) / 2
    return [
        ("dates: the later half", Filters(start=half, end=last)),
        ("channel: web and app", Filters(channels=("web", "app"))),
        ("segment: device is mobile", Filters(segment="device", segment_values=("mobile",))),
        ("touchpoints: hide ad_click", Filters(hide=("ad_click",))),
        ("sessions instead of customers", Filters(by="session")),
    ]


def timed(work: Callable[[], Any]) -> tuple[float, float]:
    """Wall and CPU seconds (all threads of this process) of ``work()``."""
    cpu, wall = time.process_time(), time.perf_counter()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def visited(log: cxlib.EventLog, page: str, works: list[Work]) -> list[tuple[float, float]]:
    """A first visit to ``page``: each of its analyses timed in turn, as the page calls them.

    What other pages (or the last visit) left in ``log.cache`` is dropped first, all but
    the sorted journeys, and the touchpoints are listed (every page's first call, timed
    on its own row): analyses of one page share what they share on the page (the
    journey graph and its what-if count the transitions once), not what others computed.
    """
    log.cache.forget_results()
    if page != EVERY_PAGE:
        value_counts(log, "touchpoint")
    return [timed(lambda work=work: work(log)) for work in works]


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="10M", help="which bench/data log (1M, 10M)")
    parser.add_argument("--file", type=Path, help="another log (Parquet, CSV, ...)")
    parser.add_argument("--goal", default=sample.GOALS["retail"])
    parser.add_argument("--only", default="", help="analyses whose name contains one of these")
    parser.add_argument("--repeat", type=int, default=1, help="runs per analysis (median)")
    parser.add_argument("--no-filters", action="store_true", help="skip the sidebar's filters")
    args = parser.parse_args()
    path = args.file or BENCH / "data" / f"events-{args.size}-seed7.parquet"
    started = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load average {load_average()}"
    rows: list[tuple[str, str, float, float, float]] = []

    def record(page: str, name: str, runs: list[tuple[float, float]], target: float) -> None:
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        rows.append((page, name, wall, cpu, target))
        print(f"  {page:<18} {name:<42} {wall:6.2f} s  cpu {cpu:6.2f} s", file=sys.stderr)

    def measure(page: str, name: str, work: Callable[[], Any], target: float) -> None:
        record(page, name, [timed(work) for _ in range(args.repeat)], target)

    loaded: list[cxlib.EventLog] = []
    measure("Data", "load", lambda: loaded.append(cxlib.load(path)), 0)
    log = loaded[0]
    measure("Data", "journey order (once per log)", lambda: journey_table(log), 0)
    stages = sample.STAGES["retail"] if args.file is None else cxlib.default_stages([])
    wanted = [w for w in args.only.split(",") if w]
    chosen = [
        a for a in analyses(args.goal, dict(stages)) if not wanted or any(w in a[1] for w in wanted)
    ]
    for page, calls in itertools.groupby(chosen, key=lambda a: a[0]):
        works = [(name, work) for _, name, work in calls]
        visits = [visited(log, page, [work for _, work in works]) for _ in range(args.repeat)]
        for k, (name, _) in enumerate(works):
            record(page, name, [visit[k] for visit in visits], TARGET_S)
    if not args.no_filters:
        graph = {"max_touchpoints": graph_page.MAX_GRAPH_TOUCHPOINTS}
        for name, chosen in filters(log):
            measure(
                "sidebar",
                f"{name}, then the graph",
                lambda chosen=chosen: cxlib.journey_graph(chosen.apply(log), **graph),
                FILTER_TARGET_S,
            )
    print(f"\n{path.name}; started {started}; ended with load average {load_average()}.\n")
    print("| page | analysis | wall s | CPU s | target |\n|---|---|--:|--:|---|")
    for page, name, wall, cpu, target in rows:
        verdict = "" if not target else f"< {target:g} s: {'met' if wall < target else 'NOT met'}"
        print(f"| {page} | {name} | {wall:.2f} | {cpu:.2f} | {verdict} |")


if __name__ == "__main__":
    main()

"""The one caching module: pages call cxlib only through here.

Each result is cached by ``(analysis name, data key, filters, parameters)``: the data
key is the content hash of the uploaded bytes or the scenario's name (see
:mod:`ui.state`), never a frame, so two people with the same file share computation
but never state, and a changed file never hits a stale entry. The log itself is
passed as ``_log`` (not hashed). A spinner shows while a result is computed. What
takes milliseconds on a cached result (the graph's HTML, its measures) is not cached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import networkx as nx
import polars as pl
import streamlit as st

import cxlib
from cxlib import filters as cx_filters
from cxlib.analyses import overview
from cxlib.views import graph_html as graph_view

if TYPE_CHECKING:
    from ui.filters import Filters
    from ui.state import Loaded

__all__ = [
    "attribution",
    "channel_switches",
    "channels_used",
    "compare_segments",
    "conversion_over_time",
    "critical_touchpoints",
    "dropoffs",
    "dropped_next",
    "funnel",
    "graph_html",
    "journey_graph",
    "lifecycle",
    "next_after",
    "omnichannel_summary",
    "predict_evaluation",
    "predict_leverage",
    "predict_model",
    "predict_whatif",
    "preview",
    "prune",
    "retention",
    "rfm",
    "rfm_segments",
    "stage_flow",
    "stage_graph_html",
    "stage_reach",
    "start_and_conversion_channels",
    "step_matrix",
    "summary",
    "switching_edges",
    "time_to_convert",
    "top_paths",
    "touchpoint_importance",
    "value_counts",
]

#: Most touchpoints the journey graph draws (the rest are left out and the page says so).
MAX_GRAPH_NODES = 60
#: Most touchpoints the critical-touchpoint measures are computed on (the busiest).
MAX_CRITICAL_NODES = 300
#: Most touchpoints the journey graph is built over (the busiest): a hostile log's million
#: names would take minutes and gigabytes to lay out, and only MAX_GRAPH_NODES are drawn.
MAX_GRAPH_TOUCHPOINTS = 2000


_ANALYSES: dict[str, Callable[..., Any]] = {
    "summary": overview.summary,
    "value_counts": overview.value_counts,
    "journey_graph": lambda log, **options: cxlib.journey_graph(_busiest(log), **options),
    "top_paths": cxlib.top_paths,
    "step_matrix": cxlib.step_matrix,
    "dropoffs": cxlib.dropoffs,
    "next_after": cxlib.next_after,
    "funnel": cxlib.funnel,
    "dropped_next": cxlib.dropped_next,
    "time_to_convert": cxlib.time_to_convert,
    "conversion_over_time": cxlib.conversion_over_time,
    "preview": lambda log, *, n: log.frame.head(n).collect("polars").to_native(),
}


def _busiest(log: cxlib.EventLog) -> cxlib.EventLog:
    """The log at its MAX_GRAPH_TOUCHPOINTS busiest touchpoints, when it has more."""
    counts = overview.value_counts(log, "touchpoint", n=MAX_GRAPH_TOUCHPOINTS + 1)
    if counts.height <= MAX_GRAPH_TOUCHPOINTS:
        return log
    keep = counts["touchpoint"].head(MAX_GRAPH_TOUCHPOINTS).to_list()
    return cx_filters.filter_touchpoints(log, keep=keep)


@st.cache_data(max_entries=512, show_spinner="Computing…")
def _cached(
    name: str, data_key: str, filters: Filters | None, params: tuple, _log: cxlib.EventLog
) -> Any:
    # _log is already filtered: data_key and filters say which log it is.
    return _ANALYSES[name](_log, **dict(params))


def _filtered(loaded: Loaded, filters: Filters | None) -> cxlib.EventLog:
    """The session's log under these filters, kept for the next calls of this session.

    An EventLog sorts its journeys once and reuses the order (cxlib.journeys.journey_table);
    keeping the latest filtered log lets every analysis of a page share that sort
    instead of each filtering (and sorting) anew. One log per session, never shared.
    """
    if filters is None:
        return loaded.log
    key = (loaded.key, id(loaded.log), filters)
    kept = st.session_state.get("_cx_filtered_log")
    if kept is None or kept[0] != key:
        kept = (key, filters.apply(loaded.log))
        st.session_state["_cx_filtered_log"] = kept
    return kept[1]


def _run(name: str, loaded: Loaded, filters: Filters | None, **params: Any) -> Any:
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    return _cached(name, loaded.key, filters, frozen, _log=_filtered(loaded, filters))


def summary(loaded: Loaded, filters: Filters, *, goal: str | None = None) -> overview.Summary:
    """Headline figures (:func:`cxlib.analyses.overview.summary`) of the filtered log."""
    return _run("summary", loaded, filters, by=filters.by, goal=goal)


def value_counts(
    loaded: Loaded, filters: Filters, column: str, *, n: int | None = None
) -> pl.DataFrame:
    """Events and customers per value of a column (``filters=None``: the whole log)."""
    return _run("value_counts", loaded, filters, column=column, n=n)


def journey_graph(loaded: Loaded, filters: Filters, **pruning: Any) -> nx.DiGraph:
    """The journey graph (:func:`cxlib.journey_graph`) with ``top_k``/``min_share`` pruning.

    The whole graph is computed (and cached) once per data and filters; pruning it again
    takes milliseconds, so moving a pruning slider does not go back to the events.
    """
    whole = _run("journey_graph", loaded, filters, by=filters.by)
    pruning = {k: v for k, v in pruning.items() if v is not None}
    return prune(whole, **pruning) if pruning else whole


def prune(whole: nx.DiGraph, **pruning: Any) -> nx.DiGraph:
    """The whole journey graph pruned, rebuilt by :func:`cxlib.journey_graph` from its own edges.

    Node figures come from all edges either way; ``customers`` per node (not in the
    edges) is copied from the whole graph.
    """
    table = pl.DataFrame(
        [
            (source, target, d["count"], d["customers"], d["median_seconds"])
            for source, target, d in whole.edges(data=True)
        ],
        schema={
            "source": pl.String,
            "target": pl.String,
            "transitions": pl.Int64,
            "customers": pl.Int64,
            "median_seconds": pl.Float64,
        },
        orient="row",
    )
    graph = cxlib.journey_graph(table, **pruning)
    graph.graph.update(whole.graph)
    customers = {node: whole.nodes[node].get("customers") for node in graph}
    nx.set_node_attributes(graph, customers, "customers")
    return graph


def graph_html(
    loaded: Loaded,
    filters: Filters,
    *,
    weight: str,
    focus: str | None,
    height: int,
    palette: graph_view.Palette = "default",
    highlight_edges: tuple[tuple[str, str], ...] = (),
    **pruning: Any,
) -> tuple[str, int]:
    """The graph's standalone HTML page and how many touchpoints were left out of it.

    Built from the cached graphs (rendering takes milliseconds). Positions come from
    the whole graph: pruning or focusing hides nodes, never moves them.
    """
    positions = graph_view.layered_positions(journey_graph(loaded, filters))
    graph = journey_graph(loaded, filters, **pruning)
    if focus is not None and focus in graph:
        graph = cxlib.focus(graph, focus)
    shown = graph_view.prune_nodes(graph, max_nodes=MAX_GRAPH_NODES)
    page = graph_view.graph_html(
        shown,
        weight=weight,
        height=height,
        highlight=focus,
        positions=positions,
        palette=palette,
        highlight_edges=highlight_edges,
    )
    # Touchpoints beyond MAX_GRAPH_TOUCHPOINTS never reached the graph: count them too.
    unseen = len(value_counts(loaded, filters, "touchpoint")) - MAX_GRAPH_TOUCHPOINTS
    return page, graph.number_of_nodes() - shown.number_of_nodes() + max(0, unseen)


def critical_touchpoints(loaded: Loaded, filters: Filters, **pruning: Any) -> pl.DataFrame:
    """Graph measures pointing at critical touchpoints (:func:`cxlib.critical_touchpoints`).

    Of the :data:`MAX_CRITICAL_NODES` busiest touchpoints when there are more (a hostile
    log): exact betweenness takes seconds for a thousand touchpoints, hours for 10^5.
    """
    graph = journey_graph(loaded, filters, **pruning)
    return cxlib.critical_touchpoints(graph_view.prune_nodes(graph, max_nodes=MAX_CRITICAL_NODES))


def top_paths(loaded: Loaded, filters: Filters, **options: Any) -> pl.DataFrame:
    """The most common paths (:func:`cxlib.top_paths`)."""
    return _run("top_paths", loaded, filters, by=filters.by, **options)


def step_matrix(loaded: Loaded, filters: Filters, **options: Any) -> pl.DataFrame:
    """Where journeys are at each step (:func:`cxlib.step_matrix`)."""
    return _run("step_matrix", loaded, filters, by=filters.by, **options)


def dropoffs(loaded: Loaded, filters: Filters) -> pl.DataFrame:
    """Exit rate per touchpoint with its interval (:func:`cxlib.dropoffs`)."""
    return _run("dropoffs", loaded, filters, by=filters.by)


def next_after(loaded: Loaded, filters: Filters, touchpoint: str) -> pl.DataFrame:
    """What journeys did right after a touchpoint (:func:`cxlib.next_after`)."""
    return _run("next_after", loaded, filters, touchpoint=touchpoint, by=filters.by)


def funnel(loaded: Loaded, filters: Filters, steps: list[str], **options: Any) -> pl.DataFrame:
    """The funnel through ``steps`` (:func:`cxlib.funnel`)."""
    return _run("funnel", loaded, filters, steps=steps, by=filters.by, **options)


def dropped_next(
    loaded: Loaded, filters: Filters, steps: list[str], **options: Any
) -> pl.DataFrame:
    """What journeys that stopped at each funnel step did next (:func:`cxlib.dropped_next`)."""
    return _run("dropped_next", loaded, filters, steps=steps, by=filters.by, **options)


def time_to_convert(
    loaded: Loaded, filters: Filters, steps: list[str], **options: Any
) -> pl.DataFrame:
    """Time converting journeys took, in bins (:func:`cxlib.time_to_convert`)."""
    return _run("time_to_convert", loaded, filters, steps=steps, by=filters.by, **options)


def conversion_over_time(
    loaded: Loaded, filters: Filters, steps: list[str], **options: Any
) -> pl.DataFrame:
    """Conversion per start period (:func:`cxlib.conversion_over_time`)."""
    return _run("conversion_over_time", loaded, filters, steps=steps, by=filters.by, **options)


def preview(loaded: Loaded, *, n: int = 100) -> pl.DataFrame:
    """The first ``n`` events of the unfiltered log, as loaded."""
    return _run("preview", loaded, None, n=n)


# --- Customer-centric analyses: stages, channels, attribution, importance, RFM, retention,
# segment comparison (pages/stages.py ... pages/compare.py). They are always per customer:
# the sidebar's session choice does not apply to them.

_ANALYSES.update(
    {
        "stage_flow": lambda log, *, stages: cxlib.stage_flow(log, stages=dict(stages)),
        "stage_reach": lambda log, *, stages: cxlib.stage_reach(log, stages=dict(stages)),
        "stage_graph": lambda log, *, stages: cxlib.journey_graph(
            cxlib.collapse_repeats(cxlib.to_stages(log, stages=dict(stages)))
        ),
        "channel_switches": cxlib.channel_switches,
        "switching_edges": cxlib.switching_edges,
        "start_and_conversion_channels": cxlib.start_and_conversion_channels,
        "channels_used": cxlib.channels_used,
        "omnichannel_summary": cxlib.omnichannel_summary,
        "attribution": cxlib.attribution,
        "touchpoint_importance": cxlib.touchpoint_importance,
        "rfm": cxlib.rfm,
        "retention": cxlib.retention,
        "lifecycle": cxlib.lifecycle,
        "compare_segments": lambda log, *, segment_a, segment_b, **options: cxlib.compare_segments(
            log, segment_a, segment_b, **options
        ),
    }
)


def stage_flow(loaded: Loaded, filters: Filters, stages: dict[str, str]) -> pl.DataFrame:
    """Moves between stages (:func:`cxlib.stage_flow`) under a touchpoint -> stage mapping."""
    return _run("stage_flow", loaded, filters, stages=tuple(sorted(stages.items())))


def stage_reach(loaded: Loaded, filters: Filters, stages: dict[str, str]) -> pl.DataFrame:
    """Customers reaching each stage (:func:`cxlib.stage_reach`)."""
    return _run("stage_reach", loaded, filters, stages=tuple(sorted(stages.items())))


def stage_graph_html(
    loaded: Loaded, filters: Filters, stages: dict[str, str], *, height: int
) -> str:
    """The journey graph collapsed to stages, as a standalone HTML page (rendering is not cached)."""
    graph = _run("stage_graph", loaded, filters, stages=tuple(sorted(stages.items())))
    return graph_view.graph_html(
        graph, weight="share", height=height, positions=graph_view.layered_positions(graph)
    )


def channel_switches(loaded: Loaded, filters: Filters) -> pl.DataFrame:
    """The channel-switch matrix (:func:`cxlib.channel_switches`)."""
    return _run("channel_switches", loaded, filters)


def switching_edges(loaded: Loaded, filters: Filters) -> pl.DataFrame:
    """Touchpoint transitions that cross channels (:func:`cxlib.switching_edges`)."""
    return _run("switching_edges", loaded, filters)


def start_and_conversion_channels(
    loaded: Loaded, filters: Filters, conversion: str
) -> pl.DataFrame:
    """Start channel x conversion channel (:func:`cxlib.start_and_conversion_channels`)."""
    return _run("start_and_conversion_channels", loaded, filters, conversion=conversion)


def channels_used(loaded: Loaded, filters: Filters, conversion: str) -> pl.DataFrame:
    """Conversion and value by number of channels used (:func:`cxlib.channels_used`)."""
    return _run("channels_used", loaded, filters, conversion=conversion)


def omnichannel_summary(loaded: Loaded, filters: Filters, conversion: str) -> pl.DataFrame:
    """Omnichannel shares of customers and conversions (:func:`cxlib.omnichannel_summary`)."""
    return _run("omnichannel_summary", loaded, filters, conversion=conversion)


def attribution(
    loaded: Loaded, filters: Filters, conversion: str, models: list[str], **options: Any
) -> pl.DataFrame:
    """The credit of each model (:func:`cxlib.attribution`), stacked with a ``model`` column."""
    tables = [
        _run(
            "attribution", loaded, filters, conversion=conversion, model=m, **options
        ).with_columns(model=pl.lit(m))
        for m in models
    ]
    return pl.concat(tables) if tables else pl.DataFrame()


def touchpoint_importance(
    loaded: Loaded, filters: Filters, conversion: str, **options: Any
) -> pl.DataFrame:
    """Importance vs performance per touchpoint (:func:`cxlib.touchpoint_importance`)."""
    return _run("touchpoint_importance", loaded, filters, conversion=conversion, **options)


def rfm(loaded: Loaded, filters: Filters) -> pl.DataFrame:
    """RFM scores and segment of every buying customer (:func:`cxlib.rfm`)."""
    return _run("rfm", loaded, filters)


def rfm_segments(loaded: Loaded, filters: Filters) -> pl.DataFrame:
    """Customers and value per RFM segment (:func:`cxlib.rfm_segments`, from the cached RFM)."""
    return cxlib.rfm_segments(rfm(loaded, filters))


def retention(loaded: Loaded, filters: Filters, **options: Any) -> pl.DataFrame:
    """The cohort retention table (:func:`cxlib.retention`)."""
    return _run("retention", loaded, filters, **options)


def lifecycle(loaded: Loaded, filters: Filters, **options: Any) -> pl.DataFrame:
    """Lifecycle states per period (:func:`cxlib.lifecycle`)."""
    return _run("lifecycle", loaded, filters, **options)


def compare_segments(
    loaded: Loaded,
    filters: Filters,
    segment_a: tuple[str, tuple],
    segment_b: tuple[str, tuple] | None,
    steps: list[str],
    **options: Any,
) -> cxlib.analyses.compare.SegmentComparison:
    """Two segments side by side (:func:`cxlib.compare_segments`); a segment is ``(column, values)``."""
    return _run(
        "compare_segments",
        loaded,
        filters,
        segment_a=segment_a,
        segment_b=segment_b,
        steps=steps,
        **options,
    )


# --- prediction (cxlib.predict; the Predict page) -----------------------------------------


def _predict_model(
    log: cxlib.EventLog, *, goal: str, horizon: str | None
) -> tuple[cxlib.predict.JourneyModel, pl.DataFrame]:
    model = cxlib.predict.fit(log, goal=goal, horizon=horizon)
    return model, cxlib.predict.propensity(model, log)


_ANALYSES.update(
    {
        "predict_evaluation": cxlib.predict.evaluate,
        "predict_model": _predict_model,
        "predict_leverage": cxlib.predict.dropoff_leverage,
        "predict_whatif": cxlib.predict.whatif_dropoff,
    }
)


def predict_evaluation(
    loaded: Loaded, filters: Filters, *, goal: str, horizon: str | None
) -> dict[str, Any]:
    """Both models scored on held-out customers (:func:`cxlib.predict.evaluate`)."""
    return _run("predict_evaluation", loaded, filters, goal=goal, horizon=horizon)


def predict_model(
    loaded: Loaded, filters: Filters, *, goal: str, horizon: str | None
) -> tuple[cxlib.predict.JourneyModel, pl.DataFrame]:
    """Both models trained on every customer, and the customers in flight ranked by them."""
    return _run("predict_model", loaded, filters, goal=goal, horizon=horizon)


def predict_leverage(
    loaded: Loaded, filters: Filters, *, goal: str, reduction: float
) -> pl.DataFrame:
    """Extra conversions if drop-off fell at each touchpoint (:func:`cxlib.predict.dropoff_leverage`)."""
    return _run("predict_leverage", loaded, filters, goal=goal, reduction=reduction)


def predict_whatif(
    loaded: Loaded, filters: Filters, touchpoint: str, *, goal: str, reduction: float
) -> dict[str, Any]:
    """Expected conversions now and with less drop-off at one touchpoint (:func:`cxlib.predict.whatif_dropoff`)."""
    return _run(
        "predict_whatif", loaded, filters, touchpoint=touchpoint, goal=goal, reduction=reduction
    )

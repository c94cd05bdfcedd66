"""The step-by-step flow as a Sankey diagram (Altair): columns of nodes joined by bands.

:func:`flow_chart` draws a :func:`cxlib.flow`: one column per step, each node a bar as
tall as its journeys, each band as wide as the journeys it carries. Every column sums
to the journeys counted, so the columns are equally tall. Bands into the exit (drop-offs)
are orange, bands into the goal green, the others grey; the exit and the goal carry
their journeys on in a paler shade. Nodes and bands can be clicked: the chart has two
point selections, :data:`NODE_PICK` and :data:`BAND_PICK`, on the field ``key``, whose
values :func:`picked` turns back into the node or band.

Why Altair (Vega-Lite) and not Plotly's Sankey: the app already draws every chart with
Altair, exports them to PNG offline (vl-convert), and Streamlit reports clicks on
Altair's point selections; it does not report clicks on a Plotly Sankey's nodes and
links (its selections are box and lasso on x/y traces). The layout (where each node
and band goes) is computed here; Vega-Lite only draws it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import altair as alt
import polars as pl

from cxlib.analyses.flow import Flow, FlowBand, FlowNode, Prefix
from cxlib.log import OTHER
from cxlib.views.charts import ACCENT, FONT_SIZE, LOSS, styled
from cxlib.views.format import format_count, format_percent

__all__ = [
    "BAND_PICK",
    "NODE_PICK",
    "FlowLayout",
    "flow_chart",
    "flow_layout",
    "picked",
    "prefix_text",
]

#: The names of the chart's click selections (their values are the picked ``key``).
NODE_PICK, BAND_PICK = "flow_node", "flow_band"
#: The goal's colour, as on the journey graph.
REACHED = "#2f6b4f"
_GREY, _PALE = "#9aa5b1", "#d5dbe1"
#: Height of the columns, pixels, and the room between two nodes of a column.
HEIGHT, GAP = 460.0, 10.0
#: Half the width of a node bar, in steps.
HALF = 0.035
#: Nodes lower than this (pixels) are not labelled (their tooltip still says everything).
MIN_LABELLED = 16.0
#: Points drawn along a band's edges (Vega smooths between them).
_SAMPLES = 9


@dataclass(frozen=True)
class FlowLayout:
    """Where :func:`flow_chart` draws a flow: one row per node, one per band (pixels, steps)."""

    nodes: pl.DataFrame
    bands: pl.DataFrame


def _order(node: FlowNode) -> tuple[int, int, str]:
    # Touchpoints by size, then the rest together, then the goal reached, the exit last.
    rank = {"start": 0, "touchpoint": 0, "other": 1, "reached": 2, "exit": 3}[node.kind]
    return rank, -node.journeys, node.name


def flow_layout(flow: Flow) -> FlowLayout:
    """Stack each column's nodes and the bands' ends within them; see :class:`FlowLayout`.

    Examples
    --------
    >>> import datetime as dt, cxlib
    >>> log = cxlib.EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10, 9)],
    ...     "touchpoint": ["home", "buy", "home"]}))
    >>> layout = flow_layout(cxlib.flow(log, steps=2))
    >>> layout.nodes.select("step", "name", "top", "bottom").rows()
    [(0, '(entry)', 5.0, 455.0), (1, 'home', 5.0, 455.0), (2, 'buy', 0.0, 225.0), (2, '(exit)', 235.0, 460.0)]
    """
    columns: dict[int, list[FlowNode]] = {}
    for node in flow.nodes:
        columns.setdefault(node.step, []).append(node)
    most = max((len(nodes) for nodes in columns.values()), default=1)
    scale = (HEIGHT - GAP * (most - 1)) / flow.journeys if flow.journeys else 0.0
    spans: dict[tuple[int, str], tuple[float, float]] = {}
    node_rows = []
    for step, nodes in sorted(columns.items()):
        nodes.sort(key=_order)
        room = HEIGHT - scale * flow.journeys - GAP * (len(nodes) - 1)
        top = room / 2
        for i, node in enumerate(nodes):
            bottom = top + node.journeys * scale
            spans[step, node.name] = (top, bottom)
            node_rows.append(
                {
                    "key": f"n{step}:{i}",
                    "step": step,
                    "name": node.name,
                    "kind": node.kind,
                    "journeys": node.journeys,
                    "share": node.journeys / flow.journeys if flow.journeys else None,
                    "members": ", ".join(node.members),
                    "top": top,
                    "bottom": bottom,
                    "label": _label(node, flow.journeys),
                    "labelled": bottom - top >= MIN_LABELLED,
                }
            )
            top = bottom + GAP
    band_rows = []
    out_at = {key: span[0] for key, span in spans.items()}
    in_at = dict(out_at)
    order = {(n["step"], n["name"]): i for i, n in enumerate(node_rows)}
    ranked = sorted(
        enumerate(flow.bands),
        key=lambda ib: (
            ib[1].step,
            order[ib[1].step - 1, ib[1].source],
            order[ib[1].step, ib[1].target],
        ),
    )
    for i, band in ranked:
        height = band.journeys * scale
        start, end = (band.step - 1, band.source), (band.step, band.target)
        band_rows.append(
            {
                "key": f"b{i}",
                "step": band.step,
                "source": band.source,
                "target": band.target,
                "journeys": band.journeys,
                "share": band.journeys / flow.journeys if flow.journeys else None,
                "kind": _band_kind(band, flow),
                "x0": band.step - 1 + HALF,
                "x1": band.step - HALF,
                "y0": out_at[start],
                "y1": in_at[end],
                "height": height,
            }
        )
        out_at[start] += height
        in_at[end] += height
    return FlowLayout(nodes=_frame(node_rows, _NODE_SCHEMA), bands=_frame(band_rows, _BAND_SCHEMA))


def _label(node: FlowNode, total: int) -> str:
    name = f"other ({len(node.members)})" if node.name == OTHER else node.name
    share = format_percent(node.journeys / total if total else None, digits=0)
    return f"{name} · {format_count(node.journeys)} · {share}"


def _band_kind(band: FlowBand, flow: Flow) -> str:
    target = flow.node(band.step, band.target).kind
    carried = band.source == band.target  # the exit (or the goal) carrying earlier journeys on
    if target == "exit":
        return "ended earlier" if carried else "drop-off"
    if target == "reached":
        return "reached earlier" if carried else "goal reached"
    return "moves on"


_NODE_SCHEMA: dict[str, Any] = {
    "key": pl.String,
    "step": pl.Int64,
    "name": pl.String,
    "kind": pl.String,
    "journeys": pl.Int64,
    "share": pl.Float64,
    "members": pl.String,
    "top": pl.Float64,
    "bottom": pl.Float64,
    "label": pl.String,
    "labelled": pl.Boolean,
}
_BAND_SCHEMA: dict[str, Any] = {
    "key": pl.String,
    "step": pl.Int64,
    "source": pl.String,
    "target": pl.String,
    "journeys": pl.Int64,
    "share": pl.Float64,
    "kind": pl.String,
    "x0": pl.Float64,
    "x1": pl.Float64,
    "y0": pl.Float64,
    "y1": pl.Float64,
    "height": pl.Float64,
}


def _frame(rows: list[dict[str, object]], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)


_BAND_COLOURS = {
    "moves on": _GREY,
    "drop-off": LOSS,
    "ended earlier": "#f2c3a7",
    "goal reached": REACHED,
    "reached earlier": "#a9cbb9",
}
_NODE_COLOURS = {
    "start": ACCENT,
    "touchpoint": ACCENT,
    "other": _GREY,
    "exit": LOSS,
    "reached": REACHED,
}


def flow_chart(flow: Flow, *, title: str | None = None) -> alt.LayerChart:
    """The Sankey diagram of a flow, clickable (see the module docstring).

    Examples
    --------
    >>> import datetime as dt, cxlib
    >>> log = cxlib.EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10, 9)],
    ...     "touchpoint": ["home", "buy", "home"]}))
    >>> spec = flow_chart(cxlib.flow(log, steps=2)).to_dict()
    >>> sorted(p["name"] for p in spec["params"])
    ['flow_band', 'flow_node']
    """
    layout = flow_layout(flow)
    x = alt.Scale(domain=[-HALF, flow.steps + 0.45], nice=False, zero=False)
    y = alt.Scale(domain=[0, HEIGHT], reverse=True, nice=False, zero=False)
    band_pick = alt.selection_point(name=BAND_PICK, fields=["key"], on="click")
    node_pick = alt.selection_point(name=NODE_PICK, fields=["key"], on="click")
    band_colour = alt.Color(
        "kind:N",
        scale=alt.Scale(domain=list(_BAND_COLOURS), range=list(_BAND_COLOURS.values())),
        legend=alt.Legend(title=None, orient="bottom"),
    )
    bands = (
        alt.Chart(layout.bands)
        .transform_calculate(k=f"sequence(0, {_SAMPLES})")
        .transform_flatten(["k"])
        .transform_calculate(
            t=f"datum.k / {_SAMPLES - 1}",
            s="datum.t * datum.t * (3 - 2 * datum.t)",
            x="datum.x0 + datum.t * (datum.x1 - datum.x0)",
            top="datum.y0 + datum.s * (datum.y1 - datum.y0)",
            bottom="datum.y0 + datum.s * (datum.y1 - datum.y0) + datum.height",
        )
        .mark_area(interpolate="monotone", opacity=0.55)
        .encode(
            x=alt.X("x:Q", scale=x, axis=None),
            y=alt.Y("top:Q", scale=y, axis=None),
            y2="bottom:Q",
            detail="key:N",
            color=band_colour,
            opacity=alt.condition(band_pick, alt.value(0.75), alt.value(0.45)),
            tooltip=[
                alt.Tooltip("source:N", title="from"),
                alt.Tooltip("target:N", title="to"),
                alt.Tooltip("step:Q", title="at step"),
                alt.Tooltip("journeys:Q", format=",", title="journeys"),
                alt.Tooltip("share:Q", format=".1%", title="share of the journeys counted"),
            ],
        )
        .add_params(band_pick)
    )
    node_colour = alt.Color(
        "kind:N",
        scale=alt.Scale(domain=list(_NODE_COLOURS), range=list(_NODE_COLOURS.values())),
        legend=None,
    )
    base = alt.Chart(layout.nodes).transform_calculate(
        left=f"datum.step - {HALF}", right=f"datum.step + {HALF}"
    )
    rects = (
        base.mark_rect(stroke="white")
        .encode(
            x=alt.X("left:Q", scale=x, axis=None),
            x2="right:Q",
            y=alt.Y("top:Q", scale=y, axis=None),
            y2="bottom:Q",
            color=node_colour,
            tooltip=[
                alt.Tooltip("name:N", title="at"),
                alt.Tooltip("step:Q"),
                alt.Tooltip("journeys:Q", format=","),
                alt.Tooltip("share:Q", format=".1%", title="share of the journeys counted"),
                alt.Tooltip("members:N", title="touchpoints"),
            ],
        )
        .add_params(node_pick)
    )
    text = base.transform_filter("datum.labelled").transform_calculate(
        at=f"datum.step + {HALF} + 0.02", middle="(datum.top + datum.bottom) / 2"
    )
    encode = {
        "x": alt.X("at:Q", scale=x, axis=None),
        "y": alt.Y("middle:Q", scale=y, axis=None),
        "text": "label:N",
    }
    halo = text.mark_text(
        align="left", fontSize=FONT_SIZE - 1, stroke="white", strokeWidth=4
    ).encode(**encode)
    labels = text.mark_text(align="left", fontSize=FONT_SIZE - 1, color="#222").encode(**encode)
    layer: alt.LayerChart = alt.LayerChart(layer=[bands, rects, halo, labels]).resolve_scale(
        color="independent"
    )
    layer = layer.properties(height=HEIGHT)
    return styled(layer, title=title)


def picked(flow: Flow, selection: dict[str, list[dict[str, object]]]) -> FlowNode | FlowBand | None:
    """The node or band a click on :func:`flow_chart` picked, from Streamlit's selection state.

    ``selection`` maps :data:`NODE_PICK` and :data:`BAND_PICK` to the picked points
    (``[{"key": ...}]``); ``None`` when nothing is picked.

    Examples
    --------
    >>> import datetime as dt, cxlib
    >>> log = cxlib.EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10, 9)],
    ...     "touchpoint": ["home", "buy", "home"]}))
    >>> out = cxlib.flow(log, steps=2)
    >>> picked(out, {NODE_PICK: [{"key": "n2:1"}]}).name
    '(exit)'
    """
    layout = flow_layout(flow)
    for name, frame in ((NODE_PICK, layout.nodes), (BAND_PICK, layout.bands)):
        points = selection.get(name) or []
        if not points:
            continue
        key = str(points[0].get("key"))
        found = frame.filter(pl.col("key") == key)
        if found.is_empty():
            continue
        row = found.row(0, named=True)
        if name == NODE_PICK:
            return flow.node(row["step"], row["name"])
        return flow.bands[int(key.removeprefix("b"))]
    return None


def prefix_text(prefix: Prefix) -> str:
    """A path prefix in words: which touchpoints the journeys are at, step by step.

    Examples
    --------
    >>> prefix_text(((1, ("home",)), (3, ("cart", "search"))))
    'step 1: home; step 3: cart or search'
    """
    return "; ".join(f"step {step}: {' or '.join(names)}" for step, names in prefix)

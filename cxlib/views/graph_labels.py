"""What the journey graph's nodes and edges say: their labels and their tooltips.

A node's label is its name wrapped in lines of :data:`LABEL_WIDTH` characters with its
visits and exit rate (or the goal, and its loop's figure); its tooltip and each edge's
give the counts and rates with their definitions (:mod:`cxlib.rates`). Touchpoint names
are untrusted: every one is HTML-escaped here.
"""

from __future__ import annotations

import html
import re
from typing import Any, Literal

import networkx as nx

from cxlib.log import ENTRY, EXIT, OTHER
from cxlib.rates import EXIT_RATE, JOURNEYS_ENDING_SHARE, TRANSITION_SHARE
from cxlib.views.format import format_count, format_percent, format_seconds

__all__ = ["LABEL_WIDTH", "EdgeWeight", "edge_title", "figure", "node_label", "node_title", "wrap"]

EdgeWeight = Literal["count", "customers", "share", "median_seconds"]
#: Characters per line of a node label.
LABEL_WIDTH = 16


def figure(value: float | None, weight: str) -> str:
    """A figure as the graph writes it: a share in percent, a time in words, else a count."""
    if weight == "share":
        return format_percent(value, digits=0)
    if weight == "median_seconds":
        return format_seconds(value)
    return format_count(value)


def wrap(name: str, width: int) -> list[str]:
    """A name in lines of at most ``width`` characters, broken after ``_``, ``-`` or a space.

    A word longer than a line is cut.

    Examples
    --------
    >>> wrap("signup_email_visit_5", 16), wrap("Confirmation of receipt", 16)
    (['signup_email_', 'visit_5'], ['Confirmation of', 'receipt'])
    """
    lines = [""]
    for word in re.findall(r"[^_\- ]*[_\- ]?", name)[:-1] or [name]:
        if len(lines[-1].rstrip() + word.rstrip()) > width and lines[-1]:
            lines.append("")
        lines[-1] += word
        while len(lines[-1]) > width:
            lines[-1:] = [lines[-1][:width], lines[-1][width:]]
    return [line.rstrip() for line in lines]


def node_label(
    graph: nx.DiGraph[str], node: str, weight: EdgeWeight, goal: str | None, *, details: bool = True
) -> str:
    """A node's label: its name in lines, then (with ``details``) its visits and exit rate or goal, and its loop."""
    data = graph.nodes[node]
    if node in (ENTRY, EXIT):
        journeys = data.get("visits")
        if journeys is None or not details:
            return node
        return f"{node}\n{format_count(journeys)} journeys"
    name = (
        f"other ({format_count(len(data['members']))} touchpoints)" if node == OTHER else str(node)
    )
    lines = [html.escape(line) for line in wrap(name, LABEL_WIDTH)]
    if not details:
        return "\n".join(lines)
    lines.append(f"{format_count(data.get('visits'))} visits")
    figures = ["goal"] if node == goal else [f"{figure(data.get('exit_rate'), 'share')} exit"]
    if graph.has_edge(node, node):
        figures.append(f"↻ {figure(graph.edges[node, node].get(weight), weight)}")
    lines.append(" · ".join(figures))
    return "\n".join(lines)


def node_title(graph: nx.DiGraph[str], node: str) -> str:
    """A node's tooltip: its name, visits, rates with their definitions and counts."""
    data = graph.nodes[node]
    lines = [html.escape(str(node))]
    if node == OTHER:
        lines.append("the rarest touchpoints together: " + ", ".join(map(str, data["members"])))
    lines.append(f"visits: {format_count(data.get('visits'))}")
    for rate in (EXIT_RATE, JOURNEYS_ENDING_SHARE):
        if data.get(rate.name) is not None:
            lines.append(f"{rate.definition} = {format_percent(data[rate.name])}")
    for key in ("customers", "journeys", "entries", "exits"):
        if data.get(key) is not None:
            lines.append(f"{key}: {format_count(data[key])}")
    return "\n".join(html.escape(line) if i else line for i, line in enumerate(lines))


def edge_title(source: str, target: str, data: dict[str, Any]) -> str:
    """An edge's tooltip: its two ends, transitions, customers, share and median time."""
    return "\n".join(
        [
            f"{html.escape(str(source))} → {html.escape(str(target))}",
            f"transitions: {format_count(data.get('count'))}",
            f"customers: {format_count(data.get('customers'))}",
            f"{TRANSITION_SHARE.definition} = {format_percent(data.get('share'))}",
            f"median time: {format_seconds(data.get('median_seconds'))}",
        ]
    )

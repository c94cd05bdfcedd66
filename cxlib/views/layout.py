"""A layered (Sugiyama) layout of the journey graph: entry on the left, exit on the right.

The journey graph is drawn in columns, as a reader follows a journey:

1. **Order.** Journeys loop, so the graph has cycles. :func:`flow_order` breaks them
   by putting each touchpoint where most journeys meet it: in the order of the steps
   of its most likely route from the entry. An edge against that order is drawn
   going *back*.
2. **Columns.** Each node goes in the first column after every node that leads to it
   in that order (longest-path layering); the exit gets the last column alone.
3. **Crossings.** Within each column, igraph's ``layout_sugiyama`` orders the nodes
   and the bends of the edges that span several columns so that edges cross as
   little as possible (barycenter heuristic).
4. **Room.** Columns and rows are spaced by the size of what they hold: the widest
   node label of two neighbouring columns plus the widest edge label between them,
   the tallest node with its label. So no two node boxes overlap, and every edge
   label sits in the gap between two columns, on its edge, where no node is.
5. **Edge labels.** Each edge's label goes on its first segment. Labels are placed
   busiest edge first, each at the first position along its segment that no label
   placed before covers; a gap too narrow for its labels is widened and the labels
   placed again.

Back edges (right to left) and loops come out as such: a back edge is routed through
bends of its own, and the drawing dashes it; a loop is a circle at its node.

Sizes are in the drawing's pixels; :func:`layered_layout` takes each node's box (the
node and its label) and each edge label's size, measured or estimated by the caller.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import igraph as ig
import networkx as nx

from cxlib.log import ENTRY, EXIT

__all__ = [
    "Box",
    "Layout",
    "NodeSize",
    "Route",
    "flow_order",
    "layered_layout",
    "overlapping_pairs",
]

Point = tuple[float, float]
#: A column's content: a node, or the bend of an edge ``(source, target)`` in a column.
Slot = str | tuple[tuple[str, str], int]
#: Pixels kept free between two boxes.
MARGIN = 12.0
#: Narrowest gap, in pixels, between the boxes of two neighbouring columns.
MIN_GAP = 60.0
#: Times a gap too narrow for its edge labels is widened before the labels are left as placed.
WIDENINGS = 4
#: Pixels per step of igraph's order within a column: where a slot would like to be.
UNIT = 40.0
#: Pixels between an edge's bend and the next thing in its column.
BEND_GAP = 14.0


@dataclass(frozen=True)
class NodeSize:
    """A drawn node: a mark of ``radius`` at its position, its label of ``width`` x ``height`` under it."""

    radius: float
    width: float
    height: float


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in the drawing's pixels (``top`` < ``bottom``)."""

    left: float
    top: float
    right: float
    bottom: float

    @classmethod
    def around(cls, centre: Point, width: float, height: float) -> Box:
        """The box of that size centred on ``centre``."""
        x, y = centre
        return cls(x - width / 2, y - height / 2, x + width / 2, y + height / 2)

    def overlaps(self, other: Box) -> bool:
        """Whether the two boxes share more than an edge.

        Examples
        --------
        >>> Box(0, 0, 2, 2).overlaps(Box(1, 1, 3, 3)), Box(0, 0, 2, 2).overlaps(Box(2, 0, 4, 2))
        (True, False)
        """
        return (
            self.left < other.right
            and other.left < self.right
            and self.top < other.bottom
            and other.top < self.bottom
        )


def node_box(centre: Point, size: NodeSize) -> Box:
    """The box of a node drawn at ``centre``: its mark, and its label under the mark."""
    x, y = centre
    half = max(size.radius, size.width / 2)
    return Box(x - half, y - size.radius, x + half, y + size.radius + size.height)


@dataclass(frozen=True)
class Route:
    """How one edge is drawn: a polyline from its source to its target, and its label.

    ``points`` starts at the source's position and ends at the target's, through the
    bends the edge takes in the columns it crosses; ``label`` is the centre of its
    label (``None`` for a loop, whose figure the node carries); ``kind`` is
    ``"forward"`` (left to right), ``"back"`` (right to left) or ``"loop"``.
    """

    points: tuple[Point, ...]
    label: Point | None
    kind: Literal["forward", "back", "loop"]


@dataclass(frozen=True)
class Layout:
    """Where everything goes: node positions (the centre of their mark), columns, edge routes.

    ``boxes`` are the node boxes (mark and label) and ``labels`` the edge label boxes,
    the rectangles the layout keeps apart.
    """

    positions: dict[str, Point]
    columns: dict[str, int]
    routes: dict[tuple[str, str], Route]
    boxes: dict[str, Box]
    labels: dict[tuple[str, str], Box]


def flow_order(graph: nx.DiGraph[str]) -> list[str]:
    """The nodes from entry to exit, each where most journeys meet it.

    A touchpoint's place is the number of steps of its most likely route from the
    entry (the route whose product of edge ``share`` is highest, as in
    :func:`cxlib.most_likely_path`), so a rare shortcut does not pull a node to the
    front; ties go to the most visited, then by name. Touchpoints the entry does
    not reach come after the others, EXIT last. An edge from a later node to an
    earlier one in this order is drawn going back.

    Examples
    --------
    >>> g = nx.DiGraph()
    >>> g.add_edge(ENTRY, "home", share=0.9)
    >>> g.add_edge(ENTRY, "cart", share=0.1)  # a rare shortcut
    >>> g.add_edge("home", "cart", share=1.0)
    >>> g.add_edge("cart", "home", share=0.2)  # the way back round the loop
    >>> g.add_edge("cart", EXIT, share=0.8)
    >>> flow_order(g)
    ['(entry)', 'home', 'cart', '(exit)']
    """
    depth: dict[str, int] = {}
    if ENTRY in graph:
        inner = graph.subgraph([n for n in graph.nodes if n != EXIT])

        def cost(_u: str, _v: str, data: dict[str, Any]) -> float:
            # The tiny constant makes equally likely routes prefer fewer steps.
            return 1e-9 - math.log(max(data.get("share") or 1.0, 1e-12))

        routes = nx.single_source_dijkstra_path(inner, ENTRY, weight=cost)
        depth = {node: len(route) - 1 for node, route in routes.items()}
    last = len(graph)

    def place(node: str) -> tuple[int, float, str]:
        step = last + 1 if node == EXIT else depth.get(node, last)
        return step, -(graph.nodes[node].get("visits") or 0), str(node)

    return sorted(graph.nodes, key=place)


def _columns(graph: nx.DiGraph[str], order: Sequence[str]) -> dict[str, int]:
    """Longest-path columns: every edge goes at least one column towards the later node."""
    rank = {n: i for i, n in enumerate(order)}
    nodes = sorted(graph.nodes, key=lambda n: rank.get(n, len(rank)))
    column: dict[str, int] = {}
    for node in nodes:
        if node == EXIT:
            continue
        before = [u for u in nx.all_neighbors(graph, node) if u in column and u != node]
        first = 0 if node == ENTRY else 1
        column[node] = max([first, *(column[u] + 1 for u in before)])
    if EXIT in graph:
        column[EXIT] = max(column.values(), default=0) + 1
    return column


def layered_layout(
    graph: nx.DiGraph[str],
    *,
    sizes: Mapping[str, NodeSize],
    label_sizes: Mapping[tuple[str, str], tuple[float, float]],
    order: Sequence[str] | None = None,
) -> Layout:
    """Positions, columns and edge routes of a layered drawing; see the module docstring.

    Parameters
    ----------
    graph
        The graph to draw (every node must have a size).
    sizes
        Each node's mark and label.
    label_sizes
        ``(width, height)`` of each edge's label; an edge without one has no label.
    order
        The left-to-right order of the nodes (default :func:`flow_order` of ``graph``):
        pass the order of a larger graph to draw a part of it (a focus) with every
        edge going the same way as in the whole.

    Examples
    --------
    >>> g = nx.DiGraph([(ENTRY, "a"), ("a", "b"), ("b", "a"), ("a", EXIT), ("b", EXIT)])
    >>> sizes = dict.fromkeys(g, NodeSize(radius=10, width=80, height=20))
    >>> out = layered_layout(g, sizes=sizes, label_sizes=dict.fromkeys(g.edges, (30.0, 16.0)))
    >>> out.columns
    {'(entry)': 0, 'a': 1, 'b': 2, '(exit)': 3}
    >>> out.routes["b", "a"].kind, out.routes["a", "b"].kind
    ('back', 'forward')
    >>> overlapping_pairs(list(out.boxes.values()) + list(out.labels.values()))
    0
    """
    order = flow_order(graph) if order is None else [n for n in order if n in graph]
    order += [n for n in graph.nodes if n not in set(order)]
    columns = _columns(graph, order)
    nodes = list(graph.nodes)
    edges = [(u, v) for u, v in graph.edges if u != v]
    # Every edge spanning several columns gets a bend in each column it crosses (Sugiyama's
    # dummy vertices), made here so each is known by its edge and column.
    vertices: list[Slot] = [*nodes]
    links: list[tuple[Slot, Slot]] = []
    for u, v in edges:
        low, high = sorted((columns[u], columns[v]))
        chain: list[Slot] = [u if columns[u] == low else v]
        chain += [((u, v), c) for c in range(low + 1, high)]
        chain.append(v if columns[u] == low else u)
        vertices += chain[1:-1]
        links += list(itertools.pairwise(chain))
    index = {vertex: i for i, vertex in enumerate(vertices)}
    layers = [columns[x] if isinstance(x, str) else x[1] for x in vertices]
    g = ig.Graph(n=len(vertices), edges=[(index[a], index[b]) for a, b in links], directed=True)
    placed = g.layout_sugiyama(layers=layers, maxiter=200)
    # What each column holds, top to bottom as the crossing minimisation left it: nodes,
    # and the bends of the edges passing through.
    slots: dict[int, list[tuple[float, Slot]]] = {}
    for vertex, layer, (x, _) in zip(vertices, layers, placed.coords, strict=True):
        slots.setdefault(layer, []).append((x, vertex))
    ys = {slot: y for column in slots.values() for slot, y in _stack(column, sizes).items()}
    half = _half_widths(columns, sizes)
    extra: dict[int, float] = {}
    for _ in range(WIDENINGS + 1):
        xs = _column_xs(columns, half, edges, label_sizes, extra)
        positions = {n: (xs[columns[n]], ys[n]) for n in nodes}
        routes, labels, crowded = _routes(graph, columns, positions, xs, ys, half, label_sizes)
        if not crowded:
            break
        for gap in crowded:
            extra[gap] = extra.get(gap, 0.0) + max(w for w, _ in label_sizes.values())
    boxes = {n: node_box(positions[n], sizes[n]) for n in nodes}
    return Layout(positions=positions, columns=columns, routes=routes, boxes=boxes, labels=labels)


def _stack(column: list[tuple[float, Slot]], sizes: Mapping[str, NodeSize]) -> dict[Slot, float]:
    """The y of each slot of a column: in the given order, as near ``UNIT`` x its place as room allows.

    Two nodes are kept a node and its label apart, a bend :data:`BEND_GAP` from anything.
    The positions are the least-squares closest to the wanted ones that keep those gaps
    (pool-adjacent-violators on the positions less the gaps above them).
    """
    column = sorted(column, key=lambda item: item[0])

    def reach(slot: Slot) -> tuple[float, float]:  # room above and below the slot's y
        if isinstance(slot, str):
            size = sizes[slot]
            return size.radius, size.radius + size.height
        return 0.0, 0.0

    offsets, total = [], 0.0
    for i, (_, slot) in enumerate(column):
        if i:
            above, below = reach(column[i - 1][1])[1], reach(slot)[0]
            pair = (
                MARGIN if isinstance(slot, str) and isinstance(column[i - 1][1], str) else BEND_GAP
            )
            total += below + above + pair
        offsets.append(total)
    wanted = [x * UNIT - offset for (x, _), offset in zip(column, offsets, strict=True)]
    fitted = _non_decreasing(wanted)
    return {slot: y + offset for (_, slot), y, offset in zip(column, fitted, offsets, strict=True)}


def _non_decreasing(values: Sequence[float]) -> list[float]:
    """The non-decreasing sequence closest to ``values`` in least squares (pool adjacent violators).

    Examples
    --------
    >>> _non_decreasing([1.0, 3.0, 2.0, 4.0])
    [1.0, 2.5, 2.5, 4.0]
    """
    blocks: list[list[float]] = []  # [mean, count]
    for value in values:
        blocks.append([value, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            (m2, n2), (m1, n1) = blocks.pop(), blocks.pop()
            blocks.append([(m1 * n1 + m2 * n2) / (n1 + n2), n1 + n2])
    return [mean for mean, count in blocks for _ in range(int(count))]


def _half_widths(columns: Mapping[str, int], sizes: Mapping[str, NodeSize]) -> dict[int, float]:
    half: dict[int, float] = {}
    for node, column in columns.items():
        size = sizes[node]
        half[column] = max(half.get(column, 0.0), size.radius, size.width / 2)
    return half


def _column_xs(
    columns: Mapping[str, int],
    half: Mapping[int, float],
    edges: Sequence[tuple[str, str]],
    label_sizes: Mapping[tuple[str, str], tuple[float, float]],
    extra: Mapping[int, float],
) -> dict[int, float]:
    """The x of each column: the gap after column c holds the widest label placed in it."""
    widest: dict[int, float] = {}
    for u, v in edges:
        if (u, v) in label_sizes:
            # A label sits on its edge's first segment: the gap on the source's side it goes to.
            gap = columns[u] if columns[v] > columns[u] else columns[u] - 1
            widest[gap] = max(widest.get(gap, 0.0), label_sizes[u, v][0])
    xs, x = {}, 0.0
    for column in range(max(columns.values(), default=0) + 1):
        if column:
            # Half a label's width more than the widest: room to slide labels past each other.
            room = max(MIN_GAP, widest.get(column - 1, 0.0) * 1.5) + extra.get(column - 1, 0.0)
            x += half.get(column - 1, 0.0) + room + 2 * MARGIN + half.get(column, 0.0)
        xs[column] = x
    return xs


def _routes(
    graph: nx.DiGraph[str],
    columns: Mapping[str, int],
    positions: Mapping[str, Point],
    xs: Mapping[int, float],
    ys: Mapping[Slot, float],
    half: Mapping[int, float],
    label_sizes: Mapping[tuple[str, str], tuple[float, float]],
) -> tuple[dict[tuple[str, str], Route], dict[tuple[str, str], Box], set[int]]:
    """Every edge's polyline and label, busiest first; the gaps where a label found no room."""
    routes: dict[tuple[str, str], Route] = {}
    labels: dict[tuple[str, str], Box] = {}
    crowded: set[int] = set()
    busiest = sorted(graph.edges(data=True), key=lambda e: -(e[2].get("count") or 0))
    for u, v, _ in busiest:
        if u == v:
            routes[u, v] = Route(points=(positions[u],), label=None, kind="loop")
            continue
        step = 1 if columns[v] > columns[u] else -1
        between = [(xs[c], ys[(u, v), c]) for c in range(columns[u] + step, columns[v], step)]
        points = (positions[u], *between, positions[v])
        kind: Literal["forward", "back"] = "forward" if step == 1 else "back"
        size = label_sizes.get((u, v))
        if size is None:
            routes[u, v] = Route(points=points, label=None, kind=kind)
            continue
        gap = min(columns[u], columns[u] + step)
        box, free = _place_label(points[0], points[1], size, xs, half, gap, list(labels.values()))
        if not free:
            crowded.add(gap)
        labels[u, v] = box
        centre = ((box.left + box.right) / 2, (box.top + box.bottom) / 2)
        routes[u, v] = Route(points=points, label=centre, kind=kind)
    return routes, labels, crowded


def _place_label(
    start: Point,
    end: Point,
    size: tuple[float, float],
    xs: Mapping[int, float],
    half: Mapping[int, float],
    gap: int,
    taken: Sequence[Box],
) -> tuple[Box, bool]:
    """A label's box on the segment ``start -> end`` within the gap after column ``gap``.

    The label's centre may go anywhere on the segment where the whole label stays
    clear of the two columns' nodes; the spot nearest the middle of that stretch that
    overlaps no box in ``taken`` is chosen (or the middle, when there is none: then
    the second value is False).
    """
    width, height = size
    low = xs[gap] + half.get(gap, 0.0) + MARGIN + width / 2
    high = xs[gap + 1] - half.get(gap + 1, 0.0) - MARGIN - width / 2
    (x0, y0), (x1, y1) = start, end

    def at(x: float) -> Box:
        t = (x - x0) / (x1 - x0) if x1 != x0 else 0.5
        return Box.around((x, y0 + t * (y1 - y0)), width, height)

    middle = (low + high) / 2
    spots = 9
    offsets = sorted((i / (spots - 1) - 0.5 for i in range(spots)), key=abs)
    for offset in offsets:
        box = at(middle + offset * (high - low))
        if not any(box.overlaps(other) for other in taken):
            return box, True
    return at(middle), False


def overlapping_pairs(boxes: Sequence[Box]) -> int:
    """How many pairs of the boxes overlap.

    Examples
    --------
    >>> overlapping_pairs([Box(0, 0, 2, 2), Box(1, 1, 3, 3), Box(5, 5, 6, 6)])
    1
    """
    return sum(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])

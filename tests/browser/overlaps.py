"""What vis-network drew, measured in the browser: overlapping node boxes and edge labels.

Nodes are measured with ``network.getBoundingBox`` (the node and its label); edge labels
with the box vis-network's label module measured when it drew them. Hidden bends (ids
``bend...``) carry no label and are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MEASURE", "Overlaps", "measure"]

MEASURE = """() => {
  const B = network.body;
  const ids = B.nodeIndices.filter(id => !String(id).startsWith("bend"));
  const nodes = ids.map(id => network.getBoundingBox(id));
  const labels = [];
  for (const id of B.edgeIndices) {
    const e = B.edges[id];
    if (!e.options.label || !e.labelModule.size.width) continue;
    const s = e.labelModule.size;
    labels.push({left: s.left, top: s.top, right: s.left + s.width, bottom: s.top + s.height});
  }
  const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  let nodePairs = 0, labelsOnNodes = 0, labelPairs = 0;
  for (let i = 0; i < nodes.length; i++)
    for (let j = i + 1; j < nodes.length; j++) nodePairs += hit(nodes[i], nodes[j]);
  for (const l of labels) labelsOnNodes += nodes.some(n => hit(l, n)) ? 1 : 0;
  for (let i = 0; i < labels.length; i++)
    for (let j = i + 1; j < labels.length; j++) labelPairs += hit(labels[i], labels[j]);
  return [nodes.length, labels.length, nodePairs, labelsOnNodes, labelPairs];
}"""


@dataclass(frozen=True)
class Overlaps:
    """Counts measured on one drawing."""

    nodes: int
    labels: int
    node_pairs: int
    labels_on_nodes: int
    label_pairs: int


def measure(frame) -> Overlaps:
    """The overlaps in the vis-network drawing of a Playwright frame (once it has drawn)."""
    frame.wait_for_function(
        "() => typeof network !== 'undefined' && network.body.data.nodes.length > 0",
        timeout=20_000,
    )
    frame.wait_for_timeout(500)  # a drawing pass measures the labels
    return Overlaps(*frame.evaluate(MEASURE))

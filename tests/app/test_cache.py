import networkx as nx
import pytest

import cxlib
from cxlib import sample
from tests.conftest import make_log
from ui.cache import prune


def same_graph(a: nx.DiGraph, b: nx.DiGraph) -> bool:
    return (
        dict(a.nodes(data=True)) == dict(b.nodes(data=True))
        and {(s, t): d for s, t, d in a.edges(data=True)}
        == {(s, t): d for s, t, d in b.edges(data=True)}
        and a.graph == b.graph
    )


@pytest.mark.parametrize(
    "pruning", [{"top_k": 1}, {"min_share": 0.3}, {"top_k": 2, "min_share": 0.1}, {"min_count": 2}]
)
def test_pruning_the_whole_graph_equals_pruning_from_the_log(pruning):
    # Loops (b b), a shared prefix and one-event journeys.
    log = make_log({"a": "x y z", "b": "x y y", "c": "x z", "d": "z", "e": "x y z"})
    whole = cxlib.journey_graph(log)
    assert same_graph(prune(whole, **pruning), cxlib.journey_graph(log, **pruning))


def test_pruning_the_retail_sample():
    log = cxlib.load(sample.path("retail"))
    whole = cxlib.journey_graph(log, by="session")
    pruned = prune(whole, top_k=3, min_share=0.05)
    assert same_graph(pruned, cxlib.journey_graph(log, by="session", top_k=3, min_share=0.05))
    assert pruned.number_of_edges() < whole.number_of_edges()

"""The layers keep their promises: no import circles, and the library never imports Streamlit."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("cxlib", "ui")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def _under_type_checking(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def _imports(path: Path, known: set[str]) -> set[str]:
    """The project modules a file imports (at any level, outside ``if TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text())
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = set()
    for node in ast.walk(tree):
        if _under_type_checking(node, parents):
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from pkg import sub" imports the submodule when there is one.
            subs = {f"{node.module}.{a.name}" for a in node.names}
            found |= (subs & known) or {node.module}
    return {name for name in found if name in known}


def import_graph() -> nx.DiGraph:
    modules = _modules()
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        graph.add_edges_from((name, target) for target in _imports(path, set(modules)))
    return graph


def test_the_import_graph_is_read_from_the_sources():
    graph = import_graph()
    assert ("ui.state", "ui.cache") in graph.edges
    assert ("cxlib.io.loader", "cxlib.io.recognize") in graph.edges


def test_no_import_circles():
    graph = import_graph()
    # A package's __init__ importing its own modules is how a package exports its names:
    # those edges point down the tree and are not circles.
    down = [(a, b) for a, b in graph.edges if b.startswith(f"{a}.")]
    graph.remove_edges_from(down)
    cycles = list(nx.simple_cycles(graph))
    assert cycles == [], f"import circles: {cycles[:5]}"


def _imported_roots(path: Path) -> set[str]:
    """The top-level packages a file imports, at any level."""
    tree = ast.parse(path.read_text())
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    return {name.split(".")[0] for name in names}


@pytest.mark.parametrize("path", sorted((ROOT / "cxlib").rglob("*.py")), ids=str)
def test_the_library_never_imports_streamlit(path):
    assert "streamlit" not in _imported_roots(path)


PAGES = sorted([ROOT / "streamlit_app.py", *(ROOT / "pages").glob("*.py")])


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_hold_no_data_code(path):
    # A page is controls, one call through ui.cache and a chart: frames are built in cxlib.
    assert _imported_roots(path) & {"polars", "narwhals", "duckdb", "pyspark", "pandas"} == set()


OUTSIDE_ENGINES = sorted(p for p in (ROOT / "cxlib").rglob("*.py") if p.parent.name != "engines")
#: What branching on the engine looks like in narwhals code.
ENGINE_WORDS = ("is_polars", "is_duckdb", "is_pyspark", "Implementation.", ".engine ==",
                ".engine !=", ".engine in")  # fmt: skip


@pytest.mark.parametrize("path", OUTSIDE_ENGINES, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_engines_package_branches_on_the_engine(path):
    assert _imported_roots(path) & {"duckdb", "pyspark"} == set()
    source = path.read_text()
    assert [w for w in ENGINE_WORDS if w in source] == []


def test_the_engine_checks_see_a_branch():
    # The check above is not vacuous: the engines package branches with these very words.
    source = "".join(p.read_text() for p in (ROOT / "cxlib" / "engines").glob("*.py"))
    assert "is_duckdb" in source or "Implementation." in source
    assert {"duckdb", "pyspark"} <= set().union(
        *(_imported_roots(p) for p in (ROOT / "cxlib" / "engines").glob("*.py"))
    )


def test_the_library_top_level_is_its_core():
    # The rest lives in subpackages by concept (io, engines, analyses, conversion, ...).
    top = sorted(p.name for p in (ROOT / "cxlib").glob("*.py"))
    assert len(top) <= 12, top


def test_each_page_file_is_named_as_its_address():
    # Until st.navigation has run once in a process, Streamlit reads pages/ as a legacy
    # multipage app: a first link to /graph on a fresh server showed "Page not found"
    # while pages/journey_graph.py was its file.
    from ui.pages import PAGES

    assert [Path(file).stem for file, _, _ in PAGES] == [path for _, _, path in PAGES]
    assert sorted(p.name for p in (ROOT / "pages").glob("*.py")) == sorted(
        Path(file).name for file, _, _ in PAGES
    )

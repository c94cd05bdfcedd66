"""The documentation keeps up with the library: every public name is documented."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import cxlib

ROOT = Path(__file__).resolve().parents[1]
DOCS = "\n".join(p.read_text() for p in sorted((ROOT / "docs").glob("*.md")))
README = (ROOT / "README.md").read_text()
#: The code in the docs and the README: fenced blocks and inline `spans`.
CODE = "\n".join(
    m.group(1) or m.group(2)
    for m in re.finditer(r"```\w*\n(.*?)```|`([^`\n]+)`", DOCS + README, flags=re.S)
)
PUBLIC = [
    (module.__name__, name)
    for module in (cxlib, cxlib.predict, cxlib.sample)
    for name in module.__all__
]


@pytest.mark.parametrize(("module", "name"), PUBLIC)
def test_every_public_name_is_in_the_docs(module, name):
    assert re.search(rf"\b{re.escape(name)}\b", CODE), (
        f"{module}.{name} is public but no page of docs/ or the README mentions it"
    )


@pytest.mark.parametrize(("module", "name"), PUBLIC)
def test_every_public_function_and_class_has_a_docstring(module, name):
    obj = getattr(__import__(module, fromlist=[name]), name)
    if inspect.isfunction(obj) or inspect.isclass(obj):
        assert inspect.getdoc(obj), f"{module}.{name} has no docstring"


def test_every_docs_page_is_linked_from_the_readme():
    pages = {p.name for p in (ROOT / "docs").glob("*.md")}
    linked = set(re.findall(r"docs/([\w-]+\.md)", README))
    assert pages <= linked, f"not linked from the README: {sorted(pages - linked)}"


#: A source file or test named in prose; what benchmarks write (bench/results, bench/data)
#: and the peers' venv (bench/.venv-peers) are made by runs, not kept.
FILE_NAMED = re.compile(r"`((?:cxlib|ui|tests|bench(?!/results|/data|/\.)|pages|docs)/[\w/.*-]*)`")


@pytest.mark.parametrize(
    "page", [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))], ids=lambda p: p.name
)
def test_the_files_the_docs_name_exist(page):
    named = set(FILE_NAMED.findall(page.read_text()))
    missing = sorted(n for n in named if not list(ROOT.glob(n.rstrip("/"))))
    assert missing == []

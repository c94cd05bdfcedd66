"""One self-contained HTML report: charts, graphs and text, escaped, nothing from the network."""

from __future__ import annotations

import json
import re

import cxlib
from cxlib import sample
from cxlib.story.model import HEADINGS
from cxlib.views import charts_story
from cxlib.views.graph_html import graph_html
from cxlib.views.report import Section, javascript, report_html
from tests.story.test_findings import _log

HOSTILE = "</script><img/src=x/onerror=alert(1)>"  # no spaces: _log splits paths on them


def _sections(story):
    return [
        Section(
            HEADINGS[f.kind],
            f.sentence,
            f.headline,
            charts_story.estimate_chart(
                f.chart, axis=f.axis, is_share=f.is_share, baseline=f.baseline
            ).to_dict(),
        )
        for f in story.findings
    ]


def _specs(page):
    found = re.search(r"const specs = (\{.*\});\n", page)
    return json.loads(found.group(1))


def test_the_story_of_a_sample_as_one_file():
    log = cxlib.load(sample.path("retail"))
    story = cxlib.findings(log, goal="purchase")
    graph = graph_html(cxlib.journey_graph(log, top_k=3))
    page = report_html(
        "The story", [Section("The journey graph", graph=graph), *_sections(story)],
        notes=story.left_out,
    )  # fmt: skip
    assert page.count("<section>") == 1 + len(story.findings)
    assert len(_specs(page)) == len(story.findings)  # every chart's spec, once
    assert page.count('<iframe height="560" srcdoc="') == 1
    assert javascript() in page  # Vega, Vega-Lite and vega-embed inlined once
    assert page.count(javascript()[:200]) == 1
    ours = page.replace(javascript(), "")
    assert re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", ours) is None


def test_names_from_the_data_stay_text():
    log = _log((10, f"home {HOSTILE} buy", {}), (30, f"home {HOSTILE}", {}))
    story = cxlib.findings(log, goal="buy")
    assert HOSTILE in story.findings[0].sentence
    page = report_html(HOSTILE, _sections(story), notes=[HOSTILE])
    ours = page.replace(javascript(), "")
    assert HOSTILE not in ours
    assert ours.count("<script>") == ours.count("</script>") == 2
    assert "&lt;/script&gt;&lt;img/src=x/onerror=alert(1)&gt;" in ours
    # In the charts' JSON the name is intact once parsed, never a tag in the page.
    labels = {row["label"] for spec in _specs(page).values() for row in _rows(spec)}
    assert HOSTILE in labels


def _rows(spec):
    return [row for rows in spec.get("datasets", {}).values() for row in rows]

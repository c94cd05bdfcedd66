"""A report as one self-contained HTML file: headings, text, charts and journey graphs.

:func:`report_html` takes the sections of a report (the findings of a story, or the
figures of any dashboard view) and writes one HTML file that opens offline in a browser:
charts are Vega-Lite specs drawn by the Vega, Vega-Lite and vega-embed JavaScript that
vl-convert bundles (inlined once, :func:`javascript`), journey graphs are the pages of
:mod:`cxlib.views.graph_html` (vis-network inlined) in ``srcdoc`` frames. Nothing is
loaded from the network. Every text is HTML-escaped; the specs are JSON in a script,
with ``</`` escaped so that no text from the data can end it.
"""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import vl_convert

__all__ = ["Section", "javascript", "report_html"]

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 1100px; padding: 0 1.5rem; color: #1b2631; line-height: 1.5; }
h1 { margin-bottom: 0.2rem; } .subtitle { color: #5d6d7e; margin-top: 0; }
section { border-top: 1px solid #d5dbdb; padding: 1rem 0 1.5rem; }
.number { font-size: 2rem; font-weight: 600; color: #1f6f8b; }
.where, .notes { color: #5d6d7e; font-size: 0.9rem; }
.chart { width: 100%; } iframe { width: 100%; border: 1px solid #d5dbdb; }
"""


@dataclass(frozen=True)
class Section:
    """One part of a report, drawn in this order: heading, number, text, chart, graph.

    ``chart`` is a Vega-Lite spec (``chart.to_dict()`` of an Altair chart); ``graph`` a
    standalone HTML page such as :func:`cxlib.views.graph_html.graph_html`'s, drawn
    ``graph_height`` pixels high; ``where`` says where the dashboard shows it.
    """

    heading: str
    text: str = ""
    number: str | None = None
    chart: dict[str, Any] | None = None
    graph: str | None = None
    graph_height: int = 560
    where: str | None = None


@functools.cache
def javascript() -> str:
    """Vega, Vega-Lite and vega-embed as one script (built once per process: a few seconds)."""
    # The stub wants a snippet; without one the bundle sets window.vegaEmbed, vega, vegaLite.
    return vl_convert.javascript_bundle()  # type: ignore[call-arg]


def _inline(script: str) -> str:
    """Script text that cannot end its ``<script>`` element early."""
    return script.replace("</script", "<\\/script")


def _script_json(value: Any) -> str:
    """JSON safe inside a ``<script>`` element: no ``</`` or ``<!--`` can end or hide it."""
    return json.dumps(value).replace("</", "<\\/").replace("<!--", "<\\!--")


def report_html(
    title: str, sections: Sequence[Section], *, subtitle: str = "", notes: Sequence[str] = ()
) -> str:
    """The report as one HTML document that needs nothing but a browser.

    Examples
    --------
    >>> page = report_html("A <story>", [Section("Drop-off", "30 of 40 left at </script>",
    ...     number="75%", chart={"mark": "point", "data": {"values": [{"a": "</script>"}]}})])
    >>> "<h1>A &lt;story&gt;</h1>" in page, "30 of 40 left at &lt;/script&gt;" in page
    (True, True)
    >>> import re  # every script ends where it should; no element loads anything
    >>> ours = page.replace(javascript(), "")
    >>> ours.count("</script>") == ours.count("<script>") == 2, re.search(r"(src|href)=", ours)
    (True, None)
    """
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style>",
        f"<script>{_inline(javascript())}</script>",
        f"</head><body><h1>{html.escape(title)}</h1>",
    ]
    if subtitle:
        parts.append(f'<p class="subtitle">{html.escape(subtitle)}</p>')
    specs = {}
    for i, section in enumerate(sections):
        parts.append(f"<section><h2>{html.escape(section.heading)}</h2>")
        if section.number is not None:
            parts.append(f'<div class="number">{html.escape(section.number)}</div>')
        if section.text:
            parts.append(f"<p>{html.escape(section.text)}</p>")
        if section.chart is not None:
            specs[f"chart-{i}"] = section.chart
            parts.append(f'<div class="chart" id="chart-{i}"></div>')
        if section.graph is not None:
            parts.append(
                f'<iframe height="{int(section.graph_height)}" '
                f'srcdoc="{html.escape(section.graph, quote=True)}"></iframe>'
            )
        if section.where:
            parts.append(f'<p class="where">{html.escape(section.where)}</p>')
        parts.append("</section>")
    if notes:
        items = "".join(f"<li>{html.escape(note)}</li>" for note in notes)
        parts.append(f'<section class="notes"><h2>Left out</h2><ul>{items}</ul></section>')
    parts.append(
        f"<script>const specs = {_script_json(specs)};\n"
        "for (const [id, spec] of Object.entries(specs)) {\n"
        '  vegaEmbed("#" + id, spec, {actions: false, renderer: "svg"});\n'
        "}</script></body></html>"
    )
    return "\n".join(parts)

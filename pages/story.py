# First, before Polars loads: a link to this page can run it before the app script.
from ui import allocator  # noqa: F401  # isort: skip
import streamlit as st

import cxlib
from cxlib.story.model import HEADINGS, interval_text
from cxlib.views import charts_story, graph_page
from cxlib.views.report import Section
from ui import cache, customer, export, page, report, widgets
from ui.pages import PAGES
from ui.text import md

loaded, filters = page.start(
    "Story",
    "What the journeys say, finding by finding: each with its number, its 95% interval and "
    "the view that shows it, the findings that concern the most customers first. What the "
    "data cannot support is left out, and said so.",
)
goal = customer.pick_goal(loaded, filters, container=st.columns(3)[0])
with widgets.errors_shown():
    story = cache.run_in_steps(
        cxlib.findings, loaded, filters, goal=goal, label="Reading the story"
    )
converted = story.converted or 0
st.markdown(
    f"**{story.customers:,}** customers; **{converted:,}** reached {md(goal)} "
    f"({converted / max(story.customers, 1):.1%})."
)
if not story.findings:
    st.info("The data supports no finding yet: see below what is left out, and why.")
files = {url: (file, title) for file, title, url in PAGES}
sections = []
for number, finding in enumerate(story.findings, 1):
    heading = f"{number}. {HEADINGS[finding.kind]}"
    st.subheader(heading)
    left, right = st.columns([1, 4])
    left.metric(interval_text(finding.interval, share=finding.is_share), finding.headline)
    right.markdown(md(finding.sentence))
    shown = export.chart(
        charts_story.estimate_chart,
        finding.chart,
        axis=finding.axis,
        is_share=finding.is_share,
        baseline=finding.baseline,
        counted=finding.counted,
        key=f"story_{number}",
        name=f"finding_{number}",
    )
    file, title = files[finding.page]
    params: dict[str, list[str]] = {}
    for name, value in (*loaded.query().items(), ("goal", goal), *finding.query):
        params.setdefault(name, []).append(value)
    st.page_link(file, label=f"Open it on the {title} page", query_params=params)
    view = "; ".join(f"{name} = {value}" for name, value in finding.query) or "as it opens"
    where = f"In the dashboard: the {title} page ({view})."
    sections.append(Section(heading, finding.sentence, finding.headline, shown.spec, where=where))
if story.left_out:
    st.subheader("Left out")
    st.markdown("\n".join(f"- {md(note)}" for note in story.left_out))
log = cache.filtered(loaded, filters)


def _graph() -> Section:
    """The report's journey graph, drawn when the report is asked for (0.3-0.5 s at 10M)."""
    most = graph_page.MAX_GRAPH_TOUCHPOINTS
    whole = cxlib.journey_graph(log, by=filters.by, max_touchpoints=most)
    return Section("The journey graph", graph=graph_page.journey_graph_view(whole, top_k=3).html)


report.download(
    f"The story of {loaded.label}",
    lambda: [_graph(), *sections],
    subtitle=f"{story.customers:,} customers; {converted:,} reached {goal}.",
    notes=story.left_out,
    label="Download the story (HTML)",
    key="story_report",
)

# First, before Polars loads: a link to this page can run it before the app script.
from ui import allocator  # noqa: F401  # isort: skip
import streamlit as st

import cxlib
from cxlib import sample
from cxlib.views import charts_customer, graph_html
from ui import cache, customer, drilldown, export, page, presentation, widgets

loaded, filters = page.start(
    "Stages",
    "The journey map laid over the touchpoints: awareness, consideration, decision, loyalty, "
    "advocacy. Edit the stage of any touchpoint; moves back to an earlier stage are framed.",
)
touchpoints = customer.touchpoints(loaded, filters)
guess = sample.STAGES.get(loaded.scenario or "") or cxlib.default_stages(touchpoints)
with st.expander("Touchpoint → stage", expanded=False):
    edited = st.data_editor(
        [{"touchpoint": t, "stage": guess.get(t)} for t in touchpoints],
        column_config={
            "touchpoint": st.column_config.TextColumn("touchpoint", disabled=True),
            "stage": st.column_config.SelectboxColumn("stage", options=list(cxlib.STAGE_ORDER)),
        },
        hide_index=True,
        key=f"stages_mapping_{loaded.key}",
    )
stages = {row["touchpoint"]: row["stage"] for row in edited if row["stage"]}
if not stages:
    st.info(
        "No touchpoint has a stage yet (their names match no stage word): "
        "pick stages in the table above."
    )
    st.stop()
with widgets.errors_shown():
    reach = cache.run(cxlib.stage_reach, loaded, filters, stages=stages)
    flow = cache.run(cxlib.stage_flow, loaded, filters, stages=stages)

export.chart(
    charts_customer.stage_reach_chart,
    reach,
    title="Customers reaching each stage",
    key="stages_reach",
    name="stage_reach",
)
export.chart(
    charts_customer.transition_matrix_chart,
    flow,
    source="from_stage",
    target="to_stage",
    order=[cxlib.ENTRY, *cxlib.STAGE_ORDER, cxlib.EXIT],
    highlight="direction",
    highlight_value="regression",
    title="Stage flow: moves from one stage (rows) to the next (columns)",
    key="stages_flow",
    name="stage_flow",
)
st.caption(
    "Colour: share of the moves out of the row's stage. Re-entries count moves into a stage "
    "the customer had already left."
)
export.table(flow, key="stages_flow_table", name="stage_flow")
pairs = tuple(sorted(stages.items()))
moves = [f"{a} → {b}" for a, b in flow.select("from_stage", "to_stage").rows()]
cols = st.columns(2)
move = cols[0].selectbox(
    "Who made the move", widgets.keep_valid("stages_who_move", moves), key="stages_who_move"
)
reached = cols[1].selectbox(
    "Or who reached the stage", widgets.keep_valid("stages_who_stage", list(cxlib.STAGE_ORDER)),
    index=None, placeholder="pick a stage", key="stages_who_stage",
)  # fmt: skip
if reached is not None:
    drilldown.show(loaded, filters, cxlib.StageReached(reached, pairs), key="stages_reach_who")
elif move is not None:
    source, target = move.split(" → ")
    drilldown.show(loaded, filters, cxlib.StageMove(source, target, pairs), key="stages_who")
st.subheader("The journey graph collapsed to stages")
with widgets.errors_shown():
    graph = cache.run(cxlib.stage_graph, loaded, filters, stages=stages)
html = graph_html.graph_html(graph, weight="share", height=560, **presentation.drawing())
export.graph(html, height=580, name="The journey graph collapsed to stages")

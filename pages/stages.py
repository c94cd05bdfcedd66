import streamlit as st

import cxlib
from cxlib import sample
from cxlib.views import charts_customer, graph_html
from ui import cache, customer, export, page, presentation, state

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
with state.errors_shown():
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
st.subheader("The journey graph collapsed to stages")
with state.errors_shown():
    graph = cache.run(cxlib.stage_graph, loaded, filters, stages=stages)
html = graph_html.graph_html(graph, weight="share", height=560, **presentation.drawing())
export.graph(html, height=580, name="The journey graph collapsed to stages")

# First, before Polars loads: a link to this page can run it before the app script.
from ui import allocator  # noqa: F401  # isort: skip
import streamlit as st

import cxlib
from cxlib.conversion.attribution import MODELS, compare_models
from cxlib.views import charts_customer
from ui import cache, customer, export, page, widgets
from ui.text import md

loaded, filters = page.start(
    "Attribution",
    "Which touchpoints earn the credit for a conversion, by several models, and which "
    "touchpoints decide the outcome but serve customers badly (moments of truth).",
)
log = loaded.log
goal = customer.pick_goal(loaded, filters)
cols = st.columns(4)
models = cols[0].multiselect(
    "Models",
    list(MODELS),
    default=["markov", "last_touch", "linear"],
    key="attribution_models",
    bind="query-params",
)
level = cols[1].radio(
    "Credit",
    ["touchpoint", "channel"] if log.has("channel") else ["touchpoint"],
    key="attribution_by",
    bind="query-params",
    horizontal=True,
)
half_life = cols[2].selectbox(
    "Time-decay half-life",
    ["1h", "1d", "7d", "30d"],
    index=2,
    key="attribution_half_life",
    bind="query-params",
)
value = cols[3].toggle(
    "Share the value too",
    value=False,
    key="attribution_value",
    bind="query-params",
    disabled=not log.has("value"),
)
if not models:
    st.info("Pick at least one model.")
    st.stop()
with widgets.errors_shown():
    credit = cache.run(
        compare_models,
        loaded,
        filters,
        goal=goal,
        models=models,
        level=level,
        value=value and log.has("value"),
        half_life=half_life,
    )
if credit.height == 0:
    st.info(f"No customer reaches {md(goal)} after another touchpoint: there is nothing to credit.")
else:
    export.chart(
        charts_customer.attribution_chart,
        credit,
        level=level,
        title=f"Credit for {goal}",
        key="attribution_chart",
        name="attribution",
    )
    export.table(credit, key="attribution_table", name="attribution")

st.subheader("Importance vs performance")
cols = st.columns(2)
importance = cols[0].radio(
    "Importance",
    ["removal_effect", "lift"],
    key="importance_measure",
    bind="query-params",
    horizontal=True,
    help="removal_effect: share of conversions lost without the touchpoint (Markov); lift: "
    "conversion rate with it minus without it",
)
measures = ["rating", "1 - exit rate"] if log.has("rating") else ["1 - exit rate"]
performance = cols[1].radio(
    "Performance", measures, key="importance_performance", bind="query-params", horizontal=True
)
with widgets.errors_shown():
    table = cache.run(
        cxlib.touchpoint_importance,
        loaded,
        filters,
        goal=goal,
        importance=importance,
        rating="rating" if performance == "rating" else None,
    )
export.chart(
    charts_customer.importance_chart,
    table,
    title="Importance (across) vs performance (up)",
    key="importance_chart",
    name="importance",
)
truths = [row["touchpoint"] for row in table.iter_rows(named=True) if row["moment_of_truth"]]
if truths:
    names = ", ".join(md(t) for t in truths)
    st.warning(f"Moments of truth (important, badly served): {names}")
else:
    st.success("No touchpoint is both more important and worse served than the median.")
export.table(table, key="importance_table", name="touchpoint_importance")

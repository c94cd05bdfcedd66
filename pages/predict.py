# First, before Polars loads: a link to this page can run it before the app script.
from ui import allocator  # noqa: F401  # isort: skip
import streamlit as st

import cxlib
from cxlib import predict
from cxlib.views import charts, charts_predict
from ui import cache, customer, drilldown, export, page, widgets
from ui.text import md

HORIZONS = {
    "any": "any time later",
    "7d": "within 7 days",
    "30d": "within 30 days",
    "90d": "within 90 days",
}

loaded, filters = page.start(
    "Predict",
    "The likely next touchpoint and the chance to convert for journeys still under way, "
    "trained on part of the customers and checked on the others. Journeys are per customer.",
)
touchpoints = customer.touchpoints(loaded, filters)
cols = st.columns([2, 2, 1])
goal = customer.pick_goal(loaded, filters, container=cols[0])
horizon = cols[1].selectbox(
    "Counts as converting when the goal comes",
    list(HORIZONS),
    format_func=HORIZONS.get,
    key="predict_horizon",
    bind="query-params",
)
cols[2].button(
    "Train",
    key="predict_train",
    type="primary",
    on_click=lambda: st.session_state.update(predict_on=True),
)
if not st.session_state.get("predict_on"):
    st.info("Press **Train** to train both models and check them on held-out customers.")
    st.stop()

options = {"goal": goal, "horizon": None if horizon == "any" else horizon}
with st.status("Training…") as status, widgets.errors_shown():
    status.update(label="Scoring on held-out customers…")
    scores = cache.run(predict.evaluate, loaded, filters, **options)
    status.update(label="Training on every customer…")
    model, in_flight = cache.run(predict.rank_in_flight, loaded, filters, **options)
    status.update(label="Trained", state="complete")

st.subheader("How good are the predictions?")
(st.success if scores.enough_data else st.warning)(md(scores.message))
m = st.columns(4)
m[0].metric(
    "Next touchpoint right (top 1)",
    f"{scores.next_top1:.1%}",
    delta=f"{100 * (scores.next_top1 - scores.next_top1_baseline):+.1f} pts vs first-order",
)
m[1].metric("Next touchpoint in the top 3", f"{scores.next_top3:.1%}")
if scores.auc is not None:
    m[2].metric(
        "Conversion ROC AUC",
        f"{scores.auc:.3f}",
        delta=f"{scores.auc - scores.auc_baseline:+.3f} vs last touchpoint",
    )
m[3].metric("Held-out customers", f"{scores.n_holdout:,}")
left, right = st.columns(2)
with left:
    export.chart(
        charts_predict.scores_chart,
        scores,
        title="Model against baseline",
        key="predict_scores",
        name="prediction_scores",
    )
with right:
    if scores.calibration:
        export.chart(
            charts_predict.calibration_chart,
            scores.calibration,
            title="Predicted against observed conversion",
            key="predict_calibration",
            name="calibration",
        )

st.subheader("What drives the chance to convert")
table = predict.drivers(model)
export.chart(charts_predict.drivers_chart, table, key="predict_drivers", name="conversion_drivers")
export.table(table, key="predict_drivers", name="conversion_drivers")

st.subheader("Journeys in flight, most likely to convert first")
st.caption(f"{in_flight.height:,} customers have not reached {md(goal)} yet.")
export.table(in_flight, key="predict_in_flight", name="propensity", height=400)
cols = st.columns(2)
top = cols[0].number_input(
    "Who are the most likely (0 = everyone in flight)", min_value=0, value=0, step=10,
    key="predict_who_top",
)  # fmt: skip
if top:
    most_likely = tuple(in_flight.head(int(top))["customer_id"].to_list())
    figure = cxlib.Listed(most_likely, label=f"the {int(top):,} most likely to reach {goal}")
else:
    figure = cxlib.InFlight(goal)
drilldown.show(loaded, filters, figure, key="predict_who", by="customer")

st.subheader("Try a journey")
prefix = st.multiselect(
    "The journey so far, in order (pick or type touchpoints; empty: not started)",
    widgets.keep_valid("predict_prefix", touchpoints),
    key="predict_prefix",
    bind="query-params",
)
left, right = st.columns([3, 1])
with left:
    following = predict.next_touchpoints(model, prefix, n=5)
    export.chart(
        charts.bar_chart,
        following,
        category="touchpoint",
        value="probability",
        percent=True,
        title="What comes next",
        key="predict_next",
        name="next_touchpoints",
    )
right.metric("Chance to convert", f"{predict.conversion_chance(model, prefix):.1%}")

st.subheader("What if drop-off fell?")
reduction = st.slider(
    "Drop-off lower by",
    5,
    100,
    10,
    step=5,
    format="%d%%",
    key="predict_reduction",
    bind="query-params",
)
with widgets.errors_shown():
    leverage = cache.run(
        predict.dropoff_leverage, loaded, filters, goal=goal, reduction=reduction / 100
    )
st.caption(
    "The journeys as an absorbing Markov chain: the share of each touchpoint's exits moves to "
    "its other next steps. Expected extra conversions, largest first."
)
export.chart(
    charts.bar_chart,
    leverage,
    category="touchpoint",
    value="delta",
    title="Extra conversions expected",
    limit=15,
    key="predict_leverage",
    name="dropoff_leverage",
)
export.table(leverage, key="predict_leverage", name="dropoff_leverage")

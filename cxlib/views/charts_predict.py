"""Altair pictures of the predictions: evaluation against baselines, calibration, drivers.

Same house style as :mod:`cxlib.views.charts` (fonts, colours, width); each builder takes
what :mod:`cxlib.predict` returns. The next-touchpoint probabilities are drawn with
:func:`cxlib.views.charts.bar_chart` (``category="touchpoint", value="probability",
percent=True``).
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import polars as pl

from cxlib.predict.evaluation import CalibrationBin, Evaluation
from cxlib.views.charts import ACCENT, FONT_SIZE, LOSS, row_height, styled

__all__ = ["calibration_chart", "drivers_chart", "score_table", "scores_chart"]

#: Colour of the baselines the models are compared with.
BASELINE = "#9aa5ad"

# (measure, field of the model's score, field of the baseline's score)
_MEASURES = (
    ("next touchpoint: top-1 accuracy", "next_top1", "next_top1_baseline"),
    ("next touchpoint: top-3 accuracy", "next_top3", None),
    ("conversion: ROC AUC", "auc", "auc_baseline"),
    (
        "conversion: precision in the top tenth",
        "precision_top_decile",
        "precision_top_decile_baseline",
    ),
)


def score_table(scores: Evaluation) -> pl.DataFrame:
    """The evaluation's scores as rows ``measure``, ``who`` (model or baseline), ``score``.

    Scores that are ``None`` (too little data) are left out.

    Examples
    --------
    >>> import datetime as dt
    >>> from cxlib import EventLog
    >>> from cxlib.predict import evaluate
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": list("aabbcc"),
    ...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10) * 3],
    ...     "touchpoint": ["ad", "buy", "ad", "buy", "ad", "home"]}))
    >>> score_table(evaluate(log, goal="buy")).rows()  # too few converters to score conversion
    [('next touchpoint: top-1 accuracy', 'model', 0.5), ('next touchpoint: top-1 accuracy', 'baseline', 0.5), ('next touchpoint: top-3 accuracy', 'model', 0.5)]
    """
    rows = []
    for measure, model, baseline in _MEASURES:
        for who, name in (("model", model), ("baseline", baseline)):
            score = None if name is None else getattr(scores, name)
            if score is not None:
                rows.append((measure, who, float(score)))
    return pl.DataFrame(
        rows, schema={"measure": pl.String, "who": pl.String, "score": pl.Float64}, orient="row"
    )


def scores_chart(scores: Evaluation, *, title: str | None = None) -> alt.LayerChart:
    """Paired bars: each score of the models next to its baseline's, written as a percent.

    The baselines are those of :func:`cxlib.predict.evaluate`: the first-order chain
    for the next touchpoint, the conversion rate of the last touchpoint for conversion.

    Examples
    --------
    >>> import datetime as dt
    >>> from cxlib import EventLog, predict
    >>> t = [dt.datetime(2024, 1, 1, h) for h in (9, 10, 9, 10)]
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": list("aabb"), "timestamp": t,
    ...     "touchpoint": ["ad", "buy", "ad", "home"]}))
    >>> scores_chart(predict.evaluate(log, goal="buy", holdout=0.5)).data["who"].to_list()
    ['model', 'baseline', 'model']
    """
    data = score_table(scores)
    order = [m for m, _, _ in _MEASURES if m in set(data["measure"])]
    colour = alt.Color(
        "who:N",
        scale=alt.Scale(domain=["model", "baseline"], range=[ACCENT, BASELINE]),
        title=None,
    )
    base = alt.Chart(data).encode(
        y=alt.Y("measure:N", sort=order, title=None),
        yOffset=alt.YOffset("who:N", sort=["model", "baseline"]),
        x=alt.X(
            "score:Q", title="score", axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])
        ),
        tooltip=["measure", "who", alt.Tooltip("score", format=".1%")],
    )
    bars = base.mark_bar().encode(color=colour)
    text = base.mark_text(align="left", dx=4, fontSize=FONT_SIZE - 2).encode(
        text=alt.Text("score:Q", format=".1%")
    )
    layer = alt.LayerChart(layer=[bars, text], data=data).properties(
        height=row_height(2 * len(order))
    )
    return styled(layer, title=title)


def calibration_chart(
    calibration: Sequence[CalibrationBin], *, title: str | None = None
) -> alt.LayerChart:
    """Predicted against observed conversion per tenth of the scale, on the diagonal when calibrated.

    ``calibration`` is the evaluation's (:attr:`Evaluation.calibration`); the points are
    sized by ``n`` (held-out prefixes in the bin).

    Examples
    --------
    >>> chart = calibration_chart([CalibrationBin("0.1-0.2", predicted=0.15, observed=0.2, n=40)])
    >>> chart.layer[1].data.rows()  # the points; layer 0 is the diagonal
    [('0.1-0.2', 0.15, 0.2, 40)]
    """
    data = pl.DataFrame(
        [(b.bin, b.predicted, b.observed, b.n) for b in calibration],
        schema={"bin": pl.String, "predicted": pl.Float64, "observed": pl.Float64, "n": pl.Int64},
        orient="row",
    )
    unit = alt.Scale(domain=[0, 1])
    pct = alt.Axis(format=".0%")
    diagonal = (
        alt.Chart(pl.DataFrame({"predicted": [0.0, 1.0], "observed": [0.0, 1.0]}))
        .mark_line(color=BASELINE, strokeDash=[6, 4])
        .encode(
            x=alt.X("predicted:Q", scale=unit, axis=pct),
            y=alt.Y("observed:Q", scale=unit, axis=pct),
        )
    )
    points = (
        alt.Chart(data)
        .mark_circle(color=ACCENT, opacity=0.9)
        .encode(
            x=alt.X("predicted:Q", title="predicted chance to convert", scale=unit, axis=pct),
            y=alt.Y("observed:Q", title="observed conversion rate", scale=unit, axis=pct),
            size=alt.Size("n:Q", title="prefixes", scale=alt.Scale(range=[60, 600])),
            tooltip=[
                "bin",
                alt.Tooltip("predicted", format=".1%"),
                alt.Tooltip("observed", format=".1%"),
                "n",
            ],
        )
    )
    layer = alt.LayerChart(layer=[diagonal, points]).properties(height=360)
    return styled(layer, title=title)


def drivers_chart(drivers: pl.DataFrame, *, limit: int = 15, title: str | None = None) -> alt.Chart:
    """The features moving the chance to convert most: bars right raise it, left lower it.

    ``drivers`` has the columns of :func:`cxlib.predict.drivers` (``feature``,
    ``coefficient``, ``odds_ratio``, ``importance``); the ``limit`` most important are drawn.

    Examples
    --------
    >>> d = pl.DataFrame({"feature": ["count: cart", "last: home", "events"],
    ...     "coefficient": [1.2, -0.8, 0.1], "odds_ratio": [3.3, 0.45, 1.1],
    ...     "importance": [1.2, 0.8, 0.1]})
    >>> drivers_chart(d, limit=2).data.select("feature", "effect").rows()
    [('count: cart', 'raises'), ('last: home', 'lowers')]
    """
    data = (
        drivers.sort(["importance", "feature"], descending=[True, False])
        .head(limit)
        .with_columns(
            effect=pl.when(pl.col("coefficient") >= 0)
            .then(pl.lit("raises"))
            .otherwise(pl.lit("lowers"))
        )
    )
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("feature:N", sort=data["feature"].to_list(), title=None),
            x=alt.X(
                "coefficient:Q",
                title="effect on the log-odds of converting (per standard deviation)",
            ),
            color=alt.Color(
                "effect:N",
                scale=alt.Scale(domain=["raises", "lowers"], range=[ACCENT, LOSS]),
                title="the chance",
            ),
            tooltip=[
                "feature",
                alt.Tooltip("coefficient", format=".2f"),
                alt.Tooltip("odds_ratio", format=".2f"),
            ],
        )
        .properties(height=row_height(data.height))
    )
    return styled(chart, title=title)

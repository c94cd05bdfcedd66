"""Altair pictures of one customer's journey: the timeline of their events, their path through the stages.

Same conventions as :mod:`cxlib.views.charts`; the inputs are the ``events`` and
``stages`` frames of a :class:`~cxlib.analyses.customer_journey.CustomerJourney`.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from cxlib.analyses.stages import STAGE_ORDER
from cxlib.views.charts import ACCENT, FONT_SIZE, LOSS, styled
from cxlib.views.format import format_seconds

__all__ = ["MAX_LABELLED", "customer_timeline_chart", "stage_progress_chart"]

#: Longest journey whose every event is labelled with its touchpoint (beyond: tooltips).
MAX_LABELLED = 40
#: The row of events with no channel.
NO_CHANNEL = "(no channel)"


def customer_timeline_chart(events: pl.DataFrame, *, title: str | None = None) -> alt.TopLevelMixin:
    """The customer's events in time: a row per channel, a point per event, a line through them.

    ``events`` is a :class:`~cxlib.analyses.customer_journey.CustomerJourney`'s. Points are
    coloured by channel and named by their touchpoint; tooltips give the step, the time
    since the previous event (humanised), the value and the rating.

    Examples
    --------
    >>> import datetime as dt
    >>> t = [dt.datetime(2024, 1, 1, h) for h in (9, 11)]
    >>> events = pl.DataFrame({"step": [1, 2], "timestamp": t,
    ...     "touchpoint": ["ad", "buy"], "channel": ["social", None], "value": [None, 20.0],
    ...     "rating": [None, 5.0], "seconds_since_previous": [None, 7200.0]})
    >>> chart = customer_timeline_chart(events)
    >>> chart.data.select("channel", "gap").rows()
    [('social', '–'), ('(no channel)', '2 h')]
    """
    data = events.with_columns(
        channel=pl.col("channel").fill_null(NO_CHANNEL),
        gap=pl.Series([format_seconds(s) for s in events["seconds_since_previous"].to_list()]),
    )
    channels = list(dict.fromkeys(data["channel"].to_list()))
    x = alt.X("timestamp:T", title=None)
    y = alt.Y("channel:N", sort=channels, title=None)
    colour = alt.Color("channel:N", sort=channels, legend=None)
    tooltip = [
        "step",
        "touchpoint",
        "channel",
        alt.Tooltip("timestamp:T", format="%Y-%m-%d %H:%M"),
        alt.Tooltip("gap", title="since previous"),
        alt.Tooltip("value", format=",.2f"),
        "rating",
    ]
    path = alt.Chart(data).mark_line(color="#bbbbbb").encode(x=x, y=y, order="step:Q")
    points = (
        alt.Chart(data)
        .mark_circle(size=160, opacity=1)
        .encode(x=x, y=y, color=colour, tooltip=tooltip)
    )
    layers: list[alt.Chart] = [path, points]
    if data.height <= MAX_LABELLED:
        layers.append(
            alt.Chart(data)
            .mark_text(align="left", angle=315, dx=6, dy=-6, fontSize=FONT_SIZE - 2)
            .encode(x=x, y=y, text="touchpoint:N")
        )
    height = max(160, 90 * len(channels))
    return styled(alt.layer(*layers).properties(height=height), title=title)


def stage_progress_chart(stages: pl.DataFrame, *, title: str | None = None) -> alt.TopLevelMixin:
    """The customer's stages in time: a step line through their stage visits, moves back in orange.

    Examples
    --------
    >>> import datetime as dt
    >>> t = [dt.datetime(2024, 1, d) for d in (1, 2, 3)]
    >>> stages = pl.DataFrame({"stage": ["awareness", "decision", "awareness"], "entered": t,
    ...     "left": t, "events": [1, 1, 1], "move": ["entry", "forward", "back"]})
    >>> chart = stage_progress_chart(stages)
    >>> chart.to_dict()["layer"][0]["encoding"]["y"]["sort"]
    ['advocacy', 'loyalty', 'decision', 'consideration', 'awareness']
    """
    data = stages
    order = [*reversed(STAGE_ORDER), *sorted(set(data["stage"].to_list()) - set(STAGE_ORDER))]
    x = alt.X("entered:T", title=None)
    y = alt.Y("stage:N", sort=order, title=None, scale=alt.Scale(domain=order))
    colour = alt.Color(
        "move:N",
        scale=alt.Scale(domain=["entry", "forward", "back"], range=["#555555", ACCENT, LOSS]),
        legend=alt.Legend(title=None, orient="top"),
    )
    tooltip = ["stage", alt.Tooltip("entered:T", format="%Y-%m-%d %H:%M"), "events", "move"]
    line = alt.Chart(data).mark_line(interpolate="step-after", color="#bbbbbb").encode(x=x, y=y)
    points = (
        alt.Chart(data)
        .mark_circle(size=160, opacity=1)
        .encode(x=x, y=y, color=colour, tooltip=tooltip)
    )
    return styled(alt.layer(line, points).properties(height=220), title=title)

"""The funnel builder of the Funnels page: steps in order, conditions, exclusions, what is counted.

Every choice is in the URL: the steps (``funnel_steps``, in order), the window, order,
breakdown and what is counted are widgets bound to it; the steps' conditions
(``funnel_where``) and the exclusions' step ranges (``funnel_between``) are compact JSON
the builder writes there. Steps move up and down with buttons (callbacks reorder the
``funnel_steps`` widget's value before it is drawn).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import streamlit as st

import cxlib
from cxlib.analyses.overview import value_counts
from cxlib.journeys import JourneyBy
from ui import cache, widgets
from ui.filters import MAX_OPTIONS, Filters
from ui.state import Loaded
from ui.text import md

__all__ = ["FunnelSpec", "draw"]

#: What the funnel counts: the option's value -> (journeys ``by``, ``count``) and label.
COUNTS = {
    "customer": ("customer", "journeys", "customers"),
    "session": ("session", "journeys", "sessions"),
    "attempt": ("customer", "attempts", "attempts (every start of step 1)"),
}
_WHERE, _BETWEEN = "funnel_where", "funnel_between"


@dataclass(frozen=True)
class FunnelSpec:
    """The funnel the builder defines, ready for :func:`cxlib.funnel` and its siblings."""

    steps: tuple[str | cxlib.Step, ...]
    window: str
    order: Literal["sequential", "strict", "any"]
    exclude: tuple[str | cxlib.Exclusion, ...]
    breakdown: str | None
    by: JourneyBy
    count: Literal["journeys", "attempts"]

    def options(self) -> dict[str, Any]:
        """The keyword arguments every funnel analysis takes."""
        return {
            "window": self.window,
            "order": self.order,
            "exclude": list(self.exclude),
            "by": self.by,
            "count": self.count,
        }


def _url_json(name: str) -> dict[str, Any]:
    """A JSON object kept in the session and the URL (the URL wins in a new session)."""
    if name not in st.session_state:
        try:
            value = json.loads(st.query_params.get(name, "{}"))
        except ValueError:
            value = {}
        st.session_state[name] = value if isinstance(value, dict) else {}
    return st.session_state[name]  # type: ignore[no-any-return]


def _write_url(name: str, value: dict[str, Any]) -> None:
    text = json.dumps(value, separators=(",", ":"), sort_keys=True) if value else None
    if text is None:
        st.query_params.pop(name, None)
    elif st.query_params.get(name) != text:
        st.query_params[name] = text


def _move(i: int, by: int) -> Callable[[], None]:
    def move() -> None:
        steps = list(st.session_state.get("funnel_steps", []))
        j = i + by
        if 0 <= i < len(steps) and 0 <= j < len(steps):
            steps[i], steps[j] = steps[j], steps[i]
            st.session_state["funnel_steps"] = steps

    return move


def _condition(where: dict[str, Any]) -> cxlib.Where | None:
    try:
        return cxlib.Where(
            str(where["column"]),
            tuple(where.get("values") or ()),
            where.get("low"),
            where.get("high"),
        )
    except (KeyError, TypeError, cxlib.CxError):
        return None  # a hand-edited link: the step counts without its condition


def _step_list(steps: list[str], conditions: dict[str, Any]) -> None:
    """The steps in order, each with its condition and buttons moving it."""
    for i, touchpoint in enumerate(steps):
        where = _condition(conditions.get(touchpoint, {}))
        text = touchpoint if where is None else f"{touchpoint} ({where.describe()})"
        cols = st.columns([8, 1, 1])
        cols[0].markdown(f"{i + 1}\\. {md(text)}")
        cols[1].button("↑", key=f"funnel_up_{i}", on_click=_move(i, -1), disabled=i == 0)
        last = i == len(steps) - 1
        cols[2].button("↓", key=f"funnel_down_{i}", on_click=_move(i, 1), disabled=last)


def _condition_editor(loaded: Loaded, filters: Filters, steps: list[str]) -> None:
    """Set or clear one step's condition on a column of its events."""
    conditions = _url_json(_WHERE)
    log = loaded.log
    columns = [c for c in ("channel", "value", "rating") if log.has(c)] + log.attributes
    cols = st.columns(4)
    cols[0].selectbox(
        "Condition on step", widgets.keep_valid("funnel_where_step", steps), key="funnel_where_step"
    )
    column = cols[1].selectbox(
        "Column", widgets.keep_valid("funnel_where_column", columns), key="funnel_where_column"
    )
    if column is None:
        return
    with cols[2]:
        if column in ("value", "rating"):
            st.number_input("At least", value=None, key="funnel_where_low")
            st.number_input("At most", value=None, key="funnel_where_high")
        else:
            with widgets.errors_shown():
                counts = cache.run(value_counts, loaded, filters, column, n=MAX_OPTIONS)
            options = [v for v in counts[column].to_list() if v is not None]
            st.multiselect(
                "Is one of",
                widgets.keep_valid("funnel_where_values", options),
                key="funnel_where_values",
            )

    # Callbacks read the widgets' state: a click may come with other changes in one run.
    def set_condition() -> None:
        get = st.session_state.get
        step, numeric = get("funnel_where_step"), column in ("value", "rating")
        values = [] if numeric else list(get("funnel_where_values") or [])
        low = get("funnel_where_low") if numeric else None
        high = get("funnel_where_high") if numeric else None
        if step is not None and (values or low is not None or high is not None):
            conditions[step] = {"column": column, "values": values, "low": low, "high": high}

    def clear() -> None:
        step = st.session_state.get("funnel_where_step")
        if step is not None:
            conditions.pop(step, None)

    cols[3].button("Set condition", key="funnel_where_set", on_click=set_condition)
    cols[3].button("Remove condition", key="funnel_where_clear", on_click=clear)


def _exclusions(exclude: list[str], n: int) -> tuple[str | cxlib.Exclusion, ...]:
    """The exclusions, each over the steps chosen for it (the whole funnel by default)."""
    between = _url_json(_BETWEEN)
    out: list[str | cxlib.Exclusion] = []
    for touchpoint in exclude:
        saved = between.get(touchpoint)
        first, last = saved if isinstance(saved, list) and len(saved) == 2 else (1, n)
        if not 1 <= first < last <= n:
            first, last = 1, n
        a, b = st.select_slider(
            f"{md(touchpoint)} breaks the attempt between steps",
            options=list(range(1, n + 1)),
            value=(first, last),
            key=f"funnel_between_{touchpoint}",
        )
        if a < b and (a, b) != (1, n):
            between[touchpoint] = [a, b]
            out.append(cxlib.Exclusion(touchpoint, after_step=a, before_step=b))
        else:
            between.pop(touchpoint, None)
            out.append(touchpoint)
    for touchpoint in [t for t in between if t not in exclude]:
        between.pop(touchpoint)
    _write_url(_BETWEEN, between)
    return tuple(out)


def draw(
    loaded: Loaded, filters: Filters, touchpoints: list[str], *, demo: list[str]
) -> FunnelSpec | None:
    """Draw the builder; the funnel it defines, or None until it has two steps."""
    steps = st.multiselect(
        "Steps, in order",
        widgets.keep_valid("funnel_steps", touchpoints),
        default=demo,
        key="funnel_steps",
        bind="query-params",
        placeholder="pick two or more touchpoints",
    )
    conditions = _url_json(_WHERE)
    for touchpoint in [t for t in conditions if t not in steps]:
        conditions.pop(touchpoint)
    if steps:
        with st.expander("Order of the steps and their conditions", expanded=False):
            _step_list(steps, conditions)
            _condition_editor(loaded, filters, steps)
    _write_url(_WHERE, conditions)
    cols = st.columns(5)
    window = cols[0].selectbox(
        "Conversion window",
        ["1h", "1d", "7d", "30d", "90d"],
        index=3,
        key="funnel_window",
        bind="query-params",
    )
    order = cols[1].selectbox(
        "Order",
        ["sequential", "strict", "any"],
        key="funnel_order",
        bind="query-params",
        help="sequential: other events may come between steps; strict: none may; any: any order",
    )
    exclude = cols[2].multiselect(
        "Exclusion steps",
        widgets.keep_valid("funnel_exclude", [t for t in touchpoints if t not in steps]),
        key="funnel_exclude",
        bind="query-params",
        placeholder="none",
    )
    log = loaded.log
    breakdowns = [*(["channel"] if log.has("channel") else []), *log.attributes]
    breakdown = cols[3].selectbox(
        "Breakdown",
        widgets.keep_valid("funnel_breakdown", breakdowns),
        key="funnel_breakdown",
        bind="query-params",
        index=None,
        placeholder="none",
    )
    counted = cols[4].radio(
        "Count",
        list(COUNTS),
        index=list(COUNTS).index(filters.by),
        format_func=lambda k: COUNTS[k][2],
        key="funnel_count",
        bind="query-params",
    )
    if len(steps) < 2:
        return None
    # Between which steps an exclusion applies matters in sequential order only.
    scoped = exclude and order == "sequential" and len(steps) > 2
    exclusions = _exclusions(exclude, len(steps)) if scoped else tuple(exclude)
    by, count, _ = COUNTS[counted]
    made = tuple(
        cxlib.Step(t, (where,)) if (where := _condition(conditions.get(t, {}))) else t
        for t in steps
    )
    return FunnelSpec(made, window, order, exclusions, breakdown, by, count)  # type: ignore[arg-type]

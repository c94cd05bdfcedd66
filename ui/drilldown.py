"""The customers behind a number: one component every page puts under its figures.

:func:`show` draws a switch; switched on, it lists the customers (journeys, attempts)
the figure counts, a page at a time (:func:`cxlib.customers_at` through ``ui.cache``),
with a CSV download of the whole list, "Use as segment" (a named segment for the
sidebar and Compare segments, :mod:`ui.segments`) and a link to one customer's
journey. Widget keys start with the ``key`` the page gives.
"""

from __future__ import annotations

from typing import TypedDict

import streamlit as st

import cxlib
from cxlib.analyses.drilldown.customers import MAX_PAGE_SIZE
from cxlib.analyses.drilldown.figures import Figure
from cxlib.journeys import JourneyBy
from ui import cache, export, segments, widgets
from ui.filters import Filters
from ui.state import Loaded
from ui.text import md

__all__ = ["JOURNEY_PAGE", "PAGE_SIZE", "UNITS", "open_journey", "show"]

#: Rows per page of a list.
PAGE_SIZE = 25
#: What the list's rows are, as its count is labelled: by unit, then journeys ``by``.
UNITS = {
    ("customer", "customer"): "Customers",
    ("customer", "session"): "Customers",
    ("journey", "customer"): "Customers",
    ("journey", "session"): "Sessions",
    ("attempt", "customer"): "Attempts",
    ("attempt", "session"): "Attempts",
}
#: The page that shows one customer's journey, and its widget (and URL parameter).
JOURNEY_PAGE, CUSTOMER = "pages/journey.py", "customer"


class _Options(TypedDict, total=False):
    """Keywords passed on to the list of customers: the journeys counted, when not the sidebar's."""

    by: JourneyBy


def show(
    loaded: Loaded,
    filters: Filters,
    figure: Figure,
    *,
    key: str,
    by: JourneyBy | None = None,
) -> None:
    """Under a figure: a switch that opens the list of who is behind it.

    ``by`` overrides the sidebar's journeys (a funnel counting its own way).
    """
    if not st.toggle(f"Who {md(figure.describe())}?", key=f"{key}_open"):
        return
    options: _Options = {} if by is None else {"by": by}
    page_key = f"{key}_page"
    with widgets.errors_shown():
        found = cache.run(
            cxlib.customers_at,
            loaded,
            filters,
            figure,
            page=int(st.session_state.get(page_key, 1)),
            page_size=PAGE_SIZE,
            **options,
        )
        if found.page > found.pages:  # the list got shorter (other filters): back to its start
            st.session_state[page_key] = 1
            found = cache.run(
                cxlib.customers_at, loaded, filters, figure, page_size=PAGE_SIZE, **options
            )
    cols = st.columns([1, 1, 3])
    cols[0].metric(UNITS[found.unit, by or filters.by], f"{found.total:,}")
    cols[1].number_input(
        "Page", min_value=1, max_value=found.pages, step=1, key=page_key,
        help=f"{found.pages:,} pages of {PAGE_SIZE}",
    )  # fmt: skip
    if found.total == 0:
        st.info("Nobody is behind this number with the current filters.")
        return
    rows = found.rows
    st.dataframe(
        rows, hide_index=True, column_config=export.column_config(rows), key=f"{key}_table"
    )
    _download(loaded, filters, found, key=key, options=options)
    left, right = st.columns(2)
    with left:
        _use_as_segment(loaded, filters, figure, key=key, by=by or filters.by)
    with right:
        open_journey(found.rows["customer_id"].unique(maintain_order=True).to_list(), key=key)


def _download(
    loaded: Loaded,
    filters: Filters,
    found: cxlib.CustomerList,
    *,
    key: str,
    options: _Options,
) -> None:
    """The whole list (up to :data:`MAX_PAGE_SIZE` rows) as CSV, built when clicked."""
    log = cache.filtered(loaded, filters)
    rows = min(found.total, MAX_PAGE_SIZE)
    label = f"Download {'all ' if rows == found.total else 'the first '}{rows:,} as CSV"
    st.download_button(
        label,
        data=lambda: export.csv_bytes(
            cxlib.customers_at(log, found.figure, page_size=rows, **options).rows
        ),
        file_name="customers.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
    )


def _use_as_segment(
    loaded: Loaded, filters: Filters, figure: Figure, *, key: str, by: JourneyBy
) -> None:
    name_key = f"{key}_segment_name"
    cohort = cxlib.Cohort(figure, by=by, within=filters.cohort)
    st.text_input("Segment name", value=figure.describe()[:60], key=name_key)

    def save() -> None:
        saved = segments.save(loaded, cohort, st.session_state.get(name_key, ""))
        st.session_state[f"{key}_saved"] = saved.name

    st.button("Use as segment", key=f"{key}_segment", on_click=save)
    if name := st.session_state.pop(f"{key}_saved", None):
        st.success(
            f"Saved as {md(name)}: pick it under Named segment in the sidebar, "
            "or in Compare segments."
        )


def open_journey(customers: list[str], *, key: str) -> None:
    """Pick one of ``customers`` and open the Customer journey page on them."""
    if not customers:
        return
    go = f"{key}_go"
    st.selectbox("Customer", customers, key=f"{key}_customer")

    # A callback, then the switch in the script: a click survives a restarted run.
    def pick() -> None:
        st.session_state[CUSTOMER] = st.session_state.get(f"{key}_customer")
        st.session_state[go] = True

    st.button("Open their journey", key=f"{key}_journey", on_click=pick)
    if st.session_state.pop(go, False) and st.session_state.get(CUSTOMER):
        chosen = st.session_state[CUSTOMER]
        kept = [
            (k, v) for k in st.query_params for v in st.query_params.get_all(k) if k != CUSTOMER
        ]
        st.switch_page(JOURNEY_PAGE, query_params=[*kept, (CUSTOMER, chosen)])

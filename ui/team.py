"""What the team shares, drawn for a session: the workspace's logs and the saved views.

:func:`saved_logs` is the Data page's list of the workspace's logs (open, rename, share,
delete); :func:`saved_views` is the sidebar's box that saves the page's state as a view
and lists the views to open. Both show only what the person may see (:mod:`ui.workspace`),
and every name goes through :func:`ui.text.md`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import polars as pl
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

import cxlib
from ui import auth, state, views
from ui.text import md
from ui.workspace import LogEntry, workspace

__all__ = ["saved_logs", "saved_views"]

_LOGS, _VIEWS = "logs", "views"


def _in_callback(action: Callable[[], object], where: str) -> None:
    """Run a button's action; its error is shown once, in its own section (``where``)."""
    try:
        action()
    except cxlib.CxError as err:
        st.session_state[f"cx_team_error_{where}"] = str(err)


def _show_error(where: str) -> None:
    if message := st.session_state.pop(f"cx_team_error_{where}", None):
        st.error(md(message))


def _label(entry: LogEntry) -> str:
    return f"{entry.name} (added by {entry.owner_name or entry.owner or 'the team'}, {entry.added_at:%Y-%m-%d %H:%M} UTC)"


def saved_logs(loaded: state.Loaded) -> None:
    """The Data page's section listing the workspace's logs, to open, rename, share or delete."""
    who = auth.person()
    st.subheader("Saved logs")
    st.caption(
        "Every upload and connection is kept on the server under its name"
        + (
            ", private until you share it with the team."
            if auth.required()
            else ", for everyone using this dashboard (sign-in keeps uploads private)."
        )
        + " The page's link opens the same log for anyone who may see it."
    )
    _show_error(_LOGS)
    try:
        entries = {entry.id: entry for entry in workspace().logs(who)}
    except cxlib.CxError as err:
        st.error(md(str(err)))
        return
    if not entries:
        st.info("Nothing saved yet.")
        return
    table = pl.DataFrame(
        {
            "name": [e.name for e in entries.values()],
            "added_by": [e.owner_name or e.owner or "the team" for e in entries.values()],
            "added_at": [e.added_at.replace(tzinfo=None) for e in entries.values()],
            "events": [e.rows if e.kind == "upload" else None for e in entries.values()],
            "kind": [e.kind for e in entries.values()],
            "shared": [e.shared for e in entries.values()],
        }
    )
    st.dataframe(
        table, hide_index=True, key="data_saved_table", height=min(35 * (len(entries) + 1) + 3, 300)
    )
    ids = list(entries)
    if st.session_state.get("data_saved_log") not in entries:
        st.session_state["data_saved_log"] = loaded.log_id if loaded.log_id in entries else ids[0]
    picked = st.selectbox(
        "Saved log", ids, key="data_saved_log", format_func=lambda i: _label(entries[i])
    )
    entry = entries[picked]
    mine = entry.owner == who.id
    cols = st.columns([1, 3, 1, 1])
    cols[0].button(
        "Open", key="data_saved_open", on_click=_in_callback,
        args=(lambda: state.load_saved(picked), _LOGS),
    )  # fmt: skip
    cols[1].text_input(
        "New name", key="data_saved_name", placeholder=entry.name, label_visibility="collapsed",
        disabled=not mine,
    )  # fmt: skip
    cols[2].button(
        "Rename", key="data_saved_rename", disabled=not mine, on_click=_in_callback,
        args=(lambda: _rename(picked), _LOGS),
    )  # fmt: skip
    cols[3].button(
        "Delete", key="data_saved_delete", disabled=not mine, on_click=_in_callback,
        args=(lambda: _delete(picked), _LOGS),
    )  # fmt: skip
    if auth.required() and mine:
        st.toggle(
            "Shared with the team", value=entry.shared, key=f"data_saved_shared_{picked}",
            on_change=_in_callback,
            args=(lambda: workspace().share(picked, st.session_state[f"data_saved_shared_{picked}"], who), _LOGS),
        )  # fmt: skip


def _rename(log_id: str) -> None:
    name = st.session_state.get("data_saved_name", "")
    entry = workspace().rename(log_id, name, auth.person())
    st.session_state["data_saved_name"] = ""
    loaded = st.session_state.get("cx_loaded")
    if loaded is not None and loaded.log_id == log_id:
        state.load_saved(entry.id)


def _delete(log_id: str) -> None:
    workspace().delete(log_id, auth.person())
    loaded = st.session_state.get("cx_loaded")
    if loaded is not None and loaded.log_id == log_id:  # still open here, saved no more
        st.session_state["cx_loaded"] = dataclasses.replace(loaded, log_id=None)


def saved_views(loaded: state.Loaded, page: str) -> None:
    """The sidebar's box: save this page's state as a view; open the team's views."""
    who = auth.person()
    with st.sidebar.expander("Saved views"):
        _show_error(_VIEWS)
        st.text_input(
            "Name of this view", key="view_name", placeholder="e.g. checkout funnel, March"
        )
        if auth.required():
            st.toggle("Share with the team", value=False, key="view_shared")
        st.button(
            "Save this view", key="view_save", on_click=_in_callback,
            args=(lambda: _save_view(loaded, page), _VIEWS),
        )  # fmt: skip
        try:
            saved = views.views(workspace(), who)[:30]
        except cxlib.CxError as err:
            st.error(md(str(err)))
            return
        for view in saved:
            owner = view.owner_name or view.owner or "the team"
            st.link_button(
                md(view.name), f"?{urlencode(view.query())}", key=f"view_open_{view.id}",
                help=md(f"{view.page} page, saved by {owner} on {view.added_at:%Y-%m-%d}"),
                width="stretch",
            )  # fmt: skip


def _save_view(loaded: state.Loaded, page: str) -> None:
    views.save(
        workspace(),
        name=st.session_state.get("view_name", ""),
        page=page,
        controls=_controls(),
        log_id=loaded.log_id,
        scenario=loaded.scenario,
        who=auth.person(),
        shared=not auth.required() or bool(st.session_state.get("view_shared")),
    )
    st.session_state["view_name"] = ""


def _controls() -> dict[str, Any]:
    """The values of the widgets bound to the URL: the sidebar's filters and the page's controls.

    Streamlit keeps which widget keys are bound to a query parameter (every control of
    a page is, by the app's convention); buttons and uploaders never are.
    """
    ctx = get_script_run_ctx()
    if ctx is None:
        return {}
    with ctx.session_state.query_params() as params:
        return {key: st.session_state[key] for key in st.session_state if params.is_bound(key)}

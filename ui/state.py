"""Session and URL state: which data this session looks at, and the link that reproduces it.

The loaded :class:`cxlib.EventLog` lives in ``st.session_state`` (one per browser
session, never shared). It is identified by a **data key**: a hash of the uploaded
bytes (or the bundled scenario's name, or a connected source's fingerprint) and the
role mapping, which is what the caches in :mod:`ui.cache` are keyed on.

Every upload and connection is kept in the team's workspace (:mod:`ui.workspace`), and
the URL names the data by the workspace's id (``?log=<id>``) or the bundled scenario
(``?scenario=bank``), so a reload or a teammate opening the link sees the same data, if
they may. ``?view=<id>`` opens a saved view (:mod:`ui.views`): its page, data and
controls. A link never carries a path.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

import cxlib
from cxlib import sample
from cxlib.io import Inspection
from cxlib.journeys import journey_table
from cxlib.views.format import format_bytes
from ui import auth, cache, views
from ui.connect import Connection
from ui.pages import PAGES
from ui.progress import progress
from ui.text import md
from ui.widgets import errors_shown
from ui.workspace import LogEntry, StorageError, workspace

__all__ = [
    "DEFAULT_SCENARIO",
    "ROLE_ARGS",
    "UPLOAD",
    "UPLOAD_READ",
    "Loaded",
    "Upload",
    "connect",
    "current",
    "load_connection",
    "load_saved",
    "load_scenario",
    "load_uploads",
    "not_loaded",
    "open_sample",
    "reload_roles",
    "reload_with_roles",
    "scenario_data",
    "set_upload_aside",
    "show_load_error",
    "show_substitution",
]

DEFAULT_SCENARIO = "retail"
#: Role of the canonical log -> the keyword of :func:`cxlib.load` that sets it.
ROLE_ARGS = {
    "customer_id": "customer",
    "timestamp": "timestamp",
    "touchpoint": "touchpoint",
    "channel": "channel",
    "value": "value",
    "rating": "rating",
}
_LOADED = "cx_loaded"
#: The upload the import assistant works on (see :mod:`ui.assistant`), and that file as read.
UPLOAD = "cx_upload"
UPLOAD_READ = "cx_upload_read"
_LOAD_ERROR = "cx_load_error"
#: (what was asked for, why it is not loaded) while other data is shown instead.
_NOT_LOADED = "cx_not_loaded"
_VIEW = "cx_view"
#: URL parameters naming the data (a workspace log, a bundled scenario) or a saved view.
DATA_PARAMS = ("log", "scenario", "view")
#: Parameters of links made before the workspace: they named a path, which links no longer do.
_OLD_CONNECT = ("connect", "connect_to", "connect_table", "connect_engine")


@dataclass(frozen=True)
class Upload:
    """One uploaded file, kept as bytes so the log can be re-loaded with other roles."""

    name: str
    data: bytes = field(repr=False)

    @functools.cached_property
    def digest(self) -> str:
        """The content's SHA-256 (computed once: files of hundreds of megabytes)."""
        return hashlib.sha256(self.data).hexdigest()

    def open(self) -> io.BytesIO:
        """A fresh file object over the bytes, named like the file (the loader reads the name)."""
        handle = io.BytesIO(self.data)
        handle.name = self.name
        return handle


@dataclass(frozen=True)
class Loaded:
    """The data a session looks at: the log, its cache key and where it came from."""

    log: cxlib.EventLog
    key: str
    label: str
    scenario: str | None = None
    uploads: tuple[Upload, ...] = ()
    roles: Mapping[str, Any] = field(default_factory=dict)
    connection: Connection | None = None
    #: The other options of :func:`cxlib.load` the data was loaded with (reading, format).
    options: Mapping[str, Any] = field(default_factory=dict)
    #: The workspace's id of the log (uploads and connections).
    log_id: str | None = None

    def query(self) -> dict[str, str]:
        """The URL parameters that reopen this data."""
        if self.log_id is not None:
            return {"log": self.log_id}
        return {"scenario": self.scenario} if self.scenario is not None else {}


def _key(
    parts: Sequence[bytes], roles: Mapping[str, Any], options: Mapping[str, Any] | None = None
) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    digest.update(repr(sorted(roles.items())).encode())
    if options:
        digest.update(repr(sorted(options.items())).encode())
    return digest.hexdigest()[:32]


def _store(loaded: Loaded) -> Loaded:
    st.session_state[_LOADED] = loaded
    st.session_state.pop(_NOT_LOADED, None)  # what is shown now is what was asked for
    return loaded


def not_loaded(asked: str | None, reason: str | None = None) -> None:
    """Remember that ``asked`` (a file, a link's data) did not load, and why; None: forget it."""
    if asked is None:
        st.session_state.pop(_NOT_LOADED, None)
    else:
        st.session_state[_NOT_LOADED] = (asked, reason or "")


def show_substitution(loaded: Loaded) -> None:
    """On every page: a banner while the data shown is not the data asked for, saying why."""
    asked = st.session_state.get(_NOT_LOADED)
    if asked is None:
        return
    what, reason = asked
    st.warning(
        f"Showing **{md(loaded.label)}**, not **{md(what)}**, which did not load: "
        f"{md(reason.rstrip('.'))}. Fix it on the Data page, or remove it there."
    )


def scenario_data(scenario: str, roles: Mapping[str, str] | None = None) -> Loaded:
    """A bundled scenario's data, its log loaded once for every session (raises :class:`cxlib.CxError`).

    The session's data does not change: :func:`load_scenario` makes it the session's.
    """
    if scenario not in sample.SCENARIOS:
        msg = f"unknown scenario {scenario!r}; choose one of {list(sample.SCENARIOS)!r}"
        raise cxlib.AnalysisError(msg)
    roles = dict(roles or {})
    key = _key([f"scenario:{scenario}".encode()], roles)
    log = cache.RESULTS.get_or_compute(
        ("sample", key),
        lambda: cxlib.load(sample.path(scenario), **_role_args(roles)),
        on_miss=lambda: st.spinner(f"Loading the {scenario} sample journeys…"),
    )
    return Loaded(log, key, f"sample: {scenario}", scenario=scenario, roles=roles)


def load_scenario(scenario: str, roles: Mapping[str, str] | None = None) -> Loaded:
    """Load a bundled scenario as the session's data (raises :class:`cxlib.CxError` for an unknown one)."""
    return _store(scenario_data(scenario, roles))


def load_uploads(
    uploads: Sequence[Upload],
    roles: Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
    *,
    read: Inspection | None = None,
) -> Loaded:
    """Load one or several uploaded files as one log and keep it in the workspace.

    ``options`` are the other keywords of :func:`cxlib.load` (separator, encoding,
    header, sheet, timestamp_format, layout). ``read`` is the one upload already read
    with these options (the import assistant's inspection): it is not read again (a
    757 MB CSV was parsed twice). Raises :class:`cxlib.CxError` when the files cannot be loaded.
    """
    roles, options = dict(roles or {}), dict(options or {})
    files = [u.open() for u in uploads]
    label = ", ".join(u.name for u in uploads)
    size = format_bytes(sum(len(u.data) for u in uploads))
    with progress(md(f"Loading {label} ({size})")) as step:
        if read is not None and len(uploads) == 1:
            step(f"Recognising the columns of the {size} read…")
            layout, ts_format = options.get("layout"), options.get("timestamp_format")
            log = read.load(roles, timestamp_format=ts_format, layout=layout)
        else:
            step(f"Reading {size} and recognising the columns…")
            log = cxlib.load(files[0] if len(files) == 1 else files, **_role_args(roles), **options)
        # Each file's content hash is computed once (Upload.digest): hundreds of megabytes.
        key = _key([f"{u.name}\0{u.digest}".encode() for u in uploads], roles, options)
        events = f"{log.report.rows_kept:,} events read. " if log.report else ""
        # The pages need them next, and the report's figures, saved with the log, are
        # then counted on them (10M events: 0.15 s instead of 0.6).
        step(f"{events}Sorting them into journeys…")
        journey_table(log)
        step("Saving them in the workspace…")
        log_id = _kept(
            label,
            lambda: workspace().add(
                log, name=label, content_key=key, roles=roles, who=auth.person(), shared=_shared()
            ),
        )
    loaded = Loaded(log, key, label, uploads=tuple(uploads), roles=roles, options=options)
    return _store(dataclasses.replace(loaded, log_id=log_id))


def load_connection(
    connection: Connection, roles: Mapping[str, str] | None = None, *, log_id: str | None = None
) -> Loaded:
    """Open a Parquet, DuckDB or Spark source where it lives (raises :class:`cxlib.CxError`).

    A new connection is recorded in the workspace; ``log_id`` names one already there.
    """
    roles = dict(roles or {})
    with st.spinner(f"Connecting to {md(connection.label)}…"):
        chosen = connection.resolved()  # the workspace keeps the choice "auto", not its outcome
        log = chosen.open(**_role_args(roles))
        key = _key([b"connect", chosen.fingerprint()], roles)
    if log_id is None:
        log_id = _kept(
            chosen.label,
            lambda: workspace().add(
                connection.source(),
                name=chosen.label,
                content_key=key,
                roles=roles,
                who=auth.person(),
                shared=_shared(),
            ),
        )
    loaded = Loaded(log, key, chosen.label, roles=roles, connection=connection, log_id=log_id)
    return _store(loaded)


def _kept(label: str, keep: Callable[[], LogEntry]) -> str | None:
    """Keep a log in the workspace; if the workspace cannot be used, the session keeps it alone."""
    try:
        return keep().id
    except StorageError as err:
        st.session_state[_LOAD_ERROR] = f"{label} is open in this session only, not saved: {err}"
        return None


def load_saved(log_id: str) -> Loaded:
    """Open a log of the workspace by its id (raises :class:`ui.workspace.NotFound` if not allowed)."""
    ws = workspace()
    entry = ws.get(log_id, auth.person())
    if entry.source is not None:
        return load_connection(Connection.from_source(entry.source), entry.roles, log_id=entry.id)
    with st.spinner(f"Opening {md(entry.name)}…"):
        log = ws.open(entry)
    return _store(Loaded(log, entry.content_key, entry.name, roles=entry.roles, log_id=entry.id))


def reload_with_roles(loaded: Loaded, roles: Mapping[str, str]) -> Loaded:
    """The same source loaded again with these explicit role -> column choices."""
    if loaded.scenario is not None:
        return load_scenario(loaded.scenario, roles)
    if loaded.connection is not None:
        return load_connection(loaded.connection, roles)
    if not loaded.uploads:
        msg = "choosing other columns needs the file itself: upload it again, then choose them"
        raise cxlib.MappingError(msg)
    return load_uploads(loaded.uploads, roles, loaded.options)


def _shared() -> bool:
    """Whether a new log is shared with the team: always without sign-in; by choice with it."""
    return not auth.required() or bool(st.session_state.get("data_share", False))


# Buttons load through callbacks: they run before the script, so the sidebar drawn next
# already shows the new data, and a click survives the run being restarted.
def _in_callback(load: Callable[[], Loaded]) -> None:
    try:
        load()
    except cxlib.CxError as err:
        st.session_state[_LOAD_ERROR] = str(err)
        return
    set_upload_aside()  # other data asked for


def set_upload_aside() -> bool:
    """The import assistant's upload no longer worked on; whether there was one.

    The file as read goes too: 1.6 GB for a 757 MB CSV, kept to the session's end before.
    """
    st.session_state.pop(UPLOAD_READ, None)
    return st.session_state.pop(UPLOAD, None) is not None


def open_sample() -> None:
    """Callback of the Data page's button: load the scenario picked in ``data_scenario``."""
    _in_callback(lambda: load_scenario(st.session_state["data_scenario"]))


def connect() -> None:
    """Callback of the Data page's Connect button: open the source typed in ``data_connect_*``."""
    get = st.session_state.get
    kind = get("data_connect_kind", "parquet")
    parquet = kind == "parquet"
    connection = Connection(
        kind,
        get("data_connect_to") or "",
        None if parquet else (get("data_connect_table") or "").strip() or None,
        get("data_connect_engine", "auto") if parquet else "auto",
    )
    _in_callback(lambda: load_connection(connection))


def reload_roles() -> None:
    """Callback of the Data page's button: re-load with the columns picked in ``data_role_*``."""
    picked = {role: st.session_state.get(f"data_role_{role}") for role in ROLE_ARGS}
    roles = {role: column for role, column in picked.items() if column is not None}
    _in_callback(lambda: reload_with_roles(current(), roles))


def show_load_error() -> None:
    """Show, once, the error of the last load a button asked for."""
    if message := st.session_state.pop(_LOAD_ERROR, None):
        st.error(md(message))


def _role_args(roles: Mapping[str, Any]) -> dict[str, Any]:
    return {ROLE_ARGS[role]: column for role, column in roles.items()}


def current() -> Loaded:
    """The session's data: the first time, the view, log or scenario the URL names (or retail)."""
    loaded = st.session_state.get(_LOADED)
    if loaded is None:
        loaded = _first_load()
    # Touch the URL only where it is wrong: every write re-sends it to the browser. A
    # view opened by the link stays in it, so a reload opens the view again.
    wanted = loaded.query()
    opened = st.session_state.get(_VIEW, {})
    if (
        opened
        and opened["view"] == st.query_params.get("view")
        and wanted.items() <= opened.items()
    ):
        wanted["view"] = opened["view"]
    for name in (*DATA_PARAMS, *_OLD_CONNECT):
        if name not in wanted and name in st.query_params:
            del st.query_params[name]
        elif name in wanted and st.query_params.get(name) != wanted[name]:
            st.query_params[name] = wanted[name]
    return loaded


def _first_load() -> Loaded:
    """The data a new session opens on: the link's view, log or scenario, else retail.

    A view switches to its page with its parameters (this run stops there). A link to
    a log that cannot be opened (deleted, private, a moved file) says why and opens the
    default sample instead, so the dashboard is never left without data.
    """
    params = st.query_params
    failed = None
    if "view" in params and st.session_state.get(_VIEW, {}).get("view") != params["view"]:
        try:
            view = views.get(workspace(), params["view"], auth.person())
        except cxlib.CxError as err:
            failed = ("the link's view", str(err))
        else:  # its controls' values, set before any widget is drawn, then its page
            for key, value in view.controls.items():
                st.session_state[key] = value
            st.session_state[_VIEW] = view.query()
            page = next(file for file, _, url in PAGES if url == view.page)
            st.switch_page(page, query_params=view.query())
    if "log" in params and failed is None:
        try:
            return load_saved(params["log"])
        except cxlib.CxError as err:
            failed = ("the link's data", str(err))
    elif any(name in params for name in _OLD_CONNECT):
        failed = (
            "the link's data",
            "links no longer name a file or a server: open the data from the Data page, then "
            "share the new link (it names the saved log)",
        )
    wanted = st.query_params.get("scenario", DEFAULT_SCENARIO)
    if wanted not in sample.SCENARIOS:
        known = ", ".join(sample.SCENARIOS)
        failed = failed or (
            f"the sample {wanted!r}",
            f"there is no such sample (there are {known}).",
        )
        wanted = DEFAULT_SCENARIO
    with errors_shown():
        loaded = load_scenario(wanted)
    if failed is not None:
        not_loaded(*failed)
    return loaded

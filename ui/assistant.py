"""The import assistant: every upload shown as read, its roles asked about, fixed in one go.

After an upload the Data page shows the new file's columns and first rows, how it was
read (separator, encoding, header line, sheet: each can be changed), the column
recognised for each role with how sure the guess is and why (a guess below
:data:`cxlib.io.recognize.HIGH` is asked as a question), and the timestamp format with
a live count of the rows it parses. "Load" applies all of it. A failed load leaves the
previous data in use, says why in plain words, and every page says which data it shows
instead (:func:`ui.state.show_substitution`). Settings can be saved for the next file
with the same columns (:mod:`ui.mappings`). The uploader stands empty again for the next
file (:func:`uploader_key`); "Set this file aside" closes the import.

The upload being worked on is a :class:`Pending` in ``st.session_state["cx_upload"]``;
what was read of it is kept per session, keyed by the file's content and the reading
settings, so moving a control does not read the file again.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import streamlit as st
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

import cxlib
from cxlib.io import Inspection, inspect
from cxlib.io.recognize import HIGH, PURCHASE, ROLES
from cxlib.io.sniff import ENCODINGS, WHITESPACE
from ui import mappings, state, widgets, workspace
from ui.state import Upload
from ui.text import md

__all__ = [
    "PENDING",
    "Pending",
    "Settings",
    "apply",
    "current",
    "draw",
    "forget",
    "take",
    "uploader_key",
]

PENDING = state.UPLOAD
#: How many uploads the session took: the uploader's key (see uploader_key).
_UPLOADER = "cx_uploads_taken"
_READ = state.UPLOAD_READ
#: Widget keys of the assistant, reset when another file is uploaded.
_WIDGETS = ("data_sep", "data_encoding", "data_header", "data_sheet", "data_ts_format",
            "data_role_time", "data_remember", *(f"data_role_{r}" for r in ROLES))  # fmt: skip
_SEPARATORS = {",": "comma ,", ";": "semicolon ;", "\t": "tab", "|": "pipe |",
               WHITESPACE: "runs of spaces (aligned columns)"}  # fmt: skip
_ENCODINGS = {"utf-8": "UTF-8", "cp1252": "Windows-1252", "latin-1": "Latin-1 (ISO 8859-1)",
              "utf-16": "UTF-16", "cp850": "DOS (code page 850)", "mac-roman": "Mac Roman"}  # fmt: skip
_ROLE_NAMES = {"customer_id": "customer", "timestamp": "timestamp", "touchpoint": "touchpoint",
               "channel": "channel", "value": "value", "rating": "rating"}  # fmt: skip
_EACH_PURCHASE = "(each row is a purchase)"
_EACH_DATE = "(each date column is an event)"
_DATED_TIMES = "(the dates of those columns)"
_NONE = "(none)"


@dataclass(frozen=True)
class Settings:
    """What the assistant lets a person choose for an upload (``None``: found out)."""

    separator: str | None = None
    encoding: str | None = None
    header: bool | None = None
    sheet: str | None = None
    timestamp_format: str | None = None
    layout: str | None = None
    roles: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)

    def read_options(self) -> dict[str, Any]:
        """The options of :func:`cxlib.load` that say how to read the file."""
        return {"separator": self.separator, "encoding": self.encoding,
                "header": self.header, "sheet": self.sheet}  # fmt: skip

    def load_options(self) -> dict[str, Any]:
        """Every option of :func:`cxlib.load` but the roles."""
        return self.read_options() | {"timestamp_format": self.timestamp_format,
                                      "layout": self.layout}  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain JSON values (to save them)."""
        out = dataclasses.asdict(self)
        out["roles"] = {r: list(c) if isinstance(c, tuple) else c for r, c in self.roles.items()}
        return out

    @classmethod
    def from_dict(cls, saved: Mapping[str, Any]) -> Settings:
        """Settings saved by :meth:`as_dict` (unknown keys ignored)."""
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in saved.items() if k in names}
        roles = values.get("roles") or {}
        values["roles"] = {r: tuple(c) if isinstance(c, list) else c for r, c in roles.items()}
        return cls(**values)


@dataclass(frozen=True)
class Pending:
    """An upload asked for, the settings tried last, and why it did not load (if it did not)."""

    uploads: tuple[Upload, ...]
    settings: Settings
    error: str | None = None
    saved: bool = False

    @property
    def label(self) -> str:
        """The files' names."""
        return ", ".join(u.name for u in self.uploads)


def current() -> Pending | None:
    """The upload the assistant works on, if any."""
    return st.session_state.get(PENDING)


def _read(upload: Upload, settings: Settings) -> Inspection:
    """The upload read with these settings (kept for the session: controls re-run the page)."""
    kept = _kept_read(upload, settings)
    if kept is None:
        kept = inspect(upload.open(), **settings.read_options())
        st.session_state[_READ] = (_read_key(upload, settings), kept)
    return kept


def _read_key(upload: Upload, settings: Settings) -> tuple[Any, ...]:
    return (upload.digest, tuple(settings.read_options().items()))


def _kept_read(upload: Upload, settings: Settings) -> Inspection | None:
    """The upload as this session last read it, if read with these settings."""
    kept = st.session_state.get(_READ)
    return kept[1] if kept is not None and kept[0] == _read_key(upload, settings) else None


def _attempt(uploads: tuple[Upload, ...], settings: Settings, *, saved: bool) -> None:
    error = None
    read = _kept_read(uploads[0], settings) if len(uploads) == 1 else None
    try:
        state.load_uploads(uploads, settings.roles, settings.load_options(), read=read)
    except cxlib.CxError as err:
        error = str(err)
        state.not_loaded(", ".join(u.name for u in uploads), error)
    st.session_state[PENDING] = Pending(uploads, settings, error, saved)


def uploader_key() -> str:
    """The uploader's key: a new one after each upload, so that the uploader stands empty again.

    Streamlit deep-copies a widget's value on every run that draws the widget: a file left
    in the uploader was copied on every run of the Data page. At 10M events (a 757 MB CSV)
    each copy took 0.4 s, and 5 s in a virtual machine slow to hand out fresh memory; the
    upload's own run drew the uploader twice.
    """
    return f"data_upload_{st.session_state.get(_UPLOADER, 0)}"


def take() -> None:
    """Callback of the uploader: load the files put in it, with the settings saved for their columns.

    The files are read from the session state (not copied) and handed to the assistant;
    the uploader is then replaced by an empty one (:func:`uploader_key`). Streamlit is
    told to forget them: the assistant's :class:`Pending` keeps their content.
    """
    key = uploader_key()
    files = st.session_state.get(key) or []
    st.session_state[_UPLOADER] = st.session_state.get(_UPLOADER, 0) + 1
    if not files:
        return
    for widget in _WIDGETS:  # the new file's controls start afresh (see widgets.choose)
        st.session_state.pop(widget, None)
    st.session_state["data_ts_format"] = ""
    uploads = tuple(Upload(f.name, f.getvalue()) for f in files)
    _forget_in_streamlit(f.file_id for f in files)
    settings, saved = Settings(), None
    with (
        st.spinner(md(f"Looking at {uploads[0].name}'s columns…")),
        contextlib.suppress(cxlib.CxError),  # the load below says what is wrong
    ):
        saved = mappings.find(_read(uploads[0], settings).columns)
    if saved is not None:
        settings = Settings.from_dict(saved)
    _attempt(uploads, settings, saved=saved is not None)


def _forget_in_streamlit(file_ids: Iterable[str]) -> None:
    """Drop the uploaded files from Streamlit's store, which keeps them until the session ends.

    Their content stays alive while the assistant's :class:`Pending` holds it; without
    this, each file uploaded in a session would stay in memory to its end.
    """
    ctx = get_script_run_ctx()
    if ctx is not None and isinstance(ctx.uploaded_file_mgr, MemoryUploadedFileManager):
        for file_id in file_ids:
            ctx.uploaded_file_mgr.remove_file(ctx.session_id, file_id)


def forget() -> None:
    """Callback of "Set this file aside": the upload is no longer worked on, nor asked for."""
    if state.set_upload_aside():
        state.not_loaded(None)


def _choice(key: str, default: Any) -> Any:
    return st.session_state.get(key, default)


def _widget_settings(pending: Pending) -> Settings:
    """The settings the reading controls show now (roles not included)."""
    base = pending.settings
    sheet = _choice("data_sheet", base.sheet)
    return dataclasses.replace(
        base,
        separator=_choice("data_sep", base.separator),
        encoding=_choice("data_encoding", base.encoding),
        header=_choice("data_header", base.header),
        sheet=sheet,
    )


def _options(found: Inspection, role: str) -> dict[str, Any]:
    """A role's choices: label -> what to pass for it (a column, columns, or a layout)."""
    out: dict[str, Any] = (
        {} if role in ("customer_id", "timestamp", "touchpoint") else {_NONE: None}
    )
    match = found.recognition.mapping.get(role)
    sources = found.recognition.sources.get(role, ())
    if match is not None and len(sources) > 1 and role != "timestamp":
        out[match.column] = tuple(sources)  # "user_id | device_id", "Quantity × UnitPrice"
    out |= {c: c for c in found.columns}
    if role == "touchpoint":
        out |= {_EACH_PURCHASE: ("layout", "purchases"), _EACH_DATE: ("layout", "dated_columns")}
    if role == "timestamp" and found.recognition.layout == "dated_columns":
        out = {_DATED_TIMES: None, **out}
    return out


def _default(found: Inspection, role: str, settings: Settings) -> str:
    """The label a role's picker starts on: the saved or last choice, else the guess."""
    chosen = settings.roles.get(role)
    if role == "touchpoint" and settings.layout in ("purchases", "dated_columns"):
        return _EACH_PURCHASE if settings.layout == "purchases" else _EACH_DATE
    if chosen is not None:
        return chosen if isinstance(chosen, str) else " | ".join(chosen)
    rec = found.recognition
    if role == "touchpoint" and rec.layout == "purchases":
        return _EACH_PURCHASE
    if role == "touchpoint" and rec.layout == "dated_columns":
        return _EACH_DATE
    if role == "timestamp" and rec.layout == "dated_columns":
        return _DATED_TIMES
    sources = rec.sources.get(role, ())
    if role == "timestamp" and sources:
        return sources[0]
    match = rec.mapping.get(role)
    return match.column if match is not None else _NONE


def _question(found: Inspection, role: str) -> str | None:
    """A guess below high confidence, asked in words (or what is missing)."""
    rec = found.recognition
    if role in rec.problems:
        return md(rec.problems[role])
    match = rec.mapping.get(role)
    if match is None or match.confidence >= HIGH:
        return None
    if rec.layout == "dated_columns" and role in ("timestamp", "touchpoint"):
        if role == "timestamp":
            return None  # asked once, with the touchpoint
        dated = ", ".join(rec.dated_columns)
        return (
            f"Does each date column ({md(dated)}) make an event named after it? "
            f"({match.confidence:.0%} sure). If not, choose the touchpoint column below."
        )
    shown = PURCHASE if role == "touchpoint" and rec.layout == "purchases" else match.column
    return (
        f"Is **{md(shown)}** the {_ROLE_NAMES[role]}? {md(match.reason)} "
        f"({match.confidence:.0%} sure). If not, choose the right column below."
    )


def _remember(pending: Pending, found: Inspection, settings: Settings) -> bool:
    """Save the settings for files with these columns, as read with them and as first read."""
    keys = [found.columns]
    with contextlib.suppress(cxlib.CxError):  # how the next such file is first read
        keys.append(_read(pending.uploads[0], Settings()).columns)
    return all([mappings.save(columns, settings.as_dict()) for columns in keys])


def apply() -> None:
    """Callback of the Load button: load the upload with everything the controls show."""
    pending = current()
    if pending is None:
        return
    settings = _widget_settings(pending)
    try:
        found = _read(pending.uploads[0], settings)
    except cxlib.CxError as err:
        st.session_state[PENDING] = dataclasses.replace(pending, settings=settings, error=str(err))
        state.not_loaded(pending.label, str(err))
        return
    roles: dict[str, Any] = {}
    layout = None
    for role in ROLES:
        options = _options(found, role)
        label = _choice(f"data_role_{role}", _default(found, role, pending.settings))
        picked = options.get(label)
        if isinstance(picked, tuple) and picked[:1] == ("layout",):
            layout = picked[1]
        elif picked is not None and label != _default(found, role, Settings()):
            roles[role] = picked
    time_of_day = _choice("data_role_time", _NONE)
    if time_of_day != _NONE and "timestamp" in roles | found.recognition.sources:
        date = roles.get("timestamp") or found.recognition.sources["timestamp"][0]
        roles["timestamp"] = (date, time_of_day)
    fmt = (_choice("data_ts_format", settings.timestamp_format) or "").strip() or None
    settings = dataclasses.replace(settings, roles=roles, timestamp_format=fmt, layout=layout)
    if st.session_state.get("data_remember") and not _remember(pending, found, settings):
        st.session_state["cx_upload_note"] = (
            f"The settings are kept for this session only: {workspace.data_dir()} cannot be written."
        )
    _attempt(pending.uploads, settings, saved=False)


def _read_controls(found: Inspection | None, settings: Settings) -> None:
    table = found.table if found is not None else None
    text = table is None or table.file_format == "csv"
    cols = st.columns(4)
    if text:
        # Streamlit shows a None choice as the placeholder: it says what was found out.
        sep = table.layout.separator if table is not None and table.layout else None
        found_sep = f"found out ({_SEPARATORS.get(sep or '', sep)})"
        separators = [None, *_SEPARATORS]
        widgets.choose("data_sep", separators, settings.separator)
        cols[0].selectbox(
            "Separator", separators, key="data_sep", placeholder=found_sep,
            format_func=lambda s: found_sep if s is None else _SEPARATORS[s],
        )  # fmt: skip
        used = table.encoding if table is not None else None
        found_encoding = f"found out ({_ENCODINGS.get(used or '', used)})"
        widgets.choose("data_encoding", list(ENCODINGS), settings.encoding)
        cols[1].selectbox(
            "Encoding", list(ENCODINGS), key="data_encoding", placeholder=found_encoding,
            format_func=lambda e: found_encoding if e is None else _ENCODINGS.get(e, e),
        )  # fmt: skip
        has_header = table.layout.header if table is not None and table.layout else True
        found_header = f"found out ({'yes' if has_header else 'none'})"
        widgets.choose("data_header", [None, True, False], settings.header)
        cols[2].selectbox(
            "Header line", [None, True, False], key="data_header", placeholder=found_header,
            format_func=lambda h: found_header if h is None
            else "the first line names the columns" if h else "no header line",
        )  # fmt: skip
    if table is not None and len(table.sheets) > 1:
        sheets = list(table.sheets)
        widgets.choose("data_sheet", sheets, table.sheet)
        cols[3].selectbox("Sheet", sheets, key="data_sheet")


def _timestamp_controls(found: Inspection, settings: Settings) -> None:
    cols = st.columns([2, 2, 3])
    columns = [_NONE, *found.columns]
    sources = found.recognition.sources.get("timestamp", ())
    default_time = sources[1] if len(sources) > 1 else _NONE
    widgets.choose("data_role_time", columns, default_time)
    cols[0].selectbox("Time of day (when in its own column)", columns, key="data_role_time")
    fmt = found.recognition.timestamp_format
    st.session_state.setdefault("data_ts_format", settings.timestamp_format or "")
    cols[1].text_input(
        "Timestamp format", key="data_ts_format",
        placeholder=fmt.describe() if fmt is not None else "e.g. %d/%m/%Y %H:%M",
        help="Leave empty to have it found out. Codes: %Y year, %m month, %d day, %H hour, "
        "%M minute, %S second, %.f fraction, %p AM/PM, %b month name, %#z zone; or a pattern "
        "like DD/MM/YYYY HH:mm; s, ms, us or ns for epoch numbers; excel for serial days.",
    )  # fmt: skip
    label = _choice("data_role_timestamp", _default(found, "timestamp", settings))
    column = _options(found, "timestamp").get(label)
    time_of_day = _choice("data_role_time", default_time)
    if not isinstance(column, str):
        return
    chosen = (column, time_of_day) if time_of_day != _NONE else column
    typed = (_choice("data_ts_format", settings.timestamp_format) or "").strip() or None
    try:
        parsed, given = found.parsed(chosen, typed)
    except cxlib.CxError as err:
        cols[2].error(md(err))
        return
    scope = "rows" if found.rows is not None else "rows of the first ones read"
    if given and parsed == given:
        cols[2].success(f"All {given:,} {scope} parse.")
    else:
        cols[2].warning(
            f"{parsed:,} of {given:,} {scope} parse"
            + (": the others would be dropped." if parsed else ": choose another format or column.")
        )


def _role_controls(found: Inspection, settings: Settings) -> None:
    for role in ROLES:
        picked = st.session_state.get(f"data_role_{role}")
        answered = picked is not None and picked != _default(found, role, Settings())
        if not answered and (question := _question(found, role)) is not None:
            st.warning(question)
    cols = st.columns(len(ROLES))
    for col, role in zip(cols, ROLES, strict=True):
        options = list(_options(found, role))
        widgets.choose(f"data_role_{role}", options, _default(found, role, settings))
        match = found.recognition.mapping.get(role)
        col.selectbox(_ROLE_NAMES[role].capitalize(), options, key=f"data_role_{role}")
        if match is not None:
            col.caption(f"{match.confidence:.0%} sure: {md(match.reason)}")


def draw(pending: Pending) -> None:
    """The assistant for the upload being worked on (see the module docstring)."""
    st.subheader(f"Import: {md(pending.label)}")
    st.button(
        "Set this file aside", key="data_forget", on_click=forget,
        help="Close the import. The data in use stays; a file that did not load is no longer asked for.",
    )  # fmt: skip
    if note := st.session_state.pop("cx_upload_note", None):
        st.info(md(note))
    if pending.error is not None:
        st.error(md(f"Could not load {pending.label}: {pending.error}"))
    elif pending.saved:
        st.info("Read with the settings saved for files with these columns.")
    settings = _widget_settings(pending)
    found = None
    try:
        found = _read(pending.uploads[0], settings)
    except cxlib.CxError as err:
        if str(err) != pending.error:
            st.error(md(err))
    _read_controls(found, settings)
    if found is None:
        return
    if len(pending.uploads) > 1:
        st.caption(md(f"Showing {pending.uploads[0].name}; the settings apply to every file."))
    rows = f"{found.rows:,} rows" if found.rows is not None else "rows"
    st.caption(md(f"{found.table.file_format.upper()}, {rows}, {len(found.columns)} columns: "
                  + ", ".join(found.columns[:40])))  # fmt: skip
    st.dataframe(found.preview, hide_index=True, height=220)
    _role_controls(found, pending.settings)
    _timestamp_controls(found, pending.settings)
    left, right = st.columns([1, 3])
    left.button("Load with these settings", key="data_load", on_click=apply, type="primary")
    right.checkbox("Use these settings again for files with the same columns", key="data_remember")

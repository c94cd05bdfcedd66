"""The Data page's import assistant: a failed upload is fixed on the page, in one go."""

from __future__ import annotations

import json
import sys

import pytest
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager

from tests.app.conftest import data_label, errors, new_app, open_page, plain, upload
from tests.io.shapes import SHAPES

# ';' between the fields and ',' inside one: the separator sniffed is ','. The time of day
# is written 10.00, a form the loader does not know without being told.
EXPORT = (
    b"user;event,kind,x;when\n"
    b"u1;visit,web,1;01-02-2024 10.00\n"
    b"u1;buy,web,2;01-02-2024 10.30\n"
    b"u2;visit,app,3;03-02-2024 09.15\n"
)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """Saved settings go to a folder of the test's own."""
    monkeypatch.setenv("CX_DATA_DIR", str(tmp_path))
    return tmp_path


def _failed_upload():
    at = upload(open_page(new_app().run(), "pages/data.py"), ("export.txt", EXPORT))
    assert errors(at) == [
        "Could not load export.txt: no column looks like the timestamp: choose one of the "
        "columns ['user;event', 'kind', 'x;when']"
    ]
    return at


def _fix(at):
    at.selectbox(key="data_sep").set_value(";").run()
    at.selectbox(key="data_role_timestamp").set_value("when").run()
    at.text_input(key="data_ts_format").input("%d-%m-%Y %H.%M").run()
    return at


def test_upload_fix_the_separator_and_the_format_then_load(data_dir):
    at = _failed_upload()
    # The previous data stays, and every page says so.
    assert data_label(at) == "sample: retail"
    assert plain(at.warning[0].value).startswith("Showing **sample: retail**, not **export.txt**")
    # What was found out shows in the reading controls (Streamlit shows a None choice
    # as the placeholder: "Choose an option" before).
    shown = [
        at.selectbox(key=k).proto.placeholder for k in ("data_sep", "data_encoding", "data_header")
    ]
    assert shown == ["found out (comma ,)", "found out (UTF-8)", "found out (yes)"]
    # The pickers show the new file's columns, not the sample's.
    assert at.selectbox(key="data_role_customer_id").options == ["user;event", "kind", "x;when"]
    at = _fix(at)
    assert [s.value for s in at.success] == ["All 3 rows parse."]
    assert at.selectbox(key="data_role_customer_id").value == "user"
    at.button(key="data_load").click().run()
    assert [e.value for e in at.exception] == []
    assert errors(at) == []
    assert data_label(at) == "export.txt"
    assert not any("Showing" in w.value for w in at.warning)
    log = at.session_state["cx_loaded"].log
    assert log.report.rows_kept == 3
    assert log.mapping["timestamp"].column == "when"
    assert str(log.to_polars().sort("event_index")["timestamp"][0]) == "2024-02-01 10:00:00"
    assert not (data_dir / "mappings.json").exists()  # not asked to remember


def test_a_format_that_parses_few_rows_says_how_many():
    at = upload(
        open_page(new_app().run(), "pages/data.py"),
        ("export.txt", EXPORT + b"u3;visit,app,4;04-02-2024 9:15\n"),  # 9:15, not 9.15
    )
    at = _fix(at)
    assert [w.value for w in at.warning if "parse" in w.value] == [
        "3 of 4 rows parse: the others would be dropped."
    ]
    at.text_input(key="data_ts_format").input("%Q").run()
    assert (
        errors(at)[-1]
        == "the timestamp format '%Q' has no date fields: write it like %d/%m/%Y %H:%M"
    )


def test_saved_settings_are_used_for_the_next_file_with_the_same_columns(data_dir):
    at = _fix(_failed_upload())
    at.checkbox(key="data_remember").check()
    at.button(key="data_load").click().run()
    assert data_label(at) == "export.txt"
    saved = json.loads((data_dir / "mappings.json").read_text())
    # Kept for the columns as read with these settings, and as such a file is first read.
    assert [e["columns"] for e in saved.values()] == [
        ["event,kind,x", "user", "when"],
        ["kind", "user;event", "x;when"],
    ]
    entry = next(iter(saved.values()))
    assert entry["settings"]["separator"] == ";"
    assert entry["settings"]["timestamp_format"] == "%d-%m-%Y %H.%M"
    # Another session, another file with these columns: loaded at once with them.
    again = upload(open_page(new_app().run(), "pages/data.py"), ("march.txt", EXPORT))
    assert errors(again) == []
    assert data_label(again) == "march.txt"
    assert "Read with the settings saved for files with these columns." in [
        i.value for i in again.info
    ]


def test_guesses_below_high_confidence_are_questions():
    # No known names: every role is guessed from the data.
    rows = "\n".join(f"c{i % 4},step{i % 3},2024-01-0{1 + i % 9} 10:00" for i in range(30))
    at = upload(open_page(new_app().run(), "pages/data.py"), ("x.csv", f"a,b,c\n{rows}\n".encode()))
    assert data_label(at) == "x.csv"
    questions = [plain(w.value) for w in at.warning if w.value.startswith("Is ")]
    assert questions == [
        "Is **c** the timestamp? its values look like timestamps (%Y-%m-%d %H:%M) (60% sure). "
        "If not, choose the right column below.",
        "Is **a** the customer? its data looks like an id with many repeating values (4 distinct "
        "in the sample) (50% sure). If not, choose the right column below.",
        "Is **b** the touchpoint? its data looks like repeating labels that change along "
        "journeys (3 distinct in the sample) (50% sure). If not, choose the right column below.",
    ]


def test_a_transactions_export_is_read_as_purchases_and_the_page_says_so():
    name, data = SHAPES["cdnow"].make()
    at = upload(open_page(new_app().run(), "pages/data.py"), (name, data))
    assert data_label(at) == name
    assert at.selectbox(key="data_role_touchpoint").value == "(each row is a purchase)"
    assert at.selectbox(key="data_sep").value is None  # found out: runs of spaces
    notes = [plain(i.value) for i in at.info]
    assert (
        "no column names what happened: each row is read as a 'purchase', with 'column_4' as its value"
        in notes
    )


def test_a_workbook_asks_which_sheet():
    name, data = SHAPES["crm_excel"].make()
    at = upload(open_page(new_app().run(), "pages/data.py"), (name, data))
    assert data_label(at) == name
    sheet = at.selectbox(key="data_sheet")
    assert (sheet.options, sheet.value) == (["Notes", "Activities"], "Activities")
    sheet.set_value("Notes").run()
    assert at.selectbox(key="data_role_customer_id").options == ["Exported from the CRM"]


def test_an_upload_leaves_the_uploader_empty_and_streamlit_without_the_file(monkeypatch):
    # Streamlit deep-copies a widget's value on each run that draws it: a file left in
    # the uploader was copied on every run of the Data page (757 MB at 10M events).
    removed = []
    monkeypatch.setattr(
        MemoryUploadedFileManager, "remove_file", lambda _, session, file: removed.append(file)
    )
    at = upload(open_page(new_app().run(), "pages/data.py"), ("export.txt", EXPORT))
    assert len(removed) == 1  # the one file uploaded
    (uploader,) = at.file_uploader
    assert (uploader.key, uploader.value) == ("data_upload_1", [])
    # The import stays open on the file, whatever the page runs next.
    at = _fix(at)
    assert plain(at.subheader[1].value) == "Import: export.txt"
    assert [s.value for s in at.success] == ["All 3 rows parse."]


def test_opening_a_sample_lets_go_of_the_upload_and_the_file_as_read():
    at = _failed_upload()
    assert "cx_upload" in at.session_state
    assert "cx_upload_read" in at.session_state
    at.selectbox(key="data_scenario").set_value("bank")
    at.button(key="data_open_sample").click().run()
    assert data_label(at) == "sample: bank"
    assert "cx_upload" not in at.session_state
    assert "cx_upload_read" not in at.session_state


def test_setting_the_failed_file_aside_removes_the_banner():
    at = _failed_upload()
    at.button(key="data_forget").click().run()
    assert not any("Showing" in w.value for w in at.warning)
    assert errors(at) == []
    assert data_label(at) == "sample: retail"
    assert at.subheader[1].value == "Columns"  # the assistant is closed
    assert "cx_upload_read" not in at.session_state  # and lets go of the file as read


def test_a_ticketing_export_makes_an_event_per_date_column():
    name, data = SHAPES["tickets"].make()
    at = upload(open_page(new_app().run(), "pages/data.py"), (name, data))
    assert data_label(at) == name
    assert at.selectbox(key="data_role_touchpoint").value == "(each date column is an event)"
    assert at.selectbox(key="data_role_timestamp").value == "(the dates of those columns)"
    assert at.selectbox(key="data_role_customer_id").value == "Number"
    assert [plain(w.value) for w in at.warning if "date column" in w.value] == [
        "Does each date column (Opened, Resolved, Closed) make an event named after it? "
        "(70% sure). If not, choose the touchpoint column below."
    ]
    at.button(key="data_load").click().run()
    assert errors(at) == []
    assert at.session_state["cx_loaded"].log.report.rows_kept == 6


def test_an_upload_is_read_once_and_again_only_with_other_reading_settings(data_dir, monkeypatch):
    """The assistant's look at the columns is the table the load uses (a 757 MB CSV: 2.5 s)."""
    inspect_module, loader = (sys.modules[f"cxlib.io.{m}"] for m in ("inspect", "loader"))
    sources: list[str] = []
    real = loader.read

    def counted(source, **options):
        sources.append(getattr(source, "name", type(source).__name__))
        return real(source, **options)

    monkeypatch.setattr(inspect_module, "read", counted)
    monkeypatch.setattr(loader, "read", counted)
    good = b"user,event,when\nu1,visit,2024-02-01 10:00\nu1,buy,2024-02-01 10:30\n"
    at = open_page(new_app().run(), "pages/data.py")
    sources.clear()  # the sample read at the start
    at = upload(at, ("good.txt", good))
    assert errors(at) == []
    assert data_label(at) == "good.txt"
    assert sources == ["good.txt"]
    # Another separator is another reading: the file is read again, once, and loaded from it.
    at = _failed_upload()
    sources.clear()
    at = _fix(at)
    at.button(key="data_load").click().run()
    assert data_label(at) == "export.txt"
    assert sources == ["export.txt"]

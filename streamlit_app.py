"""cx-journey's dashboard: ``streamlit run streamlit_app.py`` (or ``./dev app``).

Every page is a file in ``pages/`` registered by one line in ``ui/pages.py``; each page
starts with :func:`ui.page.start`, which draws the sidebar filters.
"""

import base64
from pathlib import Path

import streamlit as st

# allocator: before Polars is imported; preload: before any page (see their docstrings).
from ui import allocator, auth, preload  # noqa: F401
from ui.pages import DEFAULT_PAGE, PAGES

HERE = Path(__file__).resolve().parent

# As a data URL: a file path would be stored anew in the media files at every run.
ICON = (
    "data:image/png;base64," + base64.b64encode((HERE / "ui/assets/icon.png").read_bytes()).decode()
)
st.set_page_config(page_title="cx-journey", page_icon=ICON, layout="wide")
auth.gate()  # with sign-in on, nothing else shows to someone not signed in
page = st.navigation(
    [
        st.Page(HERE / file, title=title, url_path=url, default=url == DEFAULT_PAGE)
        for file, title, url in PAGES
    ],
    expanded=True,  # every page listed: past 10 pages Streamlit hides the rest behind "View more"
)
page.run()

"""cx-journey's dashboard: ``streamlit run streamlit_app.py`` (or ``./dev app``).

Every page is a file in ``pages/``; add one with one line in ``PAGES``.
The sidebar filters are drawn here, once, for whichever page runs.
"""

from pathlib import Path

import streamlit as st

from ui import filters, state

HERE = Path(__file__).resolve().parent

# One line per page: file, title (also the page's heading), URL path. Order = menu order.
PAGES = [
    ("pages/data.py", "Data", "data"),
    ("pages/overview.py", "Overview", "overview"),
    ("pages/journey_graph.py", "Journey graph", "graph"),
    ("pages/paths.py", "Paths", "paths"),
    ("pages/funnels.py", "Funnels", "funnels"),
    ("pages/dropoffs.py", "Drop-offs", "dropoffs"),
]
DEFAULT_PAGE = "overview"

st.set_page_config(
    page_title="cx-journey",
    page_icon=str(HERE / "ui" / "assets" / "icon.png"),
    layout="wide",
)
page = st.navigation(
    [
        st.Page(HERE / file, title=title, url_path=url, default=url == DEFAULT_PAGE)
        for file, title, url in PAGES
    ]
)
loaded = state.current()
filters.sidebar(loaded)
page.run()

"""The dashboard's pages, in menu order: add a page with one line here and one file in pages/.

Each entry is ``(file, title, url_path)``. The title is also the page's heading (browser
tests look for it) and the URL path its address (``/graph``); the default page opens at ``/``.
"""

__all__ = ["DEFAULT_PAGE", "PAGES"]

PAGES = [
    ("pages/data.py", "Data", "data"),
    ("pages/overview.py", "Overview", "overview"),
    ("pages/story.py", "Story", "story"),
    ("pages/graph.py", "Journey graph", "graph"),
    ("pages/paths.py", "Paths", "paths"),
    ("pages/funnels.py", "Funnels", "funnels"),
    ("pages/dropoffs.py", "Drop-offs", "dropoffs"),
    ("pages/stages.py", "Stages", "stages"),
    ("pages/channels.py", "Channels", "channels"),
    ("pages/attribution.py", "Attribution", "attribution"),
    ("pages/customers.py", "Most valuable customers", "customers"),
    ("pages/journey.py", "Customer journey", "journey"),
    ("pages/retention.py", "Retention", "retention"),
    ("pages/compare.py", "Compare segments", "compare"),
    ("pages/predict.py", "Predict", "predict"),
    ("pages/live.py", "Live", "live"),
]
#: The page the app opens on (at ``/``).
DEFAULT_PAGE = "overview"

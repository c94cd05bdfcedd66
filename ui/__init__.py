"""The dashboard's Streamlit glue, between the pages and cxlib.

Modules: ``cache`` (every cached analysis), ``state`` (session data and URL state),
``filters`` (the sidebar), ``export`` (CSV and PNG downloads), ``page`` (what each
page starts with). Pages stay thin: they read their controls, call cxlib through
:mod:`ui.cache`, and draw with the chart builders of :mod:`cxlib.views.charts`.
"""

"""The sidebar's date range follows the data: other data's dates never stay chosen."""

from __future__ import annotations

import datetime as dt
import logging

from tests.app.conftest import data_label, errors, new_app, open_page, upload

LOG = b"user,event,when\nu1,visit,2021-03-01 10:00\nu1,buy,2021-03-04 10:30\nu2,visit,2021-03-02 09:15\n"


def test_dates_of_the_data_before_are_replaced_by_the_new_data_range(caplog):
    at = open_page(new_app().run(), "pages/data.py")
    whole = at.date_input(key="dates").value
    assert whole[0].year >= 2023  # the sample's range
    at.date_input(key="dates").set_value((whole[0] + dt.timedelta(days=1), whole[1])).run()
    with caplog.at_level(logging.WARNING, logger="streamlit"):
        at = upload(at, ("march.csv", LOG))
        at.run()
    assert errors(at) == []
    assert data_label(at) == "march.csv"
    assert at.date_input(key="dates").value == (dt.date(2021, 3, 1), dt.date(2021, 3, 4))
    # Streamlit's warning of a widget given a default and a value in session state.
    assert [r.getMessage() for r in caplog.records if "Session State API" in r.getMessage()] == []

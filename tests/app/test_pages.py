"""Every page opens without error on the bundled samples and on the real logs."""

from __future__ import annotations

import pytest

from cxlib import sample
from tests.app.conftest import PAGES, assert_clean, data_label, new_app, open_page, upload

REAL_LOGS = ["permit_receipt.csv", "helpdesk.xes.gz", "app_onboarding.csv", "running_example.csv"]


def test_the_app_opens_on_the_retail_sample(app):
    assert_clean(app, "Overview")
    assert data_label(app) == "sample: retail"
    assert app.query_params["scenario"] == "retail"
    customers = next(m for m in app.metric if m.label == "Customers")
    assert customers.value == f"{sample.BUNDLED['customers']:,}"


@pytest.mark.parametrize("scenario", sample.SCENARIOS)
def test_every_page_opens_on_each_sample(scenario):
    at = new_app({"scenario": scenario}).run()
    assert data_label(at) == f"sample: {scenario}"
    for file, title, _ in PAGES:
        assert_clean(open_page(at, file), title)


@pytest.mark.parametrize("name", REAL_LOGS)
def test_every_page_opens_on_each_real_log(shared_data, name):
    at = open_page(new_app().run(), "pages/data.py")
    upload(at, (name, (shared_data / name).read_bytes()))
    assert_clean(at, "Data")
    assert data_label(at) == name
    for file, title, _ in PAGES:
        assert_clean(open_page(at, file), title)

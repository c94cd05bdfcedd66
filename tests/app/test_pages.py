"""Every page opens without error on the bundled samples and on the real logs."""

from __future__ import annotations

import pytest

from cxlib import sample
from tests.app.conftest import PAGES, assert_clean, data_label, new_app, open_page, upload

PM4PY = {"customer_id": "case:concept:name", "touchpoint": "concept:name"}
#: The columns the Data page must show as recognised (see ../shared/data/README.md).
REAL_LOGS = {
    "permit_receipt.csv": {**PM4PY, "timestamp": "time:timestamp", "channel": "case:channel"},
    "helpdesk.xes.gz": {**PM4PY, "timestamp": "time:timestamp", "channel": "(none)"},
    "app_onboarding.csv": {
        "customer_id": "user_pseudo_id",
        "touchpoint": "event_name",
        "timestamp": "event_timestamp",
    },
    "running_example.csv": {**PM4PY, "timestamp": "time:timestamp", "value": "Costs"},
    "road_traffic_fines_100.xes": {**PM4PY, "timestamp": "time:timestamp", "value": "amount"},
}


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
    for role, column in REAL_LOGS[name].items():
        assert at.selectbox(key=f"data_role_{role}").value == column
    for file, title, _ in PAGES:
        assert_clean(open_page(at, file), title)


HOSTILE = [
    '<img src=x onerror="alert(1)">',
    "<script>alert(2)</script>",
    "javascript:alert(3)",
    '=HYPERLINK("http://x")',
    "ünï ☕ 客户",
]


def test_hostile_touchpoint_names_reach_no_page_unescaped():
    rows = ["customer,time,event"]
    for i in range(30):
        path = [HOSTILE[(i + k) % len(HOSTILE)] for k in range(1 + i % 4)]
        rows += [
            f'c{i},2024-01-01T00:0{k}:00,"{tp.replace(chr(34), 2 * chr(34))}"'
            for k, tp in enumerate(path)
        ]
    at = upload(
        open_page(new_app().run(), "pages/data.py"), ("hostile.csv", "\n".join(rows).encode())
    )
    assert_clean(at, "Data")
    assert set(at.session_state["cx_loaded"].log.to_polars()["touchpoint"]) == set(HOSTILE)
    for file, title, _ in PAGES:
        assert_clean(open_page(at, file), title)
    at = open_page(at, "pages/graph.py")
    page = at.get("iframe")[0].proto.srcdoc
    for name in HOSTILE[:2]:
        assert name not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page.replace("\\u0026", "&")

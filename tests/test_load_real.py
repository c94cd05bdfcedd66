"""The real public logs in ../shared/data load with no arguments, roles recognised."""

import pytest

from cxlib import load

# file, expected columns per role, events, customers, touchpoints (counts from the data README
# and, for touchpoints, from a plain count of the distinct activity names in each file).
REAL = [
    (
        "permit_receipt.csv",
        {
            "customer_id": "case:concept:name",
            "touchpoint": "concept:name",
            "timestamp": "time:timestamp",
            "channel": "case:channel",
        },
        8_577,
        1_434,
        27,
    ),
    (
        "helpdesk.xes.gz",
        {
            "customer_id": "case:concept:name",
            "touchpoint": "concept:name",
            "timestamp": "time:timestamp",
        },
        21_348,
        4_580,
        14,
    ),
    (
        "app_onboarding.csv",
        {
            "customer_id": "user_pseudo_id",
            "touchpoint": "event_name",
            "timestamp": "event_timestamp",
        },
        30_943,
        4_139,
        18,
    ),
    (
        "running_example.csv",
        {
            "customer_id": "case:concept:name",
            "touchpoint": "concept:name",
            "timestamp": "time:timestamp",
            "value": "Costs",
        },
        42,
        6,
        8,
    ),
]


@pytest.mark.parametrize(
    ("name", "roles", "events", "customers", "touchpoints"), REAL, ids=[r[0] for r in REAL]
)
def test_real_log_loads_with_no_arguments(shared_data, name, roles, events, customers, touchpoints):
    log = load(shared_data / name)
    assert {role: m.column for role, m in log.mapping.items()} == roles
    report = log.report
    assert (report.rows_read, report.rows_kept, report.dropped) == (events, events, {})
    assert (report.customers, report.touchpoints) == (customers, touchpoints)


def test_permit_mixed_offsets_are_converted_to_utc(shared_data):
    log = load(shared_data / "permit_receipt.csv")
    first = log.to_polars().filter(customer_id="case-10011")["timestamp"].to_list()
    # 2011-10-11 13:45:40.276+02:00 (summer) and 2011-11-24 15:36:51.302+01:00 (winter), in UTC.
    assert str(first[0]) == "2011-10-11 11:45:40.276000"
    assert str(first[2]) == "2011-11-24 14:36:51.302000"


def test_onboarding_nanoseconds(shared_data):
    log = load(shared_data / "app_onboarding.csv")
    assert log.report.timestamp_format == "Unix epoch (ns)"
    # 1538405774195002000 ns after 1970 is 2018-10-01 14:56:14.195002 UTC.
    assert (
        str(log.to_polars().filter(event_index=0)["timestamp"][0]) == "2018-10-01 14:56:14.195002"
    )


def test_helpdesk_customer_attribute_is_kept_as_an_attribute(shared_data):
    log = load(shared_data / "helpdesk.xes.gz")
    assert "customer" in log.attributes

"""The real public logs in ../shared/data load with no arguments, roles recognised."""

from pathlib import Path

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
    (
        "road_traffic_fines_100.xes",
        {
            "customer_id": "case:concept:name",
            "touchpoint": "concept:name",
            "timestamp": "time:timestamp",
            "value": "amount",
        },
        390,
        100,
        10,
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


def test_road_traffic_fines_log_metadata_stays_apart_and_the_dfg_is_pm4pys(shared_data):
    from cxlib import ENTRY, EXIT, transitions

    log = load(shared_data / "road_traffic_fines_100.xes")
    assert not any(c.startswith(("meta_", "log:")) for c in log.frame.columns)
    edges = transitions(log, by="customer")
    inner = edges.filter((edges["source"] != ENTRY) & (edges["target"] != EXIT))
    # pm4py's directly-follows graph of this log: 18 pairs, 290 transitions, 100 starts.
    assert (inner.height, inner["transitions"].sum()) == (18, 290)
    assert edges.filter(edges["source"] == ENTRY)["transitions"].sum() == 100


def test_helpdesk_customer_attribute_is_kept_as_an_attribute(shared_data):
    log = load(shared_data / "helpdesk.xes.gz")
    assert "customer" in log.attributes


# The bundled sample journeys (cxlib.sample, written by the sample generator) load with no
# arguments too: written as CSV exactly as the generator makes them, every role recognised.
SAMPLE_DATA = sorted((Path(__file__).resolve().parents[2] / "sample_data").glob("*.csv"))


@pytest.mark.parametrize("scenario", ["retail", "bank", "telecom"])
def test_generated_journeys_load_with_no_arguments(tmp_path, scenario):
    sample = pytest.importorskip("cxlib.sample", reason="the sample generator is not there yet")
    frame = sample.generate(scenario, customers=60, seed=3)
    frame.write_csv(tmp_path / f"{scenario}.csv")
    log = load(tmp_path / f"{scenario}.csv")
    roles = {role: m.column for role, m in log.mapping.items()}
    assert roles == {
        r: r for r in ("timestamp", "customer_id", "touchpoint", "channel", "value", "rating")
    }
    assert (log.report.rows_kept, log.report.customers, log.report.touchpoints) == (
        frame.height,
        frame["customer_id"].n_unique(),
        frame["touchpoint"].n_unique(),
    )
    assert log.attributes == ["segment", "region", "device", "acquisition_source"]


@pytest.mark.parametrize("path", SAMPLE_DATA, ids=[p.name for p in SAMPLE_DATA])
def test_bundled_sample_files_load_with_no_arguments(path):
    log = load(path)
    roles = {role: m.column for role, m in log.mapping.items()}
    assert roles == {
        r: r for r in ("timestamp", "customer_id", "touchpoint", "channel", "value", "rating")
    }
    assert log.report.dropped == {}
    assert log.report.rows_kept == log.report.rows_read > 0

import polars as pl
import pytest

from cxlib import MappingError
from cxlib.io.recognize import NAMES, normalize_name, recognize

TIMES = ["2024-01-01 09:00", "2024-01-01 09:05", "2024-01-01 09:07"]


def columns_of(sample: pl.DataFrame, **explicit) -> dict[str, str]:
    found = recognize(sample, explicit)
    return {role: match.column for role, match in found.mapping.items()}


@pytest.mark.parametrize(
    ("customer", "touchpoint", "timestamp"),
    [
        ("user_id", "event_name", "event_time"),  # web analytics
        ("case:concept:name", "concept:name", "time:timestamp"),  # pm4py / XES
        ("client_id", "action", "created_at"),  # CRM
        ("cliente", "evento", "fecha"),  # Spanish
        ("Kunde", "Aktivität", "Zeit"),  # German, capitalised
        ("Customer ID", "Activity", "Timestamp"),  # spaces and capitals
        ("visitor", "page", "datetime"),
    ],
)
def test_names_in_several_languages_and_tools(customer, touchpoint, timestamp):
    sample = pl.DataFrame(
        {customer: ["a", "a", "b"], touchpoint: ["x", "y", "x"], timestamp: TIMES}
    )
    found = columns_of(sample)
    assert found == {"timestamp": timestamp, "customer_id": customer, "touchpoint": touchpoint}


@pytest.mark.parametrize(
    ("role", "name", "values"),
    [
        ("channel", "canal", ["web", "tienda", "web"]),
        ("channel", "case:channel", ["Internet", "Desk", "Post"]),
        ("channel", "source/medium", ["google / cpc", "direct / none", "x / y"]),
        ("value", "Umsatz", [1.5, 0.0, 2.0]),
        ("value", "importe", ["1,50", "0,00", "2,25"]),  # decimal comma
        ("rating", "NPS", [9, 10, 3]),
        ("rating", "csat", ["4", "5", "2"]),
    ],
)
def test_optional_roles_by_name(role, name, values):
    sample = pl.DataFrame(
        {"user_id": ["a", "a", "b"], "event": ["x", "y", "x"], "ts": TIMES, name: values}
    )
    assert columns_of(sample)[role] == name


def test_the_best_known_name_wins_over_a_weaker_one():
    # The XES event attribute 'customer' is not the case id; case:concept:name is.
    sample = pl.DataFrame(
        {
            "customer": ["Value 1"] * 3,
            "case:concept:name": ["c1", "c1", "c2"],
            "concept:name": ["x", "y", "x"],
            "Activity": ["x", "y", "x"],
            "time:timestamp": TIMES,
            "case:startdate": TIMES,
        }
    )
    found = recognize(sample, {}).mapping
    assert found["customer_id"].column == "case:concept:name"
    assert found["touchpoint"].column == "concept:name"
    assert found["timestamp"].column == "time:timestamp"
    assert found["customer_id"].confidence == 0.95


def test_a_named_column_without_the_right_data_is_skipped():
    # 'value' holds words, so it is no value; 'date' holds no dates, 'when' does.
    sample = pl.DataFrame(
        {
            "user": ["a", "a", "b"],
            "event": ["x", "y", "x"],
            "date": ["soon"] * 3,
            "when": TIMES,
            "value": ["hi"] * 3,
        }
    )
    found = recognize(sample, {}).mapping
    assert found["timestamp"].column == "when"
    assert found["timestamp"].confidence == 0.6
    assert "value" not in found


def test_words_inside_longer_names():
    sample = pl.DataFrame(
        {"web_user_key": ["a", "a"], "page_visited": ["x", "y"], "hit_time": TIMES[:2]}
    )
    found = recognize(sample, {}).mapping
    assert (found["customer_id"].column, found["customer_id"].confidence) == ("web_user_key", 0.7)
    assert found["touchpoint"].column == "page_visited"
    assert found["timestamp"].column == "hit_time"


def test_event_id_is_not_a_touchpoint():
    sample = pl.DataFrame(
        {
            "event_id": ["e1", "e2", "e3"],
            "who": ["a", "a", "b"],
            "what": ["x", "y", "x"],
            "ts": TIMES,
        }
    )
    assert columns_of(sample)["touchpoint"] != "event_id"


def test_required_roles_fall_back_on_the_data():
    # No usual names at all: a repeating id, repeating labels, epoch numbers.
    sample = pl.DataFrame(
        {
            "a": ["k1", "k1", "k2", "k2"],
            "b": ["home", "cart", "home", "home"],
            "c": [1704099600, 1704099700, 1704099800, 1704099900],
        }
    )
    found = recognize(sample, {}).mapping
    assert {r: m.column for r, m in found.items()} == {
        "timestamp": "c",
        "customer_id": "a",
        "touchpoint": "b",
    }
    assert found["customer_id"].confidence == 0.5
    assert "2 distinct" in found["customer_id"].reason


def test_explicit_columns_win_with_full_confidence():
    sample = pl.DataFrame(
        {"user_id": ["a", "a"], "other": ["p", "q"], "event": ["x", "y"], "ts": TIMES[:2]}
    )
    found = recognize(sample, {"customer_id": "other"}).mapping
    assert found["customer_id"] == found["customer_id"].__class__("other", 1.0, "given explicitly")


def test_date_and_time_columns_are_joined():
    sample = pl.DataFrame(
        {
            "id_cliente": ["a", "a"],
            "evento": ["x", "y"],
            "fecha": ["31/01/2024", "01/02/2024"],
            "hora": ["09:30", "17:05"],
        }
    )
    found = recognize(sample, {})
    assert found.timestamp_columns == ("fecha", "hora")
    assert found.timestamp_format.formats == ("%d/%m/%Y %H:%M",)
    assert found.mapping["timestamp"].column == "fecha + hora"


def test_explicit_date_time_pair():
    sample = pl.DataFrame(
        {"u": ["a", "b"], "e": ["x", "y"], "d": ["2024-01-31"] * 2, "t": ["09:30:00"] * 2}
    )
    found = recognize(sample, {"customer_id": "u", "touchpoint": "e", "timestamp": ("d", "t")})
    assert found.timestamp_columns == ("d", "t")
    assert found.mapping["timestamp"].confidence == 1.0


def test_explicit_timestamp_format_and_epoch_unit():
    sample = pl.DataFrame(
        {"user_id": ["a"], "event": ["x"], "ts": ["2024|01|31"], "n": [1538405774195]}
    )
    assert recognize(sample, {}, timestamp_format="%Y|%m|%d").timestamp_format.formats == (
        "%Y|%m|%d",
    )
    found = recognize(sample, {"timestamp": "n"}, timestamp_format="ms")
    assert (found.timestamp_format.kind, found.timestamp_format.unit) == ("epoch", "ms")


def test_known_names_are_normalised_and_unique():
    for role, names in NAMES.items():
        assert len(names) == len(set(names)), role
        assert all(normalize_name(n) == n for n in names), role


# Error paths.


def test_misspelt_explicit_column_suggests_the_closest():
    sample = pl.DataFrame({"user_id": ["a"], "event": ["x"], "timestamp": TIMES[:1]})
    with pytest.raises(
        MappingError,
        match=r"timestamp='timestmp' is not a column of the data; did you mean 'timestamp'\?",
    ):
        recognize(sample, {"timestamp": "timestmp"})
    with pytest.raises(MappingError, match=r"customer='USER_ID' .* did you mean 'user_id'\?"):
        recognize(sample, {"customer_id": "USER_ID"})


def test_no_timestamp_column():
    sample = pl.DataFrame({"user_id": ["a"], "event": ["x"]})
    with pytest.raises(
        MappingError,
        match=r"^no column looks like the timestamp: choose one of the columns \['user_id', 'event'\]$",
    ):
        recognize(sample, {})


def test_no_customer_column():
    sample = pl.DataFrame({"event": ["x", "y"], "ts": TIMES[:2]})
    with pytest.raises(
        MappingError,
        match=r"^no column looks like the customer: choose one of the columns \['event', 'ts'\]$",
    ):
        recognize(sample, {})


def test_explicit_timestamp_column_without_timestamps():
    sample = pl.DataFrame({"user_id": ["a"], "event": ["x"], "action": ["y"]})
    with pytest.raises(
        MappingError,
        match=r"^column 'event' does not hold timestamps this loader knows \(e\.g\. 'x'\): give its "
        r"timestamp format \(e\.g\. %d/%m/%Y %H:%M, or ms for epoch milliseconds\) or choose "
        r"another timestamp column$",
    ):
        recognize(sample, {"timestamp": "event"})

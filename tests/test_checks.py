import pytest

from cxlib import AnalysisError
from cxlib.checks import check_known, require_column, require_touchpoints
from cxlib.errors import check_choice
from tests.conftest import make_log


@pytest.mark.parametrize(
    ("name", "known", "message"),
    [
        ("Home", ["home", "cart"], r"touchpoint 'Home' is not in the log; did you mean 'home'\?"),
        ("zzz", ["home", "cart"], r"'zzz' is not in the log; it has 2 touchpoints, e.g. \['cart'"),
        ("home", [], r"'home' is not in the log; the log has no events"),
    ],
)
def test_unknown_touchpoint_message(name, known, message):
    with pytest.raises(AnalysisError, match=message):
        check_known(name, known)


def test_several_close_names_are_all_suggested():
    with pytest.raises(AnalysisError, match=r"did you mean 'cart' or 'card'\?"):
        check_known("carx", ["cart", "card", "home"])


def test_touchpoints_are_checked_against_the_log():
    log = make_log({"a": "home cart", "b": "home"})
    require_touchpoints(log, ["home", "cart"])
    with pytest.raises(AnalysisError, match=r"touchpoint 'kart' is not in the log"):
        require_touchpoints(log, ["home", "kart"])


def test_missing_column_lists_the_columns_when_nothing_is_close():
    with pytest.raises(AnalysisError, match=r"the log has no column 'zz'; its columns are \["):
        require_column(make_log({"a": "x"}), "zz")


@pytest.mark.parametrize(
    ("choices", "hint"),
    [(("a", "b"), r"use 'a' or 'b'$"), (("a", "b", "c"), r"use one of \['a', 'b', 'c'\]$")],
)
def test_choice_lists_the_options(choices, hint):
    with pytest.raises(AnalysisError, match=rf"^order='z' is not a funnel order; {hint}"):
        check_choice("z", choices, name="order", what="a funnel order")

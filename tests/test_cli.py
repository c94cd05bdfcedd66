"""The command line: every analysis from a file, output formats, one-line errors with status 2."""

import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest

from cxlib import ENTRY, EXIT, dropoffs, load, transitions
from cxlib.cli import COMMANDS, main

# a: home cart buy (a minute apart) | b: home, cart 5 minutes later | c: home
CSV = """customer_id,timestamp,touchpoint
a,2024-01-01 09:00:00,home
a,2024-01-01 09:01:00,cart
a,2024-01-01 09:02:00,buy
b,2024-01-01 09:00:00,home
b,2024-01-01 09:05:00,cart
c,2024-01-01 09:00:00,home
"""


@pytest.fixture
def shop(tmp_path) -> Path:
    path = tmp_path / "shop.csv"
    path.write_text(CSV)
    return path


def run(capsys, *argv) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_transitions_to_stdout(shop, capsys):
    status, out, err = run(capsys, "transitions", shop)
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        "source,target,transitions,customers,median_seconds",
        f"{ENTRY},home,3,3,",
        "home,cart,2,2,180.0",  # after 60 s (a) and 300 s (b): median 180
        f"buy,{EXIT},1,1,",
        f"cart,{EXIT},1,1,",
        "cart,buy,1,1,60.0",
        f"home,{EXIT},1,1,",
    ]


@pytest.mark.parametrize("suffix", [".csv", ".json", ".parquet"])
def test_output_formats_round_trip(shop, tmp_path, capsys, suffix):
    target = tmp_path / f"dropoffs{suffix}"
    status, out, _ = run(capsys, "dropoffs", shop, "--output", target)
    assert (status, out) == (0, "")
    reader = {".csv": pl.read_csv, ".json": pl.read_json, ".parquet": pl.read_parquet}[suffix]
    assert reader(target).rows() == dropoffs(load(shop)).rows()


def test_graph_edges_are_pruned(shop, capsys):
    status, out, _ = run(capsys, "graph", shop, "--top-k", "1")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "source,target,count,customers,share,share_in,median_seconds"
    # one edge out of ENTRY, home, cart, buy: home->cart is 2 of home's 3 (2/3)
    assert len(lines) == 1 + 4
    home_cart = next(line for line in lines if line.startswith("home,cart"))
    assert home_cart.split(",")[4] == str(float(Fraction(2, 3)))


def test_next_after_with_explicit_column_mapping(tmp_path, capsys):
    path = tmp_path / "renamed.csv"
    path.write_text(CSV.replace("customer_id,timestamp,touchpoint", "who,when,what"))
    status, out, _ = run(
        capsys,
        "next-after",
        path,
        "cart",
        "--customer",
        "who",
        "--timestamp",
        "when",
        "--touchpoint",
        "what",
    )
    assert status == 0
    # cart's two events: a goes on to buy, b's journey ends
    assert out.splitlines()[1:] == [f"{EXIT},1,1,0.5", "buy,1,1,0.5"]


def test_encoding_option(tmp_path, capsys):
    path = tmp_path / "latin.csv"
    path.write_bytes(CSV.replace("cart", "café").encode("latin-1"))
    status, out, _ = run(capsys, "next-after", path, "café", "--encoding", "latin-1")
    assert status == 0
    assert out.splitlines()[1:] == [f"{EXIT},1,1,0.5", "buy,1,1,0.5"]


def test_funnel_steps_are_repeated_options(shop, capsys):
    status, out, _ = run(
        capsys, "funnel", shop, "--step", "home", "--step", "cart", "--step", "buy"
    )
    assert status == 0
    table = pl.read_csv(out.encode())
    assert table.select("step", "touchpoint", "customers").rows() == [
        (1, "home", 3),
        (2, "cart", 2),
        (3, "buy", 1),
    ]


def test_by_session_with_gap(shop, capsys):
    # a 2-minute gap splits b (home, then cart 5 minutes later) into two sessions
    status, out, _ = run(capsys, "transitions", shop, "--by", "session", "--session-gap", "2m")
    assert status == 0
    assert f"{ENTRY},cart,1,1," in out.splitlines()
    assert "home,cart,1,1,60.0" in out.splitlines()


EXTRA = {
    "next-after": ["home"],
    "funnel": ["--step", "home", "--step", "cart"],
    "dropped-next": ["--step", "home", "--step", "cart"],
    "time-to-convert": ["--step", "home", "--step", "cart"],
    "conversion-over-time": ["--step", "home", "--step", "cart"],
}


@pytest.mark.parametrize("analysis", sorted(COMMANDS))
def test_every_analysis_runs(shop, capsys, analysis):
    status, out, err = run(capsys, analysis, shop, *EXTRA.get(analysis, []))
    assert (status, err) == (0, "")
    assert pl.read_csv(out.encode()).height > 0


def test_transitions_command_matches_the_library(shop, capsys):
    _, out, _ = run(capsys, "transitions", shop)
    assert pl.read_csv(out.encode()).rows() == transitions(load(shop)).rows()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["next-after", "{shop}", "crat"],
            r"touchpoint 'crat' is not in the log; did you mean 'cart'\?",
        ),
        (
            ["dropoffs", "{shop}", "--output", "out.xlsx"],
            r"--output 'out.xlsx' must end in .csv, .json, .parquet",
        ),
        (["dropoffs", "{shop}", "--touchpoint", "nope"], r"'nope'"),
        (
            ["transitions", "{shop}", "--by", "session", "--session-gap", "soon"],
            r"cannot read the duration 'soon'",
        ),
        (["graph", "{shop}", "--top-k", "0"], r"top_k=0 must be a whole number"),
    ],
    ids=["unknown-touchpoint", "output-format", "unknown-column", "bad-gap", "bad-top-k"],
)
def test_errors_are_one_line_with_status_2(shop, capsys, argv, message):
    status, out, err = run(capsys, *(a.format(shop=shop) for a in argv))
    assert (status, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith("error: ")
    assert re.search(message, err)


def test_python_m_cxlib_missing_file(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "cxlib", "dropoffs", str(tmp_path / "missing.csv")],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ")
    assert "missing.csv" in done.stderr


def test_unknown_analysis_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["nonsense", "log.csv"])
    assert exit_.value.code == 2
    assert "invalid choice: 'nonsense'" in capsys.readouterr().err


def test_help_lists_every_analysis(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS)
    assert "Wilson 95% interval" in out

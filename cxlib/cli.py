"""The command line: ``python -m cxlib <analysis> LOG [options]`` for pipelines.

Each analysis loads ``LOG`` with :func:`cxlib.load` (columns recognised, or mapped
with ``--customer``, ``--timestamp``, ``--touchpoint``, ...), runs on it and writes
the result table as CSV to standard output, or to ``--output FILE`` (``.csv``,
``.json`` or ``.parquet``). Errors in the input print one line to standard error
and exit with status 2.

Adding an analysis is one entry in :data:`COMMANDS`: the function (called with the
log first and the options as keywords), a help line, and its options.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from cxlib.analyses.dropoffs import dropoffs, next_after
from cxlib.analyses.funnels.funnel import dropped_next, funnel
from cxlib.analyses.funnels.timing import conversion_over_time, time_to_convert
from cxlib.analyses.graph import edge_table, journey_graph
from cxlib.analyses.graph_measures import critical_touchpoints
from cxlib.analyses.paths import step_matrix, top_paths
from cxlib.analyses.transitions import transitions
from cxlib.errors import CxError
from cxlib.io.loader import load
from cxlib.journeys import sessionize
from cxlib.log import EventLog, JourneyBy
from cxlib.units import DEFAULT_SESSION_GAP

__all__ = ["COMMANDS", "Command", "Option", "main"]

MAPPING = ("customer", "timestamp", "touchpoint", "channel", "value", "rating")
WRITERS: dict[str, Callable[[pl.DataFrame, Path], None]] = {
    ".csv": lambda table, path: table.write_csv(path),
    ".json": lambda table, path: table.write_json(path),
    ".parquet": lambda table, path: table.write_parquet(path),
}


@dataclass(frozen=True)
class Option:
    """One command-line option: the ``argparse.add_argument`` arguments, as given."""

    flags: tuple[str, ...]
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def dest(self) -> str:
        """The keyword the analysis function receives the value as."""
        dest: str = self.settings.get("dest", self.flags[0].lstrip("-").replace("-", "_"))
        return dest


@dataclass(frozen=True)
class Command:
    """An analysis on the command line: ``run(log, by=..., **options)`` returns a table."""

    run: Callable[..., pl.DataFrame]
    help: str
    options: tuple[Option, ...] = ()


def _graph_edges(log: EventLog, *, by: JourneyBy, **pruning: Any) -> pl.DataFrame:
    """The journey graph's edges with their attributes, after pruning."""
    return edge_table(journey_graph(log, by=by, **pruning))


def _critical(log: EventLog, *, by: JourneyBy, **pruning: Any) -> pl.DataFrame:
    return critical_touchpoints(journey_graph(log, by=by, **pruning))


PRUNING = (
    Option(("--top-k",), {"type": int, "help": "keep each node's K most frequent outgoing edges"}),
    Option(("--min-count",), {"type": int, "help": "drop edges with fewer transitions"}),
    Option(("--min-share",), {"type": float, "help": "drop edges with a lower share (0-1)"}),
)
COLLAPSE = Option(
    ("--collapse-repeats",), {"action": "store_true", "help": "merge a touchpoint's repeats"}
)
FUNNEL = (
    Option(
        ("--step",),
        {
            "dest": "steps",
            "action": "append",
            "required": True,
            "metavar": "TOUCHPOINT",
            "help": "a funnel step; repeat in order: --step visit --step cart --step buy",
        },
    ),
    Option(("--window",), {"default": "30d", "help": "conversion window, e.g. 30d, 12h"}),
    Option(("--order",), {"default": "sequential", "choices": ["sequential", "strict", "any"]}),
    Option(("--exclude",), {"action": "append", "default": [], "metavar": "TOUCHPOINT"}),
)

#: Every analysis of the command line, by subcommand name.
COMMANDS: dict[str, Command] = {
    "transitions": Command(transitions, "directly-follows pairs with entry and exit"),
    "graph": Command(_graph_edges, "the journey graph's edges, pruned", PRUNING),
    "critical": Command(_critical, "graph measures per touchpoint", PRUNING),
    "dropoffs": Command(dropoffs, "exit rate per touchpoint with a Wilson 95% interval"),
    "next-after": Command(
        next_after, "what journeys did right after a touchpoint", (Option(("touchpoint",)),)
    ),
    "paths": Command(
        top_paths,
        "the most common paths",
        (
            Option(("--n",), {"type": int, "default": 20, "help": "how many paths"}),
            Option(("--max-steps",), {"type": int, "help": "cut paths after this many steps"}),
            Option(("--start-at",), {"help": "paths from this touchpoint on"}),
            Option(("--end-at",), {"help": "paths up to this touchpoint"}),
            COLLAPSE,
        ),
    ),
    "step-matrix": Command(
        step_matrix,
        "share of journeys at each touchpoint at step 1..k",
        (Option(("--steps",), {"type": int, "default": 10}), COLLAPSE),
    ),
    "funnel": Command(
        funnel, "customers reaching each funnel step", (*FUNNEL, Option(("--breakdown",)))
    ),
    "dropped-next": Command(dropped_next, "what customers dropped at a step did instead", FUNNEL),
    "time-to-convert": Command(time_to_convert, "distribution of the time to convert", FUNNEL),
    "conversion-over-time": Command(
        conversion_over_time,
        "funnel conversion per period of first step",
        (*FUNNEL, Option(("--period",), {"default": "1w", "help": "1d, 1w or 1mo"})),
    ),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cxlib", description="Customer-journey analytics on an event log."
    )
    commands = parser.add_subparsers(dest="analysis", required=True, metavar="ANALYSIS")
    for name, command in COMMANDS.items():
        # argparse %-formats help texts ("95% interval" would break --help).
        sub = commands.add_parser(
            name, help=command.help.replace("%", "%%"), description=command.help
        )
        sub.add_argument("log", metavar="LOG", help="the event log: CSV, Parquet, JSON, XES, ...")
        for option in command.options:
            sub.add_argument(*option.flags, **option.settings)
        mapping = sub.add_argument_group("columns (recognised when not given)")
        for role in MAPPING:
            # dest kept apart from the analyses' own options (next-after's TOUCHPOINT)
            mapping.add_argument(f"--{role}", dest=f"column_{role}", metavar="COLUMN")
        mapping.add_argument(
            "--timestamp-format", help="strptime format or epoch unit (s, ms, us, ns)"
        )
        mapping.add_argument("--separator")
        mapping.add_argument("--encoding", help="found out when not given; e.g. latin-1, cp1252")
        sub.add_argument("--by", choices=["customer", "session"], default="customer")
        sub.add_argument(
            "--session-gap", help=f"pause that starts a new session (default {DEFAULT_SESSION_GAP})"
        )
        sub.add_argument("--output", type=Path, help="write to FILE.csv, .json or .parquet")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one analysis from command-line arguments; return the exit status.

    Examples
    --------
    >>> main(["dropoffs", "no-such-file.csv"])
    2
    """
    args = _parser().parse_args(argv)
    command = COMMANDS[args.analysis]
    try:
        if args.output is not None and args.output.suffix.lower() not in WRITERS:
            msg = f"--output {str(args.output)!r} must end in {', '.join(WRITERS)}"
            raise CxError(msg)
        columns = {role: getattr(args, f"column_{role}") for role in MAPPING}
        log = load(
            args.log,
            **{role: column for role, column in columns.items() if column is not None},
            timestamp_format=args.timestamp_format,
            separator=args.separator,
            encoding=args.encoding,
        )
        if args.session_gap is not None:
            log = sessionize(log, args.session_gap)
        options = {option.dest: getattr(args, option.dest) for option in command.options}
        table = command.run(log, by=args.by, **options)
    except CxError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.output is None:
        sys.stdout.write(table.write_csv())
    else:
        WRITERS[args.output.suffix.lower()](table, args.output)
    return 0

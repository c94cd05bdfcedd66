"""The Markov chain of journeys to a conversion, and each state's removal effect.

Journeys (one per customer) run from ``(entry)`` to their **first** conversion,
or to ``(exit)`` when the customer never converts; events after the first
conversion are not part of it, and the conversion touchpoint itself is not a
state. A state is a touchpoint (``level="touchpoint"``) or the channel of the event
(``level="channel"``; events without a channel are ``"(none)"``).

The **first-order chain** moves from a state to the next with the share of
observed transitions: ``P(A -> B) = transitions A -> B / transitions out of A``.
``P(conversion)`` is the probability that a walk from ``(entry)`` is absorbed in
``(conversion)`` rather than ``(exit)``. The **removal effect** of a state X is
``1 - P(conversion with X removed) / P(conversion)``, where removing X sends every
walk that reaches X to ``(exit)``: the share of conversions that could not happen
without X.

The counts are one portable ``group_by`` over the events; the chain (a few
hundred states at most) is then solved with NumPy: absorption probabilities
``b = (I - Q)^-1 r`` and, with ``N = (I - Q)^-1``, the probability to convert
while avoiding X, ``b[entry] - N[entry, X] / N[X, X] * b[X]`` (the walks that
convert minus those that hit X on the way).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import narwhals as nw
import numpy as np
import polars as pl

from cxlib.analyses.omnichannel import channel_or_none
from cxlib.checks import require_touchpoints
from cxlib.conversion.goal import with_conversion_step
from cxlib.errors import AnalysisError, check_choice
from cxlib.journeys import Journeys
from cxlib.log import ENTRY, EXIT, EventLog

__all__ = [
    "CONVERSION",
    "MAX_STATES",
    "AbsorbingChain",
    "Chain",
    "Level",
    "conversion_chain",
    "conversion_chains",
    "journeys_to_conversion",
    "removal_effects",
    "removal_effects_of",
]

#: The absorbing state a converting journey ends in.
CONVERSION = "(conversion)"
#: What a state of the chain is: the touchpoint of an event, or its channel.
Level = Literal["touchpoint", "channel"]
#: Most states the chain is solved for: the solve takes O(states^3) time and O(states^2) memory.
MAX_STATES = 2000


def journeys_to_conversion(
    log: EventLog, *, goal: str, level: Level = "touchpoint", columns: Sequence[str] = ()
) -> Journeys:
    """Each event of the journeys cut at their first conversion (the conversion event kept).

    The table of :func:`~cxlib.conversion.goal.with_conversion_step` (per customer),
    with ``touchpoint`` and ``next_touchpoint`` holding the state (touchpoint, a
    category on Polars, or channel, as text). Events with ``step < conv_step`` (or all, when ``conv_step`` is
    null: the customer never converts) are the **touches**; the event with
    ``step == conv_step`` is the conversion. ``columns``: other columns of the log
    the table should hold (``value``).
    """
    check_choice(level, get_args(Level), name="level", what="a state of the chain")
    if level == "channel" and not log.has("channel"):
        msg = (
            "level='channel' needs a channel column and the log has none; "
            "map one when loading the log or use level='touchpoint'"
        )
        raise AnalysisError(msg)
    if level == "touchpoint":
        table = with_conversion_step(log, goal, columns=columns)
        steps = table.frame
    else:
        # The goal is a touchpoint: the conversion step is found before channels replace them.
        table = with_conversion_step(log, goal, columns=columns, next_of=["channel"])
        steps = table.frame.with_columns(
            touchpoint=channel_or_none("channel"),
            next_touchpoint=nw.when(~nw.col("next_epoch_us").is_null()).then(
                channel_or_none("next_channel")
            ),
        )
    before = nw.col("conv_step").is_null() | (nw.col("step") <= nw.col("conv_step"))
    return table._replace(frame=steps.filter(before))


@dataclass(frozen=True)
class Chain:
    """The observed transitions of the journeys to a conversion.

    ``counts`` has ``source``, ``target`` (states, ``(entry)``, ``(conversion)``,
    ``(exit)``) and ``transitions`` (Int64). ``conversions`` counts the converting
    journeys, ``direct`` those converting at their first event (no touch before),
    ``value`` the summed value of the conversions with at least one touch before
    them (None without a value column).
    """

    counts: pl.DataFrame
    conversions: int
    direct: int
    value: float | None


def conversion_chain(log: EventLog, *, goal: str, level: Level = "touchpoint") -> Chain:
    """Count the transitions of the chain; see the module docstring.

    Raises :class:`AnalysisError` when ``goal`` is not a touchpoint of the log.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 3, "touchpoint": ["ad", "buy", "ad"]}))
    >>> chain = conversion_chain(log, goal="buy")
    >>> chain.counts.rows(), chain.conversions
    ([('(entry)', 'ad', 2), ('ad', '(conversion)', 1), ('ad', '(exit)', 1)], 1)
    """

    # Attribution, importance, the what-if and the story ask for the same chain.
    def count() -> Chain:
        return _chain_of(_moves(log, goal, level, groups=None), log, goal)

    return log.cache.reused("chain", (goal, level), count)


def conversion_chains(log: EventLog, *, goal: str, groups: int) -> list[Chain] | None:
    """The chain of each of ``groups`` groups of customers, counted in one pass.

    Customers are numbered by their id in text order and grouped by that number modulo
    ``groups``: groups of nearly equal size, each a spread of the whole log. ``None``
    when a group has no conversion. The whole log's chain is the groups' summed: it is
    kept as :func:`conversion_chain`'s (the story asks for both).

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 4, "touchpoint": ["ad", "buy"] * 2}))
    >>> [chain.conversions for chain in conversion_chains(log, goal="buy", groups=2)]
    [1, 1]
    """
    moves = _moves(log, goal, "touchpoint", groups=groups)
    # 10M events: 0.6 s saved on the story, which asks for the whole chain next.
    whole = moves.group_by(_MOVE_KEYS).agg(pl.col("transitions", "value").sum())
    log.cache.reused("chain", (goal, "touchpoint"), lambda: _chain_of(whole, log, goal))
    parts = [moves.filter(pl.col("_group") == g) for g in range(groups)]
    if any(part.filter("_converts").is_empty() for part in parts):
        return None
    return [_chain_of(part, log, goal) for part in parts]


#: What a move of :func:`_moves` is counted by: its states, whether it converts or is
#: followed by a conversion, and whether it is the journey's first event.
_MOVE_KEYS = ["touchpoint", "next_touchpoint", "_converts", "_then_converts", "first"]


def _moves(log: EventLog, goal: str, level: Level, *, groups: int | None) -> pl.DataFrame:
    """The moves of the journeys to a conversion, counted by their kind (and group)."""
    valued = log.has("value")
    journeys = journeys_to_conversion(log, goal=goal, level=level, columns=["value"] * valued)
    steps, step, conv_step = journeys.frame, nw.col("step"), nw.col("conv_step")
    keys = _MOVE_KEYS
    if groups is not None:
        customer = journeys.customer
        # One first step per customer: their ids are distinct, so ordinal ranks are the
        # dense ones, cheaper (10M events, 1.08M customers: 0.29 s instead of 0.45).
        number = nw.col("customer_id").cast(nw.String).rank("ordinal") % groups
        first = steps.filter(step == 1).select(customer, "customer_id")
        numbered = first.select(customer, _group=number.cast(nw.Int64))
        steps, keys = steps.join(numbered, on=customer), [*keys, "_group"]
    worth = nw.col("value").cast(nw.Float64) if valued else nw.lit(None, nw.Float64)
    # Grouped by the states as they are (categories on Polars), named after: few groups.
    moves: pl.DataFrame = (
        steps.with_columns(
            _converts=step == conv_step,
            _then_converts=step + 1 == conv_step,
            first=step == 1,
            _value=worth,
        )
        .group_by(*keys)
        .agg(transitions=nw.len().cast(nw.Int64), value=nw.col("_value").sum())
        .collect("polars")
        .to_native()
    )
    return moves


def _chain_of(moves: pl.DataFrame, log: EventLog, goal: str) -> Chain:
    """The chain of the counted moves (see :func:`_moves`)."""
    state, following = pl.col("touchpoint").cast(pl.String), pl.col("next_touchpoint")
    table = moves.select(
        source=pl.when("_converts").then(pl.lit(CONVERSION)).otherwise(state),
        target=pl.when("_then_converts")
        .then(pl.lit(CONVERSION))
        .when(following.is_null())
        .then(pl.lit(EXIT))
        .otherwise(following.cast(pl.String)),
        first="first",
        transitions="transitions",
        value="value",
    )
    converted = table.filter(pl.col("source") == CONVERSION)
    if converted.height == 0:
        require_touchpoints(log, [goal])
    # Each journey's first event is also the target of one move from the entry.
    entries = table.filter("first").group_by(target="source").agg(pl.col("transitions").sum())
    moves = (
        table.filter(pl.col("source") != CONVERSION)
        .group_by("source", "target")
        .agg(pl.col("transitions").sum())
    )
    counts = pl.concat(
        [entries.select(source=pl.lit(ENTRY), target="target", transitions="transitions"), moves]
    ).sort("source", "target")
    direct = converted.filter("first")["transitions"].sum()
    value = converted.filter(~pl.col("first"))["value"].sum() if log.has("value") else None
    return Chain(
        counts=counts.cast({"transitions": pl.Int64}),
        conversions=int(converted["transitions"].sum()),
        direct=int(direct),
        value=None if value is None else float(value),
    )


@dataclass(frozen=True)
class AbsorbingChain:
    """Journeys read as an absorbing Markov chain, and cxlib's one solver of such chains.

    ``states`` are the transient states: ``(entry)`` first, then the touchpoints (or
    channels) in name order. The goal and ``(exit)`` are **absorbing**: a journey that
    reaches either is over. ``moves[i, j]`` is the probability to move from state ``i``
    to transient state ``j`` (``j < n``), to the goal (``j = n``) or to ``(exit)``
    (``j = n + 1``): the observed transitions over all transitions out of ``i``; a state
    reached but never left has a row of zeros. ``journeys`` counts the journeys entering
    the chain (transitions out of ``(entry)``). Removal effects (attribution, touchpoint
    importance) and the drop-off what-if all solve it with :meth:`solve`.

    Examples
    --------
    >>> counts = pl.DataFrame({"source": ["(entry)", "a", "a"], "target": ["a", "buy", "(exit)"],
    ...                        "transitions": [10, 4, 6]})
    >>> chain = AbsorbingChain.from_counts(counts, goal="buy")
    >>> chain.states, chain.journeys
    (['(entry)', 'a'], 10.0)
    >>> chain.solve(chain.moves[:, 2:])[0].tolist()  # from the entry: to the goal, to the exit
    [0.4, 0.6]
    """

    states: list[str]
    moves: np.ndarray
    journeys: float

    @classmethod
    def from_counts(cls, counts: pl.DataFrame, *, goal: str = CONVERSION) -> AbsorbingChain:
        """The chain of ``source``, ``target``, ``transitions`` counts, absorbed at ``goal`` and EXIT.

        Transitions out of the goal or EXIT are ignored. Raises :class:`AnalysisError`
        beyond :data:`MAX_STATES` states.
        """
        counts = counts.filter(~pl.col("source").is_in([goal, EXIT]))
        nodes = set(counts["source"]) | set(counts["target"])
        states = sorted(nodes - {ENTRY, goal, EXIT})
        if len(states) > MAX_STATES:
            msg = (
                f"the Markov chain would have {len(states):,} states, more than {MAX_STATES:,}; "
                "group touchpoints (cxlib.rename_touchpoints) or use a heuristic model"
            )
            raise AnalysisError(msg)
        states = [ENTRY, *states]
        n = len(states)
        index = {s: i for i, s in enumerate(states)} | {goal: n, EXIT: n + 1}
        observed = np.zeros((n, n + 2))
        for source, target, count in counts.select("source", "target", "transitions").iter_rows():
            observed[index[source], index[target]] += count
        out = observed.sum(axis=1, keepdims=True)  # all moves out of a state, absorbing ones too
        moves = np.divide(observed, out, out=np.zeros_like(observed), where=out > 0)
        return cls(states=states, moves=moves, journeys=float(out[0, 0]))

    def solve(self, right: np.ndarray, moves: np.ndarray | None = None) -> np.ndarray:
        """``X`` with ``(I - Q) X = right``, ``Q`` the transient part of ``moves`` (default: the chain's).

        With ``right = I`` it is the fundamental matrix ``N`` (``N[i, j]``: expected
        visits to ``j`` from ``i``); with the absorbing columns of ``moves`` the
        absorption probabilities.
        """
        moves = self.moves if moves is None else moves
        n = len(self.states)
        try:
            return np.linalg.solve(np.eye(n) - moves[:, :n], right)
        except np.linalg.LinAlgError:
            msg = (
                "some touchpoints loop forever without reaching the goal or the exit; "
                "the transitions table is incomplete"
            )
            raise AnalysisError(msg) from None


def _effects(counts: pl.DataFrame) -> tuple[list[str], np.ndarray]:
    """Removal effect of every transient state (``(entry)`` excluded), by linear algebra."""
    chain = AbsorbingChain.from_counts(counts)
    n = len(chain.states)
    fundamental = chain.solve(np.eye(n))
    absorbed = fundamental @ chain.moves[:, n]
    states = chain.states[1:]
    if absorbed[0] == 0:
        return states, np.zeros(len(states))
    x = np.arange(1, n)
    # P(a walk from the entry ever reaches X) = N[entry, X] / N[X, X]
    hits = fundamental[0, x] / fundamental[x, x]
    effects = hits * absorbed[x] / absorbed[0]
    # Floating-point noise must not turn a state that changes nothing into a credited one.
    return states, np.where(np.abs(effects) < 1e-12, 0.0, effects)


def removal_effects(log: EventLog, *, goal: str, level: Level = "touchpoint") -> pl.DataFrame:
    """The removal effect of every state of the chain to the ``goal`` touchpoint.

    Returns one row per touchpoint (or channel, the first column is named after
    ``level``) with ``removal_effect`` (Float64, between 0 and 1), sorted by removal
    effect descending then name. The conversion touchpoint is not a state. Empty
    when no journey converts.

    Examples
    --------
    Every conversion passes through ``ad``: removing it loses them all. Half the
    converting walks come through ``mail`` (entry -> mail -> ad -> buy has
    probability 2/3 * 1/2 * 1/2 = 1/6, entry -> ad -> buy 1/3 * 1/2 = 1/6):
    removing ``mail`` loses half.

    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": list("aabbc"),
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 5,
    ...     "touchpoint": ["mail", "ad", "ad", "buy", "mail"]}))
    >>> removal_effects(log, goal="buy").rows()
    [('ad', 1.0), ('mail', 0.5)]
    """
    chain = conversion_chain(log, goal=goal, level=level)
    return removal_effects_of(chain.counts, level=level)


def removal_effects_of(counts: pl.DataFrame, *, level: Level = "touchpoint") -> pl.DataFrame:
    """The removal effects of a chain given by its transition counts (see :func:`removal_effects`)."""
    states, effects = _effects(counts)
    return pl.DataFrame(
        {level: states, "removal_effect": effects},
        schema={level: pl.String, "removal_effect": pl.Float64},
    ).sort(["removal_effect", level], descending=[True, False])

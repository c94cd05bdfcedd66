"""Stages: the classic journey map (awareness -> advocacy) laid over the touchpoints.

A **stage** groups touchpoints: *awareness* (ads, visits, search), *consideration*
(product pages, comparisons, quotes), *decision* (cart, checkout, purchase,
contract), *loyalty* (use, support, renewal, repeat purchase) and *advocacy*
(reviews, referrals, shares). The mapping touchpoint -> stage is the user's to
edit; :func:`default_stages` guesses one from touchpoint names.

People do not move through stages in a straight line: the **stage flow** counts
every move between stages, forward and back (a **regression**, e.g. decision back
to consideration), and every **re-entry** into a stage the customer had already
left. Events of touchpoints outside the mapping are ignored by the stage analyses,
and consecutive events in the same stage count as one visit of that stage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import narwhals as nw
import networkx as nx
import polars as pl

from cxlib.analyses.graph import journey_graph
from cxlib.analyses.overview import customers_per_value
from cxlib.analyses.transitions import transitions
from cxlib.checks import require_touchpoints
from cxlib.conversion.goal import with_conversion_step
from cxlib.engines import with_revisits
from cxlib.errors import AnalysisError
from cxlib.journeys import collapse_repeats, journey_table, kept, relabelled
from cxlib.log import ENTRY, EXIT, EventLog

__all__ = [
    "STAGE_ORDER",
    "default_stages",
    "stage_flow",
    "stage_funnel",
    "stage_graph",
    "stage_reach",
    "to_stages",
]

#: The classic stages, in journey order (the default ``order`` of the stage analyses).
STAGE_ORDER = ("awareness", "consideration", "decision", "loyalty", "advocacy")

# Checked in this order: the later stage wins when a name holds words of several
# ("repeat_purchase" is loyalty, "renew_contract" too).
_KEYWORDS = {
    "advocacy": "review referral refer share recommend testimonial",
    "loyalty": "support use usage renew renewal repeat repurchase reorder service complaint "
    "return upgrade login loyalty onboarding survey nps deposit activation activated card "
    "delivered delivery bill technician churn retention cross",
    "decision": "cart basket checkout purchase buy order contract apply application signup "
    "subscribe payment pay collect opened",
    "consideration": "compare comparison product quote pricing price demo trial detail details "
    "catalog catalogue offer configure calculator wishlist appointment download coverage sales",
    "awareness": "ad ads advert visit search impression banner landing home social campaign "
    "newsletter email",
}


def _words(name: str) -> list[str]:
    # "visitHome", "visit_home" and "visit home" all give ["visit", "home"].
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return re.findall(r"[a-z]+", spaced.lower())


def default_stages(touchpoints: Iterable[str]) -> dict[str, str]:
    """Guess each touchpoint's stage from the words of its name.

    A name's words are matched against keywords: ad, visit, search -> awareness;
    compare, product, quote -> consideration; cart, checkout, purchase, contract,
    apply -> decision; support, use, renew, repeat -> loyalty; review, referral,
    share -> advocacy. When a name matches several stages the later stage wins
    (``repeat_purchase`` is loyalty). Touchpoints matching nothing are left out:
    map them yourself.

    Examples
    --------
    >>> default_stages(["search_ad", "product_page", "add_to_cart", "repeat_purchase", "write_review", "xyz"])
    {'search_ad': 'awareness', 'product_page': 'consideration', 'add_to_cart': 'decision', 'repeat_purchase': 'loyalty', 'write_review': 'advocacy'}
    """
    mapping = {}
    for touchpoint in touchpoints:
        words = set(_words(touchpoint))
        for stage in reversed(STAGE_ORDER):
            if words & set(_KEYWORDS[stage].split()):
                mapping[touchpoint] = stage
                break
    return mapping


def _touchpoints(log: EventLog) -> list[str]:
    events = journey_table(log, steps=False).frame
    out = events.select("touchpoint").unique().collect("polars").to_native()
    return sorted(str(t) for t in out["touchpoint"].to_list() if t is not None)


def _mapping(
    log: EventLog, stages: Mapping[str, str] | None, order: Sequence[str]
) -> dict[str, str]:
    mapping = default_stages(_touchpoints(log)) if stages is None else dict(stages)
    unknown = sorted({s for s in mapping.values() if s not in order})
    if unknown:
        msg = (
            f"stage(s) {unknown!r} are not in the stage order {list(order)!r}; "
            "use those stages or pass order=[...] with your own"
        )
        raise AnalysisError(msg)
    return mapping


def to_stages(
    log: EventLog, *, stages: Mapping[str, str] | None = None, order: Sequence[str] = STAGE_ORDER
) -> EventLog:
    """The log with each touchpoint replaced by its stage; events of unmapped touchpoints dropped.

    Every analysis then runs at the stage level: the journey graph of the result
    (after :func:`cxlib.collapse_repeats`) is the journey graph collapsed to stages.
    ``stages`` maps touchpoint -> stage (default: :func:`default_stages`); ``order``
    lists the allowed stages.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a"] * 3,
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 3, "touchpoint": ["visit", "cart", "xyz"]}))
    >>> to_stages(log).to_polars()["touchpoint"].to_list()
    ['awareness', 'decision']
    """
    mapping = _mapping(log, stages, order)
    # No cast to text first: on Polars the sorted journeys' categories map at once.
    stage = nw.col("touchpoint").replace_strict(mapping, default=None, return_dtype=nw.String)

    def staged() -> EventLog:
        renamed = relabelled(log, stage, columns=["touchpoint"])
        return kept(renamed, ~nw.col("touchpoint").is_null(), columns=["touchpoint"])

    # The Stages page draws several analyses of the same stages: made once.
    return log.cache.reused("stages", (tuple(sorted(mapping.items())), tuple(order)), staged)


def stage_graph(log: EventLog, *, stages: Mapping[str, str] | None = None) -> nx.DiGraph[str]:
    """The journey graph collapsed to stages: :func:`to_stages`, repeats collapsed, then the graph.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a"] * 3,
    ...     "timestamp": [dt.datetime(2024, 1, 1, 9, m) for m in range(3)],
    ...     "touchpoint": ["visit", "home", "cart"]}))
    >>> sorted(stage_graph(log).edges)
    [('(entry)', 'awareness'), ('awareness', 'decision'), ('decision', '(exit)')]
    """
    return journey_graph(collapse_repeats(to_stages(log, stages=stages)))


def stage_flow(
    log: EventLog, *, stages: Mapping[str, str] | None = None, order: Sequence[str] = STAGE_ORDER
) -> pl.DataFrame:
    """The stage-to-stage transition matrix, with regressions and re-entries.

    One row per move ``from_stage -> to_stage`` seen in the journeys (stages of
    consecutive events, repeats of one stage collapsed), including the moves from
    ``(entry)`` and to ``(exit)``:

    - ``transitions``: how many times the move happened (Int64);
    - ``customers``: distinct customers who made it (Int64);
    - ``share``: ``transitions`` / all moves out of ``from_stage`` (Float64);
    - ``direction``: ``"entry"``, ``"exit"``, ``"forward"`` (to a later stage of
      ``order``) or ``"regression"`` (back to an earlier one);
    - ``re_entries``: the moves into a stage the customer had already visited (Int64).

    Sorted by ``from_stage`` then ``to_stage`` in stage order.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a"] * 4,
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 4,
    ...     "touchpoint": ["visit", "product", "cart", "product"]}))
    >>> stage_flow(log).select("from_stage", "to_stage", "direction", "re_entries").rows()
    [('(entry)', 'awareness', 'entry', 0), ('awareness', 'consideration', 'forward', 0), ('consideration', 'decision', 'forward', 0), ('consideration', '(exit)', 'exit', 0), ('decision', 'consideration', 'regression', 1)]
    """
    staged = collapse_repeats(to_stages(log, stages=stages, order=order))
    table = transitions(staged)
    # A move re-enters a stage when the customer was there at or before the move's
    # departing step. The journeys are the ones transitions just used: in journey order
    # (in memory) each event knows whether its stage came before; otherwise one
    # group_by and one join, no window functions.
    steps, keys, _, ordered = journey_table(staged)
    if ordered:
        moves = with_revisits(steps).filter(nw.col("_revisit"))
    else:
        firsts = steps.group_by(*keys, "touchpoint").agg(first_step=nw.col("step").min())
        moves = steps.join(
            firsts.rename({"touchpoint": "next_touchpoint"}),
            on=[*keys, "next_touchpoint"],
            how="inner",
        ).filter(nw.col("first_step") <= nw.col("step"))
    returns = (
        moves.group_by("touchpoint", "next_touchpoint")
        .agg(re_entries=nw.len().cast(nw.Int64))
        .collect("polars")
        .to_native()
        .select(
            pl.col("touchpoint").cast(pl.String).alias("source"),
            pl.col("next_touchpoint").cast(pl.String).alias("target"),
            "re_entries",
        )
    )
    counts = table.join(returns, on=["source", "target"], how="left").select(
        from_stage="source",
        to_stage="target",
        transitions="transitions",
        customers="customers",
        re_entries=pl.col("re_entries").fill_null(0),
    )
    rank = {ENTRY: -1, **{s: i for i, s in enumerate(order)}, EXIT: len(order)}
    direction = (
        pl.when(pl.col("from_stage") == ENTRY)
        .then(pl.lit("entry"))
        .when(pl.col("to_stage") == EXIT)
        .then(pl.lit("exit"))
        .when(pl.col("_to") > pl.col("_from"))
        .then(pl.lit("forward"))
        .otherwise(pl.lit("regression"))
    )
    return (
        counts.with_columns(
            _from=pl.col("from_stage").replace_strict(rank, return_dtype=pl.Int64),
            _to=pl.col("to_stage").replace_strict(rank, return_dtype=pl.Int64),
            share=(pl.col("transitions") / pl.col("transitions").sum().over("from_stage")).cast(
                pl.Float64
            ),
        )
        .with_columns(direction=direction)
        .sort("_from", "_to")
        .select(
            "from_stage", "to_stage", "transitions", "customers", "share", "direction", "re_entries"
        )
    )


def stage_reach(
    log: EventLog, *, stages: Mapping[str, str] | None = None, order: Sequence[str] = STAGE_ORDER
) -> pl.DataFrame:
    """How many customers reached each stage: ``stage``, ``customers`` (Int64), ``share`` (Float64).

    ``share`` = customers with at least one event in the stage / all customers of
    the log (those whose touchpoints map to no stage count in the denominator).
    Every stage of ``order`` is listed, in order, with 0 when nobody reached it.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 3, "touchpoint": ["visit", "cart", "visit"]}))
    >>> stage_reach(log).rows()[:3]
    [('awareness', 2, 1.0), ('consideration', 0, 0.0), ('decision', 1, 0.5)]
    """
    reached, _ = customers_per_value(to_stages(log, stages=stages, order=order), "touchpoint")
    everyone = journey_table(log, steps=False)
    total = everyone.frame.select(nw.col(everyone.customer).n_unique()).collect("polars").item()
    counts = dict(zip(reached["touchpoint"], reached["customers"], strict=True))
    return pl.DataFrame(
        {
            "stage": list(order),
            "customers": [counts.get(s, 0) for s in order],
            "share": [counts.get(s, 0) / total if total else 0.0 for s in order],
        },
        schema={"stage": pl.String, "customers": pl.Int64, "share": pl.Float64},
    )


def stage_funnel(
    log: EventLog,
    *,
    goal: str,
    stages: Mapping[str, str] | None = None,
    order: Sequence[str] = STAGE_ORDER,
) -> list[str]:
    """Funnel steps through the stages: one touchpoint per stage, then ``goal``.

    For every stage of ``order`` up to the goal's own stage (``decision`` when the goal
    is not mapped), the touchpoint of that stage that the most converting customers met
    before their first ``goal`` (ties by name); stages no converting customer met
    before converting are skipped. A sensible default funnel for a log whose stages are
    known, such as a bundled scenario's.

    Raises
    ------
    AnalysisError
        If ``goal`` is not a touchpoint of the log (with the closest names).

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> log = EventLog.from_frame(pl.DataFrame({"customer_id": list("aaabbbcc"),
    ...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (1, 2, 3, 1, 2, 3, 1, 2)],
    ...     "touchpoint": ["ad", "product", "buy", "visit", "product", "buy", "ad", "cart"]}))
    >>> stage_funnel(log, goal="buy")
    ['ad', 'product', 'buy']
    """
    mapping = _mapping(log, stages, order)
    goal_stage = mapping.get(goal, "decision")
    last = order.index(goal_stage) if goal_stage in order else len(order) - 1
    journeys = with_conversion_step(log, goal)
    met = (
        journeys.frame.filter(nw.col("step") < nw.col("conv_step"))
        .group_by("touchpoint")
        .agg(converters=nw.col(journeys.customer).n_unique().cast(nw.Int64))
        .collect("polars")
        .to_native()
        .with_columns(pl.col("touchpoint").cast(pl.String))
    )
    if met.is_empty():
        require_touchpoints(log, [goal])
    funnel = []
    for stage in order[: last + 1]:
        candidates = met.filter(
            pl.col("touchpoint").replace_strict(mapping, default=None) == stage,
            pl.col("touchpoint") != goal,
        ).sort(["converters", "touchpoint"], descending=[True, False])
        if candidates.height:
            funnel.append(candidates["touchpoint"][0])
    return [*funnel, goal]

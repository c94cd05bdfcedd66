"""The story a facilitator tells: the findings of a log, each a sentence with its number.

:func:`findings` runs the analyses that answer the questions a room asks of its journeys
and keeps what the data clearly supports, ranked by how many customers it concerns:

========================  ==================================================  ====================================
kind                      what it says                                        impact (customers)
========================  ==================================================  ====================================
``dropoff``               where the most customers leave without converting   those who left there
``removal``               the touchpoint the conversions depend on most       conversions lost without it
``moment_of_truth``       an important touchpoint customers rate badly        its non-converting customers
``handoff``               the channel hand-off after which customers are lost  customers lost beyond the average
``opening``               the way into the journey that converts best         conversions the usual start misses
``valuable_customers``    what the most valuable customers do differently     other buyers who do not do it
``segment``               the segment that converts differently               its customers times the difference
========================  ==================================================  ====================================

Every number comes with its 95% interval; a finding the data cannot support (no rating
column, one channel, too few customers, no clear difference) is left out of the story
with a note saying why, never made up.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from cxlib.checks import require_touchpoints
from cxlib.log import EventLog
from cxlib.story import groups, paths
from cxlib.story.model import HEADINGS, Finding, Kind, Story

__all__ = ["MIN_CUSTOMERS", "Finding", "Kind", "Story", "findings"]

#: Fewest customers a finding's group (a touchpoint's, a hand-off's, a segment's) may have.
MIN_CUSTOMERS = 30


def findings(
    log: EventLog,
    *,
    goal: str | None,
    max_findings: int = 8,
    min_customers: int = MIN_CUSTOMERS,
    progress: Callable[[str], None] | None = None,
) -> Story:
    """The story of a log: its findings about reaching ``goal``, most impact first.

    Parameters
    ----------
    log
        The event log (one journey per customer).
    goal
        The touchpoint that counts as a conversion. Without one, only the drop-off can be
        told (and a note says so).
    max_findings
        Most findings kept, those of largest impact.
    min_customers
        Fewest customers a compared group may have (see :data:`MIN_CUSTOMERS`).
    progress
        Called before each finding with what is looked at next, in words ("2 of 7:
        what the conversions depend on"): at 10M events the story takes seconds.

    Returns
    -------
    Story
        The findings (see the module docstring) and a note for each left out.

    Raises
    ------
    AnalysisError
        If ``goal`` is not a touchpoint of the log (with the closest names).

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> rows = [(f"c{i}", dt.datetime(2024, 1, 1, 9, m), tp) for i in range(40)
    ...         for m, tp in enumerate(["home", "cart"] + (["buy"] if i < 10 else []))]
    >>> log = EventLog.from_frame(pl.DataFrame(rows, orient="row",
    ...     schema=["customer_id", "timestamp", "touchpoint"]))
    >>> story = findings(log, goal="buy", progress=print)
    1 of 7: where customers drop
    2 of 7: what the conversions depend on
    3 of 7: a moment of truth
    4 of 7: a channel hand-off that loses customers
    5 of 7: the way in that converts best
    6 of 7: what the most valuable customers do
    7 of 7: a segment that converts differently
    >>> print(story.findings[0].sentence)  # doctest: +NORMALIZE_WHITESPACE
    The largest drop-off is at cart: 30 of the 40 customers who reached it (75%, 95%
    interval 60–86%) left there without reaching buy.
    >>> story.customers, story.converted, len(story.left_out)
    (40, 10, 6)
    """
    if goal is not None:
        require_touchpoints(log, [goal])
    told: list[Finding] = []
    notes: list[str] = []
    asked = _asked(goal, min_customers)
    for number, (kind, ask) in enumerate(asked, 1):
        if progress is not None:
            progress(f"{number} of {len(asked)}: {HEADINGS[kind].lower()}")
        result = ask(log)
        if isinstance(result, Finding):
            told.append(result)
        else:
            notes.append(result)
    if goal is None:
        notes.append("No conversion goal is set: the findings about reaching it cannot be told.")
    ranked = sorted(told, key=lambda f: (-f.impact, f.kind))
    customers, converted = paths.conversion_counts(log, goal)
    return Story(tuple(ranked[:max_findings]), tuple(notes), customers, converted)


def _asked(goal: str | None, least: int) -> list[tuple[Kind, Callable[[EventLog], Finding | str]]]:
    """Each finding looked for, in the order of the module docstring (only the drop-off without a goal)."""
    dropoff: Callable[[EventLog], Finding | str] = partial(
        paths.dropoff, goal=goal, min_customers=least
    )
    if goal is None:
        return [("dropoff", dropoff)]
    return [
        ("dropoff", dropoff),
        ("removal", partial(paths.removal, goal=goal, min_conversions=least)),
        ("moment_of_truth", partial(paths.moment_of_truth, goal=goal, min_ratings=least)),
        ("handoff", partial(groups.handoff, goal=goal, min_customers=least)),
        ("opening", partial(paths.opening, goal=goal, min_customers=least)),
        ("valuable_customers", partial(groups.valuable_customers, goal=goal, min_customers=least)),
        ("segment", partial(groups.segment, goal=goal, min_customers=least)),
    ]

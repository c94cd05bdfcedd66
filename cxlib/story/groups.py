"""Findings that compare groups of customers.

The channel hand-off that loses the most, what the most valuable customers do
differently, the segment that converts differently. Each function takes the log and the goal and returns a :class:`~cxlib.story.model.Finding`,
or a note (a string) saying why the data cannot support it. A difference is told only when
it is clear: Wilson intervals apart, or a two-proportion test significant at 5% after a
Bonferroni correction for the number of comparisons looked at.
"""

from __future__ import annotations

import narwhals as nw
import polars as pl

from cxlib.analyses.compare import two_proportion_z_test
from cxlib.analyses.dropoffs import wilson_interval
from cxlib.conversion.goal import with_conversion_step
from cxlib.journeys import journey_table
from cxlib.log import EventLog
from cxlib.story.model import Finding, estimates, estimates_of, interval_text, percent
from cxlib.story.paths import CHART_ROWS

__all__ = ["MAX_SEGMENT_VALUES", "TOP_SHARE", "handoff", "segment", "valuable_customers"]

#: The most valuable customers: this share of the buying customers, by value.
TOP_SHARE = 0.2
#: Attributes with more distinct values than this are not compared value by value.
MAX_SEGMENT_VALUES = 12
_ALPHA = 0.05


def handoff(log: EventLog, *, goal: str, min_customers: int) -> Finding | str:
    """The channel hand-off after which customers are lost the most, against all hand-offs.

    A hand-off is two consecutive events of a customer's journey, before their first
    conversion, in two channels (``app`` then ``call_centre``); a customer is lost there
    when the second event ends their journey without a conversion. For each ordered pair
    of channels: the customers who made that hand-off, and the share of them lost there,
    with its Wilson interval, against the same share over every hand-off. The hand-off
    told loses the most customers beyond that share, its interval above it. Impact: those
    extra customers lost.
    """
    if not log.has("channel"):
        return "This log has no channel column: channel hand-offs cannot be told."
    # A move to a next event that ends the journey: no event after that one.
    table = with_conversion_step(log, goal, next_of=["channel"])
    last_step = nw.col("step").max().over(table.customer)
    steps = table.frame.with_columns(ended=(nw.col("step") + 1 >= last_step).cast(nw.Int64))
    moved = steps.filter(
        (nw.col("conv_step").is_null() | (nw.col("step") + 1 < nw.col("conv_step")))
        & ~nw.col("channel").is_null()
        & ~nw.col("next_channel").is_null()
        & (nw.col("channel") != nw.col("next_channel"))
    )
    pairs = (
        moved.group_by(
            nw.col("channel").cast(nw.String).alias("from_channel"),
            nw.col("next_channel").cast(nw.String).alias("to_channel"),
            table.customer,
        )
        .agg(lost=nw.col("ended").max())
        .group_by("from_channel", "to_channel")
        .agg(customers=nw.len().cast(nw.Int64), lost=nw.col("lost").sum().cast(nw.Int64))
        .collect("polars")
        .to_native()
    )
    if pairs.is_empty():
        return "No journey changes channel: there are no channel hand-offs to tell."
    base = int(pairs["lost"].sum()) / int(pairs["customers"].sum())
    table = pairs.filter(pl.col("customers") >= min_customers)
    if table.is_empty():
        return f"No channel hand-off is made by {min_customers:,} customers or more."
    bounds = [wilson_interval(x, n) for x, n in table.select("lost", "customers").iter_rows()]
    table = table.with_columns(
        label=pl.format("{} → {}", "from_channel", "to_channel"),
        rate=pl.col("lost") / pl.col("customers"),
        low=pl.Series([b[0] for b in bounds], dtype=pl.Float64),
        high=pl.Series([b[1] for b in bounds], dtype=pl.Float64),
    ).with_columns(excess=(pl.col("rate") - base) * pl.col("customers"))
    worse = table.filter(pl.col("low") > base).sort(["excess", "label"], descending=[True, False])
    if worse.is_empty():
        return "No channel hand-off loses clearly more customers than the hand-offs as a whole."
    top = worse.row(0, named=True)
    shown = table.sort(["excess", "label"], descending=[True, False]).head(CHART_ROWS)
    return Finding(
        kind="handoff",
        sentence=(
            f"Customers handed from {top['from_channel']} to {top['to_channel']} are lost "
            f"there: {top['lost']:,} of the {top['customers']:,} who were "
            f"({percent(top['rate'])}, {interval_text((top['low'], top['high']))}) ended "
            f"their journey right after, without reaching {goal}, against {percent(base)} "
            "after any channel hand-off."
        ),
        number=top["rate"],
        interval=(top["low"], top["high"]),
        impact=top["excess"],
        page="channels",
        query=(),
        chart=estimates_of(shown, label="label", value="rate", chosen=top["label"]),
        axis="customers whose journey ended right after the hand-off",
        baseline=base,
    )


def valuable_customers(log: EventLog, *, goal: str, min_customers: int) -> Finding | str:
    """The touchpoint the most valuable customers use far more than the other buyers.

    The most valuable customers are the :data:`TOP_SHARE` of the buying customers (a
    positive total ``value``) with the highest total value. For every touchpoint but the
    goal: the share of them who met it against the share of the other buying customers
    (two-proportion test, Bonferroni over the touchpoints). Told: the largest clear
    excess. Impact: the other buyers who would meet it if they did as the best do.
    """
    if not log.has("value"):
        return "This log has no value column: the most valuable customers cannot be told."
    value = nw.col("value").cast(nw.Float64)
    table = journey_table(log, columns=["value"], steps=False)
    customer = nw.col(table.customer)
    # On Polars customers are grouped by their integer codes, their ids taken along.
    ids = [] if table.customer == "customer_id" else [nw.col("customer_id").min()]
    totals = (
        table.frame.group_by(table.customer)
        .agg(*ids, total=nw.when(value > 0).then(value).sum())
        .filter(nw.col("total") > 0)
        .collect("polars")
        .to_native()
        # Rounded: a sum's last digits depend on the order it adds up in (engines differ),
        # and customers of equal value are ranked by id.
        .with_columns(pl.col("total").round(6))
        .sort(["total", "customer_id"], descending=[True, False])
    )
    top_n = int(TOP_SHARE * totals.height)
    if top_n < min_customers:
        return (
            f"Only {totals.height:,} customers brought value: the most valuable "
            f"{TOP_SHARE:.0%} of them are too few ({top_n:,}) to compare (at least "
            f"{min_customers:,} are needed)."
        )
    top_ids = totals.head(top_n)[table.customer].to_list()
    value_share = float(totals.head(top_n)["total"].sum() / totals["total"].sum())
    touchpoint = nw.col("touchpoint").cast(nw.String)
    reach = (
        table.frame.filter(customer.is_in(totals[table.customer].to_list()) & (touchpoint != goal))
        .select(touchpoint, customer)
        .unique()
        .with_columns(top=customer.is_in(top_ids).cast(nw.Int64))
        .group_by("touchpoint")
        .agg(top=nw.col("top").sum().cast(nw.Int64), rest=(1 - nw.col("top")).sum().cast(nw.Int64))
        .collect("polars")
        .to_native()
    )
    rest_n = totals.height - top_n
    tests = [
        (name, top, rest, *two_proportion_z_test(top, top_n, rest, rest_n))
        for name, top, rest in reach.iter_rows()
    ]
    clear = [t for t in tests if t[3] > 0 and t[4] < _ALPHA / max(len(tests), 1)]
    if not clear:
        return "The most valuable customers meet no touchpoint clearly more often than the other buyers."
    ranked = sorted(clear, key=lambda t: (-(t[1] / top_n - t[2] / rest_n), t[0]))
    name, top, rest, _, _ = ranked[0]
    share, other = top / top_n, rest / rest_n
    interval = wilson_interval(top, top_n)
    rows = []
    for t_name, t_top, t_rest, _, _ in ranked[: CHART_ROWS // 2]:
        rows.append(
            (
                f"{t_name} · top {TOP_SHARE:.0%}",
                t_top / top_n,
                *wilson_interval(t_top, top_n),
                top_n,
                t_name == name,
            )
        )
        rows.append(
            (
                f"{t_name} · other buyers",
                t_rest / rest_n,
                *wilson_interval(t_rest, rest_n),
                rest_n,
                False,
            )
        )
    return Finding(
        kind="valuable_customers",
        sentence=(
            f"The most valuable customers (the top {TOP_SHARE:.0%} by value, {top_n:,} customers "
            f"bringing {percent(value_share)} of it) meet {name} far more: {percent(share)} of "
            f"them ({interval_text(interval)}) against {percent(other)} of the other buyers."
        ),
        number=share,
        interval=interval,
        impact=rest_n * (share - other),
        page="customers",
        query=(),
        chart=estimates(rows),
        axis="customers who met the touchpoint",
    )


def segment(log: EventLog, *, goal: str, min_customers: int) -> Finding | str:
    """The customer segment whose conversion differs most from the other customers'.

    For every attribute with 2 to :data:`MAX_SEGMENT_VALUES` values (a customer's value
    is the one of their first event) and every value held by ``min_customers`` customers
    or more: its customers' conversion rate against the others' (two-proportion test,
    Bonferroni over all the values tested). Told: the largest clear difference weighed by
    its customers. Impact: that difference times its customers. The link opens a funnel
    from the most common first touchpoint to the goal, broken down by the attribute.
    """
    attributes = log.attributes
    if not attributes:
        return "This log has no customer attributes (segment, region, ...): no segment to compare."
    # A customer's first step holds their conversion and the attributes told.
    table = (
        with_conversion_step(log, goal, categories=attributes)
        .first_steps()
        .select(
            (~nw.col("conv_step").is_null()).cast(nw.Int64).alias("converted"),
            nw.col("touchpoint").cast(nw.String).alias("_first"),
            *(nw.col(a).cast(nw.String) for a in attributes),
        )
        .collect("polars")
        .to_native()
    )
    customers, converted = table.height, int(table["converted"].sum())
    tests = []
    for attribute in attributes:
        counts = table.group_by(attribute).agg(
            customers=pl.len(), conversions=pl.col("converted").sum()
        )
        if not 2 <= counts.height <= MAX_SEGMENT_VALUES:
            continue
        for value, n, x in counts.filter(pl.col("customers") >= min_customers).iter_rows():
            if value is None:
                continue
            z, p = two_proportion_z_test(x, n, converted - x, customers - n)
            tests.append((attribute, value, n, x, z, p))
    clear = [t for t in tests if t[5] < _ALPHA / max(len(tests), 1)]
    if not clear:
        return "No customer segment converts clearly differently from the other customers."
    weight = {
        t[:2]: abs(t[3] / t[2] - (converted - t[3]) / (customers - t[2])) * t[2] for t in clear
    }
    attribute, value, n, x, z, _ = max(clear, key=lambda t: (weight[t[:2]], str(t[1])))
    rate, rest = x / n, (converted - x) / (customers - n)
    interval = wilson_interval(x, n)
    rows = [
        (f"{a} = {v}", tx / tn, *wilson_interval(tx, tn), tn, (a, v) == (attribute, value))
        for a, v, tn, tx, _, _ in sorted(tests, key=lambda t: (t[0] != attribute, t[0], str(t[1])))
        if a == attribute
    ]
    query: tuple[tuple[str, str], ...] = (("funnel_breakdown", attribute),)
    first = table["_first"].drop_nulls().mode().sort().first()
    if first is not None and first != goal:
        query = (("funnel_steps", first), ("funnel_steps", goal), *query)
    return Finding(
        kind="segment",
        sentence=(
            f"Customers whose {attribute} is {value} reach {goal} {'more' if z > 0 else 'less'} "
            f"often: {percent(rate)} of the {n:,} of them ({interval_text(interval)}) "
            f"against {percent(rest)} of the other customers."
        ),
        number=rate,
        interval=interval,
        impact=weight[(attribute, value)],
        page="funnels",
        query=query,
        chart=estimates(rows[:CHART_ROWS]),
        axis=f"customers who reached {goal}",
        baseline=converted / customers,
    )

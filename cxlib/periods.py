"""Calendar periods: days, weeks (Monday to Sunday) and months, in UTC, numbered on every engine.

An analysis that counts per period gives each event its **period index**
(:func:`period_index`): consecutive periods have consecutive integers, so a range of
periods is a range of integers, and empty periods are easy to fill in. The index is
computed from ``epoch_us`` (days, weeks) or the timestamp's year and month (months),
the same way on Polars, DuckDB and Spark; :func:`period_start` turns it back into the
date the period starts, :func:`period_bounds_us` into its first and next-first moment.
:func:`choose_unit` picks a unit that gives a readable number of periods for a range.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

import narwhals as nw

from cxlib.errors import check_choice
from cxlib.units import DAY_US

__all__ = [
    "PeriodUnit",
    "choose_unit",
    "period_bounds_us",
    "period_index",
    "period_index_of",
    "period_start",
]

#: A calendar period: a day, a week starting on Monday, or a month (UTC).
PeriodUnit = Literal["day", "week", "month"]

#: The Monday before 1970-01-01 (a Thursday): week 0 starts then.
_MONDAY = dt.date(1969, 12, 29)
_EPOCH = dt.datetime(1970, 1, 1)
#: Longest range (days) drawn per day, and per week; longer ones are drawn per month.
_DAYS_PER_DAY, _DAYS_PER_WEEK = 60, 366


def _check_unit(unit: str) -> None:
    """Raise :class:`~cxlib.errors.AnalysisError` unless ``unit`` is a :data:`PeriodUnit`."""
    check_choice(unit, get_args(PeriodUnit), name="unit", what="a period")


def period_index(
    unit: PeriodUnit, *, epoch_us: str = "epoch_us", timestamp: str = "timestamp"
) -> nw.Expr:
    """The period index of each row: an Int64, consecutive for consecutive periods.

    Days and weeks come from the integer ``epoch_us`` column, months from the year and
    month of the ``timestamp`` column.

    Examples
    --------
    >>> import datetime as dt, narwhals as nw, polars as pl
    >>> from cxlib.engines import with_epoch_us
    >>> t = [dt.datetime(2024, 1, 7, 23), dt.datetime(2024, 1, 8), dt.datetime(2024, 2, 1)]
    >>> lf = with_epoch_us(nw.from_native(pl.LazyFrame({"timestamp": t})))
    >>> lf.select(week=period_index("week"), month=period_index("month")).collect().rows()
    [(2818, 24288), (2819, 24288), (2822, 24289)]
    """
    _check_unit(unit)
    days = nw.col(epoch_us) // DAY_US
    if unit == "day":
        return days.cast(nw.Int64)
    if unit == "week":
        return ((days + 3) // 7).cast(nw.Int64)
    stamp = nw.col(timestamp)
    return (stamp.dt.year().cast(nw.Int64) * 12 + stamp.dt.month().cast(nw.Int64) - 1).cast(
        nw.Int64
    )


def period_index_of(unit: PeriodUnit, moment: dt.datetime) -> int:
    """The period index (as :func:`period_index` numbers them) of one moment (naive UTC).

    Examples
    --------
    >>> period_index_of("week", dt.datetime(2024, 1, 8)), period_index_of("month", dt.datetime(2024, 2, 1))
    (2819, 24289)
    """
    _check_unit(unit)
    if unit == "month":
        return moment.year * 12 + moment.month - 1
    days = (moment - _EPOCH) // dt.timedelta(days=1)
    return days if unit == "day" else (days + 3) // 7


def period_start(unit: PeriodUnit, index: int) -> dt.date:
    """The first day of the period with this index.

    Examples
    --------
    >>> period_start("week", 2819), period_start("month", 24289), period_start("day", 0)
    (datetime.date(2024, 1, 8), datetime.date(2024, 2, 1), datetime.date(1970, 1, 1))
    """
    _check_unit(unit)
    if unit == "month":
        return dt.date(index // 12, index % 12 + 1, 1)
    if unit == "week":
        return _MONDAY + dt.timedelta(days=7 * index)
    return _EPOCH.date() + dt.timedelta(days=index)


def period_bounds_us(unit: PeriodUnit, index: int) -> tuple[int, int]:
    """The period's first moment and the next period's first moment, in ``epoch_us``.

    Examples
    --------
    >>> period_bounds_us("day", 1)
    (86400000000, 172800000000)
    """

    def us(day: dt.date) -> int:
        return (day - _EPOCH.date()).days * DAY_US

    return us(period_start(unit, index)), us(period_start(unit, index + 1))


def choose_unit(start: dt.datetime, end: dt.datetime) -> PeriodUnit:
    """A unit that gives a readable number of periods over ``[start, end)``.

    Days for up to 60 days, weeks for up to a year, months beyond.

    Examples
    --------
    >>> choose_unit(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 31))
    'day'
    >>> choose_unit(dt.datetime(2024, 1, 1), dt.datetime(2024, 9, 1))
    'week'
    >>> choose_unit(dt.datetime(2023, 1, 1), dt.datetime(2024, 9, 1))
    'month'
    """
    days = (end - start) / dt.timedelta(days=1)
    if days <= _DAYS_PER_DAY:
        return "day"
    return "week" if days <= _DAYS_PER_WEEK else "month"

"""Finding the column of a role in a sample: by its name checked against its data, or by the data alone.

:class:`Finder` is what :func:`cxlib.io.recognize.recognize` asks, role by role. A
column named for a role is taken when its data can play it (a timestamp column must
hold timestamps, a value column numbers, none may be nearly empty); the required roles
fall back on the data alone: a column of datetimes or epoch numbers, a repeating id, a
repeating label that varies within journeys. An identifier (values nearly unique per
row, or each belonging to one customer) is never a touchpoint.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from cxlib.io.names import (
    GAP_FILLERS,
    NAMES,
    NOT_TOUCHPOINT_WORDS,
    QUANTITY,
    WORDS,
    normalize_name,
)
from cxlib.io.numbers import number_expr
from cxlib.io.timestamps import TimestampFormat, detect_format
from cxlib.log import RoleMatch

__all__ = ["Finder", "is_number_column"]

#: Below this share of filled rows a column is nearly empty: never taken for a role
#: (a required one; an optional role such as a rating may be filled on few events).
_MOSTLY_EMPTY = 0.05
_MOSTLY_EMPTY_OPTIONAL = 0.005
#: From this share of filled rows a customer column needs no second column for its gaps.
_FILLED = 0.95


def _filled(values: pl.Series) -> float:
    """The share of a sample's values that are there (not null, not blank text)."""
    if values.len() == 0:
        return 0.0
    missing = values.null_count()
    if values.dtype == pl.String:
        missing += int((values.str.strip_chars() == "").sum())
    return 1 - missing / values.len()


def is_number_column(values: pl.Series) -> bool:
    """Whether a sample's values are numbers: numeric, or text nine in ten of whose values read as numbers."""
    if values.dtype.is_numeric():
        return True
    if values.dtype != pl.String:
        return False
    text = values.drop_nulls().str.strip_chars()
    text = text.filter(text != "")
    numbers = text.to_frame("v").select(number_expr("v", text)).to_series()
    return text.len() > 0 and numbers.null_count() <= 0.1 * text.len()


def _empty(role: str, values: pl.Series) -> bool:
    """Whether a column is (nearly) empty for a role."""
    optional = role in ("channel", "value", "rating")
    return _filled(values) < (_MOSTLY_EMPTY_OPTIONAL if optional else _MOSTLY_EMPTY)


def _fits(role: str, values: pl.Series) -> bool:
    """Whether a sample's data can play a role picked by its name (not a timestamp)."""
    if _empty(role, values):
        return False
    if role in ("value", "rating"):
        return is_number_column(values)
    labels = values.dtype in (pl.String, pl.Categorical) or values.dtype.is_integer()
    return labels or (role == "touchpoint" and values.dtype in (pl.Boolean, pl.Enum))


def _identifier(values: pl.Series, customers: pl.Series | None) -> str | None:
    """Why a column is an identifier rather than a touchpoint, or None."""
    frame = pl.DataFrame({"v": values, "c": customers if customers is not None else values})
    frame = frame.drop_nulls()
    n, distinct = frame.height, frame["v"].n_unique()
    if n >= 20 and distinct > 0.9 * n:
        return f"its values are nearly unique per row ({distinct:,} distinct in {n:,} rows)"
    if customers is not None and distinct > 10:
        spread = frame.group_by("v").agg(rows=pl.len(), customers=pl.col("c").n_unique())
        shared = spread.filter(pl.col("customers") > 1)["rows"].sum()
        if shared < 0.2 * n:
            return "each of its values belongs to one customer, like an order or invoice number"
    return None


def _varies_within_journeys(values: pl.Series, customers: pl.Series | None) -> bool:
    """Whether a column changes along journeys (a touchpoint), not per customer (a country)."""
    if customers is None:
        return True
    frame = pl.DataFrame({"v": values, "c": customers}).drop_nulls()
    per = frame.group_by("c").agg(n=pl.len(), d=pl.col("v").n_unique()).filter(pl.col("n") > 1)
    return per.height == 0 or float((per["d"] > 1).mean() or 0) >= 0.2  # type: ignore[arg-type]


class Finder:
    """Finds a column per role in a sample, keeping what it noticed on the way."""

    def __init__(self, sample: pl.DataFrame, used: set[str]) -> None:
        self.sample = sample
        self.used = used
        self.normal = {c: normalize_name(c) for c in sample.columns}
        self.leaf = {c: normalize_name(c.rsplit(".", 1)[-1]) for c in sample.columns if "." in c}
        self.empty: dict[str, str] = {}  # role -> a column named for it but empty
        self.notes: list[str] = []
        self.mapping: dict[str, RoleMatch] = {}
        self.sources: dict[str, tuple[str, ...]] = {}
        self.problems: dict[str, str] = {}
        self._formats: dict[tuple[str, bool], TimestampFormat | None] = {}
        self._dated: list[str] | None = None

    def format_of(self, col: str, *, guess: bool = False) -> TimestampFormat | None:
        """The timestamp format of a column's sample (detected once per column)."""
        key = (col, guess)
        if key not in self._formats:
            self._formats[key] = detect_format(self.sample[col], guess=guess)
        return self._formats[key]

    def fits(self, role: str, col: str) -> bool:
        """Whether a column's data can play a role picked by its name."""
        if role == "timestamp":
            return not _empty(role, self.sample[col]) and self.format_of(col) is not None
        return _fits(role, self.sample[col])

    def dated(self) -> list[str]:
        """Columns of dates (by type, or text that reads as dates): a ticketing export's milestones."""
        if self._dated is None:
            self._dated = []
            for col in self.sample.columns:
                values = self.sample[col]
                if isinstance(values.dtype, pl.Datetime) or values.dtype == pl.Date:
                    self._dated.append(col)
                elif values.dtype == pl.String and _filled(values) >= _MOSTLY_EMPTY_OPTIONAL:
                    fmt = self.format_of(col)
                    if fmt is not None and fmt.kind == "text":
                        self._dated.append(col)
        return self._dated

    def free(self) -> list[str]:
        """The sample's columns no role has taken yet."""
        return [c for c in self.sample.columns if c not in self.used]

    def customers(self) -> pl.Series | None:
        """The customers of the sample's rows, once the customer column is found (else None)."""
        cols = self.sources.get("customer_id")
        if not cols:
            return None
        return self.sample.select(
            pl.coalesce([pl.col(c).cast(pl.String) for c in cols])
        ).to_series()

    def by_name(self, role: str) -> RoleMatch | None:
        """A free column named for ``role`` (a usual name, else a word of it) whose data can play it."""
        free = self.free()
        found: list[RoleMatch] = []
        for known in NAMES[role]:
            for col in free:
                if self.normal[col] == known:
                    exact = col in (known, known.replace("_", ":"))
                    confidence, how = (0.95 if exact else 0.9), "is a usual name for it"
                elif self.leaf.get(col) == known:
                    confidence, how = 0.85, f"ends in {known!r}, a usual name for it"
                else:
                    continue
                if _empty(role, self.sample[col]):
                    self.empty.setdefault(role, col)
                    continue
                if self._refused(role, col) or not self.fits(role, col):
                    continue
                found.append(RoleMatch(col, confidence, f"column name {col!r} {how}"))
        if found and role == "customer_id":  # a fully filled id before one with gaps
            return next((m for m in found if _filled(self.sample[m.column]) >= _FILLED), found[0])
        if found:
            return found[0]
        for col in free:
            words = set(self.normal[col].split("_"))
            hit = words & WORDS[role]
            if not hit or _empty(role, self.sample[col]):
                continue
            if role == "touchpoint" and "id" in words:  # event_id is an id, not a touchpoint
                continue
            if self._refused(role, col) or not self.fits(role, col):
                continue
            return RoleMatch(col, 0.7, f"column name {col!r} contains {sorted(hit)[0]!r}")
        return None

    def _refused(self, role: str, col: str) -> bool:
        if role != "touchpoint" or self.normal[col] == "touchpoint":
            return False
        why = _identifier(self.sample[col], self.customers())
        if why:
            self.notes.append(f"column {col!r} is not taken as the touchpoint: {why}")
        return why is not None

    def gap_filler(self, role: str, match: RoleMatch) -> str | None:
        """Another column filling most of the gaps of a customer or touchpoint column."""
        if role not in ("customer_id", "touchpoint") or match.confidence < 0.7:
            return None  # only for a column named for the role
        first = self.sample[match.column]
        gaps = first.is_null() | (first.cast(pl.String).str.strip_chars() == "")
        if not gaps.any() or _filled(first) >= _FILLED:
            return None
        names = NAMES[role] if role == "customer_id" else GAP_FILLERS
        for known in names:
            for col in self.free():
                if col == match.column or known not in (self.normal[col], self.leaf.get(col)):
                    continue
                other = self.sample[col].cast(pl.String)
                filled = (other.is_not_null() & (other.str.strip_chars() != "")).filter(gaps)
                if filled.mean() >= 0.9:  # type: ignore[operator]
                    return col
        return None

    def by_data(self, role: str) -> RoleMatch | None:
        """A free column whose data alone says it plays ``role`` (timestamp, customer, touchpoint, value)."""
        free = [c for c in self.free() if not _empty(role, self.sample[c])]
        if role == "timestamp":
            for col in free:
                fmt = self.format_of(col, guess=True)
                if fmt is not None:
                    why = f"its values look like timestamps ({fmt.describe()})"
                    return RoleMatch(col, 0.6, why)
            return None
        if role == "customer_id":
            return self._customer_by_data(free)
        if role == "touchpoint":
            return self._touchpoint_by_data(free)
        if role == "value":
            return self._value_by_data(free)
        return None

    def _most_distinct(self, free: list[str], accept: Callable[[str], bool]) -> tuple[str, int]:
        """The accepted column with the most distinct values that still repeat (or ``("", 1)``)."""
        best, best_n = "", 1
        for col in free:
            kept = self.sample[col].drop_nulls()
            n = kept.n_unique()
            if best_n < n < kept.len() and accept(col):
                best, best_n = col, n
        return best, best_n

    def _customer_by_data(self, free: list[str]) -> RoleMatch | None:
        ids = (pl.String, pl.Int64, pl.Int32, pl.UInt32)
        best, n = self._most_distinct(free, lambda col: self.sample[col].dtype in ids)
        if not best:
            return None
        why = f"its data looks like an id with many repeating values ({n:,} distinct in the sample)"
        return RoleMatch(best, 0.5, why)

    def _touchpoint_by_data(self, free: list[str]) -> RoleMatch | None:
        customers = self.customers()

        def labels(col: str) -> bool:
            values = self.sample[col]
            kept = values.drop_nulls()
            if values.dtype not in (pl.String, pl.Categorical, pl.Enum):
                return False
            if set(self.normal[col].split("_")) & NOT_TOUCHPOINT_WORDS:
                return False
            if kept.n_unique() > max(2, kept.len() // 2):
                return False
            codes = kept.cast(pl.String).str.contains(r"^[#A-Za-z]{0,3}[-_]?\d{3,}[A-Za-z]?$")
            if codes.mean() > 0.9:  # type: ignore[operator]
                return False  # codes and numbers: ids
            return not _identifier(values, customers) and _varies_within_journeys(values, customers)

        best, n = self._most_distinct(free, labels)
        if not best:
            return None
        why = f"its data looks like repeating labels that change along journeys ({n:,} distinct in the sample)"
        return RoleMatch(best, 0.5, why)

    def _value_by_data(self, free: list[str]) -> RoleMatch | None:
        for col in free:
            values = self.sample[col].drop_nulls()
            if values.dtype.is_float() and (values != values.round()).any():
                return RoleMatch(col, 0.5, "its values are amounts (numbers with decimals)")
        for col in free:
            if self.normal[col] in QUANTITY and is_number_column(self.sample[col]):
                return RoleMatch(col, 0.6, f"column name {col!r} is a quantity")
        return None

"""Writing datetimes in each format of the timestamp grammar, for the property tests.

:func:`render` writes a UTC datetime the way an export using a Polars/chrono format
would (days, months and hours sometimes without their leading zero, month names in
English or Spanish in any case, offsets in every spelling), and :func:`expected` is
what parsing it back must give: the datetime in UTC, cut to the format's precision.
"""

from __future__ import annotations

import datetime as dt
import random
import re

__all__ = ["ANCHOR", "expected", "render"]

#: Always among the values: its day (25) above 12 settles day-first against month-first.
ANCHOR = dt.datetime(2024, 12, 25, 13, 45, 7, 123456)

_MONTHS = [
    ("Jan", "January", "ene", "enero"), ("Feb", "February", "feb", "febrero"),
    ("Mar", "March", "mar", "marzo"), ("Apr", "April", "abr", "abril"),
    ("May", "May", "may", "mayo"), ("Jun", "June", "jun", "junio"),
    ("Jul", "July", "jul", "julio"), ("Aug", "August", "ago", "agosto"),
    ("Sep", "September", "sept", "septiembre"), ("Oct", "October", "oct", "octubre"),
    ("Nov", "November", "nov", "noviembre"), ("Dec", "December", "dic", "diciembre"),
]  # fmt: skip
_CODE = re.compile(r"%[.#]?[a-zA-Z]")
_ZONES = (0, 60, 120, -300, 330)


def _compact(fmt: str, start: int, end: int) -> bool:
    """Whether a field touches another field with no separator (20240105): keep its width."""
    return fmt[end : end + 1] == "%" or (start > 0 and fmt[start - 1].isalpha())


def _number(value: int, padded: bool, rnd: random.Random) -> str:
    return f"{value:02d}" if padded or rnd.random() < 0.5 else str(value)


def render(utc: dt.datetime, fmt: str, rnd: random.Random) -> str:
    """``utc`` written in ``fmt`` (a zoned format gets a random offset)."""
    offset = rnd.choice(_ZONES) if "%#z" in fmt else 0
    local = utc + dt.timedelta(minutes=offset)
    out, last = [], 0
    for m in _CODE.finditer(fmt):
        out.append(fmt[last : m.start()])
        last = m.end()
        code, fixed = m.group(), _compact(fmt, m.start(), m.end())
        hour12 = local.hour % 12 or 12
        text = {
            "%Y": f"{local.year:04d}",
            "%y": f"{local.year % 100:02d}",
            "%m": _number(local.month, fixed, rnd),
            "%d": _number(local.day, fixed, rnd),
            "%H": _number(local.hour, fixed, rnd),
            "%I": _number(hour12, fixed, rnd),
            "%M": f"{local.minute:02d}",
            "%S": f"{local.second:02d}",
            "%.f": rnd.choice(
                ["", f".{local.microsecond:06d}", f".{local.microsecond // 1000:03d}"]
            ),
            "%p": rnd.choice(["AM", "am"]) if local.hour < 12 else rnd.choice(["PM", "pm"]),
            "%b": rnd.choice(_MONTHS[local.month - 1]),
        }.get(code)
        if code == "%#z":
            sign = "-" if offset < 0 else "+"
            hours, minutes = divmod(abs(offset), 60)
            spellings = [f"{sign}{hours:02d}:{minutes:02d}", f"{sign}{hours:02d}{minutes:02d}"]
            text = rnd.choice(["Z", *spellings] if offset == 0 else spellings)
        if code == "%b" and text is not None:
            text = rnd.choice([text, text.lower(), text.upper()])
        out.append(text if text is not None else code)
    return "".join(out) + fmt[last:]


def expected(utc: dt.datetime, fmt: str, text: str) -> dt.datetime:
    """What parsing ``text`` (``utc`` written in ``fmt``) must give: UTC, cut to its precision."""
    if "%H" not in fmt and "%I" not in fmt:
        return utc.replace(hour=0, minute=0, second=0, microsecond=0)
    if "%S" not in fmt:
        return utc.replace(second=0, microsecond=0)
    fraction = re.search(r":\d{2}\.(\d+)", text)
    if fraction is None:
        return utc.replace(microsecond=0)
    digits = fraction.group(1)
    return utc.replace(microsecond=int(digits.ljust(6, "0")[:6]))

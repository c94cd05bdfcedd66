"""Options with a fixed set of values (``by=``, ``order=``, ``model=``, ...), checked alike.

Apart from :mod:`cxlib.checks` (which reads the log's journeys), so that the journeys
themselves can check their ``by=``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from cxlib.errors import AnalysisError

__all__ = ["check_choice"]


def check_choice(value: Any, choices: Collection[Any], *, name: str, what: str) -> None:
    """Raise :class:`AnalysisError` unless ``value`` is one of ``choices`` (an option's values).

    ``name`` is the keyword, ``what`` the kind of value with its article ("a journey").

    Examples
    --------
    >>> check_choice("visit", ("customer", "session"), name="by", what="a journey")
    Traceback (most recent call last):
    ...
    cxlib.errors.AnalysisError: by='visit' is not a journey; use 'customer' or 'session'
    """
    if value in choices:
        return
    options = list(choices)
    use = f"{options[0]!r} or {options[1]!r}" if len(options) == 2 else f"one of {options!r}"
    msg = f"{name}={value!r} is not {what}; use {use}"
    raise AnalysisError(msg)

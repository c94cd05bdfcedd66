"""The library's own exceptions: one small hierarchy, each message naming the problem and the fix.

And :func:`check_choice`, the one check of an option with a fixed set of values
(``by=``, ``order=``, ``model=``, ...), so that every such option fails alike.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

__all__ = ["AnalysisError", "CxError", "LoadError", "MappingError", "check_choice"]


class CxError(Exception):
    """Base of every error cx-journey raises on purpose; anything else is a bug."""


class LoadError(CxError):
    """A source could not be read as an event log (format, encoding, empty file, ...)."""


class MappingError(LoadError):
    """A role (customer, timestamp, touchpoint, ...) could not be mapped to a usable column."""


class AnalysisError(CxError):
    """An analysis was asked for something the log cannot give (unknown touchpoint, bad option)."""


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

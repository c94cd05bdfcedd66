"""The library's own exceptions: one small hierarchy, each message naming the problem and the fix."""

from __future__ import annotations

__all__ = ["AnalysisError", "CxError", "LoadError", "MappingError"]


class CxError(Exception):
    """Base of every error cx-journey raises on purpose; anything else is a bug."""


class LoadError(CxError):
    """A source could not be read as an event log (format, encoding, empty file, ...)."""


class MappingError(LoadError):
    """A role (customer, timestamp, touchpoint, ...) could not be mapped to a usable column."""


class AnalysisError(CxError):
    """An analysis was asked for something the log cannot give (unknown touchpoint, bad option)."""

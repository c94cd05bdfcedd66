"""Named segments: the customers behind a figure, saved from a drill-down list under a name.

A named segment is a :class:`cxlib.Cohort` (the figure's definition, evaluated on the
data it is applied to) with a name. They are kept in the session
(``st.session_state["cx_named_segments"]``: per data key, ``{id: NamedSegment}``), one
list per data set, and chosen in the sidebar (the widget ``cohort``, bound to the URL as
the segment's compact id) on every page and in Compare segments. A link carries the id;
the segment itself lives in the session that made it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import streamlit as st

import cxlib
from ui.state import Loaded

__all__ = ["KEY", "NamedSegment", "find", "named", "save"]

#: The sidebar widget (and URL parameter) holding the chosen segment's id.
KEY = "cohort"
_STORE = "cx_named_segments"


@dataclass(frozen=True)
class NamedSegment:
    """A cohort with the name a person gave it; equal and hashed by the cohort alone."""

    cohort: cxlib.Cohort
    name: str = field(compare=False)

    @property
    def id(self) -> str:
        """A short id that stands for the cohort in the URL (the same cohort, the same id)."""
        return hashlib.sha256(repr(self.cohort).encode()).hexdigest()[:10]


def named(loaded: Loaded) -> dict[str, NamedSegment]:
    """The session's named segments for this data, by id, oldest first."""
    return dict(st.session_state.get(_STORE, {}).get(loaded.key, {}))


def find(loaded: Loaded, segment_id: str | None) -> NamedSegment | None:
    """The named segment with this id, if the session has it for this data."""
    return named(loaded).get(segment_id) if segment_id else None


def save(loaded: Loaded, cohort: cxlib.Cohort, name: str) -> NamedSegment:
    """Keep a cohort under a name (the same cohort saved again takes the new name)."""
    segment = NamedSegment(cohort, name.strip() or "segment")
    store = st.session_state.setdefault(_STORE, {})
    store.setdefault(loaded.key, {})[segment.id] = segment
    return segment

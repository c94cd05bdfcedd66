"""Input: any event log in (files, archives, frames, tables), canonical :class:`~cxlib.EventLog` out.

:func:`load` reads the source (:mod:`~cxlib.io.readers`, :mod:`~cxlib.io.xes`, bounded
by :mod:`~cxlib.io.inflate`), recognises the roles (:mod:`~cxlib.io.recognize`), parses
the timestamps (:mod:`~cxlib.io.timestamps`) and reports what it kept and dropped
(:mod:`~cxlib.io.report`).
"""

from cxlib.io.loader import load

__all__ = ["load"]

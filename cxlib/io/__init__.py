"""Input: any event log in (files, archives, frames, tables), canonical :class:`~cxlib.EventLog` out.

:func:`load` reads the source (:mod:`~cxlib.io.readers`, sniffed by :mod:`~cxlib.io.sniff`,
flattened by :mod:`~cxlib.io.nested`, XES by :mod:`~cxlib.io.xes`, bounded by
:mod:`~cxlib.io.inflate`), recognises the roles (:mod:`~cxlib.io.recognize`, names in
:mod:`~cxlib.io.names`), makes one purchase per order (:mod:`~cxlib.io.orders`), parses
the timestamps (:mod:`~cxlib.io.timestamps`) and reports what it kept and dropped
(:mod:`~cxlib.io.report`). :func:`inspect` shows what it would do, for the import assistant.
"""

from cxlib.io.inspect import Inspection, inspect
from cxlib.io.loader import load

__all__ = ["Inspection", "inspect", "load"]

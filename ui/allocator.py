"""How long the server keeps memory it freed: set before Polars is imported, by the app script and every page first.

Polars sets its allocator (jemalloc) to hand freed memory back to the system within half
a second to a second (``dirty_decay_ms:500,muzzy_decay_ms:1000``, in ``polars/__init__``),
so that a notebook's memory shrinks soon after a large query. A dashboard reruns the same
queries seconds apart: each rerun then faulted in again the memory the last one freed.
Twelve sidebar filter changes at 10M events, each followed by the touchpoint list and
the journey graph, spent 3.4-3.7 CPU-s in the kernel with Polars' setting and 0.6 with
10 s kept; the median change took 0.55-0.69 s against 0.47 (``bench/``-style, alternated
processes, 2026-12-05). Kept 60 s rather than 10, the memory a rerun frees is still there
for a change made a minute later, where 10 s let it go first and the next change faulted
it in again (in this virtual machine at up to 17 µs a page: one funnel's new order took
1.9 s, 1.7 s of it in the kernel). ``bench/dashboard.py`` at 10M events, four runs of
each alternated: the funnel's order at the 95th percentile took 0.67-1.07 s kept 60 s
against 0.85-2.43 s kept 10 s, a new date range 1.03-1.05 s against 0.97-2.22 s, the
switch to sessions 0.78-0.85 s against 0.90-1.03 s; the funnel's window, whose walk is
kept, 0.88-1.04 s against 0.74-0.89 s (2026-12-05, 12:35-12:43). Memory a
session frees goes back to the system within about two minutes of its last use; the
server's peak is the same.

Polars appends this setting to its own (the last one of a name wins). An operator's
``_RJEM_MALLOC_CONF`` is kept as it is. Polars' own setting is not an operator's: Polars
writes it into the environment of any Python process that imports it, and a server
started from such a process (a benchmark, a test) inherits it.

The app script and every page import this module first. Until ``st.navigation`` has run
once in the process, a link to a page runs that page alone (``ui/page.py``): its
imports loaded Polars first, and the whole server kept Polars' setting. Both slips hid
this setting from the server of ``bench/dashboard.py``: at 10M events a funnel's new
window then faulted in 100,000-230,000 pages and took 0.5-0.86 s in the server, and
2,000-48,000 pages and 0.36-0.58 s with 10 s kept (2026-12-05).
"""

import os
import sys

__all__ = ["DECAY"]

#: jemalloc's decay times (milliseconds), instead of Polars' 500 and 1000.
DECAY = "dirty_decay_ms:60000,muzzy_decay_ms:60000"
#: What Polars' ``__init__`` puts in the environment when nobody set it (without POLARS_THP).
POLARS_OWN = "dirty_decay_ms:500,muzzy_decay_ms:1000"
_VAR = "_RJEM_MALLOC_CONF"

if "polars" not in sys.modules:  # too late otherwise: jemalloc reads it once, at start
    inherited = os.environ.get(_VAR, "")
    if not inherited:
        os.environ[_VAR] = DECAY
    elif inherited.removesuffix(",thp:always,metadata_thp:always") == POLARS_OWN:
        os.environ[_VAR] = f"{inherited},{DECAY}"

"""How long the server keeps memory it freed: set before Polars is imported, by the app script first.

Polars sets its allocator (jemalloc) to hand freed memory back to the system within half
a second to a second (``dirty_decay_ms:500,muzzy_decay_ms:1000``, in ``polars/__init__``),
so that a notebook's memory shrinks soon after a large query. A dashboard reruns the same
queries seconds apart: each rerun then faulted in again the memory the last one freed.
Twelve sidebar filter changes at 10M events, each followed by the touchpoint list and
the journey graph, spent 3.4-3.7 CPU-s in the kernel with Polars' setting and 0.6 with
jemalloc's own 10 s kept here; the median change took 0.55-0.69 s against 0.47
(``bench/``-style, alternated processes, 2026-12-05). Memory freed by a session is handed
back within about 10 s of its last use instead of one.

Polars appends this setting to its own (the last one of a name wins). An operator's
``_RJEM_MALLOC_CONF`` is kept as it is.
"""

import os
import sys

__all__ = ["DECAY"]

#: jemalloc's own decay times (milliseconds), instead of Polars' 500 and 1000.
DECAY = "dirty_decay_ms:10000,muzzy_decay_ms:10000"

if "polars" not in sys.modules:  # too late otherwise: jemalloc reads it once, at start
    os.environ.setdefault("_RJEM_MALLOC_CONF", DECAY)

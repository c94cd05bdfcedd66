"""The analyses of journeys: each module a family, each function the log first.

The journey graph (:mod:`~cxlib.analyses.transitions`, :mod:`~cxlib.analyses.graph`),
paths, funnels, drop-offs, stages, channels, overview figures, retention, RFM and
segment comparison. Every function takes an :class:`~cxlib.EventLog` on any engine and
returns a small Polars frame, a dataclass or a NetworkX graph.
"""

"""Funnels: ordered steps within a conversion window.

:mod:`~cxlib.analyses.funnels.attempts` finds how far each journey gets (the core),
:mod:`~cxlib.analyses.funnels.funnel` counts the steps and what dropped journeys did,
:mod:`~cxlib.analyses.funnels.timing` measures time to convert and conversion over time.
"""

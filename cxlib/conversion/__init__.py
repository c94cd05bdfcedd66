"""Conversion: reaching the goal touchpoint, and which touchpoints lead there.

:mod:`~cxlib.conversion.goal` marks each journey's first conversion; the absorbing
Markov chain of :mod:`~cxlib.conversion.markov` is what attribution, touchpoint
importance and the drop-off what-if all solve.
"""

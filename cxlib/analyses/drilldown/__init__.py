"""Drill-down: from a number an analysis shows to the customers behind it.

:mod:`~cxlib.analyses.drilldown.figures` names the figures (a funnel step, a graph node
or edge, a path, a flow band, a step of the step matrix, a drop-off, a stage move or
stage, an RFM segment, a prediction list) and the rows each counts;
:mod:`~cxlib.analyses.drilldown.customers` pages through those rows with each one's
journey summary (:func:`~cxlib.analyses.drilldown.customers.customers_at`) and gives
the customers of a figure as a segment
(:func:`~cxlib.analyses.drilldown.customers.customers_in`).
"""

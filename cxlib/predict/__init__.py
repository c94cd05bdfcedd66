"""Prediction: the likely next touchpoint, the chance to convert, and what-if on the journey graph.

- :func:`fit` trains a :class:`JourneyModel` on a log: a variable-order Markov model of
  the next touchpoint (:mod:`cxlib.predict.nextstep`) and a gradient-boosting
  classifier of conversion for journeys in flight (:mod:`cxlib.predict.propensity`).
- :func:`next_touchpoints`, :func:`propensity`, :func:`conversion_chance` and
  :func:`drivers` use it.
- :func:`evaluate` measures both on held-out customers against simple baselines
  (an :class:`Evaluation`).
- :func:`whatif_dropoff` (a :class:`WhatIf`) asks the journey graph, read as an absorbing Markov chain,
  how many conversions a lower drop-off at one touchpoint would bring;
  :func:`dropoff_leverage` asks it for every touchpoint.
"""

from cxlib.conversion.whatif import WhatIf, dropoff_leverage, whatif_dropoff
from cxlib.predict.evaluation import CalibrationBin, Evaluation, evaluate
from cxlib.predict.model import (
    JourneyModel,
    conversion_chance,
    drivers,
    fit,
    next_touchpoints,
    propensity,
    rank_in_flight,
)

__all__ = [
    "CalibrationBin",
    "Evaluation",
    "JourneyModel",
    "WhatIf",
    "conversion_chance",
    "drivers",
    "dropoff_leverage",
    "evaluate",
    "fit",
    "next_touchpoints",
    "propensity",
    "rank_in_flight",
    "whatif_dropoff",
]

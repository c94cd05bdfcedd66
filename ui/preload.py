"""Libraries imported once, before any page draws anything, never lazily inside a page.

Every session runs its pages in its own thread. A library imported for the first time
inside a page (pandas by a chart or a table, scikit-learn by the Predict page) is
half-initialised for a while, and other sessions looking it up meanwhile failed: Altair
reads ``sys.modules["pandas"]`` and raised ``AttributeError: partially initialized module
'pandas' has no attribute 'Timestamp'`` for every visitor but the first of a room arriving
on a fresh server. Imported here, by the app script and by :mod:`ui.page` (a page can run
before the app script on a fresh server), the first session imports them and every other
session waits at the import until it is done.
"""

import duckdb  # noqa: F401  (narwhals and Altair look it up in sys.modules too)
import pandas  # noqa: F401
import pyarrow  # noqa: F401
import scipy.sparse.linalg  # noqa: F401  (networkx's pagerank)
import sklearn.impute
import sklearn.linear_model
import sklearn.metrics
import sklearn.pipeline
import sklearn.preprocessing  # noqa: F401
import vl_convert  # noqa: F401  (chart downloads and reports)

__all__: list[str] = []

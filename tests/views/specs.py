"""What the chart tests share: a small funnel result, and a chart's layers' encodings."""

import polars as pl

FUNNEL = pl.DataFrame(
    {
        "step": [1, 2, 3],
        "touchpoint": ["view", "cart", "buy"],
        "customers": [10, 4, 1],
        # conversion = customers / 10; step_conversion = customers / previous step's.
        "conversion": [1.0, 4 / 10, 1 / 10],
        "step_conversion": [1.0, 4 / 10, 1 / 4],
        "median_seconds_from_previous": [None, 60.0, 30.0],
    }
)


def layer_encodings(chart):
    """The encoding of each layer of a layered chart, in order."""
    return [layer["encoding"] for layer in chart.to_dict()["layer"]]

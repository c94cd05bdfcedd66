"""What every tool computes, shared by the benchmark scripts (standard library only).

Kept apart from bench/datasets.py so that importing it costs nothing in a measured
process, and so that the peers' venv can import it too.
"""

#: The sample scenario of cxlib.sample the logs come from.
SCENARIO = "retail"
#: The funnel every tool computes: four touchpoints the retail journeys pass in order.
FUNNEL = ["product_page", "add_to_cart", "checkout", "purchase"]
#: Retentioneering's funnel has no time window: ours gets one longer than the log to compare.
NO_WINDOW = "3650d"
#: The CSV's timestamp format, as an analyst's export would have it.
CSV_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

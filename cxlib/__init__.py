"""cx-journey's analysis library: customer journeys as graphs, paths, funnels and drop-offs.

Load any event log with :func:`load`, then call the analyses on the :class:`EventLog`.
The same code runs on Polars (default), DuckDB and PySpark; results are small Polars
frames or NetworkX graphs. Nothing here imports Streamlit.
"""

# Each module below adds its public names here (one import line per module).
from cxlib import predict, sample
from cxlib.anonymise import anonymise
from cxlib.attribution import attribution
from cxlib.compare import compare_segments
from cxlib.dropoffs import dropoffs, next_after
from cxlib.errors import AnalysisError, CxError, LoadError, MappingError
from cxlib.filters import (
    filter_attribute,
    filter_channels,
    filter_time,
    filter_touchpoints,
    rename_touchpoints,
)
from cxlib.funnel_attempts import funnel_levels
from cxlib.funnel_time import conversion_over_time, time_to_convert
from cxlib.funnels import dropped_next, funnel
from cxlib.graph import critical_touchpoints, focus, journey_graph, most_likely_path
from cxlib.importance import touchpoint_importance
from cxlib.journeys import collapse_repeats, journey_steps, sessionize
from cxlib.load import load
from cxlib.log import ENTRY, EXIT, EventLog, LoadReport, RoleMatch
from cxlib.markov import removal_effects
from cxlib.omnichannel import (
    channel_switches,
    channels_used,
    omnichannel_summary,
    start_and_conversion_channels,
    switching_edges,
    switching_pairs,
)
from cxlib.paths import PATH_SEP, TRUNCATED, step_matrix, top_paths
from cxlib.retention import lifecycle, retention
from cxlib.rfm import rfm, rfm_segments
from cxlib.stages import STAGES, default_stages, stage_flow, stage_reach, to_stages
from cxlib.transitions import transitions

__all__ = [
    "ENTRY",
    "EXIT",
    "PATH_SEP",
    "STAGES",
    "TRUNCATED",
    "AnalysisError",
    "CxError",
    "EventLog",
    "LoadError",
    "LoadReport",
    "MappingError",
    "RoleMatch",
    "anonymise",
    "attribution",
    "channel_switches",
    "channels_used",
    "collapse_repeats",
    "compare_segments",
    "conversion_over_time",
    "critical_touchpoints",
    "default_stages",
    "dropoffs",
    "dropped_next",
    "filter_attribute",
    "filter_channels",
    "filter_time",
    "filter_touchpoints",
    "focus",
    "funnel",
    "funnel_levels",
    "journey_graph",
    "journey_steps",
    "lifecycle",
    "load",
    "most_likely_path",
    "next_after",
    "omnichannel_summary",
    "predict",
    "removal_effects",
    "rename_touchpoints",
    "retention",
    "rfm",
    "rfm_segments",
    "sample",
    "sessionize",
    "stage_flow",
    "stage_reach",
    "start_and_conversion_channels",
    "step_matrix",
    "switching_edges",
    "switching_pairs",
    "time_to_convert",
    "to_stages",
    "top_paths",
    "touchpoint_importance",
    "transitions",
]

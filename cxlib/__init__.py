"""cx-journey's analysis library: customer journeys as graphs, paths, funnels and drop-offs.

Load any event log with :func:`load`, then call the analyses on the :class:`EventLog`.
The same code runs on Polars (default), DuckDB and PySpark; results are small Polars
frames or NetworkX graphs. Nothing here imports Streamlit.
"""

# Each module below adds its public names here (one import line per module).
from cxlib import predict, sample
from cxlib.analyses.compare import compare_segments
from cxlib.analyses.customer_journey import CustomerJourney, customer_journey, find_customers
from cxlib.analyses.drilldown.customers import Cohort, CustomerList, customers_at, customers_in
from cxlib.analyses.drilldown.figures import (
    DropOff,
    FlowThrough,
    FunnelStep,
    GraphEdge,
    GraphNode,
    InFlight,
    Listed,
    PathTaken,
    RfmSegment,
    StageMove,
    StageReached,
    StepAt,
)
from cxlib.analyses.dropoffs import dropoffs, next_after
from cxlib.analyses.flow import flow
from cxlib.analyses.funnels.attempts import funnel_levels
from cxlib.analyses.funnels.funnel import dropped_next, funnel
from cxlib.analyses.funnels.steps import Exclusion, Step, Where
from cxlib.analyses.funnels.timing import conversion_over_time, time_to_convert
from cxlib.analyses.graph import focus, journey_graph
from cxlib.analyses.graph_measures import critical_touchpoints, most_likely_path
from cxlib.analyses.omnichannel import (
    channel_switches,
    channels_used,
    omnichannel_summary,
    start_and_conversion_channels,
    switching_edges,
    switching_pairs,
)
from cxlib.analyses.paths import PATH_SEP, TRUNCATED, step_matrix, top_paths
from cxlib.analyses.retention import lifecycle, retention
from cxlib.analyses.rfm import rfm, rfm_segments
from cxlib.analyses.stages import (
    STAGE_ORDER,
    default_stages,
    stage_flow,
    stage_funnel,
    stage_graph,
    stage_reach,
    to_stages,
)
from cxlib.analyses.transitions import transitions
from cxlib.analyses.trends import Trends, trends
from cxlib.anonymise import anonymise
from cxlib.conversion.attribution import attribution
from cxlib.conversion.differences import Outcome, WithValue, converter_differences
from cxlib.conversion.importance import touchpoint_importance
from cxlib.conversion.markov import removal_effects
from cxlib.errors import AnalysisError, CxError, LoadError, MappingError
from cxlib.filters import (
    filter_attribute,
    filter_channels,
    filter_time,
    filter_touchpoints,
    rename_touchpoints,
)
from cxlib.io.loader import load
from cxlib.journeys import collapse_repeats, journey_steps, sessionize
from cxlib.log import ENTRY, EXIT, OTHER, EventLog, LoadReport, RoleMatch
from cxlib.story import findings

__all__ = [
    "ENTRY",
    "EXIT",
    "OTHER",
    "PATH_SEP",
    "STAGE_ORDER",
    "TRUNCATED",
    "AnalysisError",
    "Cohort",
    "CustomerJourney",
    "CustomerList",
    "CxError",
    "DropOff",
    "EventLog",
    "Exclusion",
    "FlowThrough",
    "FunnelStep",
    "GraphEdge",
    "GraphNode",
    "InFlight",
    "Listed",
    "LoadError",
    "LoadReport",
    "MappingError",
    "Outcome",
    "PathTaken",
    "RfmSegment",
    "RoleMatch",
    "StageMove",
    "StageReached",
    "Step",
    "StepAt",
    "Trends",
    "Where",
    "WithValue",
    "anonymise",
    "attribution",
    "channel_switches",
    "channels_used",
    "collapse_repeats",
    "compare_segments",
    "conversion_over_time",
    "converter_differences",
    "critical_touchpoints",
    "customer_journey",
    "customers_at",
    "customers_in",
    "default_stages",
    "dropoffs",
    "dropped_next",
    "filter_attribute",
    "filter_channels",
    "filter_time",
    "filter_touchpoints",
    "find_customers",
    "findings",
    "flow",
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
    "stage_funnel",
    "stage_graph",
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
    "trends",
]

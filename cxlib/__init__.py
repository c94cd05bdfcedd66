"""cx-journey's analysis library: customer journeys as graphs, paths, funnels and drop-offs.

Load any event log with :func:`load`, then call the analyses on the :class:`EventLog`.
The same code runs on Polars (default), DuckDB and PySpark; results are small Polars
frames or NetworkX graphs. Nothing here imports Streamlit.
"""

# Each module below adds its public names here (one import line per module).
from cxlib.dropoffs import dropoffs, next_after
from cxlib.errors import AnalysisError, CxError, LoadError, MappingError
from cxlib.journeys import collapse_repeats, journey_steps, sessionize
from cxlib.log import ENTRY, EXIT, EventLog, LoadReport, RoleMatch
from cxlib.stages import STAGES, default_stages, stage_flow, stage_reach, to_stages
from cxlib.transitions import transitions

__all__ = [
    "ENTRY",
    "EXIT",
    "STAGES",
    "AnalysisError",
    "CxError",
    "EventLog",
    "LoadError",
    "LoadReport",
    "MappingError",
    "RoleMatch",
    "collapse_repeats",
    "default_stages",
    "dropoffs",
    "journey_steps",
    "next_after",
    "sessionize",
    "stage_flow",
    "stage_reach",
    "to_stages",
    "transitions",
]

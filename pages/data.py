# First, before Polars loads: a link to this page can run it before the app script.
from ui import allocator  # noqa: F401  # isort: skip
import streamlit as st

import cxlib
from cxlib import sample
from cxlib.analyses.overview import preview, value_counts
from ui import assistant, auth, cache, connect, export, page, state, team, widgets
from ui.filters import MAX_OPTIONS
from ui.text import md


def sample_section(loaded: state.Loaded) -> None:
    """Open one of the bundled sample journeys."""
    scenarios = list(sample.SCENARIOS)
    st.selectbox(
        "Sample journeys",
        scenarios,
        key="data_scenario",
        index=scenarios.index(loaded.scenario) if loaded.scenario in scenarios else 0,
        format_func=lambda s: f"{s}: {sample.DESCRIPTIONS[s]}",
    )
    st.button("Open sample", key="data_open_sample", on_click=state.open_sample)


def upload_section() -> None:
    """Upload files: loaded at once, or handed to the import assistant."""
    st.file_uploader(
        "Or upload a file, or several at once (merged into one log)",
        accept_multiple_files=True,
        key=assistant.uploader_key(),
        on_change=assistant.take,
    )
    if auth.required():
        st.toggle("Share new uploads with the team", value=False, key="data_share")


def connect_section(loaded: state.Loaded) -> None:
    """Open a Parquet file or folder, a DuckDB table or a Spark Connect table where it lives.

    Only what the server's operator allows is offered; nothing when nothing is.
    """
    if not (kinds := connect.offered()):
        return
    with st.expander(
        "Connect to data where it lives: a Parquet folder, a DuckDB table, Spark Connect",
        expanded=loaded.connection is not None,
    ):
        roots = ", ".join(str(r) for r in connect.allowed_roots())
        st.caption(
            "For logs too large to upload. The analyses run where the data is (Polars or "
            "DuckDB on this server, or your Spark cluster) and only their results come back."
            + (f" Paths must be under {md(roots)}." if roots else "")
        )
        kind = st.radio(
            "Source", widgets.keep_valid("data_connect_kind", kinds), key="data_connect_kind",
            horizontal=True, format_func=connect.KINDS.get,
        )  # fmt: skip
        left, right = st.columns([3, 2])
        left.text_input(
            "Spark Connect address" if kind == "spark" else "Path on the server",
            key="data_connect_to",
            placeholder={
                "parquet": "/data/events/ (a .parquet file, or a folder of them)",
                "duckdb": "/data/warehouse.duckdb",
                "spark": "sc://spark-host:15002",
            }[kind],
        )
        if kind == "parquet":
            right.selectbox(
                "Engine", list(connect.ENGINES), key="data_connect_engine",
                format_func=connect.ENGINES.get,
            )  # fmt: skip
        else:
            right.text_input(
                "Table", key="data_connect_table",
                placeholder="events (may be left empty when there is only one)",
            )  # fmt: skip
        st.button("Connect", key="data_connect", on_click=state.connect)


def columns_section(loaded: state.Loaded) -> None:
    """The column of each role in a sample or a connection, and a re-load with others."""
    st.subheader("Columns")
    st.caption("The column recognised for each role. Change one and re-load to override it.")
    columns = list(
        dict.fromkeys([m.column for m in loaded.log.mapping.values()] + loaded.log.attributes)
    )
    cols = st.columns(len(state.ROLE_ARGS))
    for col, role in zip(cols, state.ROLE_ARGS, strict=True):
        match = loaded.log.mapping.get(role)
        options = columns if role in cxlib.log.REQUIRED_ROLES else [None, *columns]
        current = match.column if match else None
        widgets.choose(f"data_role_{role}", options, current)
        col.selectbox(
            role,
            options,
            key=f"data_role_{role}",
            format_func=lambda c: "(none)" if c is None else c,
            placeholder="(none)",  # Streamlit shows a None choice as the placeholder
        )
        if match is not None:
            col.caption(f"{match.confidence:.0%} sure: {md(match.reason)}")
    remappable = loaded.scenario is not None or loaded.connection is not None or loaded.uploads
    st.button(
        "Re-load with these columns", key="data_apply_roles", on_click=state.reload_roles,
        disabled=not remappable,
        help=None if remappable else "Choosing other columns needs the file: upload it again.",
    )  # fmt: skip


def report_section(loaded: state.Loaded) -> None:
    """What loading kept and dropped, and why."""
    report = loaded.log.report
    if report is None:
        return
    st.subheader("Load report")
    with st.spinner("Counting the customers, touchpoints and duplicated events…"):
        customers = report.customers  # the figures are counted once, when first read
    cols = st.columns(5)
    cols[0].metric("Rows read", f"{report.rows_read:,}")
    cols[1].metric("Rows kept", f"{report.rows_kept:,}")
    cols[2].metric("Customers", f"{customers:,}")
    cols[3].metric("Touchpoints", f"{report.touchpoints:,}")
    cols[4].metric("Duplicated events (kept)", f"{report.duplicates:,}")
    formats = "; ".join(f"{f} ({n:,} rows)" for f, n in report.timestamp_formats.items())
    st.write(
        md(f"Time range: {report.time_min} to {report.time_max} (UTC); timestamps read as "
           f"{formats or report.timestamp_format or 'recognised per source'}")
    )  # fmt: skip
    if report.dropped:
        export.table(report.dropped_table(), key="data_dropped", name="dropped_rows")
    for note in report.notes:
        st.info(md(note))


def contents_section(loaded: state.Loaded) -> None:
    """The touchpoints, the channels and the first events of the loaded data."""
    with widgets.errors_shown():  # the most frequent only: 10^6 touchpoints would take 38 MB
        touchpoints = cache.run(value_counts, loaded, None, "touchpoint", n=MAX_OPTIONS)
        has_channel = loaded.log.has("channel")
        channels = (
            cache.run(value_counts, loaded, None, "channel", n=MAX_OPTIONS) if has_channel else None
        )
    left, right = st.columns(2)
    with left:
        st.subheader("Touchpoints")
        if touchpoints.height == MAX_OPTIONS:
            st.caption(f"The {MAX_OPTIONS:,} most frequent.")
        export.table(touchpoints, key="data_touchpoints", name="touchpoints", height=300)
    with right:
        st.subheader("Channels")
        if channels is None:
            st.info("No channel column.")
        else:
            if channels.height == MAX_OPTIONS:
                st.caption(f"The {MAX_OPTIONS:,} most frequent.")
            export.table(channels, key="data_channels", name="channels", height=300)
    st.subheader("Preview")
    export.table(cache.run(preview, loaded, None, n=100), key="data_preview", name="preview")


loaded, _ = page.start(
    "Data",
    "Open a bundled sample, upload your own export (CSV or any delimited or aligned text, "
    "Excel, Parquet, JSON, XES, or a zip or gzip of them), or connect to larger data where "
    "it lives (Parquet, DuckDB, Spark). This page shows the data as loaded: the sidebar "
    "filters apply to the other pages.",
)
st.subheader(f"Loaded: {md(loaded.label)}")
left, right = st.columns(2)
with left:
    sample_section(loaded)
with right:
    upload_section()
connect_section(loaded)
if (pending := assistant.current()) is not None:
    assistant.draw(pending)
else:
    columns_section(loaded)
report_section(loaded)
contents_section(loaded)
team.saved_logs(loaded)

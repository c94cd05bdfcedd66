# cx-journey's dashboard as a service: docker build -t cx-journey . && docker run -p 8501:8501 cx-journey
# Sign-in (optional): mount a secrets file with an [auth] section, see docs/hosting.md:
#   docker run -p 8501:8501 -v $PWD/secrets.toml:/app/.streamlit/secrets.toml:ro cx-journey
# Large data for the Data page's Connect section: mount it under /data (read-only):
#   docker run -p 8501:8501 -v /srv/events:/data:ro cx-journey
# The team's workspace (uploads, saved views) lives in the volume /var/lib/cx-journey:
#   docker run -p 8501:8501 -v cx-workspace:/var/lib/cx-journey cx-journey
FROM python:3.11-slim

# CX_CONNECT_ROOTS: the Data page may open Parquet and DuckDB files under /data only.
# CX_DATA_DIR: where the workspace keeps its catalog and Parquet files.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CX_CONNECT_ROOTS=/data \
    CX_DATA_DIR=/var/lib/cx-journey

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

RUN useradd --create-home --uid 10001 cx \
    && mkdir -p /var/lib/cx-journey && chown cx:cx /var/lib/cx-journey
VOLUME /var/lib/cx-journey
COPY --chown=cx:cx streamlit_app.py ./
COPY --chown=cx:cx .streamlit/config.toml .streamlit/config.toml
COPY --chown=cx:cx cxlib cxlib
COPY --chown=cx:cx ui ui
COPY --chown=cx:cx pages pages
COPY --chown=cx:cx sample_data sample_data
COPY --chown=cx:cx static static
USER cx

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]
# Viewers see an error's type, never a traceback (it goes to the container log).
CMD ["streamlit", "run", "streamlit_app.py", "--server.address=0.0.0.0", "--server.port=8501", \
     "--client.showErrorDetails=type"]

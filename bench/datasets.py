"""Benchmark logs: generated once per size and seed, then reused from bench/data/.

Delete a log's files (or bench/data/) to generate it again, e.g. after the sample
generator changed; each log's .json says which version of cxlib.sample made it.

    python bench/datasets.py 10M [--seed 7] [--csv]    # prints the paths as JSON

Each log is written as Parquet (the file every tool reads) and, up to 10M events, as
CSV (for the loading benchmark), by the sample generator of cxlib (the omnichannel
retail scenario). Large logs are generated in chunks so that 100M events never sit
in memory at once. bench/run.py calls this script in its own process: a forked
child's peak memory would otherwise include the generator's.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import sys
import time
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the working tree's cxlib, whoever runs this script

from spec import CSV_TIME_FORMAT, SCENARIO  # noqa: E402 (bench/ is the script's folder)

from cxlib.sample import generate  # noqa: E402

DATA = ROOT / "bench" / "data"
#: CSV copies above this size are not written (a 100M CSV is 5 GB and nobody reads it here).
CSV_MAX_EVENTS = 10_000_000

_CHUNK_EVENTS = 10_000_000


def parse_size(text: str) -> int:
    """Read ``"1M"``, ``"500k"``, ``"10M"`` or ``"100000"`` as a number of events."""
    text = text.strip().upper()
    scale = {"K": 1_000, "M": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("KM")) * scale)


def size_label(n_events: int) -> str:
    """The short name of a size: 1_000_000 -> ``"1M"``."""
    if n_events % 1_000_000 == 0:
        return f"{n_events // 1_000_000}M"
    if n_events % 1_000 == 0:
        return f"{n_events // 1_000}k"
    return str(n_events)


def ensure_log(n_events: int, *, seed: int = 7, csv: bool = True) -> dict[str, str | None]:
    """Return the Parquet (and CSV) paths of the ``n_events`` log, generating them if missing."""
    DATA.mkdir(parents=True, exist_ok=True)
    stem = DATA / f"events-{size_label(n_events)}-seed{seed}"
    parquet, csv_path, meta = (
        stem.with_suffix(".parquet"),
        stem.with_suffix(".csv"),
        stem.with_suffix(".json"),
    )
    want_csv = csv and n_events <= CSV_MAX_EVENTS
    # Several benchmarks share these files: one process generates, the others wait.
    with (DATA / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (meta.exists() and parquet.exists()):
            start = time.perf_counter()
            _write(n_events, seed, parquet, csv_path if want_csv else None)
            info = {"generator": generator_name(), "events": n_events, "seed": seed}
            meta.write_text(json.dumps({**info, "seconds": round(time.perf_counter() - start, 1)}))
        elif want_csv and not csv_path.exists():
            _write_csv(pl.scan_parquet(parquet), csv_path)
    return {
        "size": size_label(n_events),
        "parquet": str(parquet),
        "csv": str(csv_path) if want_csv else None,
        "generator": json.loads(meta.read_text())["generator"],
    }


def generator_name() -> str:
    """The generator and a digest of its source, recorded with each log (delete it to renew)."""
    import cxlib.sample

    source = Path(cxlib.sample.__file__)
    files = sorted(source.parent.glob("*.py")) if source.name == "__init__.py" else [source]
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()[:10]
    return f"cxlib.sample {digest}"


def _write(n_events: int, seed: int, parquet: Path, csv_path: Path | None) -> None:
    tmp = parquet.with_suffix(".parquet.tmp")
    writer = None
    done = 0
    chunk = 0
    while done < n_events:
        size = min(_CHUNK_EVENTS, n_events - done)
        frame = _chunk(size, seed + 1000 * chunk, chunk)
        table = frame.to_arrow()
        if writer is None:
            writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
        writer.write_table(table, row_group_size=1_000_000)
        done += frame.height
        chunk += 1
    assert writer is not None
    writer.close()
    tmp.replace(parquet)
    if csv_path is not None:
        _write_csv(pl.scan_parquet(parquet), csv_path)


def _write_csv(frame: pl.LazyFrame, csv_path: Path) -> None:
    tmp = csv_path.with_suffix(".csv.tmp")
    frame.sink_csv(tmp, datetime_format=CSV_TIME_FORMAT)
    tmp.replace(csv_path)


def _chunk(n_events: int, seed: int, number: int) -> pl.DataFrame:
    """Exactly ``n_events`` events of sample journeys (the log's first ones in time)."""
    per_customer = generate(SCENARIO, customers=20_000, seed=seed).height / 20_000
    frame = generate(SCENARIO, customers=int(n_events / per_customer * 1.03) + 10, seed=seed)
    frame = frame.head(n_events)  # in time order: the log simply ends a little earlier
    if number == 0:
        return frame
    # Chunks must not share customers: later chunks' ids carry the chunk's number.
    return frame.with_columns(
        pl.format("K{}-{}", pl.lit(number), "customer_id").alias("customer_id")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("size", help="events, e.g. 1M, 10M, 100M")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--csv", action="store_true", help="also write the CSV copy")
    args = parser.parse_args()
    print(json.dumps(ensure_log(parse_size(args.size), seed=args.seed, csv=args.csv)))


if __name__ == "__main__":
    main()

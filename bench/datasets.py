"""Benchmark logs: generated once per size and seed, then reused from bench/data/.

    python bench/datasets.py 10M [--seed 7] [--csv]    # prints the paths as JSON

Each log is written as Parquet (the file every tool reads) and, up to 10M events, as
CSV (for the loading benchmark), by the sample generator of cxlib (the omnichannel
retail scenario). Large logs are generated in chunks so that 100M events never sit
in memory at once. bench/run.py calls this script in its own process: a forked
child's peak memory would otherwise include the generator's.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

DATA = Path(__file__).resolve().parent / "data"
#: The CSV's timestamp format, as an analyst's export would have it.
CSV_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
#: CSV copies above this size are not written (a 100M CSV is 5 GB and nobody reads it here).
CSV_MAX_EVENTS = 10_000_000
#: The funnel every tool computes: four touchpoints the generated journeys pass in order.
FUNNEL = ["product_page", "add_to_cart", "checkout", "purchase"]
#: The sample scenario of cxlib.sample the logs come from.
SCENARIO = "retail"

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
    if not meta.exists() or json.loads(meta.read_text()).get("generator") != generator_name():
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
        "generator": generator_name(),
    }


def generator_name() -> str:
    """Which generator made the logs: cxlib's sample generator once it exists."""
    try:
        from cxlib.sample import generate  # noqa: F401
    except ImportError:
        return "bench-numpy"
    return "cxlib.sample"


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
    try:
        from cxlib.sample import generate
    except ImportError:
        return _numpy_journeys(n_events, seed, number)
    per_customer = generate(SCENARIO, customers=20_000, seed=seed).height / 20_000
    frame = generate(SCENARIO, customers=int(n_events / per_customer * 1.03) + 10, seed=seed)
    frame = frame.head(n_events)  # in time order: the log simply ends a little earlier
    if number == 0:
        return frame
    # Chunks must not share customers: later chunks' ids carry the chunk's number.
    return frame.with_columns(pl.format("K{}-{}", pl.lit(number), "customer_id"))


# --- temporary generator, used until cxlib.sample lands --------------------------------------

_TOUCHPOINTS = [
    "visit_home", "search", "view_category", "view_product", "read_reviews", "compare",
    "add_to_cart", "remove_from_cart", "checkout", "purchase", "email_open", "email_click",
    "push_open", "app_open", "store_visit", "store_purchase", "call_support", "chat_support",
    "faq", "return_request", "refund", "nps_survey", "write_review", "referral", "login",
    "account_update", "wishlist", "coupon", "newsletter_signup", "social_click",
]  # fmt: skip
_CHANNELS = ["web", "app", "store", "email", "call centre", "social"]


def _markov(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A sparse-ish transition matrix with a funnel backbone, and exit probabilities."""
    n = len(_TOUCHPOINTS)
    weights = rng.gamma(0.3, size=(n, n)) * (rng.random((n, n)) < 0.25)
    idx = {t: i for i, t in enumerate(_TOUCHPOINTS)}
    backbone = ["visit_home", "search", "view_product", "add_to_cart", "checkout", "purchase"]
    for a, b in itertools.pairwise(backbone):
        weights[idx[a], idx[b]] += 2.0
    weights[:, idx["view_product"]] += 0.5
    weights += 1e-3
    exit_p = rng.uniform(0.04, 0.12, n)
    exit_p[idx["purchase"]] = 0.3
    return weights / weights.sum(1, keepdims=True), exit_p


def _numpy_journeys(n_events: int, seed: int, number: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    probs, exit_p = _markov(np.random.default_rng(0))
    cum = probs.cumsum(1)
    n_customers = max(1, int(n_events / 14.5))
    state = rng.choice(len(_TOUCHPOINTS), n_customers, p=probs[0])
    t = (rng.uniform(0, 365 * 86400, n_customers) + 1_704_067_200).astype(np.int64)
    cust = np.arange(n_customers)
    parts_c, parts_t, parts_s = [], [], []
    alive = np.ones(n_customers, dtype=bool)
    produced = 0
    while produced < n_events and alive.any():
        ids = cust[alive]
        parts_c.append(ids)
        parts_t.append(t[ids])
        parts_s.append(state[ids])
        produced += ids.size
        u = rng.random(ids.size)
        nxt = (u[:, None] > cum[state[ids]]).sum(1).clip(0, len(_TOUCHPOINTS) - 1)
        state[ids] = nxt
        pause = np.where(rng.random(ids.size) < 0.15, 86400 * 3, 90)
        t[ids] += rng.exponential(pause).astype(np.int64) + 1
        alive[ids[rng.random(ids.size) < exit_p[nxt]]] = False
        if not alive.any():  # every journey ended early: start new customers
            alive[:] = True
    c = np.concatenate(parts_c)[:n_events]
    ts = np.concatenate(parts_t)[:n_events]
    s = np.concatenate(parts_s)[:n_events]
    # A source file is in time order, not grouped by customer.
    order = np.argsort(ts, kind="stable")
    tp = np.array(_TOUCHPOINTS)
    return pl.DataFrame(
        {
            "customer_id": pl.Series(c[order] + number * 10**9).cast(pl.String),
            "timestamp": pl.Series(ts[order] * 1_000_000).cast(pl.Datetime("us")).dt.truncate("1s"),
            "touchpoint": tp[s[order]],
            "channel": np.array(_CHANNELS)[s[order] % len(_CHANNELS)],
        }
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

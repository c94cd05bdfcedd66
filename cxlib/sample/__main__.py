"""``python -m cxlib.sample``: write the bundled files, or generate one scenario of any size."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from cxlib.sample import BUNDLED, SCENARIOS, generate, write_bundled


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: write the bundled files, or generate one scenario of any size."""
    parser = argparse.ArgumentParser(prog="python -m cxlib.sample", description=main.__doc__)
    parser.add_argument("--write", metavar="FOLDER", help="write the bundled CSV files there")
    parser.add_argument("scenario", nargs="?", choices=SCENARIOS)
    parser.add_argument("--customers", type=int, default=BUNDLED["customers"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="output file: .csv or .parquet")
    args = parser.parse_args(argv)
    if args.write:
        for written in write_bundled(args.write):
            print(written)
    elif args.scenario and args.out:
        log = generate(args.scenario, customers=args.customers, seed=args.seed)
        if args.out.endswith(".parquet"):
            log.write_parquet(args.out)
        else:
            log.write_csv(args.out, datetime_format="%Y-%m-%dT%H:%M:%S")
        print(f"{args.out}: {log.height:,} events of {args.customers:,} customers")
    else:
        parser.error("give --write FOLDER, or a scenario and --out FILE")


if __name__ == "__main__":
    main()

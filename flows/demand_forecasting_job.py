"""Entry point of the SageMaker processing job (see ``flows.forecast_scaleout``).

Reads every CSV (long format: id, ds, y) under ``--input``, forecasts with the same
``forecast_batch`` the nightly flow uses, writes one CSV per input file under ``--output``.
A series that cannot be forecast keeps its reason in the ``error`` column; nothing is dropped.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from livebase.forecasting.batch import forecast_batch


def run(input_dir: Path, output_dir: Path, horizon: int, season_length: int) -> int:
    files = sorted(input_dir.glob("*.csv"))
    if not files:
        raise SystemExit(f"no CSV files under {input_dir}")
    output_dir.mkdir(parents=True, exist_ok=True)
    for path in files:
        result = forecast_batch(pd.read_csv(path), horizon, season_length, errors="report")
        result.to_csv(output_dir / path.name, index=False)
    return len(files)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--market", required=True)
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--horizon", type=int, default=28)
    parser.add_argument("--season-length", type=int, default=7)
    args = parser.parse_args(argv)
    count = run(args.input, args.output, args.horizon, args.season_length)
    print(f"{args.market}: forecast {count} file(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

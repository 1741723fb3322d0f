"""Entry point of the SageMaker processing job (see ``flows.forecast_scaleout``).

Reads every CSV (long format: id, ds, y) under ``--input``, forecasts with the same
``forecast_batch`` the nightly flow uses, writes one CSV per input file under ``--output``.
A series that cannot be forecast keeps its reason in the ``error`` column; nothing is dropped.
With ``--forecasts-table`` it also writes the latest forecast per SKU to the market's Forecasts
table, as the nightly flow does, with a DynamoDB client of the job's own region (the market's).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from livebase.forecasting.batch import forecast_batch
from livebase.forecasting.result import DEFAULT_LEVEL
from livebase.stores.forecasts import ForecastStore, from_rows


def run(
    input_dir: Path,
    output_dir: Path,
    horizon: int,
    season_length: int,
    forecasts_table: str | None = None,
    run_date: date | None = None,
) -> tuple[int, int]:
    """Forecast every input file; returns (files, items written to the Forecasts table)."""
    files = sorted(input_dir.glob("*.csv"))
    if not files:
        raise SystemExit(f"no CSV files under {input_dir}")
    output_dir.mkdir(parents=True, exist_ok=True)
    store = None
    if forecasts_table:
        import boto3

        store = ForecastStore(boto3.client("dynamodb", region_name=os.environ.get("AWS_REGION")), forecasts_table)
    stored = 0
    for path in files:
        result = forecast_batch(pd.read_csv(path), horizon, season_length, errors="report")
        result.to_csv(output_dir / path.name, index=False)
        if store is not None:
            rows = result.to_dict("records")
            day = run_date or datetime.now(UTC).date()
            stored += store.write(from_rows(rows, day, DEFAULT_LEVEL))
    return len(files), stored


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--market", required=True)
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--horizon", type=int, default=28)
    parser.add_argument("--season-length", type=int, default=7)
    parser.add_argument("--forecasts-table", help="also write the latest forecast per SKU to this table")
    parser.add_argument("--run-date", type=date.fromisoformat, help="the forecasts' run date (default: today, UTC)")
    args = parser.parse_args(argv)
    count, stored = run(args.input, args.output, args.horizon, args.season_length, args.forecasts_table, args.run_date)
    print(f"{args.market}: forecast {count} file(s), {stored} item(s) stored in the Forecasts table")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Entry point of the SageMaker processing job (see ``flows.forecast_scaleout``).

Reads every CSV (long format: id, ds, y) under ``--input``, forecasts with the same
``forecast_batch`` the nightly flow uses, writes one CSV per input file under ``--output``.
A series that cannot be forecast keeps its reason in the ``error`` column; nothing is dropped.
With ``--forecasts-table`` it also writes the latest forecast per SKU to the market's Forecasts
table, as the nightly flow does, with a DynamoDB client of the job's own region (the market's).

The job's container, logs and outputs are an audience of aggregates only (sales per SKU and day):
every input file passes the residency guard before anything is forecast
(``livebase.privacy.guard.FORECAST_JOB``). A file carrying personal data is refused, kept in the
market's quarantine (``--quarantine-bucket``: ``quarantine/<market>/forecast-job/residency/``,
in the job's region), and the job fails with a ``ResidencyViolation`` naming the file and why.
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
from livebase.markets.config import Market, load_markets
from livebase.privacy.guard import FORECAST_JOB, Keeper, audience, refuse_any
from livebase.privacy.refused import RefusedDocuments
from livebase.stores.forecasts import ForecastStore, from_rows

CONSUMER = "forecast-job"


def job_market(market_id: str) -> Market:
    """The market from the project's config, or a stand-in of that id where the image has no cdk.json."""
    try:
        return load_markets()[market_id]
    except (LookupError, OSError, ValueError):
        return audience(market_id, f"market {market_id}")


def screen_inputs(files: Sequence[Path], market: Market, keep: Keeper | None) -> None:
    """The residency guard on every input file before any is forecast (all pass, or the job fails)."""
    refuse_any(market, FORECAST_JOB, [path.read_text() for path in files], keep, what="forecast job input")


def quarantine_keeper(bucket: str, market: str) -> Keeper:
    import boto3

    s3 = boto3.client("s3", region_name=os.environ.get("AWS_REGION"))
    return RefusedDocuments(s3, bucket, market, CONSUMER).keep


def run(
    input_dir: Path,
    output_dir: Path,
    horizon: int,
    season_length: int,
    forecasts_table: str | None = None,
    run_date: date | None = None,
    *,
    market: Market | None = None,
    keep: Keeper | None = None,
) -> tuple[int, int]:
    """Forecast every input file; returns (files, items written to the Forecasts table)."""
    files = sorted(input_dir.glob("*.csv"))
    if not files:
        raise SystemExit(f"no CSV files under {input_dir}")
    screen_inputs(files, market or audience("unnamed", "the job's market"), keep)
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
    parser.add_argument("--quarantine-bucket", help="the market's data lake: where a refused input file is kept")
    args = parser.parse_args(argv)
    keep = quarantine_keeper(args.quarantine_bucket, args.market) if args.quarantine_bucket else None
    count, stored = run(
        args.input, args.output, args.horizon, args.season_length, args.forecasts_table, args.run_date,
        market=job_market(args.market), keep=keep,
    )  # fmt: skip
    print(f"{args.market}: forecast {count} file(s), {stored} item(s) stored in the Forecasts table")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

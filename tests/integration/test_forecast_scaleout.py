"""The SageMaker scale-out path: the job definition against the local AWS, and its entry point."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import boto3
import numpy as np
import pandas as pd
import pytest

from flows.demand_forecasting_job import main as job_main
from flows.forecast_scaleout import ScaleOut, job_name, submit_forecast_job
from livebase.markets.config import load_markets
from livebase.stores.forecasts import ForecastStore
from livebase_local.aws.moto_server import LocalAws
from tests.support.tables import string_keyed_table

MARKETS = load_markets()


def test_forecast_job_is_created_in_the_markets_own_region(moto_server: LocalAws) -> None:
    eu = MARKETS["eu"]
    scale = ScaleOut(image_uri="000000000000.dkr.ecr.eu-central-1.amazonaws.com/livebase:1",
                     role_arn="arn:aws:iam::000000000000:role/livebase-eu-forecast")  # fmt: skip
    key = "arn:aws:kms:eu-central-1:000000000000:key/test"
    submit_forecast_job(eu, "livebase-eu-lake", key, "2026-11-25", scale, forecasts_table="livebase-eu-forecasts")
    described = boto3.client("sagemaker", region_name="eu-central-1").describe_processing_job(
        ProcessingJobName=job_name(eu, "2026-11-25")
    )
    source = described["ProcessingInputs"][0]["S3Input"]["S3Uri"]
    assert source == "s3://livebase-eu-lake/forecasting/2026-11-25/sales/"
    assert described["ProcessingOutputConfig"]["KmsKeyId"] == key
    # moto's DescribeProcessingJob leaves out ProcessingResources; the volume key is set in the request.
    assert described["AppSpecification"]["ContainerEntrypoint"][-1] == "flows.demand_forecasting_job"
    arguments = described["AppSpecification"]["ContainerArguments"]
    assert arguments[arguments.index("--forecasts-table") + 1] == "livebase-eu-forecasts"
    assert arguments[arguments.index("--run-date") + 1] == "2026-11-25"
    elsewhere = boto3.client("sagemaker", region_name="us-west-2").list_processing_jobs()["ProcessingJobSummaries"]
    assert not elsewhere


def test_forecast_job_refuses_a_session_in_another_region(moto_server: LocalAws) -> None:
    scale = ScaleOut(image_uri="img", role_arn="arn:aws:iam::000000000000:role/r")
    with pytest.raises(ValueError, match="run in eu-central-1"):
        submit_forecast_job(MARKETS["eu"], "b", "k", "2026-11-25", scale,
                            session=boto3.Session(region_name="us-east-1"))  # fmt: skip


def test_job_entry_point_forecasts_every_series_and_keeps_bad_ones_with_a_reason(tmp_path: Path) -> None:
    days = pd.date_range("2026-01-01", periods=120, freq="D")
    rng = np.random.default_rng(3)
    frames = [pd.DataFrame({"id": f"SKU-{n}", "ds": days, "y": rng.poisson(5 + n, len(days))}) for n in range(3)]
    bad = pd.DataFrame({"id": "SKU-BAD", "ds": days[:10], "y": [-1.0] * 10})
    (tmp_path / "in").mkdir()
    pd.concat([*frames, bad]).to_csv(tmp_path / "in" / "part-0.csv", index=False)
    assert job_main(["--market", "eu", "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"),
                     "--horizon", "14"]) == 0  # fmt: skip
    result = pd.read_csv(tmp_path / "out" / "part-0.csv")
    assert set(result["id"]) == {"SKU-0", "SKU-1", "SKU-2", "SKU-BAD"}
    good = result[result["id"] != "SKU-BAD"]
    assert len(good) == 3 * 14 and (good["mean"] >= 0).all()
    assert result.loc[result["id"] == "SKU-BAD", "error"].notna().all()


def test_job_entry_point_also_fills_the_forecasts_table(
    moto_server: LocalAws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-central-1")  # a processing job runs in the market's region
    dynamodb = boto3.client("dynamodb", region_name="eu-central-1")
    table = string_keyed_table(dynamodb, "forecasts", "sku")
    days = pd.date_range("2026-08-01", periods=100, freq="D")
    rng = np.random.default_rng(5)
    frames = [pd.DataFrame({"id": f"SKU-{n}", "ds": days, "y": rng.poisson(4 + n, len(days))}) for n in range(2)]
    bad = pd.DataFrame({"id": "SKU-BAD", "ds": days[:5], "y": [float("nan")] * 5})
    (tmp_path / "in").mkdir()
    pd.concat([*frames, bad]).to_csv(tmp_path / "in" / "part-0.csv", index=False)
    assert job_main(["--market", "eu", "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"),
                     "--horizon", "7", "--forecasts-table", table, "--run-date", "2026-11-09"]) == 0  # fmt: skip
    stored = ForecastStore(dynamodb, table).read(["SKU-0", "SKU-1", "SKU-BAD"])
    assert set(stored.forecasts) == {"SKU-0", "SKU-1"}  # a failed series is left to the fallbacks
    assert all(f.run_date == date(2026, 11, 9) and len(f.mean) == 7 for f in stored.forecasts.values())

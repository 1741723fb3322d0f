"""The forecast-scaleout flow: one market's SageMaker job, named from its deployed stack, in its region."""

from __future__ import annotations

from datetime import date

import boto3
import pytest

from tests.support.local_aws import LocalAwsStack

pytestmark = pytest.mark.slow


def test_flow_submits_the_markets_job_against_its_stacks_bucket_and_table(local_aws: LocalAwsStack) -> None:
    from flows.forecast_scaleout import forecast_scaleout

    resources = local_aws.deployments["eu"].resources()
    key = "arn:aws:kms:eu-central-1:000000000000:key/flow-test"
    name = forecast_scaleout.fn(
        market="eu", image_uri="000000000000.dkr.ecr.eu-central-1.amazonaws.com/livebase:1",
        role_arn="arn:aws:iam::000000000000:role/livebase-eu-forecast", kms_key_arn=key, run_date=date(2026, 11, 20),
    )  # fmt: skip
    assert name == "livebase-forecast-eu-20261120"
    described = boto3.client("sagemaker", region_name="eu-central-1").describe_processing_job(ProcessingJobName=name)
    assert described["ProcessingInputs"][0]["S3Input"]["S3Uri"] == (
        f"s3://{resources.data_lake_bucket}/forecasting/2026-11-20/sales/"
    )
    arguments = described["AppSpecification"]["ContainerArguments"]
    assert arguments[arguments.index("--forecasts-table") + 1] == resources.forecasts_table

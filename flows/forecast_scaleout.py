"""Cloud scale-out of the nightly forecast: one SageMaker processing job per market, in its region.

When a market outgrows the Prefect worker (hundreds of thousands of series), the same
``livebase.forecasting.forecast_batch`` runs as a SageMaker processing job: inputs are the
market's daily sales (CSV in its own data lake), outputs go back to the same bucket, and the job
runs in the market's region with the market's KMS key, so personal data never travels. Built
on ``sagemaker-core`` resource classes (the slim half of the SageMaker SDK). The
``forecast-scaleout`` flow submits one market's job (deployed per market in ``prefect.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated

import boto3
from prefect import flow
from pydantic import Field
from sagemaker.core.resources import ProcessingJob
from sagemaker.core.shapes import (
    AppSpecification,
    ProcessingClusterConfig,
    ProcessingInput,
    ProcessingOutput,
    ProcessingOutputConfig,
    ProcessingResources,
    ProcessingS3Input,
    ProcessingS3Output,
    ProcessingStoppingCondition,
)

from flows.markets import MARKETS, MarketId, market_resources
from livebase.markets.config import Market


@dataclass(frozen=True)
class ScaleOut:
    """What a market's forecast job needs that the stack does not own (image and role)."""

    image_uri: str  # a Python image with this project installed (built by CI, in the market's ECR)
    role_arn: str  # execution role scoped to the market's bucket and key
    instance_type: str = "ml.m5.2xlarge"
    instance_count: int = 1
    max_runtime_seconds: int = 4 * 3600


def job_name(market: Market, run_date: str) -> str:
    return f"livebase-forecast-{market.id}-{run_date.replace('-', '')}"


def submit_forecast_job(
    market: Market,
    bucket: str,
    kms_key_arn: str,
    run_date: str,
    scale: ScaleOut,
    *,
    forecasts_table: str | None = None,
    session: boto3.Session | None = None,
) -> ProcessingJob:
    """Start the market's forecast job in the market's own region; returns the job resource.

    With ``forecasts_table`` (the market stack's ``ForecastsTableName``) the job also writes the
    latest forecast per SKU there, as the nightly flow does; ``scale.role_arn`` then needs
    ``dynamodb:BatchGetItem`` and ``BatchWriteItem`` on that table (each write carries the
    replaced item's past forward) and use of the market key; and ``s3:PutObject`` on
    ``quarantine/<market>/forecast-job/*``, where the job keeps an input file the residency guard
    refused (``flows.demand_forecasting_job``).
    """
    session = session or boto3.Session(region_name=market.region)
    if session.region_name != market.region:
        raise ValueError(f"market {market.id} forecasts run in {market.region}, not {session.region_name}")
    prefix = f"s3://{bucket}/forecasting/{run_date}"
    job = ProcessingJob.create(
        processing_job_name=job_name(market, run_date),
        role_arn=scale.role_arn,
        app_specification=AppSpecification(
            image_uri=scale.image_uri,
            container_entrypoint=["python", "-m", "flows.demand_forecasting_job"],
            container_arguments=[
                "--market",
                market.id,
                "--input",
                "/opt/ml/processing/input",
                "--output",
                "/opt/ml/processing/output",
                "--run-date",
                run_date,
                "--quarantine-bucket",  # a refused input file is kept here (the residency guard)
                bucket,
                *(["--forecasts-table", forecasts_table] if forecasts_table else []),
            ],
        ),
        processing_resources=ProcessingResources(
            cluster_config=ProcessingClusterConfig(
                instance_count=scale.instance_count,
                instance_type=scale.instance_type,
                volume_size_in_gb=30,
                volume_kms_key_id=kms_key_arn,
            )
        ),
        processing_inputs=[
            ProcessingInput(
                input_name="sales",
                s3_input=ProcessingS3Input(
                    s3_uri=f"{prefix}/sales/",
                    local_path="/opt/ml/processing/input",
                    s3_data_type="S3Prefix",
                    s3_input_mode="File",
                    s3_data_distribution_type="ShardedByS3Key",  # instances split the SKUs
                ),
            )
        ],
        processing_output_config=ProcessingOutputConfig(
            outputs=[
                ProcessingOutput(
                    output_name="forecasts",
                    s3_output=ProcessingS3Output(
                        s3_uri=f"{prefix}/forecasts/",
                        local_path="/opt/ml/processing/output",
                        s3_upload_mode="EndOfJob",
                    ),
                )
            ],
            kms_key_id=kms_key_arn,
        ),
        stopping_condition=ProcessingStoppingCondition(max_runtime_in_seconds=scale.max_runtime_seconds),
        environment={"LIVEBASE_MARKET": market.id},
        session=session,
        region=market.region,
    )
    if job is None:
        raise RuntimeError(f"SageMaker returned no processing job for {job_name(market, run_date)}")
    return job


@flow(name="forecast-scaleout", log_prints=True)
def forecast_scaleout(
    market: MarketId,
    image_uri: Annotated[str, Field(min_length=1, description="project image in the market's ECR")],
    role_arn: Annotated[str, Field(pattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/.+", description="job role")],
    kms_key_arn: Annotated[str, Field(pattern=r"^arn:aws[a-z-]*:kms:", description="the market's data key")],
    run_date: Annotated[date | None, Field(description="sales prefix date (UTC); default today")] = None,
    instance_type: Annotated[str, Field(pattern=r"^ml\.", description="processing instance type")] = "ml.m5.2xlarge",
    instance_count: Annotated[int, Field(ge=1, le=20, description="instances; they split the SKUs")] = 1,
) -> str:
    """Submit the market's nightly forecast as a SageMaker processing job in its region; the job's name."""
    resources = market_resources(market)
    day = (run_date or datetime.now(UTC).date()).isoformat()
    scale = ScaleOut(image_uri=image_uri, role_arn=role_arn, instance_type=instance_type, instance_count=instance_count)
    submit_forecast_job(
        MARKETS[market], resources.data_lake_bucket, kms_key_arn, day, scale, forecasts_table=resources.forecasts_table
    )
    name = job_name(MARKETS[market], day)
    print(f"{market}: SageMaker processing job {name} submitted in {resources.region}")
    return name

"""Live-event ingest: the Kinesis stream, the ingest Lambda and its dead-letter queue.

Permissions come only from grant methods; the Lambda's role has no managed policy (it writes to
an explicit, KMS-encrypted log group), so every statement names the resource it is for.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra_cdk.constructs.messaging import DLQ_RETENTION, encrypted_queue
from infra_cdk.layer_staging import stage_layer
from livebase.config import PROJECT_ROOT

RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.X86_64
# AWS-managed Powertools for AWS Lambda (Python) v3 layer: powertools + pydantic, built for
# python3.12 / x86_64 to match RUNTIME and ARCHITECTURE. Version 27 is the newest the
# powertools docs listed when this was written (docs/index.md, powertools-lambda-python #7757).
POWERTOOLS_LAYER_VERSION = 27
POWERTOOLS_LAYER = "arn:{partition}:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:{v}"
INGEST_CODE = PROJECT_ROOT / "functions" / "ingest"
_CODE_EXCLUDES = ["__pycache__", "*.pyc", "tests"]


def ingest_function_name(market_id: str) -> str:
    """Fixed name, so the function can be told its own name without a self-reference."""
    return f"livebase-{market_id}-ingest"


class LiveIngest(Construct):
    """Kinesis -> ingest Lambda (partial batch failures) -> on-failure SQS dead-letter queue."""

    def __init__(self, scope: Construct, construct_id: str, *, market_id: str, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.stream = kinesis.Stream(
            self,
            "LiveEvents",
            stream_mode=kinesis.StreamMode.ON_DEMAND,  # live rooms burst; no shard planning
            encryption=kinesis.StreamEncryption.KMS,
            encryption_key=key,
            retention_period=Duration.hours(24),
        )
        self.dlq = encrypted_queue(self, "IngestDlq", key=key, retention_period=DLQ_RETENTION)
        self.layer = lambda_.LayerVersion(
            self,
            "LivebaseLayer",
            code=lambda_.Code.from_asset(str(stage_layer())),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="livebase domain library + pynamodb",
            removal_policy=RemovalPolicy.RETAIN,  # running versions keep working during updates
        )
        powertools = lambda_.LayerVersion.from_layer_version_arn(
            self,
            "PowertoolsLayer",
            POWERTOOLS_LAYER.format(
                partition=Stack.of(self).partition, region=Stack.of(self).region, v=POWERTOOLS_LAYER_VERSION
            ),
        )
        name = ingest_function_name(market_id)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/lambda/{name}",
            retention=logs.RetentionDays.ONE_MONTH,
            encryption_key=key,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"ingest Lambda of market {market_id}: grants only",
        )
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=name,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            code=lambda_.Code.from_asset(str(INGEST_CODE), exclude=_CODE_EXCLUDES),
            handler="handler.lambda_handler",
            memory_size=512,
            timeout=Duration.seconds(60),
            tracing=lambda_.Tracing.ACTIVE,
            layers=[self.layer, powertools],
            role=self.role,
            log_group=self.log_group,
            environment={
                "MARKET": market_id,
                "POWERTOOLS_SERVICE_NAME": "ingest",
                "POWERTOOLS_METRICS_NAMESPACE": "Livebase",
            },
        )
        self.stream.grant_read(self.function)
        self.function.add_event_source(
            sources.KinesisEventSource(
                self.stream,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=100,
                bisect_batch_on_error=True,
                report_batch_item_failures=True,
                retry_attempts=3,
                max_record_age=Duration.hours(1),
                on_failure=sources.SqsDlq(self.dlq),
            )
        )

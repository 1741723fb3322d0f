"""Event-source-mapping settings, read from the ORIGINAL synthesised template (Kinesis and SQS).

The mapping is not deployed into moto (see :mod:`livebase_local.aws.template_transform`), so its
settings come from the template the cloud would get, and the local runner applies them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from livebase_local.aws.template_refs import get_att_target


@dataclass(frozen=True)
class MappingSpec:
    """One ``AWS::Lambda::EventSourceMapping`` as written in the template (logical ids, not names)."""

    logical_id: str
    function_id: str
    source_id: str  # the Kinesis stream's logical id
    on_failure_id: str | None  # the on-failure destination (SQS queue) logical id
    batch_size: int
    bisect_batch_on_error: bool
    maximum_retry_attempts: int  # -1: retry until the record expires
    maximum_record_age_seconds: int  # -1: no limit
    starting_position: str
    report_batch_item_failures: bool
    parallelization_factor: int
    maximum_batching_window_seconds: int
    enabled: bool
    handler: str  # e.g. "handler.lambda_handler"
    code_s3_key: str | None  # the asset object key of the function's code
    function_properties: Mapping[str, Any]
    filter_patterns: tuple[str, ...] = ()  # FilterCriteria: Lambda invokes only with matching records


def _logical_id(value: Any) -> str | None:
    """The logical id behind a Ref / GetAtt (or None for a literal ARN or name)."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return get_att_target(value["Fn::GetAtt"])[0]
    return None


def _mappings_from(resources: Mapping[str, Any], source_type: str) -> Iterator[tuple[str, Mapping[str, Any], str, str]]:
    """(logical id, properties, function id, source id) of each mapping whose source is a ``source_type``."""
    for logical_id, body in resources.items():
        if body.get("Type") != "AWS::Lambda::EventSourceMapping":
            continue
        props = body.get("Properties", {})
        function_id = _logical_id(props.get("FunctionName"))
        source_id = _logical_id(props.get("EventSourceArn"))
        if function_id is None or source_id is None:
            raise ValueError(f"mapping {logical_id}: function and source must be resources of this stack")
        if resources.get(source_id, {}).get("Type") == source_type:  # the other kinds: the other reader
            yield logical_id, props, function_id, source_id


def read_mappings(template: Mapping[str, Any]) -> list[MappingSpec]:
    """Every Kinesis event source mapping in ``template`` with the defaults Lambda applies."""
    resources: Mapping[str, Any] = template.get("Resources", {})
    specs = []
    for logical_id, props, function_id, source_id in _mappings_from(resources, "AWS::Kinesis::Stream"):
        function = resources[function_id].get("Properties", {})
        destination = props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        code = function.get("Code", {})
        s3_key = code.get("S3Key")
        specs.append(
            MappingSpec(
                logical_id=logical_id,
                function_id=function_id,
                source_id=source_id,
                on_failure_id=_logical_id(destination) if destination is not None else None,
                batch_size=int(props.get("BatchSize", 100)),
                bisect_batch_on_error=bool(props.get("BisectBatchOnFunctionError", False)),
                maximum_retry_attempts=int(props.get("MaximumRetryAttempts", -1)),
                maximum_record_age_seconds=int(props.get("MaximumRecordAgeInSeconds", -1)),
                starting_position=str(props.get("StartingPosition", "TRIM_HORIZON")),
                report_batch_item_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                parallelization_factor=int(props.get("ParallelizationFactor", 1)),
                maximum_batching_window_seconds=int(props.get("MaximumBatchingWindowInSeconds", 0)),
                enabled=bool(props.get("Enabled", True)),
                handler=str(function.get("Handler", "")),
                code_s3_key=s3_key if isinstance(s3_key, str) else None,
                function_properties=function,
                filter_patterns=tuple(
                    str(f["Pattern"]) for f in props.get("FilterCriteria", {}).get("Filters", []) if "Pattern" in f
                ),
            )
        )
    return specs


@dataclass(frozen=True)
class EventSourceConfig:
    """A mapping resolved against a deployed stack: what the local runner needs to apply it."""

    market: str
    region: str
    function_name: str
    handler: str
    code_path: str | None  # the function's code directory in the cloud assembly
    stream_name: str
    stream_arn: str
    dlq_url: str | None
    dlq_arn: str | None
    batch_size: int = 100
    bisect_batch_on_error: bool = False
    maximum_retry_attempts: int = -1
    maximum_record_age_seconds: int = -1
    starting_position: str = "TRIM_HORIZON"
    report_batch_item_failures: bool = False
    parallelization_factor: int = 1
    maximum_batching_window_seconds: int = 0
    enabled: bool = True
    role_arn: str = ""  # the function's execution role: Lambda's invokeIdentityArn
    timeout_seconds: int = 3  # Lambda's default when the template sets none
    memory_mb: int = 128
    filter_patterns: tuple[str, ...] = ()

    @property
    def function_arn(self) -> str:
        account = self.stream_arn.split(":")[4] if self.stream_arn.count(":") >= 5 else "000000000000"
        return f"arn:aws:lambda:{self.region}:{account}:function:{self.function_name}"


@dataclass(frozen=True)
class SqsMappingSpec:
    """One ``AWS::Lambda::EventSourceMapping`` from an SQS queue, with the queue's redrive policy."""

    logical_id: str
    function_id: str
    queue_id: str
    batch_size: int
    report_batch_item_failures: bool
    maximum_batching_window_seconds: int
    enabled: bool
    handler: str
    function_properties: Mapping[str, Any]
    visibility_timeout_seconds: int  # the queue's: a failed message is visible again after it
    dlq_id: str | None  # the queue's redrive target (RedrivePolicy.deadLetterTargetArn)
    max_receive_count: int | None


def read_sqs_mappings(template: Mapping[str, Any]) -> list[SqsMappingSpec]:
    """Every SQS event source mapping in ``template`` with the defaults Lambda and SQS apply."""
    resources: Mapping[str, Any] = template.get("Resources", {})
    specs = []
    for logical_id, props, function_id, queue_id in _mappings_from(resources, "AWS::SQS::Queue"):
        queue = resources[queue_id].get("Properties", {})
        redrive = queue.get("RedrivePolicy") or {}
        target = redrive.get("deadLetterTargetArn")
        function = resources[function_id].get("Properties", {})
        specs.append(
            SqsMappingSpec(
                logical_id=logical_id,
                function_id=function_id,
                queue_id=queue_id,
                batch_size=int(props.get("BatchSize", 10)),
                report_batch_item_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                maximum_batching_window_seconds=int(props.get("MaximumBatchingWindowInSeconds", 0)),
                enabled=bool(props.get("Enabled", True)),
                handler=str(function.get("Handler", "")),
                function_properties=function,
                visibility_timeout_seconds=int(queue.get("VisibilityTimeout", 30)),
                dlq_id=_logical_id(target) if target is not None else None,
                max_receive_count=int(redrive["maxReceiveCount"]) if "maxReceiveCount" in redrive else None,
            )
        )
    return specs


@dataclass(frozen=True)
class SqsSourceConfig:
    """An SQS mapping resolved against a deployed stack."""

    market: str
    region: str
    function_name: str
    handler: str
    queue_url: str
    queue_arn: str
    dlq_url: str | None
    max_receive_count: int | None
    batch_size: int = 10
    report_batch_item_failures: bool = False
    maximum_batching_window_seconds: int = 0
    enabled: bool = True
    visibility_timeout_seconds: int = 30
    role_arn: str = ""
    timeout_seconds: int = 3
    memory_mb: int = 128

    @property
    def function_arn(self) -> str:
        account = self.queue_arn.split(":")[4] if self.queue_arn.count(":") >= 5 else "000000000000"
        return f"arn:aws:lambda:{self.region}:{account}:function:{self.function_name}"

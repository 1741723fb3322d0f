"""Event-source-mapping settings, read from the ORIGINAL synthesised template (Kinesis and SQS).

The mapping is not deployed into moto (see :mod:`livebase_local.aws.template_transform`), so its
settings come from the template the cloud would get, and the local runner applies them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any

from livebase_local.aws.template_refs import get_att_target


@dataclass(frozen=True, kw_only=True)
class FunctionMappingSpec:
    """What a template says of any ``AWS::Lambda::EventSourceMapping``, whatever its source (logical ids)."""

    logical_id: str
    function_id: str
    batch_size: int
    report_batch_item_failures: bool
    maximum_batching_window_seconds: int
    enabled: bool
    handler: str  # e.g. "handler.lambda_handler"
    function_properties: Mapping[str, Any]


@dataclass(frozen=True, kw_only=True)
class StreamSettings:
    """What only a Kinesis mapping sets, with the defaults Lambda applies: read from the template
    (:class:`MappingSpec`), carried as they are to the mapping the runner applies (:class:`EventSourceConfig`)."""

    bisect_batch_on_error: bool = False
    maximum_retry_attempts: int = -1  # -1: retry until the record expires
    maximum_record_age_seconds: int = -1  # -1: no limit
    starting_position: str = "TRIM_HORIZON"
    parallelization_factor: int = 1
    filter_patterns: tuple[str, ...] = ()  # FilterCriteria: Lambda invokes only with matching records

    def stream_settings(self) -> dict[str, Any]:
        """These settings alone, as keyword arguments."""
        return {setting.name: getattr(self, setting.name) for setting in fields(StreamSettings)}


@dataclass(frozen=True, kw_only=True)
class MappingSpec(StreamSettings, FunctionMappingSpec):
    """One mapping from a Kinesis stream."""

    source_id: str  # the Kinesis stream's logical id
    on_failure_id: str | None  # the on-failure destination (SQS queue) logical id
    code_s3_key: str | None  # the asset object key of the function's code


def _logical_id(value: Any) -> str | None:
    """The logical id behind a Ref / GetAtt (or None for a literal ARN or name)."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return get_att_target(value["Fn::GetAtt"])[0]
    return None


def _mappings_from(
    resources: Mapping[str, Any], source_type: str, default_batch_size: int
) -> Iterator[tuple[Mapping[str, Any], str, dict[str, Any]]]:
    """(properties, source id, the settings every mapping has) of each mapping whose source is a ``source_type``.

    The settings are :class:`FunctionMappingSpec`'s fields, with the defaults Lambda applies.
    """
    for logical_id, body in resources.items():
        if body.get("Type") != "AWS::Lambda::EventSourceMapping":
            continue
        props = body.get("Properties", {})
        function_id = _logical_id(props.get("FunctionName"))
        source_id = _logical_id(props.get("EventSourceArn"))
        if function_id is None or source_id is None:
            raise ValueError(f"mapping {logical_id}: function and source must be resources of this stack")
        if resources.get(source_id, {}).get("Type") != source_type:  # the other kinds: the other reader
            continue
        function = resources[function_id].get("Properties", {})
        common = {
            "logical_id": logical_id,
            "function_id": function_id,
            "batch_size": int(props.get("BatchSize", default_batch_size)),
            "report_batch_item_failures": "ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
            "maximum_batching_window_seconds": int(props.get("MaximumBatchingWindowInSeconds", 0)),
            "enabled": bool(props.get("Enabled", True)),
            "handler": str(function.get("Handler", "")),
            "function_properties": function,
        }
        yield props, source_id, common


def read_mappings(template: Mapping[str, Any]) -> list[MappingSpec]:
    """Every Kinesis event source mapping in ``template`` with the defaults Lambda applies."""
    resources: Mapping[str, Any] = template.get("Resources", {})
    specs = []
    for props, source_id, common in _mappings_from(resources, "AWS::Kinesis::Stream", default_batch_size=100):
        destination = props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        s3_key = common["function_properties"].get("Code", {}).get("S3Key")
        specs.append(
            MappingSpec(
                **common,
                source_id=source_id,
                on_failure_id=_logical_id(destination) if destination is not None else None,
                bisect_batch_on_error=bool(props.get("BisectBatchOnFunctionError", False)),
                maximum_retry_attempts=int(props.get("MaximumRetryAttempts", -1)),
                maximum_record_age_seconds=int(props.get("MaximumRecordAgeInSeconds", -1)),
                starting_position=str(props.get("StartingPosition", "TRIM_HORIZON")),
                parallelization_factor=int(props.get("ParallelizationFactor", 1)),
                code_s3_key=s3_key if isinstance(s3_key, str) else None,
                filter_patterns=tuple(
                    str(f["Pattern"]) for f in props.get("FilterCriteria", {}).get("Filters", []) if "Pattern" in f
                ),
            )
        )
    return specs


@dataclass(frozen=True, kw_only=True)
class FunctionMapping(ABC):
    """A mapping resolved against a deployed stack, whatever its source: the function and how it is invoked."""

    market: str
    region: str
    function_name: str
    handler: str
    dlq_url: str | None
    batch_size: int
    report_batch_item_failures: bool = False
    maximum_batching_window_seconds: int = 0
    enabled: bool = True
    role_arn: str = ""  # the function's execution role: Lambda's invokeIdentityArn
    timeout_seconds: int = 3  # Lambda's default when the template sets none
    memory_mb: int = 128

    @property
    @abstractmethod
    def source_arn(self) -> str:
        """The ARN of what feeds the function (the stream or the queue)."""

    @property
    def function_arn(self) -> str:
        """The function's ARN, in the account of its source (moto's default account when that has none)."""
        account = self.source_arn.split(":")[4] if self.source_arn.count(":") >= 5 else "000000000000"
        return f"arn:aws:lambda:{self.region}:{account}:function:{self.function_name}"


@dataclass(frozen=True, kw_only=True)
class EventSourceConfig(StreamSettings, FunctionMapping):
    """A Kinesis mapping resolved against a deployed stack: what the local runner needs to apply it."""

    code_path: str | None  # the function's code directory in the cloud assembly
    stream_name: str
    stream_arn: str
    dlq_arn: str | None
    batch_size: int = 100

    @property
    def source_arn(self) -> str:
        return self.stream_arn


@dataclass(frozen=True, kw_only=True)
class SqsMappingSpec(FunctionMappingSpec):
    """One mapping from an SQS queue, with the queue's redrive policy."""

    queue_id: str
    visibility_timeout_seconds: int  # the queue's: a failed message is visible again after it
    dlq_id: str | None  # the queue's redrive target (RedrivePolicy.deadLetterTargetArn)
    max_receive_count: int | None


def read_sqs_mappings(template: Mapping[str, Any]) -> list[SqsMappingSpec]:
    """Every SQS event source mapping in ``template`` with the defaults Lambda and SQS apply."""
    resources: Mapping[str, Any] = template.get("Resources", {})
    specs = []
    for _, queue_id, common in _mappings_from(resources, "AWS::SQS::Queue", default_batch_size=10):
        queue = resources[queue_id].get("Properties", {})
        redrive = queue.get("RedrivePolicy") or {}
        target = redrive.get("deadLetterTargetArn")
        specs.append(
            SqsMappingSpec(
                **common,
                queue_id=queue_id,
                visibility_timeout_seconds=int(queue.get("VisibilityTimeout", 30)),
                dlq_id=_logical_id(target) if target is not None else None,
                max_receive_count=int(redrive["maxReceiveCount"]) if "maxReceiveCount" in redrive else None,
            )
        )
    return specs


@dataclass(frozen=True, kw_only=True)
class SqsSourceConfig(FunctionMapping):
    """An SQS mapping resolved against a deployed stack."""

    queue_url: str
    queue_arn: str
    max_receive_count: int | None
    batch_size: int = 10
    visibility_timeout_seconds: int = 30

    @property
    def source_arn(self) -> str:
        return self.queue_arn

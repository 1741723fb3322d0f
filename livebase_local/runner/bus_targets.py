"""EventBridge rule → Lambda targets, invoked in-process (moto would need Docker to invoke them).

The stack's rules and targets are deployed into moto as they are; the moto process sends each
event a rule matches for a Lambda target to that function's local invoke queue
(``livebase_local.aws.moto_delivery``). :class:`BusTargets` polls those queues and calls the
handler with the event, as EventBridge's asynchronous invoke would: the function's own
environment (read back from moto's copy of the function; values of resources created after the
stack resolved from the template), its retries (``EventInvokeConfig.MaximumRetryAttempts`` in the
template, Lambda's default 2 without one) and maximum event age (the target's retry policy), and
then its dead-letter queue (the target's ``DeadLetterConfig``), with a record in the shape of
Lambda's on-failure destination. Handlers with a local stand-in for a call moto lacks get it here
(:data:`LOCAL_ADAPTERS`: room cues are recorded, :mod:`livebase_local.runner.recorded_cues`, and so are
room failovers, :mod:`livebase_local.runner.recorded_switches`).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3

from livebase.markets.resources import MarketResources
from livebase_local.aws.cfn_eval import Scope, evaluate
from livebase_local.aws.deploy import MarketDeployment
from livebase_local.aws.moto_delivery import invoke_queue_name
from livebase_local.aws.template_transform import PENDING_PREFIX
from livebase_local.runner.functions import Handler, function_folder, load_handler
from livebase_local.runner.lambda_shapes import LambdaContext
from livebase_local.runner.recorded_cues import RecordedCues
from livebase_local.runner.recorded_switches import RecordedSwitches
from livebase_local.runner.recordings import Recorder

log = logging.getLogger(__name__)
LAMBDA_DEFAULT_ASYNC_RETRIES = 2


def _recorded(attribute: str, recorder: type[Recorder[Any]]) -> Callable[[ModuleType, MarketResources], None]:
    """Put ``recorder`` in place of the handler module's ``attribute`` (the adapter it wraps)."""

    def install(module: ModuleType, resources: MarketResources) -> None:
        s3 = boto3.client("s3", region_name=resources.region)
        adapter = recorder(getattr(module, attribute), s3, resources.data_lake_bucket, resources.market)
        setattr(module, attribute, adapter)

    return install


LOCAL_ADAPTERS: dict[str, Callable[[ModuleType, MarketResources], None]] = {
    "room_cue": _recorded("channel", RecordedCues),
    "studio_failover": _recorded("switch", RecordedSwitches),  # device.failover: the switch calls recorded
}


@dataclass
class BusFunctionTarget:
    """One function a rule of the market bus targets, and how EventBridge and Lambda deliver to it."""

    market: str
    region: str
    rule_name: str
    function_name: str
    function_arn: str
    queue_url: str  # the local invoke queue
    dlq_url: str | None
    attempts: int  # 1 + the function's asynchronous retries
    max_event_age_seconds: int
    timeout_seconds: int
    memory_mb: int
    environment: dict[str, str]


def _async_retries(template: Mapping[str, Any], function_name: str) -> int:
    resources = template.get("Resources", {})
    ids = [lid for lid, body in resources.items() if body.get("Properties", {}).get("FunctionName") == function_name]
    for body in resources.values():
        props = body.get("Properties", {})
        if body.get("Type") == "AWS::Lambda::EventInvokeConfig" and props.get("FunctionName", {}).get("Ref") in ids:
            return int(props.get("MaximumRetryAttempts", LAMBDA_DEFAULT_ASYNC_RETRIES))
    return LAMBDA_DEFAULT_ASYNC_RETRIES


def _environment(
    template: Mapping[str, Any], function_name: str, deployed: Mapping[str, str], scope: Scope
) -> dict[str, str]:
    """The deployed variables, with those pending at deploy (placeholders) evaluated from the template."""
    resolved = dict(deployed)
    for body in template.get("Resources", {}).values():
        props = body.get("Properties", {})
        if body.get("Type") == "AWS::Lambda::Function" and props.get("FunctionName") == function_name:
            for variable, node in props.get("Environment", {}).get("Variables", {}).items():
                if str(resolved.get(variable, "")).startswith(PENDING_PREFIX):
                    resolved[variable] = str(evaluate(node, scope))
    return resolved


def discover(
    resources: MarketResources, template: Mapping[str, Any], api_values: Mapping[Any, Any]
) -> list[BusFunctionTarget]:
    """The Lambda targets of every rule on the market's bus, as moto holds them."""
    events = boto3.client("events", region_name=resources.region)
    lambda_client = boto3.client("lambda", region_name=resources.region)
    sqs = boto3.client("sqs", region_name=resources.region)
    found = []
    for rule in events.list_rules(EventBusName=resources.event_bus_name)["Rules"]:
        listed = events.list_targets_by_rule(Rule=rule["Name"], EventBusName=resources.event_bus_name)["Targets"]
        for target in listed:
            if not str(target["Arn"]).startswith("arn:aws:lambda:"):
                continue
            name = str(target["Arn"]).split(":")[6]
            config = lambda_client.get_function_configuration(FunctionName=name)
            account = str(target["Arn"]).split(":")[4]
            scope = Scope(account=account, region=resources.region, stack_name=f"Livebase-{resources.market}",
                          values=dict(api_values))  # fmt: skip
            deployed = config.get("Environment", {}).get("Variables", {})
            environment = _environment(template, name, deployed, scope)
            if environment != deployed:  # moto's copy of the function gets the resolved values too
                lambda_client.update_function_configuration(FunctionName=name, Environment={"Variables": environment})
            dlq_arn = target.get("DeadLetterConfig", {}).get("Arn")
            dlq_url = sqs.get_queue_url(QueueName=dlq_arn.split(":")[-1])["QueueUrl"] if dlq_arn else None
            queue_url = sqs.create_queue(QueueName=invoke_queue_name(name))["QueueUrl"]
            found.append(
                BusFunctionTarget(
                    market=resources.market,
                    region=resources.region,
                    rule_name=rule["Name"],
                    function_name=name,
                    function_arn=str(target["Arn"]),
                    queue_url=queue_url,
                    dlq_url=dlq_url,
                    attempts=1 + _async_retries(template, name),
                    max_event_age_seconds=int(target.get("RetryPolicy", {}).get("MaximumEventAgeInSeconds", 86400)),
                    timeout_seconds=int(config.get("Timeout", 3)),
                    memory_mb=int(config.get("MemorySize", 128)),
                    environment=environment,
                )
            )
    return found


def _event_age_seconds(event: Mapping[str, Any]) -> float:
    try:
        sent = datetime.fromisoformat(str(event["time"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return 0.0
    return (datetime.now(UTC) - sent).total_seconds()


@dataclass
class _Running:
    target: BusFunctionTarget
    handler: Handler
    sqs: Any


class BusTargets:
    """Polls each target's invoke queue; ``invoked`` / ``failed`` / ``dead_lettered`` count calls."""

    def __init__(self, targets: list[tuple[BusFunctionTarget, Handler]]) -> None:
        self.running = [_Running(t, h, boto3.client("sqs", region_name=t.region)) for t, h in targets]
        self.invoked = self.failed = self.dead_lettered = 0

    @classmethod
    def load(
        cls, markets: Iterable[tuple[MarketResources, MarketDeployment]], assembly: Path, log_dir: Path | None = None
    ) -> BusTargets:
        """Discover each deployed market's targets (from moto and the original template), load their handlers."""
        loaded = []
        for resources, deployment in markets:
            template = json.loads((assembly / f"{deployment.stack_name}.template.json").read_text(encoding="utf-8"))
            api_values = {ref: value for r in deployment.api_resources for ref, value in r.values().items()}
            for target in discover(resources, template, api_values):
                folder = function_folder(target.function_name, resources.market)
                own = {k: v for k, v in target.environment.items() if k not in resources.lambda_environment()}
                module, handler = load_handler(folder, resources, log_dir=log_dir, environment=own)
                if folder in LOCAL_ADAPTERS:
                    LOCAL_ADAPTERS[folder](module, resources)
                loaded.append((target, handler))
        return cls(loaded)

    def targets(self, market: str) -> list[BusFunctionTarget]:
        return [r.target for r in self.running if r.target.market == market]

    def _dead_letter(self, running: _Running, event: Any, condition: str, error: str, count: int) -> None:
        target = running.target
        if target.dlq_url:
            record = {
                "version": "1.0",
                "timestamp": datetime.now(UTC).isoformat(),
                "requestContext": {
                    "functionArn": target.function_arn,
                    "condition": condition,
                    "approximateInvokeCount": count,
                },
                "requestPayload": event,
                "responsePayload": {"errorType": error},
            }
            running.sqs.send_message(QueueUrl=target.dlq_url, MessageBody=json.dumps(record))
        self.dead_lettered += 1

    def _handle(self, running: _Running, message: Mapping[str, Any]) -> None:
        target, sqs = running.target, running.sqs
        event = json.loads(message["Body"])
        count = int(message.get("Attributes", {}).get("ApproximateReceiveCount", 1))
        if _event_age_seconds(event) > target.max_event_age_seconds:
            self._dead_letter(running, event, "EventAgeExceeded", "", count - 1)
        else:
            try:
                running.handler(event, LambdaContext(target))
                self.invoked += 1
            except Exception as error:  # a failed invocation: retried after a pause, then its DLQ
                self.failed += 1
                log.warning("%s failed (attempt %d of %d): %s", target.function_name, count, target.attempts,
                            type(error).__name__)  # fmt: skip
                if count < target.attempts:
                    sqs.change_message_visibility(
                        QueueUrl=target.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=1
                    )
                    return
                self._dead_letter(running, event, "RetriesExhausted", type(error).__name__, count)
        sqs.delete_message(QueueUrl=target.queue_url, ReceiptHandle=message["ReceiptHandle"])

    def poll(self, running: _Running, wait_seconds: int = 0) -> int:
        messages = running.sqs.receive_message(
            QueueUrl=running.target.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds,
            AttributeNames=["ApproximateReceiveCount"],
        ).get("Messages", [])  # fmt: skip
        for message in messages:
            self._handle(running, message)
        return len(messages)

    def poll_once(self) -> int:
        return sum(self.poll(running) for running in self.running)

    def pending(self) -> int:
        total = 0
        for running in self.running:
            attributes = running.sqs.get_queue_attributes(
                QueueUrl=running.target.queue_url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            total += sum(int(value) for value in attributes.values())
        return total

    def drain(self, timeout: float = 60.0) -> int:
        """Invoke until every invoke queue is empty (failed invocations retried); returns calls made."""
        deadline, before = time.monotonic() + timeout, self.invoked
        while self.pending() and time.monotonic() < deadline:
            if self.poll_once() == 0:
                time.sleep(0.05)
        return self.invoked - before

    def run_forever(self, stop: threading.Event) -> None:
        """One long-polling thread per target until ``stop``."""

        def serve(running: _Running) -> None:
            while not stop.is_set():
                try:
                    self.poll(running, wait_seconds=1)
                except Exception:  # the local AWS going away at shutdown, or a bad message
                    if not stop.is_set():
                        log.exception("bus target %s", running.target.function_name)
                        stop.wait(1.0)

        threads = [threading.Thread(target=serve, args=(r,), name=f"bus-{r.target.function_name}", daemon=True)
                   for r in self.running]  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

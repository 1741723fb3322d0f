"""The embedded default in one object: local AWS, the market stacks in it, handlers fed from Kinesis and SQS.

``LocalPlatform`` starts moto on 127.0.0.1, takes the synthesised CDK app from the shared cache
(``assembly_cache``: synthesised only when something it reads has changed), deploys each market's
stack into its own region (and hq's, aggregates only, when asked: `up` runs regional-processing),
loads each stream consumer's handler (ingest, orders) and each queue consumer's (receiving,
fulfilment) per market and wires the event-source runner with the mappings' own settings.
A cold start takes minutes: ``progress`` hears each step.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from livebase.markets.config import hq_market, load_markets
from livebase.markets.resources import MarketResources, lookup
from livebase_local.assembly_cache import cached_assembly, is_cached
from livebase_local.aws.deploy import MarketDeployment, deploy_assembly
from livebase_local.aws.env import apply_local_environment, restore_environment
from livebase_local.aws.moto_server import LocalAws, LocalAwsError, is_moto
from livebase_local.runner.bus_targets import BusTargets
from livebase_local.runner.functions import Handler, function_environment, function_folder, load_handler
from livebase_local.runner.kinesis_source import KinesisEventSource
from livebase_local.runner.sources import Counters, EventSource, EventSources
from livebase_local.runner.sqs_source import SqsEventSource

PROJECT_ROOT = Path(__file__).resolve().parents[1]
STATE_DIR = Path(os.environ.get("LIVEBASE_STATE_DIR", PROJECT_ROOT / ".livebase"))


def per_shard_handler(
    resources: MarketResources,
    log_dir: Path | None,
    function: str = "ingest",
    environment: dict[str, str] | None = None,
) -> Callable[[str], Handler]:
    """A fresh handler instance per shard (one container per concurrent invocation)."""
    return lambda shard_id: load_handler(
        function, resources, log_dir=log_dir, container=shard_id.replace("-", "_"), environment=environment
    )[1]


def own_environment(function_name: str, resources: MarketResources) -> dict[str, str]:
    """The function's own variables beyond those every handler gets (e.g. the studio consumer's
    table), from moto's copy of the function, which CloudFormation created with them resolved."""
    import boto3

    config = boto3.client("lambda", region_name=resources.region).get_function_configuration(FunctionName=function_name)
    common = function_environment(resources, function_folder(function_name, resources.market))
    return {k: v for k, v in config.get("Environment", {}).get("Variables", {}).items() if k not in common}


def stream_consumers(
    deployment: MarketDeployment, resources: MarketResources, log_dir: Path | None = None, *, per_shard: bool = True
) -> tuple[list[KinesisEventSource], dict[str, Handler]]:
    """A runner per event-source mapping of the market, each fed to its own function's handler.

    Handlers per function folder ("ingest", "orders"); with ``per_shard`` each shard gets its own
    instance (container) of it, as Lambda runs one concurrent invocation per shard.
    """
    sources, handlers = [], {}
    for config in deployment.event_sources:
        folder = function_folder(config.function_name, resources.market)
        own = own_environment(config.function_name, resources)
        if folder not in handlers:
            handlers[folder] = load_handler(folder, resources, log_dir=log_dir, environment=own)[1]
        factory = per_shard_handler(resources, log_dir, folder, own) if per_shard else None
        sources.append(KinesisEventSource(config, handlers[folder], handler_factory=factory))
    return sources, handlers


def queue_consumers(
    deployment: MarketDeployment, resources: MarketResources, log_dir: Path | None = None
) -> tuple[list[SqsEventSource], dict[str, Handler]]:
    """A poller per SQS event-source mapping of the market (goods receipts, shipment updates)."""
    sources, handlers = [], {}
    for config in deployment.queue_sources:
        folder = function_folder(config.function_name, resources.market)
        if folder not in handlers:  # its own variables too (the settlement function's fee schedule)
            own = own_environment(config.function_name, resources)
            handlers[folder] = load_handler(folder, resources, log_dir=log_dir, environment=own)[1]
        sources.append(SqsEventSource(config, handlers[folder]))
    return sources, handlers


class Progress:
    """Lines of a long wait, each with the seconds since the start and since the line before."""

    def __init__(self, write: Callable[[str], None] | None = None, *, quiet: bool = False) -> None:
        self.write = None if quiet else write or (lambda line: print(line, flush=True))
        self.started = self.last = time.monotonic()

    def __call__(self, what: str) -> None:
        now = time.monotonic()
        if self.write is not None:
            self.write(f"[{now - self.started:5.0f}s] {what} ({now - self.last:.1f} s)")
        self.last = now

    def begin(self, what: str) -> None:
        """A long wait about to start (its end is the next line)."""
        if self.write is not None:
            self.write(f"        {what}...")


@dataclass
class MarketRuntime:
    deployment: MarketDeployment
    resources: MarketResources
    handlers: dict[str, Handler]  # per function folder: "ingest", "orders", "receiving", "fulfilment"


class LocalPlatform:
    """Context manager: everything up on enter, moto stopped (and environment restored) on exit."""

    def __init__(
        self,
        market_ids: list[str],
        port: int | None = None,
        state_dir: Path = STATE_DIR,
        *,
        with_hq: bool = False,
        progress: Progress | None = None,
    ) -> None:
        self.market_ids = market_ids
        self.state_dir = state_dir
        self.with_hq = with_hq  # hq's stack too (aggregates only): regional-processing needs it
        self.progress = progress or Progress(quiet=True)
        self.aws = LocalAws(port)
        self.runtimes: dict[str, MarketRuntime] = {}
        self.assembly: Path | None = None  # the synthesised app deployed (set by start)
        self.sources = EventSources([])
        self.bus_targets = BusTargets([])  # rule -> Lambda targets (room cues), invoked in-process
        self._previous_env: dict[str, str | None] = {}

    def synthesised(self) -> Path:
        """The assembly this platform deployed (after ``start``)."""
        if self.assembly is None:
            raise RuntimeError("the platform is not started: nothing deployed yet")
        return self.assembly

    @property
    def endpoint_url(self) -> str:
        return self.aws.endpoint_url

    def start(self) -> LocalPlatform:
        say, config = self.progress, load_markets()
        self.aws.start()
        self._previous_env = apply_local_environment(
            self.aws.endpoint_url, kinesis_endpoint_url=self.aws.kinesis_endpoint_url
        )
        say(f"local AWS (moto) on {self.aws.endpoint_url}")
        if not is_cached():
            say.begin("synthesising the CDK app (its sources changed since the last synth; a minute or two)")
        assembly = cached_assembly()
        self.assembly = assembly
        say(f"CDK app ready in {assembly}")
        deployments: dict[str, MarketDeployment] = {}
        for market_id in self.market_ids:  # one at a time: each a line on the terminal
            deployments |= deploy_assembly(assembly, [market_id])
            say(f"{config[market_id].stack_name} deployed in {config[market_id].region}")
        if self.with_hq:
            hq = hq_market(config)
            deploy_assembly(assembly, [hq.id])
            say(f"{hq.stack_name} deployed in {hq.region} (aggregates only)")
        (self.state_dir / "logs").mkdir(parents=True, exist_ok=True)
        sources: list[EventSource] = []
        for market_id, deployment in deployments.items():
            resources = deployment.resources()
            market_sources, handlers = stream_consumers(deployment, resources, self.state_dir / "logs")
            queue_sources, queue_handlers = queue_consumers(deployment, resources, self.state_dir / "logs")
            self.runtimes[market_id] = MarketRuntime(deployment, resources, {**handlers, **queue_handlers})
            sources += [*market_sources, *queue_sources]
        self.sources = EventSources(sources)
        markets = [(rt.resources, rt.deployment) for rt in self.runtimes.values()]
        self.bus_targets = BusTargets.load(markets, assembly, self.state_dir / "logs")
        say(f"handlers loaded: {len(sources)} event sources, {len(self.bus_targets.running)} bus targets")
        return self

    def drain(self, timeout: float = 300.0) -> dict[str, Counters]:
        counters = self.sources.drain(timeout=timeout)
        self.bus_targets.drain()  # what the consumers put on the buses, delivered to its functions
        return counters

    def run_forever(self, stop: threading.Event) -> None:
        threading.Thread(target=self.bus_targets.run_forever, args=(stop,), name="bus-targets", daemon=True).start()
        self.sources.run_forever(stop)

    def stop(self) -> None:
        self.aws.stop()
        restore_environment(self._previous_env)

    def __enter__(self) -> LocalPlatform:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def attach_local_environment() -> None:
    """Point this process at the local AWS a running `./livebase up` serves."""
    aws = LocalAws()
    if not (is_moto(aws.port) and is_moto(aws.kinesis_port)):
        raise LocalAwsError(f"no local AWS on port {aws.port}: start `./livebase up` (or pass --aws)")
    apply_local_environment(aws.endpoint_url, kinesis_endpoint_url=aws.kinesis_endpoint_url)


def market_resources(market_ids: list[str], *, real_aws: bool = False) -> dict[str, MarketResources]:
    """Resources of deployed markets: in the running local AWS (`livebase up`), or real AWS."""
    if not real_aws:
        attach_local_environment()
    markets = load_markets()
    return {m: lookup(m, markets[m].region) for m in market_ids}

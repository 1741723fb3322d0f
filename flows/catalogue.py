"""Every flow ops can run, written once: `./livebase up` serves it, `prefect.yaml` deploys it.

Each :class:`FlowSpec` names the flow, its entry point, description, tags, schedule, triggers,
how a deployment names its market (and the parameters it takes from Prefect variables), the
concurrency of a market's cloud deployment and its ECS task size. From this table
``flows/deployments.py`` builds the deployments ``prefect.serve`` runs locally and
``flows/prefect_yaml.py`` generates ``prefect.yaml`` (the process pool's deployment per flow, the
ECS pool's per flow and selling market); ``tests/unit/test_flow_catalogue.py`` checks they agree.

Schedules: where the hour matters (nightly and daily work), one schedule per selling market at that
hour in the market's own time zone (``Market.time_zone``), with the market as parameter; where it
does not (hourly, every few minutes, a UTC day boundary), one schedule in UTC for every market.
Triggers come from where they are defined: ``stock.low`` from ``flows.triggers.stock_low_trigger``,
the room alert from ``flows/automations/room-alert.yaml`` (locally applied as that automation by
``./livebase up``; in ``prefect.yaml`` a trigger on the room-alert deployments).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from prefect.events import DeploymentEventTrigger

from flows.markets import MARKETS
from flows.room_alerts import ROOM_RESOURCE_PREFIX, automation_spec
from flows.triggers import MARKET_RESOURCE_PREFIX, stock_low_trigger
from livebase.markets.config import Market, selling_markets

MARKET_FROM_EVENT = "{{ event.resource['livebase.market'] }}"  # how a trigger's parameters name the market
ALL_MARKETS_ZONE = "UTC"


class Trigger(StrEnum):
    """An event that starts a flow run, and how it narrows to one market's rooms or stock."""

    STOCK_LOW = "stock-low"  # livebase.stock.low / .out of a market -> a run for that market
    ROOM_ALERT = "room-alert"  # livebase.room.alert of a room -> a run with the alert

    def event_trigger(self) -> DeploymentEventTrigger:
        """The trigger over every market, from where it is defined."""
        if self is Trigger.STOCK_LOW:
            return stock_low_trigger()
        automation = automation_spec()
        [action] = [a for a in automation["actions"] if a.get("deployment")]
        conditions = {k: v for k, v in automation["trigger"].items() if k != "type"}
        return DeploymentEventTrigger(name=self.value, parameters=action["parameters"], **conditions)

    def market_match(self, market: str) -> str:
        """The resource id pattern of one market's events."""
        if self is Trigger.STOCK_LOW:
            return f"{MARKET_RESOURCE_PREFIX}{market}"
        return f"{ROOM_RESOURCE_PREFIX}{market}.*"


@dataclass(frozen=True)
class Schedule:
    """``cron`` in each selling market's own time zone (``per_market``), else once in UTC for all."""

    cron: str
    per_market: bool = False


@dataclass(frozen=True)
class ScheduleEntry:
    """One schedule of a deployment: the cron, its zone and, for one market's, the market as parameter."""

    cron: str
    timezone: str
    market: str | None = None  # None: every market the deployment covers
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def slug(self) -> str | None:
        return self.market


@dataclass(frozen=True)
class FlowSpec:
    name: str  # the flow's name, and the served deployment's
    entrypoint: str  # path:function, as prefect.yaml names it
    description: str
    tags: tuple[str, ...]
    schedule: Schedule | None = None
    triggers: tuple[Trigger, ...] = ()
    market_parameter: str = "markets"  # how a deployment names its market ("markets": a list)
    variables: Mapping[str, str] = field(default_factory=dict)  # parameter -> Prefect variable livebase_<market>_<v>
    market_concurrency: int | None = None  # runs at once of one market's cloud deployment (the rest wait)
    ecs_size: tuple[int, int] = (1024, 2048)  # cpu units, memory MiB

    @property
    def module(self) -> str:
        """The flow's module (``flows/x.py:f`` -> ``flows.x``)."""
        return self.entrypoint.split(":")[0].removesuffix(".py").replace("/", ".")

    @property
    def function(self) -> str:
        return self.entrypoint.split(":")[1]

    def market_value(self, market: str) -> str | list[str]:
        """The value of the market parameter that selects ``market`` alone."""
        return [market] if self.market_parameter == "markets" else market

    def market_parameters(self, market: str) -> dict[str, Any]:
        """The parameters of one market's deployment: its market and its Prefect variables."""
        variables = {k: f"{{{{ prefect.variables.livebase_{market}_{v} }}}}" for k, v in self.variables.items()}
        return {self.market_parameter: self.market_value(market)} | variables

    def schedules(self, markets: Iterable[Market] | None = None) -> list[ScheduleEntry]:
        """The deployment's schedules over ``markets`` (default: every selling market)."""
        if self.schedule is None:
            return []
        if not self.schedule.per_market:
            return [ScheduleEntry(self.schedule.cron, ALL_MARKETS_ZONE)]
        return [
            ScheduleEntry(self.schedule.cron, m.time_zone, m.id, {self.market_parameter: self.market_value(m.id)})
            for m in (selling_markets(MARKETS) if markets is None else markets)
        ]

    def event_triggers(self) -> list[DeploymentEventTrigger]:
        return [trigger.event_trigger() for trigger in self.triggers]

    def market_triggers(self, market: str) -> list[DeploymentEventTrigger]:
        """The triggers narrowed to one market's events, naming the market as the parameter."""
        return [
            trigger.event_trigger().model_copy(
                update={
                    "name": f"{trigger.value}-{market}",
                    "match": {"prefect.resource.id": trigger.market_match(market)},
                    "parameters": bind_market(trigger.event_trigger().parameters or {}, market),
                }
            )
            for trigger in self.triggers
        ]


def bind_market(value: Any, market: str) -> Any:
    """``value`` with every reference to the event's market replaced by ``market`` itself."""
    if value == MARKET_FROM_EVENT:
        return market
    if isinstance(value, dict):
        return {k: bind_market(v, market) for k, v in value.items()}
    if isinstance(value, list):
        return [bind_market(v, market) for v in value]
    return value


def trigger_document(trigger: DeploymentEventTrigger) -> dict[str, Any]:
    """A trigger as ``prefect.yaml`` writes it (sorted sets, ``within`` in seconds)."""
    within = trigger.within.total_seconds() if isinstance(trigger.within, timedelta) else trigger.within
    match = trigger.match if isinstance(trigger.match, dict) else trigger.match.model_dump()
    return {
        "type": "event", "name": trigger.name, "enabled": trigger.enabled, "posture": trigger.posture.value,
        "expect": sorted(trigger.expect), "match": match, "for_each": sorted(trigger.for_each),
        "threshold": trigger.threshold, "within": int(within), "parameters": trigger.parameters,
    }  # fmt: skip


FLOWS = (
    FlowSpec(
        "order-to-replenish", "flows/order_to_replenish.py:order_to_replenish",
        "Hourly, and on stock.low for the market that signalled it: sales and stock -> replenishment decisions, "
        "one purchase order per supplier (+ PurchaseOrderCreated), WMS hand-off, decisions table and "
        "stock-trajectory plot (one run per market at a time).",
        ("livebase", "replenishment"), Schedule("0 * * * *"), (Trigger.STOCK_LOW,),
        # No second ECS task while one runs (ENQUEUE); the flow's per-market limit is the guarantee.
        market_concurrency=1,
    ),
    FlowSpec(
        "demand-forecasting", "flows/demand_forecasting.py:demand_forecasting",
        "Nightly at 02:00 in each market's time zone: every SKU forecast in chunks, results in the market's region.",
        ("livebase", "forecasting"), Schedule("0 2 * * *", per_market=True), ecs_size=(4096, 16384),
    ),
    FlowSpec(
        "forecast-scaleout", "flows/forecast_scaleout.py:forecast_scaleout",
        "On demand, for a market that outgrows the worker: its nightly forecast as a SageMaker processing job in "
        "its own region (image, role and the market's key as parameters).",
        ("livebase", "forecasting", "sagemaker"), market_parameter="market", ecs_size=(256, 512),
        variables={"image_uri": "forecast_image_uri", "role_arn": "forecast_role_arn", "kms_key_arn": "kms_key_arn"},
    ),
    FlowSpec(
        "room-alert", "flows/room_alerts.py:room_alert",
        "On each livebase.room.alert: the alert and the numbers behind it shown to ops (artifact "
        "room-alert-<market>).",
        ("livebase", "rooms"), triggers=(Trigger.ROOM_ALERT,), market_parameter="market", ecs_size=(256, 512),
    ),
    FlowSpec(
        "session-planning", "flows/session_planning.py:session_planning",
        "Daily at 06:00 in each market's time zone: its sessions of tomorrow (when, line-up and presales, language "
        "tracks, host), the plan JSON in its bucket, table and timeline artifacts, channels provisioned.",
        ("livebase", "sessions"), Schedule("0 6 * * *", per_market=True),
    ),
    FlowSpec(
        "session-channels", "flows/session_planning.py:session_channels",
        "Every 5 minutes: the planned sessions' channels started before, stopped after, cleaned up after.",
        ("livebase", "sessions"), Schedule("*/5 * * * *"), ecs_size=(256, 512),
    ),
    FlowSpec(
        "experiment-analysis", "flows/session_experiments.py:experiment_analysis",
        "On demand, for an A/B experiment on a session: each arm's conversion, B - A with its interval, a z-test, "
        "the sample per arm the MDE needs and the verdict (no winner while underpowered).",
        ("livebase", "sessions", "experiments"), market_parameter="market", ecs_size=(256, 512),
    ),
    FlowSpec(
        "regional-processing", "flows/regional_processing.py:regional_processing",
        "Nightly at 03:30 in each market's time zone, in its region: RFM, lifecycle stages, repeat rate, "
        "attribution, cohorts; the recall list kept in-region; aggregates only (cells below k suppressed) to hq; "
        "the hq roll-up.",
        ("livebase", "privacy", "lifecycle"), Schedule("30 3 * * *", per_market=True), ecs_size=(2048, 8192),
    ),
    FlowSpec(
        "stock-reconciliation", "flows/stock_reconciliation.py:stock_reconciliation",
        "Nightly at 04:30 in each market's time zone: per SKU, on hand vs opening + receipts - shipped + restocked, "
        "reserved vs open reservations, presale reserved vs presold open orders; drift (confirmed by a second "
        "read) reported with the ids of the orders that explain it.",
        ("livebase", "inventory"), Schedule("30 4 * * *", per_market=True), ecs_size=(512, 2048),
    ),
    FlowSpec(
        "business-case", "flows/business_case.py:business_case",
        "On demand: the seed report's finance model on measured figures (cash flow, NPV/IRR, break-even and why "
        "not, tornado, scenarios, Monte Carlo), with a one-page HTML report.",
        ("livebase", "finance"),
    ),
    FlowSpec(
        "passport-anchoring", "flows/passport_anchoring.py:passport_anchoring",
        "Daily at 00:15 UTC (the day's boundary): the Merkle root of yesterday's passport chain heads, locked "
        "(Object Lock) in the market's region; broken chains are left out and fail the run.",
        ("livebase", "passport"), Schedule("15 0 * * *"), ecs_size=(256, 512),
    ),
    FlowSpec(
        "fx-rates", "flows/fx_rates.py:fx_rates",
        "Daily at 15:30 UTC (after the ECB's 16:00 CET publication): the ECB's euro reference rates of the last 90 "
        "days into hq's store, one object per day with provenance; days of cover per market to CloudWatch (alarmed).",
        ("livebase", "fx", "hq"), Schedule("30 15 * * *"), ecs_size=(256, 512),
    ),
    FlowSpec(
        "recall-delivery", "flows/recall_delivery.py:recall_delivery",
        "Daily at 10:30 in each market's time zone, in its region: the outcome of past recalls (returned within 7 "
        "days, recalled vs the held-back control group), then the day's recall list to viewers still consenting to "
        "marketing, through the market's recall topic (frequency cap, quiet hours, unsubscribe).",
        ("livebase", "privacy", "lifecycle"), Schedule("30 10 * * *", per_market=True), ecs_size=(512, 2048),
    ),
    FlowSpec(
        "moderation-review", "flows/moderation_review.py:moderation_review",
        "Every 15 minutes, per market in its region: ops' decisions applied (held comments shown or hidden, held "
        "orders released or cancelled, each logged with its statement of reasons), then what is still held as "
        "artifacts (ids, reasons, rules, risk scores; never a comment's text or a viewer).",
        ("livebase", "moderation", "trust"), Schedule("*/15 * * * *"), ecs_size=(256, 512),
    ),
    FlowSpec(
        "settlement-statements", "flows/settlement_statements.py:settlement_statements",
        "Daily at 01:00 UTC (yesterday's booking day is whole): per market, in its region, the settlement "
        "ledger's trial balance (fails the run unless it sums to exactly zero) and a statement per party "
        "(buyers' clearing, base, hosts, brands, logistics, payments, tax authorities) as CSV in the market's lake.",
        ("livebase", "settlement", "finance"), Schedule("0 1 * * *"), ecs_size=(256, 1024),
    ),
    FlowSpec(
        "recommendations-training", "flows/recommendations.py:recommendations_training",
        "Nightly at 04:00 in each market's time zone, in its region: the planned sessions the player joins "
        "(room, line-up, experiment), per-viewer top lists trained on consenting viewers' behaviour (item "
        "co-occurrence, recency-weighted), withdrawn viewers' lists dropped, the popular list.",
        ("livebase", "recommendations", "sessions"), Schedule("0 4 * * *", per_market=True),
        market_parameter="market", ecs_size=(1024, 4096),
    ),
)  # fmt: skip

"""Where the signals on a market bus go: the rules and their targets, defined in the stack.

* Room alerts (``source = livebase.rooms``, one detail-type per alert kind) → the market's
  **ops topic** (SNS, market key, TLS only), with an email / HTTPS (chat webhook) subscription
  per entry of the market's ``ops_contacts``; and → the **room-alert-signals** queue, which the
  Prefect bridge turns into ``livebase.room.alert`` events (the ``livebase-room-alert``
  automation runs the ``room-alert`` flow on each; with a Prefect API, a rule POSTs them itself).
  The ops topic is a topic of its own, not the alarm topic
  (:mod:`infra_cdk.components.monitoring`): alarms are for whoever runs the platform (a DLQ
  filled, a consumer fell behind), room alerts for the people running the show (conversion,
  sentiment, viewers, edge load); different audiences subscribe, and neither should mute the other.
* ``PurchaseOrderCreated`` (``source = livebase.replenishment``) → the **supplier-orders** queue.
  Contract: each message body is the EventBridge event as delivered (``id``, ``time``,
  ``detail-type``, ``detail``); ``detail`` is the PO (``po_id``, ``market``, ``supplier``,
  ``run_date``, ``expected_arrival``, ``currency``, ``total_cost``, ``lines``). The channel's
  consumer (a supplier gateway) routes by ``detail.supplier`` and must be idempotent on
  ``detail.po_id``: delivery is at least once (target retries for 24 h, then the channel's DLQ;
  a message not consumed after 5 receives goes to the same DLQ).
* ``stock.low`` / ``stock.out`` (``source = livebase.inventory``) → the **replenish-signals**
  queue, which the bridge consumes (``flows.signal_bridge``: run by ``./livebase up`` locally,
  beside the Prefect worker in the cloud) to emit the Prefect event ``flows.triggers`` expects.
  When the market names a Prefect API
  (``prefect: {api_url, api_key_secret_name}``), a second rule also POSTs the Prefect event
  itself to ``<api_url>/events`` through an EventBridge connection (API-key header from Secrets
  Manager in the market's region) and API destination: ``livebase.<detail-type>`` with the
  market as the resource, so the ``order-to-replenish`` trigger matches it. A rule of its own,
  so a market without that API (and the local AWS, which has no API destinations in
  CloudFormation) keeps the queue rule unchanged. Room alerts go the same way, one rule per alert
  kind whose input transformer sends only that kind's fields (``livebase.signals.rooms.EVIDENCE_FIELDS``,
  as ``flows.room_alerts.forward_room_alert`` does locally): anything else on the event, a viewer id put
  there by mistake, stays in the region.
"""

from __future__ import annotations

from aws_cdk import Duration, SecretValue
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra_cdk.components.delivery import TARGET_MAX_EVENT_AGE as TARGET_MAX_EVENT_AGE  # the rules' retries
from infra_cdk.components.delivery import TARGET_RETRY_ATTEMPTS as TARGET_RETRY_ATTEMPTS
from infra_cdk.components.delivery import (
    bus_rule,
    dead_letter_queue,
    to_api_destination,
    to_queue,
    to_topic,
)
from infra_cdk.components.messaging import queue_with_dlq
from livebase.markets.config import Market
from livebase.signals.rooms import (
    DETAIL_TYPES,
    EVIDENCE_FIELDS,
    ROOM_EVENT_SOURCE,
    ConversionDrop,
    EdgeOverload,
    RoomAlert,
    SentimentSpike,
    ViewerDrop,
)
from livebase.signals.stock import STOCK_EVENT_SOURCE, STOCK_LOW, STOCK_OUT
from livebase.signals.supply import PO_CREATED, PO_EVENT_SOURCE

ROOM_ALERT_PATTERN = events.EventPattern(source=[ROOM_EVENT_SOURCE], detail_type=list(DETAIL_TYPES.values()))
PURCHASE_ORDER_PATTERN = events.EventPattern(source=[PO_EVENT_SOURCE], detail_type=[PO_CREATED])
STOCK_SIGNAL_PATTERN = events.EventPattern(source=[STOCK_EVENT_SOURCE], detail_type=[STOCK_LOW, STOCK_OUT])
MAX_RECEIVES = 5
# Prefect's side (flows/triggers.py: PREFECT_STOCK_LOW, MARKET_RESOURCE_PREFIX); tests/infra checks they agree.
PREFECT_EVENT_PREFIX = "livebase."
PREFECT_MARKET_RESOURCE_PREFIX = "livebase.market."
PREFECT_ROOM_ALERT = "livebase.room.alert"  # flows/room_alerts.py: PREFECT_ROOM_ALERT, ROOM_RESOURCE_PREFIX
PREFECT_ROOM_RESOURCE_PREFIX = "livebase.room."
ALERT_CLASSES = (ConversionDrop, SentimentSpike, ViewerDrop, EdgeOverload)


def alert_fields(alert: type[RoomAlert]) -> tuple[str, ...]:
    """What an alert of this class carries to Prefect: ``kind`` and its evidence, never more."""
    fields = ("kind", *alert.model_fields)
    assert set(fields) <= EVIDENCE_FIELDS, f"{alert.__name__} carries fields outside EVIDENCE_FIELDS"
    return fields


class SignalChannel(Construct):
    """A queue a bus rule delivers to, with one DLQ for what was never delivered or never consumed."""

    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.queue, self.dlq = queue_with_dlq(
            self, key=key, visibility_timeout=Duration.minutes(1), max_receive_count=MAX_RECEIVES
        )

    def target(self) -> targets.SqsQueue:
        """The raw event into the queue; undeliverable after the retries: into the DLQ."""
        return to_queue(self.queue, dlq=self.dlq)


class MarketSignals(Construct):
    """The market bus's rules: room alerts → ops topic, POs → suppliers, stock signals → Prefect."""

    def __init__(
        self, scope: Construct, construct_id: str, *, market: Market, bus: events.IEventBus, key: kms.IKey
    ) -> None:
        super().__init__(scope, construct_id)
        self.ops_topic = sns.Topic(
            self, "OpsTopic", master_key=key, enforce_ssl=True, display_name=f"Livebase {market.id} room alerts"
        )
        for address in market.ops_contacts.emails:
            self.ops_topic.add_subscription(subscriptions.EmailSubscription(address))
        for url in market.ops_contacts.webhooks:
            self.ops_topic.add_subscription(subscriptions.UrlSubscription(url, protocol=sns.SubscriptionProtocol.HTTPS))
        # Room alerts SNS would not take (after a day of retries): kept 14 days, alarmed on.
        self.ops_dlq = dead_letter_queue(self, "OpsAlertsDlq", key=key, catches="the room-alert rule's SNS target")
        self.suppliers = SignalChannel(self, "SupplierOrders", key=key)
        self.replenish = SignalChannel(self, "ReplenishSignals", key=key)
        self.room_signals = SignalChannel(self, "RoomAlertSignals", key=key)

        self.room_alerts = bus_rule(
            self, "RoomAlertsToOps", bus=bus, pattern=ROOM_ALERT_PATTERN,
            description="Room alerts to the market's ops topic",
            to=[to_topic(self.ops_topic, dlq=self.ops_dlq), self.room_signals.target()],
        )  # fmt: skip
        self.purchase_orders = bus_rule(
            self, "PurchaseOrdersToSuppliers", bus=bus, pattern=PURCHASE_ORDER_PATTERN,
            description="PurchaseOrderCreated to the supplier channel (consumers route by detail.supplier)",
            to=[self.suppliers.target()],
        )  # fmt: skip
        self.stock_signals = bus_rule(
            self, "StockSignalsToReplenish", bus=bus, pattern=STOCK_SIGNAL_PATTERN,
            description="stock.low / stock.out to the replenish-signals queue (the Prefect bridge)",
            to=[self.replenish.target()],
        )  # fmt: skip
        self.prefect_rules: list[events.Rule] = []
        if market.prefect is not None:
            self.prefect_rules = self._prefect_api(market, bus)

    def _prefect_api(self, market: Market, bus: events.IEventBus) -> list[events.Rule]:
        """Stock signals and room alerts POSTed as Prefect events, in the shapes of ``flows.triggers``
        and ``flows.room_alerts``; what the API refuses for a day lands in the channel's DLQ."""
        assert market.prefect is not None
        connection = events.Connection(
            self,
            "PrefectConnection",
            description=f"Prefect API of market {market.id}",
            authorization=events.Authorization.api_key(
                "Authorization", SecretValue.secrets_manager(market.prefect.api_key_secret_name)
            ),
        )
        destination = events.ApiDestination(
            self,
            "PrefectEvents",
            connection=connection,
            endpoint=f"{market.prefect.api_url}/events",
            http_method=events.HttpMethod.POST,
            description=f"Prefect events endpoint of market {market.id}",
        )
        market_id = events.EventField.from_path("$.detail.market")
        stock_event = events.RuleTargetInput.from_object(
            [
                {
                    "id": events.EventField.event_id,
                    "occurred": events.EventField.time,
                    "event": f"{PREFECT_EVENT_PREFIX}{events.EventField.detail_type}",
                    "resource": {
                        "prefect.resource.id": f"{PREFECT_MARKET_RESOURCE_PREFIX}{market_id}",
                        "prefect.resource.name": f"market {market_id}",
                        "livebase.market": market_id,
                        "livebase.sku": events.EventField.from_path("$.detail.sku"),
                    },
                    "payload": {
                        "sku": events.EventField.from_path("$.detail.sku"),
                        "warehouse": events.EventField.from_path("$.detail.warehouse"),
                        "remaining": events.EventField.from_path("$.detail.remaining"),
                        "low_mark": events.EventField.from_path("$.detail.low_mark"),
                    },
                }
            ]
        )
        room_id, kind = events.EventField.from_path("$.detail.room_id"), events.EventField.from_path("$.detail.kind")

        def room_event(alert: type) -> events.RuleTargetInput:
            payload = {name: events.EventField.from_path(f"$.detail.{name}") for name in alert_fields(alert)}
            return events.RuleTargetInput.from_object(
                [
                    {
                        "id": events.EventField.event_id,
                        "occurred": events.EventField.time,
                        "event": PREFECT_ROOM_ALERT,
                        "resource": {
                            "prefect.resource.id": f"{PREFECT_ROOM_RESOURCE_PREFIX}{market_id}.{room_id}",
                            "prefect.resource.name": f"room {room_id} ({market_id})",
                            "livebase.market": market_id,
                            "livebase.room": room_id,
                            "livebase.alert.kind": kind,
                        },
                        "related": [
                            {
                                "prefect.resource.id": f"{PREFECT_MARKET_RESOURCE_PREFIX}{market_id}",
                                "prefect.resource.role": "market",
                            }
                        ],
                        # only the alert's own fields (one rule per kind, so each path exists)
                        "payload": payload,
                    }
                ]
            )

        routes = [("StockSignalsToPrefectApi", STOCK_SIGNAL_PATTERN, stock_event, self.replenish.dlq, "stock signals")]
        for alert in ALERT_CLASSES:
            detail_type = DETAIL_TYPES[alert.kind]  # type: ignore[attr-defined]
            pattern = events.EventPattern(source=[ROOM_EVENT_SOURCE], detail_type=[detail_type])
            routes.append((f"RoomAlertsToPrefectApi{alert.__name__}", pattern, room_event(alert),
                           self.room_signals.dlq, f"{detail_type} alerts"))  # fmt: skip
        return [
            bus_rule(
                self,
                name,
                bus=bus,
                pattern=pattern,
                description=f"{what} as Prefect events, POSTed to the market's Prefect API",
                to=[to_api_destination(destination, event=body, dlq=dlq)],
            )
            for name, pattern, body, dlq, what in routes
        ]

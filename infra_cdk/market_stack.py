"""One CloudFormation stack per market, pinned to the market's Region.

A selling market gets the whole live-commerce back end; the aggregates-only market (hq) gets a
key, an aggregates bucket and a bus, and nothing that could hold personal data.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Aspects, CfnOutput, Stack, Tags
from constructs import Construct

from infra_cdk.components.data_lake import DataLake
from infra_cdk.components.edge import ReplayDistribution
from infra_cdk.components.encryption import MarketKey
from infra_cdk.components.erasure_api import ErasureApi
from infra_cdk.components.flow_grants import grant_market_flows
from infra_cdk.components.flow_role import HQ_KEY_OUTPUT, FlowRole
from infra_cdk.components.flow_runtime import FlowRuntime
from infra_cdk.components.flow_runtime_roles import HqRollupRole
from infra_cdk.components.fx_rates import FxRatesAlarm
from infra_cdk.components.live_ingest import LiveIngest, ingest_function_name, orders_function_name
from infra_cdk.components.live_video import LiveVideo
from infra_cdk.components.messaging import MarketMessaging, market_bus
from infra_cdk.components.moderation import Moderation
from infra_cdk.components.monitoring import MarketAlarms
from infra_cdk.components.passport import Passport
from infra_cdk.components.player_api import PlayerApi
from infra_cdk.components.recall import ConsentAndRecall
from infra_cdk.components.room_cues import RoomCues
from infra_cdk.components.runtime_environment import RuntimeEnvironment
from infra_cdk.components.settlement import Settlement
from infra_cdk.components.signals import MarketSignals
from infra_cdk.components.studio import Studio
from infra_cdk.components.supply_chain import SupplyChain
from infra_cdk.components.tables import MarketTables
from infra_cdk.nag import acknowledge_grant_put, acknowledge_grant_read
from infra_cdk.residency_aspect import ResidencyAspect
from livebase.batches.quarantine import QUARANTINE_PREFIX
from livebase.markets.config import Market
from livebase.markets.resources import OUTPUTS
from livebase.markets.runtime_environment import MARKET_CONFIG
from livebase.privacy.retention import lake_rules
from livebase.replenishment.catalogue import CATALOGUE_KEY


class MarketStack(Stack):
    """``Livebase-<market>``: built from small constructs; outputs follow ``livebase.markets.resources``."""

    def __init__(self, scope: Construct, construct_id: str, *, market: Market, **kwargs: Any) -> None:
        tags = {"livebase:market": market.id, "livebase:residency": market.residency.value}
        # Stack tags explicitly (feature flag @aws-cdk/core:explicitStackTags), resource tags by Tags.of.
        super().__init__(scope, construct_id, tags={**tags, **kwargs.pop("tags", {})}, **kwargs)
        self.market = market
        for key, value in tags.items():
            Tags.of(self).add(key, value)
        Aspects.of(self).add(ResidencyAspect(market))
        self.key = MarketKey(self, "Encryption", market_id=market.id)
        self.data_lake = DataLake(self, "DataLake", key=self.key.key, expiry=lake_rules(market))
        if market.holds_personal_data:
            self.names = self._selling_market()
        else:
            self.names = self._aggregates_only()
        for field, value in self.names.items():
            output_key = OUTPUTS[field][0]
            CfnOutput(self, output_key, key=output_key, value=value)

    def _aggregates_only(self) -> dict[str, str]:
        """hq: receives aggregates and pseudonymised keys only, so no stream, orders or functions."""
        bus = market_bus(Construct(self, "Messaging"), self.market.id, self.key.key)
        HqRollupRole(self, "Rollup", hq=self.market, bucket=self.data_lake.bucket, key=self.key.key)  # issue 29
        FxRatesAlarm(self, "FxRates", hq=self.market, key=self.key)  # issues 30, 33: rates about to run out
        # The markets' flow roles write hq's aggregates encrypted with this key: `./livebase deploy` passes it on.
        CfnOutput(self, HQ_KEY_OUTPUT, key=HQ_KEY_OUTPUT, value=self.key.key.key_arn)
        return {"data_lake_bucket": self.data_lake.bucket.bucket_name, "event_bus_name": bus.event_bus_name}

    def _selling_market(self) -> dict[str, str]:
        market, key = self.market, self.key.key
        tables = MarketTables(self, "Tables", key=key)
        messaging = MarketMessaging(self, "Messaging", market_id=market.id, key=key)
        live = LiveIngest(self, "LiveIngest", market=market, key=key)
        signals = MarketSignals(self, "Signals", market=market, bus=messaging.bus, key=key)
        supply = SupplyChain(self, "SupplyChain", kit=live.kit)
        ingest, orders = live.ingest, live.orders
        names = {
            "stream_name": live.stream.stream_name,
            "orders_table": tables.orders.table_name,
            "idempotency_table": tables.idempotency.table_name,
            "room_metrics_table": tables.room_metrics.table_name,
            "inventory_table": tables.inventory.table_name,
            "purchase_orders_table": tables.purchase_orders.table_name,
            "forecasts_table": tables.forecasts.table_name,
            "consent_table": tables.consent.table_name,
            "pseudonym_key_id": self.key.add_pseudonym_key(market.id).key_id,
            "data_lake_bucket": self.data_lake.bucket.bucket_name,
            "event_bus_name": messaging.bus.event_bus_name,
            "ingest_dlq_url": ingest.dlq.queue_url,
            "wms_queue_url": messaging.wms_queue.queue_url,
            "ingest_function_name": ingest_function_name(market.id),
            "orders_dlq_url": orders.dlq.queue_url,
            "orders_function_name": orders_function_name(market.id),
            "replenish_signals_queue_url": signals.replenish.queue.queue_url,
            "room_alert_signals_queue_url": signals.room_signals.queue.queue_url,
            "supplier_orders_queue_url": signals.suppliers.queue.queue_url,
            **supply.names,  # goods receipts, shipment updates, order returns: queues and DLQs
        }
        passport = Passport(
            self, "Passport", kit=live.kit, log_bucket=self.data_lake.log_bucket
        )  # fmt: skip
        names.update(passport.names)  # the product passport's outputs (issue 19)
        player = PlayerApi(self, "Player", kit=live.kit, consent=tables.consent)  # issue 31: join, recommendations
        names.update(player.names)
        settlement = Settlement(  # issue 33: the settlement ledger, fed by the order signals on the bus
            self, "Settlement", kit=live.kit, bus=messaging.bus, orders=tables.orders,
            purchase_orders=tables.purchase_orders,
            announcers=(supply.fulfilment.function,),  # the orders function puts on the bus already
        )  # fmt: skip
        names.update(settlement.names)
        settlement.set_environment(names)
        environment = {OUTPUTS[f][1]: v for f, v in names.items()}  # every output, by its variable
        for consumer in (*live.consumers, *supply.consumers):
            # Every output, and the market's thresholds, languages, currency, low-stock mark (its validated config).
            live.kit.set_environment(consumer.function, {OUTPUTS[f][1]: names[f] for f in OUTPUTS})
        for consumer in (*live.consumers, supply.receiving):  # room alerts / order and stock events
            messaging.bus.grant_put_events_to(consumer.function)
        # Least privilege: each consumer reaches only the tables it uses.
        for table in tables.ingest_uses:
            table.grant_read_write_data(ingest.function)
        for table in tables.orders_uses:
            table.grant_read_write_data(orders.function)
        for table in (tables.purchase_orders, tables.inventory):  # receipts: the PO, then spot stock
            table.grant_read_write_data(supply.receiving.function)
        for table in (tables.orders, tables.inventory):  # an order's life: its state, the stock that follows
            table.grant_read_write_data(supply.fulfilment.function)
        for consumer in (orders, supply.fulfilment):  # the room's money: each accepted order's item
            tables.room_metrics.grant_write_data(consumer.function)
        self.data_lake.bucket.grant_read(orders.function, CATALOGUE_KEY)  # list prices (livebase.commerce.price_list)
        # Each consumer keeps only quarantined records in the lake (read back: a record already kept
        # was announced, so a redelivery sends no second notice), and sends their DLQ notices itself.
        for consumer, who in ((ingest, "ingest"), (orders, "orders")):
            self.data_lake.bucket.grant_put(consumer.function, f"{QUARANTINE_PREFIX}/*")
            self.data_lake.bucket.grant_read(consumer.function, f"{QUARANTINE_PREFIX}/*")
            policy = consumer.role.node.find_child("DefaultPolicy")
            acknowledge_grant_put(policy, self.data_lake.bucket, f"{QUARANTINE_PREFIX}/*", who)
            acknowledge_grant_read(policy, who)
            consumer.dlq.grant_send_messages(consumer.function)
        video = LiveVideo(
            self,
            "LiveVideo",
            market_id=market.id,
            medialive=market.medialive,
            replay_bucket=self.data_lake.bucket,
            media_region=market.media_region,  # set: the channel is in the media stack there
        )
        room_cues = RoomCues(
            self, "RoomCues", kit=live.kit, bus=messaging.bus, video=video,
            idempotency_table=tables.idempotency, environment=environment,
        )  # fmt: skip
        erasure = ErasureApi(  # issue 18: POST /erasures (IAM) removes one viewer from every store of the market
            self, "Erasure", kit=live.kit, pseudonym_key=self.key.pseudonym_key,
            tables=tables.personal, lake=self.data_lake.bucket,
            environment=environment,
        )  # fmt: skip
        # issue 31: erasure deletes the dead-letter messages that name a viewer (livebase.stores.erasure_queues)
        dlqs = {**supply.dead_letter_queues, **passport.dead_letter_queues, **settlement.dead_letter_queues}
        for dlq in (ingest.dlq, orders.dlq, *dlqs.values()):
            dlq.grant_consume_messages(erasure.function)
        moderation = Moderation(  # issue 32: the moderation API (IAM), held orders to the ops topic
            self, "Moderation", kit=live.kit, room_metrics=tables.room_metrics, bus=messaging.bus,
            ops_topic=signals.ops_topic, ops_dlq=signals.ops_dlq,
            environment=environment,
        )  # fmt: skip
        flows = FlowRole(  # issue 18: what the market's Prefect flows touch, by grants only
            self, "Flows", market=market, orders=tables.orders, consent=tables.consent, lake=self.data_lake.bucket,
            ledger=passport.ledger, anchors=passport.anchors,
        )  # fmt: skip
        grant_market_flows(  # every other flow its ECS deployment runs under the same role
            flows.role, market=market, tables=tables, lake=self.data_lake.bucket, bus=messaging.bus,
            wms_queue=messaging.wms_queue, stream=live.stream,
            consumer_functions=(ingest_function_name(market.id), orders_function_name(market.id)),
        )  # fmt: skip
        player.grant_flows(flows.role)
        settlement.grant_flows(flows.role, self.data_lake.bucket)  # settlement-statements (issue 33)
        moderation.grant_flows(flows.role, tables.inventory)  # moderation-review: held comments and orders
        CfnOutput(self, "FlowRoleArn", key="FlowRoleArn", value=flows.role.role_arn)
        recall = ConsentAndRecall(  # issue 31: consent from the stream and the sites, activity, the recall topic
            self, "Recall", kit=live.kit, stream=live.stream, consent=tables.consent, lake=self.data_lake.bucket,
            pseudonym_key=self.key.pseudonym_key, flow_role=flows.role,
            environment=environment,
        )  # fmt: skip
        FlowRuntime(  # issue 29: the worker, the signal bridge and their images in the market's account
            self, "FlowRuntime", market=market, key=key, flow_role=flows.role, lake=self.data_lake.bucket,
            signals=signals, forecasts=tables.forecasts,
        )  # fmt: skip
        studio = Studio(
            self, "Studio", kit=live.kit, bus=messaging.bus,
            ops_topic=signals.ops_topic, ops_dlq=signals.ops_dlq, idempotency_table=tables.idempotency,
            bucket=self.data_lake.bucket, video=video,
            environment=environment,
        )  # fmt: skip
        ReplayDistribution(
            self,
            "Edge",
            market_id=market.id,
            bucket=self.data_lake.bucket,
            key=key,
            log_bucket=self.data_lake.log_bucket,
        )
        self.key.allow_alarm_notifications()
        MarketAlarms(
            self,
            "Alarms",
            key=key,
            dead_letter_queues={
                **live.dead_letter_queues,
                "WmsDlq": messaging.wms_dlq,
                "OpsAlertsDlq": signals.ops_dlq,
                "SupplierOrdersDlq": signals.suppliers.dlq,
                "ReplenishSignalsDlq": signals.replenish.dlq,
                "RoomAlertSignalsDlq": signals.room_signals.dlq,
                "RoomCuesDlq": room_cues.dlq,
                **studio.dead_letter_queues,
                **supply.dead_letter_queues,
                **passport.dead_letter_queues,
                "ConsentDlq": recall.consumer.dlq,
                **settlement.dead_letter_queues,
                "ErasureFailures": erasure.failures,
            },
            stream_consumers={
                "Ingest": ingest.function,
                "Orders": orders.function,
                "Consent": recall.consumer.function,
            },
        )
        RuntimeEnvironment(  # Lambda's 4 KB environment limit: the stack-wide values once, in an SSM parameter
            self, "RuntimeEnvironment", market_id=market.id,
            values=environment | {MARKET_CONFIG: market.handler_config_json()},
        )  # fmt: skip
        return names

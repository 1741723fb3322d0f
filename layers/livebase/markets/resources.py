"""Names of a market's deployed resources, read from its CloudFormation stack outputs.

The contract between the CDK stack (which declares the outputs), the Lambda functions (which
get the same values as environment variables) and the flows / local tools (which read the
outputs). Works the same against real AWS and the local moto server. A function's own settings
(not stack outputs: one function's table, DLQ or channel) are a :class:`FunctionEnvironment` each,
so the construct that sets them and the handler that reads them share one list of names.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from typing import Any, ClassVar, Self

# dataclass field -> (CloudFormation output key, Lambda environment variable)
OUTPUTS: dict[str, tuple[str, str]] = {
    "stream_name": ("LiveEventStreamName", "LIVE_EVENT_STREAM"),
    "orders_table": ("OrdersTableName", "ORDERS_TABLE"),
    "idempotency_table": ("IdempotencyTableName", "IDEMPOTENCY_TABLE"),
    "room_metrics_table": ("RoomMetricsTableName", "ROOM_METRICS_TABLE"),
    "inventory_table": ("InventoryTableName", "INVENTORY_TABLE"),
    "purchase_orders_table": ("PurchaseOrdersTableName", "PURCHASE_ORDERS_TABLE"),
    "forecasts_table": ("ForecastsTableName", "FORECASTS_TABLE"),
    "consent_table": ("ConsentTableName", "CONSENT_TABLE"),  # livebase.stores.consent
    "pseudonym_key_id": ("PseudonymKeyId", "PSEUDONYM_KEY_ID"),  # livebase.privacy.pseudonyms (HMAC key)
    "data_lake_bucket": ("DataLakeBucketName", "DATA_LAKE_BUCKET"),
    "event_bus_name": ("EventBusName", "EVENT_BUS_NAME"),
    "ingest_dlq_url": ("IngestDlqUrl", "INGEST_DLQ_URL"),
    "wms_queue_url": ("WmsQueueUrl", "WMS_QUEUE_URL"),
    "ingest_function_name": ("IngestFunctionName", "INGEST_FUNCTION_NAME"),
    "orders_dlq_url": ("OrdersDlqUrl", "ORDERS_DLQ_URL"),
    "orders_function_name": ("OrdersFunctionName", "ORDERS_FUNCTION_NAME"),
    # Bus signals (infra_cdk/components/signals.py): what the Prefect bridge and the supplier gateway consume.
    "replenish_signals_queue_url": ("ReplenishSignalsQueueUrl", "REPLENISH_SIGNALS_QUEUE_URL"),
    "room_alert_signals_queue_url": ("RoomAlertSignalsQueueUrl", "ROOM_ALERT_SIGNALS_QUEUE_URL"),
    "supplier_orders_queue_url": ("SupplierOrdersQueueUrl", "SUPPLIER_ORDERS_QUEUE_URL"),
    # Supply chain (infra_cdk/components/supply_chain.py): where suppliers / the WMS send receipts and
    # shipment updates, and the DLQs their consumers quarantine refused messages on.
    "goods_receipts_queue_url": ("GoodsReceiptsQueueUrl", "GOODS_RECEIPTS_QUEUE_URL"),
    "goods_receipts_dlq_url": ("GoodsReceiptsDlqUrl", "GOODS_RECEIPTS_DLQ_URL"),
    "shipment_updates_queue_url": ("ShipmentUpdatesQueueUrl", "SHIPMENT_UPDATES_QUEUE_URL"),
    "shipment_updates_dlq_url": ("ShipmentUpdatesDlqUrl", "SHIPMENT_UPDATES_DLQ_URL"),
    # Order returns and ops' requests (issue 28): the warehouse's received returns, ops' cancels and refunds.
    "order_returns_queue_url": ("OrderReturnsQueueUrl", "ORDER_RETURNS_QUEUE_URL"),
    "order_returns_dlq_url": ("OrderReturnsDlqUrl", "ORDER_RETURNS_DLQ_URL"),
    # Product passport (infra_cdk/components/passport.py): the ledger, the locked daily anchors, the signed
    # supplier intake (queue, its DLQ, the supplier keys' secret) and the public verification API's stage URL.
    "passport_ledger_table": ("PassportLedgerTableName", "PASSPORT_LEDGER_TABLE"),
    "passport_anchor_bucket": ("PassportAnchorBucketName", "PASSPORT_ANCHOR_BUCKET"),
    "passport_intake_queue_url": ("PassportIntakeQueueUrl", "PASSPORT_INTAKE_QUEUE_URL"),
    "passport_intake_dlq_url": ("PassportIntakeDlqUrl", "PASSPORT_INTAKE_DLQ_URL"),
    "passport_supplier_keys_secret": ("PassportSupplierKeysSecretName", "PASSPORT_SUPPLIER_KEYS_SECRET"),
    "passport_api_url": ("PassportApiUrl", "PASSPORT_API_URL"),
    # Settlement ledger (infra_cdk/components/settlement.py, issue 33): its table, the queue of order signals, its DLQ.
    "settlement_ledger_table": ("SettlementLedgerTableName", "SETTLEMENT_LEDGER_TABLE"),
    "settlement_queue_url": ("SettlementQueueUrl", "SETTLEMENT_QUEUE_URL"),
    "settlement_dlq_url": ("SettlementDlqUrl", "SETTLEMENT_DLQ_URL"),
    # Player API (infra_cdk/components/player_api.py): sessions, exposures, top lists; join and recommendations.
    "player_table": ("PlayerTableName", "PLAYER_TABLE"),
    "player_api_url": ("PlayerApiUrl", "PLAYER_API_URL"),
}


@dataclass(frozen=True)
class MarketResources:
    market: str
    region: str
    stream_name: str
    orders_table: str
    idempotency_table: str
    room_metrics_table: str
    inventory_table: str
    purchase_orders_table: str
    forecasts_table: str
    consent_table: str
    pseudonym_key_id: str
    data_lake_bucket: str
    event_bus_name: str
    ingest_dlq_url: str
    wms_queue_url: str
    ingest_function_name: str
    orders_dlq_url: str
    orders_function_name: str
    replenish_signals_queue_url: str
    room_alert_signals_queue_url: str
    supplier_orders_queue_url: str
    goods_receipts_queue_url: str
    goods_receipts_dlq_url: str
    shipment_updates_queue_url: str
    shipment_updates_dlq_url: str
    order_returns_queue_url: str
    order_returns_dlq_url: str
    passport_ledger_table: str
    passport_anchor_bucket: str
    passport_intake_queue_url: str
    passport_intake_dlq_url: str
    passport_supplier_keys_secret: str
    passport_api_url: str
    settlement_ledger_table: str = ""  # defaults: resources built by hand in tests need not name them
    settlement_queue_url: str = ""
    settlement_dlq_url: str = ""
    player_table: str = ""  # defaults: resources built by hand in tests need not name them
    player_api_url: str = ""

    @classmethod
    def from_outputs(cls, market: str, region: str, outputs: Mapping[str, str]) -> MarketResources:
        missing = [key for key, _ in OUTPUTS.values() if key not in outputs]
        if missing:
            raise LookupError(f"stack of market {market!r} lacks outputs {missing}; is it deployed?")
        values = {name: outputs[key] for name, (key, _) in OUTPUTS.items()}
        return cls(market=market, region=region, **values)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> MarketResources:
        """Inside a Lambda function: every name from the environment, filled from the market's runtime
        parameter when the function was deployed with one (``livebase.markets.runtime_environment``)."""
        if environ is None:
            from livebase.markets.runtime_environment import load_runtime_environment

            load_runtime_environment()
        env = os.environ if environ is None else environ
        values = {name: env.get(var, "") for name, (_, var) in OUTPUTS.items()}
        return cls(market=env.get("MARKET", ""), region=env.get("AWS_REGION", ""), **values)

    def lambda_environment(self) -> dict[str, str]:
        env = {var: getattr(self, name) for name, (_, var) in OUTPUTS.items()}
        env["MARKET"] = self.market
        return env


def lookup(market: str, region: str, cloudformation: Any | None = None) -> MarketResources:
    """Read the outputs of stack ``Livebase-<market>`` in ``region`` (real AWS or local)."""
    import boto3

    client = cloudformation or boto3.client("cloudformation", region_name=region)
    stacks = client.describe_stacks(StackName=f"Livebase-{market}")["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    return MarketResources.from_outputs(market, region, outputs)


assert {f.name for f in fields(MarketResources)} == {"market", "region", *OUTPUTS}


class FunctionEnvironment:
    """One function's own environment variables (``VARIABLES``: field -> variable), read at cold start.

    A field without a default is always set; one with a default only when it differs from it, so a
    setting a market does not need leaves no variable behind.
    """

    VARIABLES: ClassVar[Mapping[str, str]]

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Self:
        env = os.environ if environ is None else environ
        return cls(**{name: env[var] for name, var in cls.VARIABLES.items() if var in env})

    @classmethod
    def present_in(cls, environ: Mapping[str, str]) -> bool:
        """The variables without a default are all set: ``environ`` is this function's."""
        required = {f.name for f in fields(cls) if f.default is MISSING}  # type: ignore[arg-type]
        return all(cls.VARIABLES[name] in environ for name in required)

    def lambda_environment(self) -> dict[str, str]:
        """What the function's construct sets."""
        return {
            self.VARIABLES[f.name]: getattr(self, f.name)
            for f in fields(self)  # type: ignore[arg-type]
            if f.default is MISSING or getattr(self, f.name) != f.default
        }


@dataclass(frozen=True)
class StudioSettings(FunctionEnvironment):
    """``functions/studio``: its devices table and its DLQ (``infra_cdk/components/studio.py``)."""

    devices_table: str
    dlq_url: str
    VARIABLES: ClassVar[Mapping[str, str]] = {"devices_table": "STUDIO_DEVICES_TABLE", "dlq_url": "STUDIO_DLQ_URL"}


@dataclass(frozen=True)
class FailoverSettings(FunctionEnvironment):
    """``functions/studio_failover``: the market's MediaLive channel, where it has one."""

    medialive_channel: str  # empty where the market has none
    VARIABLES: ClassVar[Mapping[str, str]] = {"medialive_channel": "SWITCH_MEDIALIVE_CHANNEL"}


@dataclass(frozen=True)
class CueSettings(FunctionEnvironment):
    """``functions/room_cue``: the video service and channel (``infra_cdk/components/room_cues.py``).

    A market whose video is served from its media stack names the media Region and the SSM
    parameter there that holds the channel (``channel`` is then empty).
    """

    service: str
    channel: str
    region: str = ""  # empty: the market's own Region
    channel_parameter: str = ""
    VARIABLES: ClassVar[Mapping[str, str]] = {
        "service": "CUE_SERVICE", "channel": "CUE_CHANNEL", "region": "CUE_REGION",
        "channel_parameter": "CUE_CHANNEL_PARAMETER",
    }  # fmt: skip


@dataclass(frozen=True)
class ConsentSettings(FunctionEnvironment):
    """``functions/consent``: its stream mapping's DLQ (``infra_cdk/components/recall.py``)."""

    dlq_url: str
    VARIABLES: ClassVar[Mapping[str, str]] = {"dlq_url": "CONSENT_DLQ_URL"}

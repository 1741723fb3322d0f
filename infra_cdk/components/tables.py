"""The market's DynamoDB tables: on-demand, point-in-time recovery, the market's own KMS key, retained.

:func:`market_table` is the one way a component builds a table of its own too (passport, settlement, player).
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

_S = dynamodb.AttributeType.STRING


def market_table(
    scope: Construct, construct_id: str, key: kms.IKey, pk: str, *, sort_key: str | None = None, ttl: str | None = None
) -> dynamodb.Table:
    """String keys, on demand, point-in-time recovery, encrypted with ``key``, retained when the stack goes."""
    return dynamodb.Table(
        scope,
        construct_id,
        partition_key=dynamodb.Attribute(name=pk, type=_S),
        sort_key=dynamodb.Attribute(name=sort_key, type=_S) if sort_key else None,
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryption_key=key,
        time_to_live_attribute=ttl,
        removal_policy=RemovalPolicy.RETAIN,
    )


class MarketTables(Construct):
    """Orders, idempotency records (powertools layout), room metrics, inventory, purchase orders,
    the latest nightly demand forecast per SKU (``livebase.stores.forecasts``) and consent."""

    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self._key = key
        self.orders = self._table("Orders", "order_id", ttl="expires_at")  # OrderStore writes it (retention)
        # powertools idempotency: partition key "id", TTL attribute "expiration".
        self.idempotency = self._table("Idempotency", "id", ttl="expiration")
        self.room_metrics = self._table("RoomMetrics", "pk", sort_key="sk", ttl="expires_at")
        # TTL: the purchase-limit counters (livebase.commerce.limits) name a viewer and expire days after
        # their session; stock items and bookkeeping records carry no expires_at and stay.
        self.inventory = self._table("Inventory", "sku", sort_key="warehouse", ttl="expires_at")
        self.purchase_orders = self._table("PurchaseOrders", "po_id")
        self.forecasts = self._table("Forecasts", "sku", ttl="expires_at")
        # Consent per viewer and purpose (livebase.stores.consent): personal, so it expires by retention.
        self.consent = self._table("Consent", "viewer_key", sort_key="purpose", ttl="expires_at")

    @property
    def all(self) -> list[dynamodb.Table]:
        return [
            *(self.orders, self.idempotency, self.room_metrics, self.inventory, self.purchase_orders),
            *(self.forecasts, self.consent),
        ]

    @property
    def personal(self) -> list[dynamodb.Table]:
        """Tables whose items name a viewer (pseudonymous id or its digest): each has a TTL (retention)."""
        return [self.orders, self.idempotency, self.room_metrics, self.consent]

    @property
    def ingest_uses(self) -> list[dynamodb.Table]:
        """What the ingest consumer reads and writes: room totals, checkpoints and alert marks."""
        return [self.room_metrics]

    @property
    def orders_uses(self) -> list[dynamodb.Table]:
        """What the orders consumer reads and writes (never purchase orders, forecasts or room metrics)."""
        return [self.orders, self.idempotency, self.inventory]

    def _table(self, construct_id: str, pk: str, *, sort_key: str | None = None, ttl: str | None = None):
        return market_table(self, construct_id, self._key, pk, sort_key=sort_key, ttl=ttl)

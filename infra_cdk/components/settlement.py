"""The settlement ledger of a selling market (issue 33): its table, the queue of order signals, the consumer.

* ``Ledger``: DynamoDB (on demand, PITR, the market key, retained), ``livebase.stores.settlement``:
  one item per transaction, one head per order, the ``by_day`` index the period statements read.
* A rule on the market bus takes ``OrderPlaced`` / ``OrderRejected``, the order's life signals
  (``OrderShipped``, ``OrderReturned``, ``OrderRefunded``; ``livebase.signals.orders``) and
  ``GoodsReceived`` (``livebase.signals.supply``, put by receiving) to the
  ``settlement`` queue (KMS, its own DLQ; what the rule cannot deliver goes to that DLQ too), which
  feeds ``functions/settlement``.
* The function gets the market's fee schedule (``config/settlement/<market>.yaml``, validated at
  synth) as ``SETTLEMENT_FEES``. A selling market without a schedule fails the synth: its orders
  could not settle.

Grants only: the function reads and writes the ledger, reads orders and POs (``GetItem``), sends refused
messages to its DLQ; the functions that apply an order's life (orders, fulfilment) may put the life
signals on the bus; the flow role (``grant_flows``) reads the ledger and writes the statements under
``settlement/`` of the market's lake. ``names`` are the stack outputs (``livebase.markets.resources``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra_cdk.components.delivery import bus_rule, to_queue
from infra_cdk.components.functions import FunctionKit
from infra_cdk.components.supply_chain import QueueConsumer
from infra_cdk.components.tables import market_table
from infra_cdk.nag import acknowledge, acknowledge_grant_put, arn_ref
from livebase.markets.resources import OUTPUTS
from livebase.settlement.fees import FEES_VARIABLE, load_fees
from livebase.signals.orders import LIFE_SIGNALS, ORDER_EVENT_SOURCE, ORDER_PLACED, ORDER_REJECTED
from livebase.signals.supply import GOODS_RECEIVED, PO_EVENT_SOURCE
from livebase.stores.settlement import DAY_INDEX

ORDER_SIGNAL_PATTERN = events.EventPattern(  # not PurchaseOrderCreated: only these detail-types match
    source=[ORDER_EVENT_SOURCE, PO_EVENT_SOURCE],
    detail_type=[ORDER_PLACED, ORDER_REJECTED, *LIFE_SIGNALS, GOODS_RECEIVED],
)
STATEMENTS = "settlement/*"  # flows.settlement_statements.PREFIX: settlement/<market>/<period>/<party>.csv
FUNCTION_VARIABLES = (
    "orders_table", "purchase_orders_table", "settlement_ledger_table", "settlement_queue_url", "settlement_dlq_url",
)  # fmt: skip


class Settlement(Construct):
    """The ledger table, the rule, the queue and its consumer (module docstring)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kit: FunctionKit,
        bus: events.IEventBus,
        orders: dynamodb.ITable,
        purchase_orders: dynamodb.ITable,
        announcers: Sequence[lambda_.IFunction],
    ) -> None:
        super().__init__(scope, construct_id)
        self.kit = kit
        fees = load_fees(kit.market.id)
        self.ledger = market_table(self, "Ledger", kit.key, "pk", sort_key="sk")
        self.ledger.add_global_secondary_index(
            index_name=DAY_INDEX,
            partition_key=dynamodb.Attribute(name="day", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="txn_id", type=dynamodb.AttributeType.STRING),
        )
        self.consumer = QueueConsumer(self, "Consumer", kit=kit, function="settlement")
        self.function, self.queue, self.dlq = self.consumer.function, self.consumer.queue, self.consumer.dlq
        self.rule = bus_rule(
            self, "OrderSignalsToSettlement", bus=bus, pattern=ORDER_SIGNAL_PATTERN,
            description="Order signals (placed, rejected, shipped, returned, refunded), goods received: to the ledger",
            to=[to_queue(self.queue, dlq=self.dlq)],
        )  # fmt: skip
        self.ledger.grant_read_write_data(self.function)
        acknowledge(
            self.consumer.role.node.find_child("DefaultPolicy"),
            f"AwsSolutions-IAM5[Resource::{arn_ref(self.ledger)}/index/*]",
            "grant_read_write_data names the ledger's indexes too: the one index is by_day of this table, "
            "which the statements flow reads; the function itself never queries it.",
        )
        orders.grant(self.function, "dynamodb:GetItem")  # the order's record: every amount comes from it
        purchase_orders.grant(self.function, "dynamodb:GetItem")  # a PO's received units and unit costs
        for announcer in announcers:  # the order's life signals (livebase.commerce.order_life)
            bus.grant_put_events_to(announcer)
        self.names = {
            "settlement_ledger_table": self.ledger.table_name,
            "settlement_queue_url": self.queue.queue_url,
            "settlement_dlq_url": self.dlq.queue_url,
        }
        self.function.add_environment(FEES_VARIABLE, fees.environment_json())

    def set_environment(self, names: Mapping[str, str]) -> None:
        """The function's variables: the names it reads (once every output is known) and the market."""
        self.kit.set_environment(self.function, {OUTPUTS[field][1]: names[field] for field in FUNCTION_VARIABLES})

    def grant_flows(self, role: iam.IRole, lake: s3.IBucket) -> None:
        """settlement-statements reads the period's transactions (the day index) and writes the CSVs."""
        self.ledger.grant_read_data(role)
        lake.grant_put(role, STATEMENTS)
        policy = role.node.find_child("DefaultPolicy")
        acknowledge_grant_put(policy, lake, STATEMENTS, "settlement-statements")
        acknowledge(
            policy, f"AwsSolutions-IAM5[Resource::{arn_ref(self.ledger)}/index/*]",
            "settlement-statements reads a period's transactions through the ledger's by_day index (its only one).",
        )  # fmt: skip

    @property
    def dead_letter_queues(self) -> dict[str, sqs.IQueue]:
        return {"SettlementDlq": self.dlq}

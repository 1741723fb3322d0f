"""`./livebase order` and `./livebase price` (issue 28): the command line makes the contract's message or
price, or says what is wrong; an ops message reaches the order through the order-returns queue."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
import pytest

from livebase.commerce.messages import CancelRequest, RefundRequest, ReturnReceived, ReturnRequested
from livebase_local.commands.cli import build_parser
from livebase_local.commands.order import OrderCommandError, build_message, decision, send
from livebase_local.commands.price import session_price
from tests.support.lambda_events import CONTEXT, sample, with_bodies
from tests.support.moto_market import Market
from tests.support.shop import T0, open_shop, order

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


def _message(*argv: str) -> Any:
    return build_message(build_parser().parse_args(["order", *argv]), "EUR", "WH-EU-1", NOW)


def test_each_action_makes_its_message() -> None:
    cancel = _message("cancel", "eu", "ord-cmd-1", "--reason", "presale_po_late", "--operator", "ops-eu-07")
    assert isinstance(cancel, CancelRequest) and cancel.requested_by.operator == "ops-eu-07"
    refund = _message("refund", "eu", "ord-cmd-1", "SKU-A1=5.00", "--reason", "damaged_in_transit")
    assert isinstance(refund, RefundRequest) and refund.lines[0].amount == Decimal("5.00") and refund.currency == "EUR"
    total = _message("refund", "eu", "ord-cmd-1", "--amount", "10", "--reason", "goodwill")
    assert isinstance(total, RefundRequest) and total.amount == Decimal("10")
    back = _message("return", "eu", "ord-cmd-1", "SKU-A1=2", "--reason", "wrong_size")
    assert isinstance(back, ReturnRequested) and back.lines[0].quantity == 2
    received = _message("received", "eu", "ord-cmd-1", "SKU-A1=1/1")
    assert isinstance(received, ReturnReceived) and received.warehouse == "WH-EU-1"
    assert (received.lines[0].sellable, received.lines[0].written_off) == (1, 1)


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["cancel", "eu", "ord-cmd-1"], "cancel needs --reason"),
        (["return", "eu", "ord-cmd-1", "SKU-A1", "--reason", "x"], "'SKU-A1': each line is SKU=UNITS"),
        (["refund", "eu", "ord-cmd-1", "SKU-A1=lots", "--reason", "x"], "'lots' is not an amount"),
        (["return", "eu", "ord-cmd-1", "--reason", "x"], "not a valid return: return_requested.lines"),
    ],
)
def test_a_bad_command_line_says_what_is_wrong(argv: list[str], said: str) -> None:
    with pytest.raises(OrderCommandError, match=said):
        _message(*argv)


def test_an_ops_cancel_goes_through_the_order_returns_queue_and_is_decided(aws: Any) -> None:
    shop = open_shop("eu", {"SKU-A1": "19.90"})
    shop.stock({"SKU-A1": 5})
    shop.intake.accept(order(shop, "ord-cmd-2", ("SKU-A1", 2, "19.90")), T0)
    queues = Market("eu")
    resources = replace(queues.resources, orders_table=shop.orders.model.Meta.table_name)
    handler = queues.handler("fulfilment")
    setattr(handler, "life", shop.life)  # noqa: B010  # the function's stores: this shop's tables
    message = _message("cancel", "eu", "ord-cmd-2", "--reason", "presale_po_late")
    send(resources, message)
    sqs = boto3.client("sqs", region_name=resources.region)
    [received] = sqs.receive_message(QueueUrl=resources.order_returns_queue_url).get("Messages", [])
    event = with_bodies(sample("sqs_shipment_update"), received["Body"])
    queue_name = resources.order_returns_queue_url.rsplit("/", 1)[-1]
    for record in event["Records"]:  # delivered from the order-returns queue: its DLQ takes what is refused
        record["eventSourceARN"] = f"arn:aws:sqs:{resources.region}:123456789012:{queue_name}"
    assert handler.lambda_handler(event, CONTEXT) == {"batchItemFailures": []}
    assert decision(resources, message, wait=0) == "applied"
    assert shop.levels("SKU-A1") == (5, 0)


def test_a_session_price_from_the_command_line() -> None:
    args = build_parser().parse_args(["price", "set", "eu", "sess-1", "SKU-A1", "14.90", "--minutes", "30"])
    price = session_price(args, NOW)
    assert (price.price, price.set_by, price.kind) == (Decimal("14.90"), "ops", "promotion")
    assert (price.valid_until - price.valid_from).total_seconds() == 1800

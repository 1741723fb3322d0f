"""`./livebase order cancel|refund|return|received MARKET ORDER_ID ...`: ops act on one order, with a reason.

The message goes where ops' requests go in the cloud: the market's ``order-returns`` queue, whose
consumer (the ``fulfilment`` function) decides it against the order's state like every other
message (``livebase.commerce.order_life``): a cancel only before hand-off (the stock goes back), a
return request within the market's window, a refund bounded per line by what was paid and not yet
refunded (``--amount`` a total, ``SKU=AMOUNT`` per line, neither: what received returns are worth),
and ``received`` as the warehouse would send it (``SKU=SELLABLE[/WRITTEN_OFF]``: sellable units are
restocked). ``cancel``, ``refund`` and ``return`` are ops' (``--operator``) and need ``--reason``.
The command then waits (``--wait``) for the decision to show in the order's state and prints it.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the command's libraries load when it runs, not with the CLI
    from livebase.commerce.messages import OrderMessage
    from livebase.markets.resources import MarketResources

ACTIONS = ("cancel", "refund", "return", "received")


class OrderCommandError(ValueError):
    """The command line does not make a message (a bad line, a missing reason)."""


def add_order_parser(commands: Any, market: Callable[[str], str]) -> None:
    """``order``'s arguments (``market``: the CLI's check of a selling market's id)."""
    order = commands.add_parser("order", help="ops: cancel, refund or return an order, with a reason")
    order.add_argument("action", choices=ACTIONS)
    order.add_argument("market", type=market)
    order.add_argument("order_id")
    order.add_argument("lines", nargs="*", metavar="SKU=N",
                       help="return: SKU=UNITS; refund: SKU=AMOUNT; received: SKU=SELLABLE[/WRITTEN_OFF]")  # fmt: skip
    order.add_argument("--reason", help="a reason code, e.g. damaged_in_transit (cancel, refund, return)")
    order.add_argument("--operator", default="ops-cli", help="the operator's staff code")
    order.add_argument("--amount", help="refund: a total, spread over the lines")
    order.add_argument("--warehouse", help="received: the warehouse code (default: the market's)")
    order.add_argument("--message-id", help="default: a new one (give the same to send the same message again)")
    order.add_argument("--wait", type=float, default=15.0, help="seconds to wait for the decision (0: do not)")
    order.add_argument("--aws", action="store_true", help="use the real AWS account of your credentials")


def build_message(args: argparse.Namespace, currency: str, warehouse: str, now: datetime) -> OrderMessage:
    """The order message the command line says; ``OrderCommandError`` names what is wrong."""
    from pydantic import ValidationError

    from livebase.batches.reasons import describe_error
    from livebase.commerce.messages import order_message_adapter

    ops = {"kind": "ops", "operator": args.operator}
    base: dict[str, Any] = {"message_id": args.message_id or f"ops-{uuid.uuid4().hex[:12]}",
                            "order_id": args.order_id, "at": now.isoformat()}  # fmt: skip
    if args.action != "received" and not args.reason:
        raise OrderCommandError(f"{args.action} needs --reason (a code, e.g. customer_request)")
    if args.action == "cancel":
        body = {**base, "type": "cancel_requested", "requested_by": ops, "reason": args.reason}
    elif args.action == "return":
        lines = [{"sku": sku, "quantity": _units(n)} for sku, n in _pairs(args.lines, "SKU=UNITS")]
        body = {**base, "type": "return_requested", "requested_by": ops, "reason": args.reason, "lines": lines}
    elif args.action == "refund":
        lines = [{"sku": sku, "amount": _money(n)} for sku, n in _pairs(args.lines, "SKU=AMOUNT")]
        body = {**base, "type": "refund_requested", "requested_by": ops, "reason": args.reason, "currency": currency,
                "lines": lines, **({"amount": _money(args.amount)} if args.amount else {})}  # fmt: skip
    else:
        lines = [_received(sku, n) for sku, n in _pairs(args.lines, "SKU=SELLABLE[/WRITTEN_OFF]")]
        body = {**base, "type": "return_received", "message_id": args.message_id or f"rma-{uuid.uuid4().hex[:12]}",
                "warehouse": args.warehouse or warehouse, "lines": lines}  # fmt: skip
    try:
        return order_message_adapter.validate_python(body)
    except ValidationError as error:
        raise OrderCommandError(f"not a valid {args.action}: {describe_error(error)}") from None


def send(resources: MarketResources, message: OrderMessage) -> None:
    """Put the message on the market's order-returns queue (what the fulfilment function consumes)."""
    import boto3

    sqs = boto3.client("sqs", region_name=resources.region)
    sqs.send_message(QueueUrl=resources.order_returns_queue_url, MessageBody=message.model_dump_json())


def decision(resources: MarketResources, message: OrderMessage, wait: float) -> str:
    """The order's decision on the message once its state shows it (or why there is none yet)."""
    from livebase.commerce.lifecycle import message_key
    from livebase.stores.orders import OrderStore

    orders = OrderStore.for_market(resources)
    key = message_key(message)
    deadline = time.monotonic() + wait
    while True:
        found = orders.read_state(message.order_id)
        if found is None:
            said = f"no order {message.order_id} in {resources.market}"
        else:
            decided = found[1].decision(key)
            if decided is not None:
                return f"{decided.outcome.value}" + (f": {decided.reason}" if decided.reason else "")
            said = "not decided yet (is `./livebase up` running?)"
        if time.monotonic() >= deadline:
            return said
        time.sleep(0.5)


def run_order(args: argparse.Namespace) -> int:
    """Queue the message and print what the order made of it (1 when refused or unknown)."""
    from livebase.commerce.orders import market_warehouse
    from livebase.markets.config import load_markets
    from livebase_local.platform import market_resources

    market = load_markets()[args.market]
    try:
        message = build_message(args, market.currency, market_warehouse(market.id), datetime.now(UTC))
    except OrderCommandError as error:
        print(f"livebase: {error}", file=sys.stderr)
        return 2
    resources = market_resources([args.market], real_aws=args.aws)[args.market]
    send(resources, message)
    print(f"{args.market}: {message.type} {message.message_id} for {message.order_id} queued on order-returns")
    if args.wait <= 0:
        return 0
    said = decision(resources, message, args.wait)
    print(f"{message.order_id}: {said}")
    return 0 if said.startswith(("applied", "duplicate", "stale")) else 1


def _pairs(lines: Sequence[str], shape: str) -> list[tuple[str, str]]:
    pairs, bad = [], []
    for text in lines:
        sku, sep, value = text.partition("=")
        if not sep or not sku.strip() or not value.strip():
            bad.append(repr(text))
        else:
            pairs.append((sku.strip(), value.strip()))
    if bad:
        raise OrderCommandError(f"{', '.join(bad)}: each line is {shape}")
    return pairs


def _units(text: str) -> int:
    if not text.isdigit():
        raise OrderCommandError(f"{text!r} is not a number of units")
    return int(text)


def _money(text: str) -> str:
    try:
        return str(Decimal(text))
    except InvalidOperation:
        raise OrderCommandError(f"{text!r} is not an amount") from None


def _received(sku: str, text: str) -> dict[str, Any]:
    sellable, _, written_off = text.partition("/")
    return {"sku": sku, "sellable": _units(sellable), "written_off": _units(written_off or "0")}

"""`./livebase price set|show MARKET SESSION SKU ...`: ops set a live price or promotion for a session.

Where session prices live and why: ``livebase.stores.session_prices`` (records in the market's
inventory table, read by the orders function per session and SKU, a minute's cache). ``set`` writes
ops' price with its validity (``--from``, default now; ``--minutes`` or ``--until``); the same
``--from`` again replaces it (a correction, or an early end). ``show`` lists every price set for the
SKU in the session, and the one an order received now would pay (``PriceBook.quote``: ops' price
over the plan's, the latest start, then the lowest; else the catalogue's list price).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the command's libraries load when it runs, not with the CLI
    from livebase.commerce.pricing import SessionPrice
    from livebase.markets.resources import MarketResources


def add_price_parser(commands: Any, market: Callable[[str], str]) -> None:
    """``price``'s arguments (``market``: the CLI's check of a selling market's id)."""
    price = commands.add_parser("price", help="ops: set or show a session's live price / promotion for a SKU")
    price.add_argument("action", choices=["set", "show"])
    price.add_argument("market", type=market)
    price.add_argument("session_id")
    price.add_argument("sku")
    price.add_argument("price", nargs="?", help="set: the unit price in the market's currency")
    price.add_argument("--kind", choices=["live_price", "promotion"], default="promotion")
    price.add_argument("--from", dest="valid_from", help="ISO time with zone (default: now)")
    price.add_argument("--until", dest="valid_until", help="ISO time with zone (or --minutes)")
    price.add_argument("--minutes", type=int, default=60, help="validity from --from (default 60)")
    price.add_argument("--aws", action="store_true", help="use the real AWS account of your credentials")


def session_price(args: argparse.Namespace, now: datetime) -> SessionPrice:
    """The price the command line sets (``ValueError`` / ``ValidationError`` name what is wrong)."""
    from livebase.commerce.pricing import SessionPrice

    if args.price is None:
        raise ValueError("set needs the price, e.g. price set eu sess-1 SKU-A1 14.90")
    start = datetime.fromisoformat(args.valid_from) if args.valid_from else now
    end = datetime.fromisoformat(args.valid_until) if args.valid_until else start + timedelta(minutes=args.minutes)
    return SessionPrice(sku=args.sku, session_id=args.session_id, price=args.price, kind=args.kind, set_by="ops",
                        valid_from=start, valid_until=end)  # fmt: skip


def _store(resources: MarketResources) -> Any:
    import boto3

    from livebase.aws import retry_config
    from livebase.stores.session_prices import SessionPriceStore

    dynamodb = boto3.client("dynamodb", region_name=resources.region, config=retry_config())
    return SessionPriceStore(dynamodb, resources.inventory_table)


def shown(resources: MarketResources, session_id: str, sku: str, currency: str, now: datetime) -> list[str]:
    """Every price set for the SKU in the session, and what an order received now pays."""
    import boto3

    from livebase.commerce.price_list import catalogue_from_lake
    from livebase.commerce.pricing import PriceBook

    prices = _store(resources).for_sku(session_id, sku)
    lines = [
        f"  {p.kind} {p.price} {currency} set by {p.set_by}, {p.valid_from.isoformat()} .. {p.valid_until.isoformat()}"
        for p in sorted(prices, key=lambda p: p.valid_from)
    ]
    catalogue = catalogue_from_lake(boto3.client("s3", region_name=resources.region), resources.data_lake_bucket)()
    quote = PriceBook.from_catalogue(catalogue, currency, prices).quote(sku, session_id, now)
    now_said = "no price: an order would be refused" if quote is None else f"{quote.unit_price} ({quote.describe()})"
    return [*lines, f"  now: {now_said}"]


def run_price(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from livebase.batches.reasons import describe_error
    from livebase.markets.config import load_markets
    from livebase_local.platform import market_resources

    market = load_markets()[args.market]
    now = datetime.now(UTC)
    resources = market_resources([args.market], real_aws=args.aws)[args.market]
    if args.action == "set":
        try:
            price = session_price(args, now)
        except ValidationError as error:
            print(f"livebase: not a valid price: {describe_error(error)}", file=sys.stderr)
            return 2
        except ValueError as error:
            print(f"livebase: {error}", file=sys.stderr)
            return 2
        _store(resources).put(price, at=now)
        window = f"{price.valid_from.isoformat()} .. {price.valid_until.isoformat()}"
        print(f"{args.market}: {price.kind} of {price.sku} in {price.session_id} at {price.price} {market.currency}, "
              f"{window} (orders pay it within a minute)")  # fmt: skip
    print(f"{args.market} {args.session_id} {args.sku}:")
    for line in shown(resources, args.session_id, args.sku, market.currency, now):
        print(line)
    return 0

"""`./livebase presale open --market M --sku S --cap N [--po PO]`: ops open (or re-cap) a presale.

The same library call session planning makes for its presale slots
(:func:`livebase.replenishment.presales.open_presale`): the cap is what the room may sell ahead of
an inbound purchase order's goods, at most the units that PO still has to deliver; refused with the
reason otherwise (no open PO brings the SKU, the cap is above what is unpromised, another PO's
presale still has buyers waiting, the SKU is not tracked). The line printed names the PO, the cap,
what is sold and left, and what of the PO stays unpromised.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the command's libraries load when it runs, not with the CLI
    from livebase.markets.resources import MarketResources
    from livebase.replenishment.presales import PresaleOpened


def add_presale_parser(commands: Any, market: Callable[[str], str]) -> None:
    """``presale open``'s arguments (``market``: the CLI's check of a selling market's id)."""
    presale = commands.add_parser("presale", help="open a presale against an inbound purchase order")
    presale.add_argument("action", choices=["open"])
    presale.add_argument("--market", required=True, type=market)
    presale.add_argument("--sku", required=True)
    presale.add_argument("--cap", required=True, type=int, help="units sellable ahead of the goods")
    presale.add_argument("--po", default=None, help="the purchase order (default: the first to arrive that covers)")
    presale.add_argument("--aws", action="store_true", help="use the real AWS account of your credentials")


def open_market_presale(resources: MarketResources, sku: str, cap: int, po_id: str | None = None) -> PresaleOpened:
    """Open it in the market's own region; raises ``PresaleRefused`` with the reason."""
    import boto3

    from livebase.aws import retry_config
    from livebase.commerce.orders import market_warehouse
    from livebase.replenishment.presales import open_presale
    from livebase.stores.inventory import InventoryStore
    from livebase.stores.presales import PresaleBook
    from livebase.stores.purchase_orders import PurchaseOrderStore

    dynamodb = boto3.client("dynamodb", region_name=resources.region, config=retry_config())
    book = PresaleBook(InventoryStore(dynamodb, resources.inventory_table))
    purchase_orders = PurchaseOrderStore(dynamodb, resources.purchase_orders_table)
    return open_presale(book, purchase_orders, resources.market, market_warehouse(resources.market), sku, cap, po_id)


def run_presale(args: argparse.Namespace) -> int:
    """One line: the presale as opened (0), or the refusal with its reason on stderr (1)."""
    from livebase.replenishment.presales import PresaleRefused
    from livebase_local.platform import market_resources

    resources = market_resources([args.market], real_aws=args.aws)[args.market]
    try:
        opened = open_market_presale(resources, args.sku, args.cap, args.po)
    except PresaleRefused as refused:
        print(f"livebase: presale of {args.sku} refused: {refused}", file=sys.stderr)
        return 1
    print(opened.line())
    return 0

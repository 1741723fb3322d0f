"""`./livebase passport-grant <market> <batch> <supplier>`: the base grants a supplier a passport batch.

Batches have owners (``livebase.passport.owners``): the supplier whose event opened the batch, or
the one the base granted it to before anyone did. This is the base's grant, written to the market's
ledger table in its own region (``LedgerStore.grant``): on a batch nobody opened, the supplier
becomes its owner (so nobody can squat it first); on an opened one, they may add events to it (a
customs broker, a warehouse). Prints the batch's owner and grants after.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3

from livebase.aws import retry_config
from livebase.live.events import NAME_ID_PATTERN
from livebase.passport.events import BATCH_PATTERN
from livebase.stores.ledger import LedgerStore


def add_passport_grant_parser(commands: Any, market: Callable[[str], str]) -> None:
    grant = commands.add_parser("passport-grant", help="grant a supplier a passport batch (owner if nobody opened it)")
    grant.add_argument("market", type=market)
    grant.add_argument("batch", type=_matching(BATCH_PATTERN, "a batch id (A-Z, 0-9, '-')"))
    grant.add_argument("supplier", type=_matching(NAME_ID_PATTERN, "a supplier id (letters, digits, _ . : -)"))
    grant.add_argument("--aws", action="store_true", help="use the real AWS account of your credentials")


def _matching(pattern: str, what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not re.fullmatch(pattern, value):
            raise argparse.ArgumentTypeError(f"not {what}")
        return value

    return check


def run_passport_grant(args: argparse.Namespace) -> int:
    from livebase_local.platform import market_resources

    resources = market_resources([args.market], real_aws=args.aws)[args.market]
    dynamodb = boto3.Session(region_name=resources.region).client("dynamodb", config=retry_config())
    ledger = LedgerStore(dynamodb, resources.passport_ledger_table)
    owner = ledger.grant(args.batch, args.supplier, datetime.now(UTC))
    grants = ledger.grants(args.batch)
    print(f"{args.market}: batch {args.batch} owned by {owner.supplier_id} ({owner.source}); "
          f"granted to: {', '.join(grants) or 'nobody else'}")  # fmt: skip
    return 0

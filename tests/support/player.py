"""eu's player resources in the in-process moto: what recommendations read and write (player, consent, orders)."""

from __future__ import annotations

import boto3

from livebase.markets.config import load_markets
from livebase.markets.resources import OUTPUTS, MarketResources
from tests.support.tables import string_keyed_table


def eu_player_market(lake: str | None = None) -> MarketResources:
    """eu with fresh player, consent and orders tables (and, named ``lake``, a data-lake bucket) in its region; the
    other resources are named but not made."""
    region = load_markets()["eu"].region
    client = boto3.client("dynamodb", region_name=region)
    names = {field: f"eu-{field}" for field in OUTPUTS}
    names["player_table"] = string_keyed_table(client, "player", "pk", "sk")
    names["consent_table"] = string_keyed_table(client, "consent", "viewer_key", "purpose")
    names["orders_table"] = string_keyed_table(client, "orders", "order_id")
    if lake is not None:
        s3 = boto3.client("s3", region_name=region)
        s3.create_bucket(Bucket=lake, CreateBucketConfiguration={"LocationConstraint": region})
        names["data_lake_bucket"] = lake
    return MarketResources(market="eu", region=region, **names)

"""eu's stores of personal data in the in-process moto, for the erasure tests: what ``ViewerErasure`` scans."""

from __future__ import annotations

from dataclasses import fields

import boto3

from livebase.markets.config import load_markets
from livebase.markets.resources import MarketResources
from livebase.stores.erasure import ViewerErasure
from tests.support.tables import string_keyed_table


def eu_erasure(region: str) -> ViewerErasure:
    """eu's erasure over fresh orders, idempotency, consent and room-metrics tables in ``region`` and a versioned
    lake (bucket ``lake``: erased objects leave versions behind); the other resources are unnamed."""
    dynamodb = boto3.client("dynamodb", region_name=region)
    s3 = boto3.client("s3", region_name=region)
    s3.create_bucket(Bucket="lake", CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_versioning(Bucket="lake", VersioningConfiguration={"Status": "Enabled"})
    names = {f.name: "" for f in fields(MarketResources)} | {
        "market": "eu", "region": region, "data_lake_bucket": "lake",
        "orders_table": string_keyed_table(dynamodb, "orders", "order_id"),
        "idempotency_table": string_keyed_table(dynamodb, "idempotency", "id"),
        "consent_table": string_keyed_table(dynamodb, "consent", "viewer_key", "purpose"),
        "room_metrics_table": string_keyed_table(dynamodb, "room", "pk", "sk"),
    }  # fmt: skip
    return ViewerErasure(load_markets()["eu"], MarketResources(**names))

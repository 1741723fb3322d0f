"""Erasure against the local AWS with the real stacks: the deployed HMAC key pseudonymises in-region,
`./livebase erase`'s call removes the viewer everywhere, and a later scan finds nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3

from livebase.markets.config import load_markets
from livebase.privacy.consent import Purpose
from livebase.privacy.pseudonyms import KmsPseudonymiser
from livebase.stores.consent import ConsentStore
from livebase.stores.erasure import ViewerErasure
from livebase.stores.orders import OrderStore
from livebase_local.commands.erase import erase, erasure_line
from tests.support.local_aws import LocalAwsStack
from tests.support.orders import placed

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def test_erase_through_the_deployed_eu_stack(local_aws: LocalAwsStack) -> None:
    resources = local_aws.deployments["eu"].resources()
    kms = boto3.client("kms", region_name=resources.region)
    assert kms.describe_key(KeyId=resources.pseudonym_key_id)["KeyMetadata"]["KeySpec"] == "HMAC_256"
    viewer = KmsPseudonymiser(kms, resources.pseudonym_key_id)("account-erase-me")
    orders = OrderStore.for_market(resources, retention_days=365)
    orders.save(placed("ord-erase-local-1", NOW, ("SKU-A", 1, "2")).model_copy(update={"viewer_id": viewer}), "placed")
    ConsentStore.for_market(resources).record(viewer, Purpose.MARKETING, True, NOW)
    s3 = boto3.client("s3", region_name=resources.region)
    s3.put_object(Bucket=resources.data_lake_bucket, Key="recall/eu/2026-12-01.json",
                  Body=json.dumps({"market": "eu", "viewers": [viewer]}).encode())  # fmt: skip
    receipt = erase(resources, "account-erase-me")
    assert receipt.complete and receipt.counts()["orders"] == 1 and receipt.counts()["consent"] == 1
    assert "complete" in erasure_line(receipt) and viewer not in erasure_line(receipt)
    later = ViewerErasure(load_markets()["eu"], resources).find(viewer)
    assert later == dict.fromkeys(later, 0)
    stored = s3.get_object(Bucket=resources.data_lake_bucket, Key=receipt.key)["Body"].read()
    assert viewer.encode() not in stored

"""A flow's markets in the in-process moto: the resolve task returns resources made by the test, not a stack's."""

from __future__ import annotations

import json
from dataclasses import fields
from types import ModuleType

import boto3
import pytest

from livebase.markets.config import hq_market, load_markets
from livebase.markets.resources import MarketResources

EU = "eu-central-1"


def resolve_to(monkeypatch: pytest.MonkeyPatch, flow_module: ModuleType, resources: MarketResources) -> None:
    """``flow_module``'s ``resolve-market-resources`` task returns ``resources`` (no DescribeStacks)."""
    from prefect import task

    @task(name="resolve-market-resources")
    def resolve(market_id: str) -> MarketResources:
        return resources

    monkeypatch.setattr(flow_module, "resolve_market_resources", resolve)


def _table(region: str, name: str, *keys: str) -> None:
    """An on-demand table named ``name`` with string keys (the first the hash key, the second the range key)."""
    boto3.client("dynamodb", region_name=region).create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": k, "KeyType": "HASH" if i == 0 else "RANGE"} for i, k in enumerate(keys)],
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in keys],
    )  # fmt: skip


def eu_flow_market(
    monkeypatch: pytest.MonkeyPatch, flow_module: ModuleType, prefix: str, hq_bucket: str
) -> MarketResources:
    """eu's orders and consent tables and lake bucket in eu-central-1, hq's stack naming ``hq_bucket`` as its lake,
    and ``flow_module`` resolving eu to them: what the regional flows read and write, made by the test."""
    names = {f.name: f"{prefix}-eu-{f.name}".replace("_", "-") for f in fields(MarketResources)}
    resources = MarketResources(**(names | {"market": "eu", "region": EU}))
    _table(EU, resources.orders_table, "order_id")
    _table(EU, resources.consent_table, "viewer_key", "purpose")
    s3 = boto3.client("s3", region_name=EU)
    s3.create_bucket(Bucket=resources.data_lake_bucket, CreateBucketConfiguration={"LocationConstraint": EU})
    template = {"Resources": {"Lake": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": hq_bucket}}},
                "Outputs": {"DataLakeBucketName": {"Value": {"Ref": "Lake"}}}}  # fmt: skip
    hq = hq_market(load_markets())
    boto3.client("cloudformation", region_name=hq.region).create_stack(
        StackName=hq.stack_name, TemplateBody=json.dumps(template)
    )
    resolve_to(monkeypatch, flow_module, resources)
    return resources

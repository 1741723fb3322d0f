"""What the regional-processing flow reads and writes, each in the region it belongs to.

Reads: a market's orders (a segment of a parallel scan), its marketing consent, its viewers' activity
(``recall/<market>/activity/``, kept by the consent function: issue 31), hq's bucket name.
Writes: the recall list in the market's own data lake (``recall/<market>/``), the export in hq's
bucket (``aggregates/<market>/``) only after the residency guard let it pass, and a refused export
in the market's own quarantine (``quarantine/<market>/regional-processing/``), never lost.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import boto3
import pandas as pd

from livebase.aggregates.export import MarketExport
from livebase.aggregates.rollup import ROLLUP_ROLE_VARIABLE
from livebase.batches.quarantine import QUARANTINE_PREFIX
from livebase.lifecycle.activity import activity_frame
from livebase.lifecycle.frame import orders_frame
from livebase.lifecycle.stages import StageRules
from livebase.markets.config import Market
from livebase.markets.resources import MarketResources
from livebase.privacy.consent import Purpose
from livebase.privacy.guard import send_guarded
from livebase.privacy.refused import RESIDENCY_REFUSED
from livebase.privacy.retention import RECALL_PREFIX  # expired by retention, rewritten by erasure
from livebase.stores.orders import OrderStore

EXPORT_PREFIX = "aggregates"
CONSUMER = "regional-processing"


def read_orders_segment(resources: MarketResources, segment: int, total_segments: int) -> pd.DataFrame:
    """One segment of the market's orders as a validated lifecycle frame (read in its region)."""
    return orders_frame(OrderStore.for_market(resources).lifecycle_rows(segment, total_segments))


def marketing_consent(resources: MarketResources) -> set[str]:
    """Viewer keys whose latest consent grants marketing: read once per run, so a withdrawal
    takes effect on the next run."""
    from livebase.stores.consent import ConsentStore

    return ConsentStore.for_market(resources).granted_keys(Purpose.MARKETING)


def market_rules(market: Market, overrides: dict[str, int]) -> StageRules:
    """The market's stage days (market config ``lifecycle``), with what the run's parameters override."""
    base = StageRules.of(market.lifecycle)
    return StageRules(**{**base.__dict__, **overrides})


def read_activity(resources: MarketResources, as_of: date, rules: StageRules) -> pd.DataFrame:
    """The viewers' activity of the ``churned_after`` days up to ``as_of`` (older: churned whatever it was)."""
    from livebase.stores.recall import RecallLake

    lake = RecallLake(boto3.client("s3", region_name=resources.region), resources.data_lake_bucket, resources.market)
    first = as_of - timedelta(days=rules.churned_after + 1)
    return activity_frame(lake.activity(first, as_of + timedelta(days=1)))  # the day's arrivals up to midnight


def recall_key(market: str, as_of: date) -> str:
    return f"{RECALL_PREFIX}/{market}/{as_of.isoformat()}.json"


def write_recall_list(resources: MarketResources, as_of: date, viewers: list[str]) -> str:
    """The dormant, consenting viewers, in the market's own data lake (KMS by bucket default)."""
    key = recall_key(resources.market, as_of)
    body = json.dumps({"market": resources.market, "as_of": as_of.isoformat(), "viewers": viewers})
    s3 = boto3.client("s3", region_name=resources.region)
    s3.put_object(Bucket=resources.data_lake_bucket, Key=key, Body=body.encode(), ContentType="application/json")
    return key


def hq_bucket(hq: Market, cloudformation: Any | None = None) -> str:
    """hq's data-lake bucket, from its stack's outputs in hq's region."""
    client = cloudformation or boto3.client("cloudformation", region_name=hq.region)
    try:
        stacks = client.describe_stacks(StackName=hq.stack_name)["Stacks"]
    except client.exceptions.ClientError as error:
        raise LookupError(f"hq stack {hq.stack_name} not found in {hq.region}: is it deployed?") from error
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    if "DataLakeBucketName" not in outputs:
        raise LookupError(f"hq stack {hq.stack_name} has no DataLakeBucketName output")
    return outputs["DataLakeBucketName"]


def quarantine_refused(resources: MarketResources, key_name: str, reasons: list[str], document: str) -> str:
    """Keep a refused outgoing document in the market's own region, with why (nothing lost)."""
    key = f"{QUARANTINE_PREFIX}/{resources.market}/{CONSUMER}/{key_name}"
    body = json.dumps({"condition": RESIDENCY_REFUSED, "reasons": reasons, "document": document})
    boto3.client("s3", region_name=resources.region).put_object(
        Bucket=resources.data_lake_bucket, Key=key, Body=body.encode(), ContentType="application/json"
    )
    return key


def send_to_hq(source: Market, resources: MarketResources, hq: Market, bucket: str, document: str, key: str) -> str:
    """Put ``document`` at ``key`` in hq's bucket if the residency guard allows it; else quarantine
    it in the source market and raise :class:`ResidencyViolation` naming what looked personal."""

    def put(text: str) -> str:
        s3 = boto3.client("s3", region_name=hq.region)
        s3.put_object(Bucket=bucket, Key=key, Body=text.encode(), ContentType="application/json")
        return key

    def keep(text: str, reasons: list[str]) -> str:
        return quarantine_refused(resources, key.replace("/", "_"), reasons, text)

    return send_guarded(source, hq, document, put, keep, what="export")


def send_export(source: Market, resources: MarketResources, hq: Market, bucket: str, export: MarketExport) -> str:
    """The validated export (schema: no viewer field, no cell below k) through :func:`send_to_hq`."""
    document = MarketExport.model_validate(export.model_dump()).model_dump_json()
    return send_to_hq(source, resources, hq, bucket, document, export.object_key())


def hq_reader_session(hq: Market, environ: Mapping[str, str] | None = None) -> boto3.Session:
    """A session in hq's region as hq's roll-up reader.

    In the cloud the flow runs under its market's flow role, which may not read hq's bucket itself:
    it assumes hq's roll-up role (named in ``LIVEBASE_HQ_ROLLUP_ROLE`` on the ECS task; reads
    ``aggregates/`` only), in the account and partition it runs in. Without that variable (the
    embedded default, a test) the process's own credentials read.
    """
    role_name = (os.environ if environ is None else environ).get(ROLLUP_ROLE_VARIABLE, "")
    if not role_name:
        return boto3.Session(region_name=hq.region)
    sts = boto3.client("sts", region_name=hq.region)
    caller = sts.get_caller_identity()
    role_arn = f"arn:{caller['Arn'].split(':')[1]}:iam::{caller['Account']}:role/{role_name}"
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=f"{CONSUMER}-rollup", DurationSeconds=900)
    granted = credentials["Credentials"]
    return boto3.Session(
        aws_access_key_id=granted["AccessKeyId"], aws_secret_access_key=granted["SecretAccessKey"],
        aws_session_token=granted["SessionToken"], region_name=hq.region,
    )  # fmt: skip


def read_exports(hq: Market, bucket: str, as_of: date, session: boto3.Session | None = None) -> list[MarketExport]:
    """Every market's export for ``as_of`` that has arrived in hq's bucket (read in hq's region, as hq's reader)."""
    s3 = (session or hq_reader_session(hq)).client("s3")
    exports = []
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=f"{EXPORT_PREFIX}/"):
        for item in page.get("Contents", []):
            if item["Key"].endswith(f"/{as_of.isoformat()}.json"):
                body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                exports.append(MarketExport.model_validate_json(body))
    return exports

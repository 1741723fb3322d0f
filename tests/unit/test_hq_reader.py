"""hq's roll-up reads the markets' exports as hq's reader (issue 29): in the cloud the market's flow role
assumes ``livebase-<hq>-rollup`` (named on the ECS task), in the account and partition it runs in;
without the variable (the embedded default) the process's own credentials read."""

from __future__ import annotations

import json
from datetime import date

import boto3
import pytest

from flows.regional_io import EXPORT_PREFIX, hq_reader_session, read_exports
from livebase.aggregates.rollup import ROLLUP_ROLE_VARIABLE, rollup_role_name
from livebase.markets.config import hq_market, load_markets

HQ = hq_market(load_markets())
BUCKET = "livebase-hq-aggregates"


@pytest.mark.usefixtures("aws")
def test_the_rollup_assumes_hqs_reader_role_when_the_task_names_it() -> None:
    iam = boto3.client("iam", region_name=HQ.region)
    allow = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}
    trust = {"Version": "2012-10-17", "Statement": [allow]}
    role = iam.create_role(RoleName=rollup_role_name(HQ.id), AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    s3 = boto3.client("s3", region_name=HQ.region)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": HQ.region})
    s3.put_object(Bucket=BUCKET, Key=f"{EXPORT_PREFIX}/sea/2026-12-01.json", Body=b"{}")  # another day: not read

    assumed = hq_reader_session(HQ, {ROLLUP_ROLE_VARIABLE: rollup_role_name(HQ.id)})
    caller = assumed.client("sts").get_caller_identity()
    assert caller["Arn"].startswith(f"arn:aws:sts::123456789012:assumed-role/{role['RoleName']}/")
    assert assumed.region_name == HQ.region
    assert read_exports(HQ, BUCKET, date(2026, 12, 2), assumed) == []

    own = hq_reader_session(HQ, {})  # no role named: the embedded default's own credentials
    assert ":assumed-role/" not in own.client("sts").get_caller_identity()["Arn"]

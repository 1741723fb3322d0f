"""hq's stack (aggregates only) in the session's local AWS, for the tests of what crosses to hq.

The shared ``local_aws`` fixture deploys the selling markets ``sea`` and ``eu``; hq is synthesised
and deployed here, once per session (cached), into its own region of the same moto server.
"""

from __future__ import annotations

import tempfile
from functools import cache

import boto3

from livebase.markets.config import Market, load_markets
from livebase.markets.config import hq_market as hq_of
from livebase_local.aws.deploy import deploy_assembly


def hq_market() -> Market:
    return hq_of(load_markets())


@cache
def deploy_hq() -> str:
    """Synthesise and deploy ``Livebase-hq``; its data-lake bucket name."""
    from infra_cdk.app import build_app, synth_errors

    hq = hq_market()
    outdir = tempfile.mkdtemp(prefix="cdk-hq-")
    errors = synth_errors(build_app(outdir=outdir, markets={hq.id: hq}).synth())
    assert not errors, errors
    deployment = deploy_assembly(outdir, [hq.id])[hq.id]
    return deployment.outputs["DataLakeBucketName"]


def objects_in(bucket: str, region: str) -> dict[str, bytes]:
    """Every object of ``bucket`` (key -> body): what has arrived there."""
    s3 = boto3.client("s3", region_name=region)
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            found[item["Key"]] = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return found

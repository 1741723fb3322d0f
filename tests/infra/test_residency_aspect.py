"""The residency aspect refuses cross-Region constructs in every market holding personal data (strict and
standard), and not in the aggregates-only hq."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from infra_cdk.app import synth_errors
from infra_cdk.market_stack import MarketStack
from infra_cdk.residency_aspect import ResidencyAspect
from livebase.markets.config import load_markets

MARKETS = load_markets()
STRICT = MARKETS["eu"]  # residency: strict
STANDARD = MARKETS["sea"]  # residency: standard


def _add_offenders(stack: cdk.Stack, other_region: str) -> None:
    dynamodb.CfnGlobalTable(
        stack,
        "GlobalOrders",
        attribute_definitions=[{"attributeName": "id", "attributeType": "S"}],
        key_schema=[{"attributeName": "id", "keyType": "HASH"}],
        billing_mode="PAY_PER_REQUEST",
        replicas=[{"region": stack.region}, {"region": other_region}],
    )
    dynamodb.Table(
        stack,
        "ReplicatedTable",
        partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
        replication_regions=[other_region],
    )
    bucket = s3.CfnBucket(stack, "ReplicatedBucket", versioning_configuration={"status": "Enabled"})
    bucket.replication_configuration = s3.CfnBucket.ReplicationConfigurationProperty(
        role="arn:aws:iam::000000000000:role/replication",
        rules=[{"destination": {"bucket": "arn:aws:s3:::elsewhere"}, "status": "Enabled"}],
    )
    kms.Key(stack, "MultiRegionKey", multi_region=True)
    cdk.CfnResource(
        stack, "CrossRegionRef", type="Custom::CrossRegionExportWriter", properties={"Region": other_region}
    )
    cdk.CfnOutput(stack, "ExportedName", value="orders", export_name=f"{stack.stack_name}-orders")


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> cdk.cx_api.CloudAssembly:
    """One app: a real strict MarketStack with offenders, the same in a plain stack, wrong Regions."""
    app = cdk.App(outdir=str(tmp_path_factory.mktemp("residency")))
    env = cdk.Environment(account="000000000000", region=STRICT.region)
    strict_stack = MarketStack(app, "StrictWithOffenders", market=STRICT, env=env)
    _add_offenders(strict_stack, "us-east-1")
    standard = cdk.Stack(app, "StandardWithOffenders", env=cdk.Environment(region=STANDARD.region))
    _add_offenders(standard, "us-east-1")
    cdk.Aspects.of(standard).add(ResidencyAspect(STANDARD))
    wrong = cdk.Stack(app, "StrictElsewhere", env=cdk.Environment(region="us-east-1"))
    cdk.Aspects.of(wrong).add(ResidencyAspect(STRICT))
    unpinned = cdk.Stack(app, "StrictUnpinned")
    cdk.Aspects.of(unpinned).add(ResidencyAspect(STRICT))
    hq = cdk.Stack(app, "HqWithOffenders", env=cdk.Environment(region=MARKETS["hq"].region))
    _add_offenders(hq, "us-east-1")
    cdk.Aspects.of(hq).add(ResidencyAspect(MARKETS["hq"]))
    return app.synth()


def _errors(assembly: cdk.cx_api.CloudAssembly, stack: str) -> dict[str, str]:
    messages = assembly.get_stack_by_name(stack).messages
    return {m.id: str(m.entry.data) for m in messages if m.level == cdk.cx_api.SynthesisMessageLevel.ERROR}


def test_strict_market_stack_fails_on_every_offender(assembly) -> None:
    errors = _errors(assembly, "StrictWithOffenders")
    expected = {
        "/StrictWithOffenders/GlobalOrders": "global table has replicas in ['us-east-1']",
        "/StrictWithOffenders/ReplicatedTable/Replicaus-east-1/Default": "replica (replication_regions)",
        "/StrictWithOffenders/ReplicatedBucket": "S3 bucket replication",
        "/StrictWithOffenders/MultiRegionKey/Resource": "multi-Region KMS keys",
        "/StrictWithOffenders/CrossRegionRef": "cross-Region reference",
        "/StrictWithOffenders/ExportedName": "stack export",
    }
    for path, fragment in expected.items():
        assert fragment in errors.get(path, ""), (path, errors)
    assert all("market 'eu' is strict" in text for text in errors.values())
    assert len(errors) == len(expected)  # the market's own resources raise nothing
    assert len(synth_errors(assembly)) >= len(expected)  # what `python -m infra_cdk.app` exits 1 on


def test_stack_outside_the_market_region_fails(assembly) -> None:
    assert list(_errors(assembly, "StrictElsewhere").values()) == [
        "residency: market 'eu' is strict (personal data stays in eu-central-1); stack StrictElsewhere is in us-east-1"
    ]
    assert "is not pinned to a Region" in next(iter(_errors(assembly, "StrictUnpinned").values()))


def test_standard_market_is_policed_too_and_hq_is_not(assembly) -> None:
    errors = _errors(assembly, "StandardWithOffenders")
    assert len(errors) == 6 and all("market 'sea' is standard" in text for text in errors.values())
    assert _errors(assembly, "HqWithOffenders") == {}  # aggregates only: nothing personal to keep in

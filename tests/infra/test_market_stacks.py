"""The synthesised market stacks: what each selling market and hq hold, checked on the templates."""

from __future__ import annotations

import json
from importlib import metadata
from typing import Any

import pytest
from packaging.requirements import Requirement

from infra_cdk.app import synth_errors
from livebase.live.events import ORDER_EVENT_TYPES
from livebase.markets.config import Market, load_markets, selling_markets
from livebase.markets.resources import OUTPUTS
from livebase_local.aws.template_transform import ALWAYS_DROPPED_PREFIXES, API_CREATED_TYPES

MARKETS = load_markets()
SELLING = [m.id for m in selling_markets(MARKETS)]
HQ = [m.id for m in MARKETS.values() if not m.holds_personal_data]


def resources(template: dict[str, Any], cfn_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == cfn_type}


def only(template: dict[str, Any], cfn_type: str) -> tuple[str, dict[str, Any]]:
    found = resources(template, cfn_type)
    assert len(found) == 1, f"expected one {cfn_type}, got {list(found)}"
    return next(iter(found.items()))


def powertools_layer_reference() -> str:
    """The AWS-managed Powertools layer of the release installed here, for python3.12 on x86_64."""
    version = metadata.version("aws-lambda-powertools")
    return f"{{{{resolve:ssm:/aws/service/powertools/python/x86_64/python3.12/{version}}}}}"


def key_arn(template: dict[str, Any]) -> dict[str, Any]:
    """The market's data key (the pseudonym key, an HMAC key, is tested in test_privacy_stacks.py)."""
    [key] = [k for k in resources(template, "AWS::KMS::Key") if k.startswith("EncryptionKey")]
    return {"Fn::GetAtt": [key, "Arn"]}


def live_stream(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The live-event stream (the studio's telemetry stream is tested in test_studio.py)."""
    [found] = [(k, v) for k, v in resources(template, "AWS::Kinesis::Stream").items() if k.startswith("LiveIngest")]
    return found


def test_one_stack_per_market_pinned_to_its_region(synthesised) -> None:
    stacks = {s.stack_name: s for s in synthesised.assembly.stacks}
    media = {f"{m.stack_name}-media" for m in MARKETS.values() if m.media_region}  # tests/infra/test_media_stack.py
    assert set(stacks) == {m.stack_name for m in MARKETS.values()} | media
    for market in MARKETS.values():
        assert stacks[market.stack_name].environment.region == market.region
    assert synth_errors(synthesised.assembly) == []


def test_cdk_nag_reports_no_unacknowledged_finding(synthesised) -> None:
    report = json.loads((synthesised.outdir / "validation-report.json").read_text())
    violations = [v for plugin in report["pluginReports"] for v in plugin.get("violations", [])]
    assert violations == []


@pytest.mark.parametrize("market_id", SELLING + HQ)
def test_single_region_rotated_key(synthesised, market_id: str) -> None:
    synthesised.template(market_id).has_resource_properties(
        "AWS::KMS::Key", {"EnableKeyRotation": True, "MultiRegion": False}
    )


@pytest.mark.parametrize("market_id", SELLING)
def test_stream_encrypted_with_market_key(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    _, stream = live_stream(raw)
    props = stream["Properties"]
    assert props["StreamEncryption"] == {"EncryptionType": "KMS", "KeyId": key_arn(raw)}
    assert props["RetentionPeriodHours"] == 24
    assert props["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}


TABLE_KEYS = {  # (partition key, sort key) -> TTL attribute
    ("order_id", None): "expires_at",  # the market's retention.orders_days
    ("id", None): "expiration",
    ("pk", "sk"): "expires_at",
    ("sku", "warehouse"): None,
    ("po_id", None): None,
    ("sku", None): "expires_at",  # forecasts
    ("viewer_key", "purpose"): "expires_at",  # consent (test_privacy_stacks.py)
}
OWN_TESTS = ("Passport", "Studio")  # their tables, buckets and queues: test_passport.py, test_studio.py


@pytest.mark.parametrize("market_id", SELLING)
def test_tables_on_demand_pitr_customer_key(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    tables = {k: t for k, t in resources(raw, "AWS::DynamoDB::Table").items() if not k.startswith(OWN_TESTS)}
    seen = {}
    for table in tables.values():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["SSESpecification"] == {
            "SSEEnabled": True,
            "SSEType": "KMS",
            "KMSMasterKeyId": key_arn(raw),
        }
        schema = {k["KeyType"]: k["AttributeName"] for k in props["KeySchema"]}
        ttl = props.get("TimeToLiveSpecification", {})
        seen[(schema["HASH"], schema.get("RANGE"))] = ttl.get("AttributeName") if ttl.get("Enabled") else None
    assert seen == TABLE_KEYS


@pytest.mark.parametrize("market_id", SELLING + HQ)
def test_data_lake_bucket_private_versioned_logged(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    buckets = {k: b for k, b in resources(raw, "AWS::S3::Bucket").items() if not k.startswith(OWN_TESTS)}
    assert len(buckets) == 2
    ((lake_id, lake),) = [(k, b) for k, b in buckets.items() if "LoggingConfiguration" in b["Properties"]]
    ((log_id, _),) = [(k, b) for k, b in buckets.items() if k != lake_id]
    props = lake["Properties"]
    sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert sse == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn(raw)}
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": log_id}
    assert "ReplicationConfiguration" not in props
    for bucket in buckets.values():
        block = bucket["Properties"]["PublicAccessBlockConfiguration"]
        assert set(block) == {
            "BlockPublicAcls",
            "BlockPublicPolicy",
            "IgnorePublicAcls",
            "RestrictPublicBuckets",
        }
        assert all(value is True for value in block.values())
    for policy in resources(raw, "AWS::S3::BucketPolicy").values():
        deny = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
        assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in deny)


@pytest.mark.parametrize("market_id", SELLING)
def test_queues_encrypted_and_ssl_only(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    queues = resources(raw, "AWS::SQS::Queue")
    # ingest DLQ, orders DLQ, WMS queue + DLQ, ops-alerts DLQ, supplier-orders, replenish-signals and
    # room-alert-signals queues + DLQs; the supply chain's, room cues', passport's and studio's are
    # counted by their own tests (test_supply_chain.py, ...)
    own = {k: q for k, q in queues.items() if not k.startswith(("SupplyChain", "RoomCues", *OWN_TESTS))}
    assert len(own) == 11
    for queue in queues.values():
        assert queue["Properties"]["KmsMasterKeyId"] == key_arn(raw)
    redriven = [q for q in own.values() if "RedrivePolicy" in q["Properties"]]
    assert len(redriven) == 4 and all(q["Properties"]["RedrivePolicy"]["maxReceiveCount"] == 5 for q in redriven)
    guarded: set[str] = set()
    for policy in resources(raw, "AWS::SQS::QueuePolicy").values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        if any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
        ):
            guarded.update(q["Ref"] for q in policy["Properties"]["Queues"])
    assert guarded == set(queues)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def consumer(raw: dict[str, Any], function: str) -> tuple[str, dict[str, Any]]:
    """(logical id, properties) of the stream consumer function ``livebase-<market>-<function>``."""
    found = [
        (k, f["Properties"])
        for k, f in resources(raw, "AWS::Lambda::Function").items()
        if str(f["Properties"]["FunctionName"]).endswith(f"-{function}")
    ]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("market_id", SELLING)
def test_stream_consumers_and_their_mappings(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    stream_arn = {"Fn::GetAtt": [live_stream(raw)[0], "Arn"]}
    every = resources(raw, "AWS::Lambda::EventSourceMapping").values()
    mappings = [m for m in every if m["Properties"]["EventSourceArn"] == stream_arn]  # SQS ones: test_supply_chain
    assert len(mappings) == 2
    queues = resources(raw, "AWS::SQS::Queue")
    for function, dlq_name in (("ingest", "IngestDlq"), ("orders", "OrdersDlq")):
        function_id, _ = consumer(raw, function)
        [props] = [m["Properties"] for m in mappings if m["Properties"]["FunctionName"] == {"Ref": function_id}]
        dlq = [k for k in queues if dlq_name in k]
        assert props["EventSourceArn"] == {"Fn::GetAtt": [live_stream(raw)[0], "Arn"]}
        assert props["BatchSize"] == 100
        assert props["BisectBatchOnFunctionError"] is True
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert props["MaximumRetryAttempts"] == 3
        assert props["MaximumRecordAgeInSeconds"] == 3600
        assert props["StartingPosition"] == "TRIM_HORIZON"
        assert props["DestinationConfig"] == {"OnFailure": {"Destination": {"Fn::GetAtt": [dlq[0], "Arn"]}}}
        if function == "ingest":
            assert "FilterCriteria" not in props  # every record: validation and quarantine happen here
        else:
            [pattern] = [json.loads(f["Pattern"]) for f in props["FilterCriteria"]["Filters"]]
            assert pattern == {"data": {"type": list(ORDER_EVENT_TYPES)}}


@pytest.mark.parametrize("market_id", SELLING)
@pytest.mark.parametrize("function", ["ingest", "orders"])
def test_consumer_function(synthesised, market_id: str, function: str) -> None:
    raw = synthesised.raw(market_id)
    _, props = consumer(raw, function)
    assert props["Runtime"] == "python3.12"
    assert props["Architectures"] == ["x86_64"]
    assert (props["MemorySize"], props["Timeout"]) == (512, 60)
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["Handler"] == "handler.lambda_handler"
    variables = props["Environment"]["Variables"]
    expected = {var for _, var in OUTPUTS.values()} | {
        "MARKET",
        "MARKET_CONFIG",
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
    }
    assert set(variables) == expected
    assert variables["MARKET"] == market_id
    assert Market.model_validate_json(variables["MARKET_CONFIG"]) == MARKETS[market_id]
    assert variables["POWERTOOLS_SERVICE_NAME"] == function
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "Livebase"
    assert variables[f"{function.upper()}_FUNCTION_NAME"] == props["FunctionName"]
    assert powertools_layer_reference() in props["Layers"]  # resolved in the stack's Region at deploy
    layer_id, layer = only(raw, "AWS::Lambda::LayerVersion")
    assert {"Ref": layer_id} in props["Layers"]
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    log_groups = resources(raw, "AWS::Logs::LogGroup")
    log_group = log_groups[props["LoggingConfig"]["LogGroup"]["Ref"]]
    assert log_group["Properties"]["LogGroupName"] == f"/aws/lambda/{props['FunctionName']}"
    assert log_group["Properties"]["KmsKeyId"] == key_arn(raw)


@pytest.mark.parametrize("market_id", SELLING)
def test_powertools_layer_is_the_release_the_tests_run(synthesised, market_id: str) -> None:
    """Fails when the layer and the installed aws-lambda-powertools (within the project's pin) disagree."""
    [pin] = [r for r in map(Requirement, metadata.requires("livebase") or []) if r.name == "aws-lambda-powertools"]
    installed = metadata.version("aws-lambda-powertools")
    assert pin.specifier.contains(installed), f"installed powertools {installed} outside the pin {pin}"
    raw = synthesised.raw(market_id)
    for function in ("ingest", "orders"):
        _, props = consumer(raw, function)
        assert (props["Runtime"], props["Architectures"]) == ("python3.12", ["x86_64"])  # the layer's build
        powertools = [layer for layer in props["Layers"] if "powertools" in json.dumps(layer).lower()]
        assert powertools == [powertools_layer_reference()]
    assert "Parameters" not in raw or not any("powertools" in json.dumps(p) for p in raw["Parameters"].values())


@pytest.mark.parametrize("market_id", SELLING)
def test_iam_has_no_wildcard_resource_a_grant_could_scope(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    for role in resources(raw, "AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]
    for policy in resources(raw, "AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            if "*" in targets:  # X-Ray and IoT's endpoint lookup have no resource-level permissions at all
                actions = as_list(statement["Action"])
                assert all(a.startswith("xray:") or a == "iot:DescribeEndpoint" for a in actions), statement
            if "s3:PutObject" in statement["Action"]:  # object writes only under their prefix
                prefixes = ("/quarantine/*", "/replays/live/*", f"/quarantine/{market_id}/studio/*",
                            f"/erasure/{market_id}/*", f"/recall/{market_id}/*")  # fmt: skip
                assert all(json.dumps(t).endswith(tuple(f'{p}"]]}}' for p in prefixes)) for t in targets), targets


@pytest.mark.parametrize("market_id", SELLING)
def test_each_consumer_role_reaches_only_the_tables_it_uses(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    tables = {k: t for k, t in resources(raw, "AWS::DynamoDB::Table").items() if not k.startswith(OWN_TESTS)}
    by_key = {
        tuple(k["AttributeName"] for k in t["Properties"]["KeySchema"]): logical_id for logical_id, t in tables.items()
    }
    roles = {function: consumer(raw, function)[1]["Role"]["Fn::GetAtt"][0] for function in ("ingest", "orders")}

    def granted(role_id: str) -> set[str]:
        return {
            target["Fn::GetAtt"][0]
            for policy in resources(raw, "AWS::IAM::Policy").values()
            if {"Ref": role_id} in policy["Properties"]["Roles"]
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
            if any(str(a).startswith("dynamodb:") for a in statement["Action"])
            for target in (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            if isinstance(target, dict) and "Fn::GetAtt" in target
        }

    assert granted(roles["ingest"]) == {by_key[("pk", "sk")]}  # room totals, checkpoints, alert marks
    assert granted(roles["orders"]) == {by_key[("order_id",)], by_key[("id",)], by_key[("sku", "warehouse")]}


@pytest.mark.parametrize("market_id", SELLING)
def test_alarms_notify_encrypted_topic(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    topics = resources(raw, "AWS::SNS::Topic")
    [topic_id] = [t for t in topics if t.startswith("AlarmsAlarmTopic")]  # the ops topic is another audience's
    assert all(topic["Properties"]["KmsMasterKeyId"] == key_arn(raw) for topic in topics.values())
    alarms = resources(raw, "AWS::CloudWatch::Alarm")
    ages = [a for a in alarms.values() if a["Properties"]["MetricName"] == "IteratorAge"]
    assert len(ages) == 2 and all(a["Properties"]["Threshold"] == 60_000 for a in ages)  # one per consumer
    depth = [
        a
        for k, a in alarms.items()
        if a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
        and not k.startswith(  # their own tests
            ("AlarmsGoodsReceipts", "AlarmsShipmentUpdates", "AlarmsRoomCues", "AlarmsPassport", "AlarmsStudio")
        )
    ]
    # ingest, orders, WMS, ops-alerts, supplier-orders, replenish-signals, room-alert-signals DLQs
    assert len(depth) == 7 and all(a["Properties"]["Threshold"] == 0 for a in depth)
    for alarm in alarms.values():
        assert alarm["Properties"]["ComparisonOperator"] == "GreaterThanThreshold"
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]


@pytest.mark.parametrize("market_id", SELLING)
def test_outputs_are_the_resource_contract(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    assert {key for key, _ in OUTPUTS.values()} <= set(raw["Outputs"])  # and the API endpoints CDK adds
    _, bus = only(raw, "AWS::Events::EventBus")
    assert bus["Properties"]["Name"] == f"livebase-{market_id}"
    assert bus["Properties"]["KmsKeyIdentifier"] == key_arn(raw)


@pytest.mark.parametrize("market_id", HQ)
def test_hq_holds_nothing_personal(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    types = {r["Type"] for r in raw["Resources"].values()}
    for forbidden in (
        "AWS::Kinesis::Stream",
        "AWS::DynamoDB::Table",
        "AWS::Lambda::Function",
        "AWS::SQS::Queue",
    ):
        assert forbidden not in types
    assert set(raw["Outputs"]) == {"DataLakeBucketName", "EventBusName"}
    assert set(raw["Outputs"]) <= {key for key, _ in OUTPUTS.values()}
    _, bus = only(raw, "AWS::Events::EventBus")
    assert bus["Properties"]["Name"] == f"livebase-{market_id}"
    assert bus["Properties"]["KmsKeyIdentifier"] == key_arn(raw)


def _references(node: Any) -> set[str]:
    """Logical ids a template fragment points at through Ref / Fn::GetAtt."""
    if isinstance(node, dict):
        found: set[str] = set()
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value[0] if isinstance(value, list) else value.split(".")[0])
            else:
                found |= _references(value)
        return found
    if isinstance(node, list):
        return set().union(*(_references(item) for item in node)) if node else set()
    return set()


def _moto_cloudformation_types() -> set[str]:
    import importlib

    from moto.core.common_models import CloudFormationModel

    for service in (
        "kms", "sqs", "sns", "logs", "events", "awslambda", "kinesis", "dynamodb", "s3", "iam", "apigateway", "ssm",
        "secretsmanager", "iot",
    ):  # fmt: skip
        importlib.import_module(f"moto.{service}.models")
    stack, types = list(CloudFormationModel.__subclasses__()), set()
    while stack:
        model = stack.pop()
        stack.extend(model.__subclasses__())
        try:
            types.add(model.cloudformation_type())
        except NotImplementedError:
            continue
    return types


@pytest.mark.parametrize("market_id", SELLING + HQ)
def test_deployable_into_moto(synthesised, market_id: str) -> None:
    """No custom resources; what moto creates (and every output) never points at what it ignores."""
    raw = synthesised.raw(market_id)
    types = {logical_id: r["Type"] for logical_id, r in raw["Resources"].items()}
    assert not [t for t in types.values() if t.startswith("Custom::") or t == "AWS::CloudFormation::CustomResource"]
    created = _moto_cloudformation_types()
    ignored = {
        logical_id for logical_id, t in types.items() if t not in created or t.startswith(ALWAYS_DROPPED_PREFIXES)
    }
    # Channels created through their APIs (livebase_local.aws.api_resources) may be named by the room-cue
    # function's environment (substituted, or resolved after the stack: template_transform's pending
    # environment) and its channel grant (moto enforces no IAM; a grant on a channel created after the
    # stack is dropped locally and listed in the transform's report).
    by_api = {logical_id for logical_id, t in types.items() if t in API_CREATED_TYPES}
    for logical_id, resource in raw["Resources"].items():
        if logical_id not in ignored:
            depends = resource.get("DependsOn", [])
            targets = _references(resource) | set([depends] if isinstance(depends, str) else depends)
            if resource["Type"] in ("AWS::Lambda::Function", "AWS::IAM::Policy"):
                targets -= by_api
            if resource["Type"] == "AWS::Lambda::Permission" or resource["Type"].startswith("AWS::ApiGateway::"):
                # moto enforces no resource policy and models no request validator or stage: the REST APIs'
                # parts naming them are inert locally (their functions are invoked in-process, see the transform)
                targets -= ignored
            if resource["Type"] == "AWS::IAM::Policy":  # moto enforces no IAM: the transform drops such grants
                targets -= {t for t in targets if types.get(t) == "AWS::SecretsManager::Secret"}
            assert not targets & ignored, (logical_id, targets & ignored)
    api_parts = {logical_id for logical_id, t in types.items() if t.startswith("AWS::ApiGateway::")}
    assert not _references(raw["Outputs"]) & ignored - api_parts  # the API URLs: see the transform

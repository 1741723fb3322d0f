"""The local AWS: moto server handling, the template transform, and deploying the real assembly."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from livebase.markets.resources import OUTPUTS
from livebase.markets.runtime_environment import load_runtime_environment
from livebase_local.aws.assembly import read_assembly, zip_directory
from livebase_local.aws.deploy import DeployError, deploy_assembly, moto_resource_types
from livebase_local.aws.env import RealCredentialsError, apply_local_environment
from livebase_local.aws.mappings import read_mappings
from livebase_local.aws.moto_server import LocalAws, LocalAwsError, is_moto
from livebase_local.aws.template_transform import transform_for_moto
from livebase_local.platform import own_environment
from tests.support.local_aws import LocalAwsStack

# -- moto server and environment ---------------------------------------------------------------


def test_port_held_by_something_else_is_refused() -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen(1)
        port = squatter.getsockname()[1]
        with pytest.raises(LocalAwsError, match="not moto"):
            LocalAws(port).start()


def test_attaches_to_a_running_moto_and_leaves_it_running(moto_server: LocalAws) -> None:
    attached = LocalAws(moto_server.port).start()
    assert not attached.owned
    attached.stop()
    assert is_moto(moto_server.port)
    with pytest.raises(LocalAwsError, match="already runs"):
        LocalAws(moto_server.port, reuse_existing=False).start()


def test_own_server_starts_resets_and_stops() -> None:
    """Its own server on its own port, from a child process: a reset must not reach the session's stacks."""
    script = """
import boto3
from livebase_local.aws.moto_server import LocalAws, free_port, is_moto
port = free_port()
with LocalAws(port) as aws:
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=aws.endpoint_url,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    sqs.create_queue(QueueName="before-reset")
    assert sqs.list_queues().get("QueueUrls")
    aws.reset()
    assert sqs.list_queues().get("QueueUrls", []) == []
assert not is_moto(port, timeout=0.5)
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]


def test_environment_refuses_to_overwrite_real_looking_credentials() -> None:
    env = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "x" * 40}
    with pytest.raises(RealCredentialsError, match="AWS_ACCESS_KEY_ID"):
        apply_local_environment("http://127.0.0.1:1", environ=env)
    assert env["AWS_ACCESS_KEY_ID"] == "AKIAIOSFODNN7EXAMPLE"
    previous = apply_local_environment("http://127.0.0.1:1", environ=env, overwrite_real_credentials=True)
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1" and env["AWS_ACCESS_KEY_ID"] == "testing"
    assert previous["AWS_ACCESS_KEY_ID"] == "AKIAIOSFODNN7EXAMPLE"


# -- template transform (hand-written templates) --------------------------------------------------

HAND_TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}},
        "Dlq": {"Type": "AWS::SQS::Queue"},
        "DlqPolicy": {"Type": "AWS::SQS::QueuePolicy", "Properties": {"Queues": [{"Ref": "Dlq"}]}},
        "Channel": {"Type": "AWS::IVS::Channel", "Properties": {"Name": "c1"}},
        "Fn": {
            "Type": "AWS::Lambda::Function",
            "DependsOn": ["DlqPolicy", "Stream"],
            "Properties": {
                "Handler": "handler.lambda_handler",
                "Code": {"S3Bucket": "b", "S3Key": "k.zip"},
                "Layers": [{"Ref": "Layer"}, "arn:aws:lambda:eu-central-1:017000801446:layer:Powertools:1"],
                "Environment": {"Variables": {
                    "CHANNEL": {"Fn::GetAtt": ["Channel", "Arn"]},
                    "URL": {"Fn::Sub": "rtmps://${Channel.IngestEndpoint}/app"},
                }},
            },
        },
        "Layer": {"Type": "AWS::Lambda::LayerVersion",
                  "Properties": {"Content": {"S3Bucket": "b", "S3Key": "l"}}},
        "Mapping": {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {
                "FunctionName": {"Ref": "Fn"},
                "EventSourceArn": {"Fn::GetAtt": ["Stream", "Arn"]},
                "BatchSize": 7,
                "BisectBatchOnFunctionError": True,
                "MaximumRetryAttempts": 2,
                "MaximumRecordAgeInSeconds": 600,
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
                "StartingPosition": "TRIM_HORIZON",
                "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": ["Dlq", "Arn"]}}},
            },
        },
        "Alarm": {"Type": "AWS::CloudWatch::Alarm",
                  "Properties": {"Dimensions": [{"Value": {"Ref": "Dlq"}}]}},
        "NeedsAlarm": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": {"Ref": "Alarm"}}},
    },
    "Outputs": {
        "StreamName": {"Value": {"Ref": "Stream"}},
        "ChannelArn": {"Value": {"Fn::GetAtt": ["Channel", "Arn"]}},
        "AlarmName": {"Value": {"Ref": "Alarm"}},
    },
}  # fmt: skip


def test_transform_drops_what_moto_cannot_deploy_and_everything_that_needs_it() -> None:
    api_values: dict[tuple[str, str | None], str] = {
        ("Channel", "Arn"): "arn:aws:ivs:eu-central-1:1:channel/x",
        ("Channel", "IngestEndpoint"): "e.ivs",
    }
    result = transform_for_moto(HAND_TEMPLATE, moto_resource_types(), api_values)
    kept = result.template["Resources"]
    dropped = {d.logical_id: d.resource_type for d in result.dropped}
    assert dropped == {
        "DlqPolicy": "AWS::SQS::QueuePolicy",
        "Channel": "AWS::IVS::Channel",
        "Mapping": "AWS::Lambda::EventSourceMapping",
        "Alarm": "AWS::CloudWatch::Alarm",
        "NeedsAlarm": "AWS::SNS::Topic",  # referenced the dropped alarm
    }
    assert set(kept) == {"Stream", "Dlq", "Fn", "Layer"}
    env = kept["Fn"]["Properties"]["Environment"]["Variables"]
    assert env == {"CHANNEL": "arn:aws:ivs:eu-central-1:1:channel/x", "URL": "rtmps://e.ivs/app"}
    assert kept["Fn"]["DependsOn"] == ["Stream"]
    assert kept["Fn"]["Properties"]["Layers"] == [{"Ref": "Layer"}]
    assert result.removed_layers == {"Fn": ["arn:aws:lambda:eu-central-1:017000801446:layer:Powertools:1"]}
    assert result.template["Outputs"]["ChannelArn"]["Value"] == "arn:aws:ivs:eu-central-1:1:channel/x"
    assert result.dropped_outputs == ["AlarmName"]
    assert "Mapping" in HAND_TEMPLATE["Resources"], "the original template is not modified"


def test_mapping_settings_are_read_from_the_original_template() -> None:
    (spec,) = read_mappings(HAND_TEMPLATE)
    assert (spec.function_id, spec.source_id, spec.on_failure_id) == ("Fn", "Stream", "Dlq")
    assert (spec.batch_size, spec.bisect_batch_on_error, spec.maximum_retry_attempts) == (7, True, 2)
    assert spec.maximum_record_age_seconds == 600 and spec.report_batch_item_failures
    assert (spec.handler, spec.code_s3_key) == ("handler.lambda_handler", "k.zip")


# -- deploying hand-written assemblies ------------------------------------------------------------


def _write_assembly(root: Path, stack: str, region: str, template: dict[str, Any], code: Path) -> Path:
    """A minimal cloud assembly as CDK writes it: manifest, template, asset manifest, asset dir."""
    out = root / "cdk.out"
    asset_dir = out / "asset.code"
    asset_dir.mkdir(parents=True)
    for path in code.iterdir():
        (asset_dir / path.name).write_bytes(path.read_bytes())
    (out / f"{stack}.template.json").write_text(json.dumps(template))
    bucket = "cdk-hnb659fds-assets-${AWS::AccountId}-" + region
    assets = {"version": "55.0.0", "files": {"code": {
        "source": {"path": "asset.code", "packaging": "zip"},
        "destinations": {"d": {"bucketName": bucket, "objectKey": "code.zip", "region": region}},
    }}, "dockerImages": {}}  # fmt: skip
    (out / f"{stack}.assets.json").write_text(json.dumps(assets))
    manifest = {"version": "55.0.0", "artifacts": {
        f"{stack}.assets": {"type": "cdk:asset-manifest", "properties": {"file": f"{stack}.assets.json"}},
        stack: {"type": "aws:cloudformation:stack", "environment": f"aws://unknown-account/{region}",
                "properties": {"templateFile": f"{stack}.template.json"},
                "dependencies": [f"{stack}.assets"]},
    }}  # fmt: skip
    (out / "manifest.json").write_text(json.dumps(manifest))
    return out


def _function_template(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "Parameters": {"BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>",
                                            "Default": "/cdk-bootstrap/hnb659fds/version"}},
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
                "Handler": "handler.lambda_handler", "Runtime": "python3.12",
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Code": {"S3Bucket": {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"},
                         "S3Key": "code.zip"}}},
            **(extra or {}),
        },
        "Outputs": {"FunctionName": {"Value": {"Ref": "Fn"}}},
    }  # fmt: skip


def test_hand_assembly_deploys_with_its_asset_zipped_and_uploaded(moto_server: LocalAws, tmp_path: Path) -> None:
    code = tmp_path / "src"
    code.mkdir()
    (code / "handler.py").write_text("def lambda_handler(event, context):\n    return {}\n")
    stack = f"Livebase-hand{uuid.uuid4().hex[:6]}"
    out = _write_assembly(tmp_path, stack, "ap-southeast-2", _function_template(), code)
    deployed = deploy_assembly(out)[stack.removeprefix("Livebase-")]
    assert deployed.action == "created" and deployed.region == "ap-southeast-2"
    function = boto3.client("lambda", region_name="ap-southeast-2").get_function(
        FunctionName=deployed.outputs["FunctionName"]
    )
    assert function["Configuration"]["Handler"] == "handler.lambda_handler"
    (artifact,) = read_assembly(out)
    uploaded = (
        boto3.client("s3", region_name="ap-southeast-2")
        .get_object(Bucket="cdk-hnb659fds-assets-123456789012-ap-southeast-2", Key="code.zip")["Body"]
        .read()
    )
    assert uploaded == zip_directory(artifact.assets[0].source)
    assert zipfile.ZipFile(io.BytesIO(uploaded)).read("handler.py").startswith(b"def lambda_handler")
    assert deploy_assembly(out)[stack.removeprefix("Livebase-")].action == "unchanged"

    changed = _function_template({"Extra": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": f"{stack}-x"}}})
    (out / f"{stack}.template.json").write_text(json.dumps(changed))
    assert deploy_assembly(out)[stack.removeprefix("Livebase-")].action == "updated"
    boto3.client("sqs", region_name="ap-southeast-2").get_queue_url(QueueName=f"{stack}-x")


def test_failed_create_raises_with_cloudformations_reason(moto_server: LocalAws, tmp_path: Path) -> None:
    code = tmp_path / "src"
    code.mkdir()
    (code / "handler.py").write_text("")
    broken = _function_template(
        {
            "Bad": {
                "Type": "AWS::SQS::Queue",
                "Properties": {"RedrivePolicy": {"Fn::GetAtt": ["Fn", "NoSuchAttr"]}},
            }
        }
    )
    stack = f"Livebase-bad{uuid.uuid4().hex[:6]}"
    out = _write_assembly(tmp_path, stack, "eu-west-1", broken, code)
    for _ in range(2):  # moto leaves the failed stack behind; a retry clears it and fails the same way
        with pytest.raises(DeployError, match="NoSuchAttr"):
            deploy_assembly(out)


# -- the real assembly, deployed by the session fixture ---------------------------------------------


def _stream_exists(region: str, name: str) -> bool:
    try:
        boto3.client("kinesis", region_name=region).describe_stream_summary(StreamName=name)
        return True
    except ClientError:
        return False


def test_each_market_is_deployed_in_its_own_region(local_aws: LocalAwsStack) -> None:
    sea, eu = local_aws.deployments["sea"], local_aws.deployments["eu"]
    assert (sea.region, eu.region) == ("ap-southeast-1", "eu-central-1")
    sea_stream, eu_stream = sea.resources().stream_name, eu.resources().stream_name
    assert _stream_exists("ap-southeast-1", sea_stream) and not _stream_exists("eu-central-1", sea_stream)
    assert _stream_exists("eu-central-1", eu_stream) and not _stream_exists("ap-southeast-1", eu_stream)
    for deployment in (sea, eu):
        res = deployment.resources()
        ddb = boto3.client("dynamodb", region_name=deployment.region)
        tables = (res.orders_table, res.idempotency_table, res.room_metrics_table, res.inventory_table)
        for table in (*tables, res.purchase_orders_table, res.forecasts_table):
            assert ddb.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"
        shards = boto3.client("kinesis", region_name=deployment.region).list_shards(StreamName=res.stream_name)
        assert len(shards["Shards"]) == 4  # as AWS starts an on-demand stream (moto alone would make 1)
        assert f"sqs.{deployment.region}." in res.ingest_dlq_url
        boto3.client("sqs", region_name=deployment.region).get_queue_attributes(QueueUrl=res.ingest_dlq_url)
        boto3.client("s3", region_name=deployment.region).head_bucket(Bucket=res.data_lake_bucket)
        bus = boto3.client("events", region_name=deployment.region).describe_event_bus(Name=res.event_bus_name)
        assert bus["Name"] == res.event_bus_name
        fn = boto3.client("lambda", region_name=deployment.region).get_function(FunctionName=res.ingest_function_name)
        environment = dict(fn["Configuration"]["Environment"]["Variables"])  # names the runtime parameter
        assert load_runtime_environment(environment, boto3.client("ssm", region_name=deployment.region))
        assert environment["LIVE_EVENT_STREAM"] == res.stream_name
    print(f"deploy of {sorted(local_aws.deployments)}: {local_aws.deploy_seconds:.1f} s")


def test_outputs_cover_the_resource_contract(local_aws: LocalAwsStack) -> None:
    for deployment in local_aws.deployments.values():
        assert {key for key, _ in OUTPUTS.values()} <= set(deployment.outputs)
        assert not any(value.startswith("<") for value in deployment.outputs.values()), deployment.outputs


def test_event_source_mappings_are_applied_locally_not_deployed(local_aws: LocalAwsStack) -> None:
    for deployment in local_aws.deployments.values():
        res = deployment.resources()
        template = json.loads((local_aws.assembly_dir / f"{deployment.stack_name}.template.json").read_text())
        # the live stream's two consumers (the studio telemetry stream's: tests/integration/test_studio_failover.py)
        specs = [s for s in read_mappings(template) if not s.function_id.startswith("Studio")]
        live = [source for source in deployment.event_sources if source.stream_name == res.stream_name]
        by_function = {source.function_name: source for source in live}
        consent = f"livebase-{res.market}-consent"  # issue 31: consent and activity from the same stream
        assert set(by_function) == {res.ingest_function_name, res.orders_function_name, consent}
        expected_dlq = {res.ingest_function_name: res.ingest_dlq_url, res.orders_function_name: res.orders_dlq_url,
                        consent: own_environment(consent, res)["CONSENT_DLQ_URL"]}  # fmt: skip
        client = boto3.client("lambda", region_name=deployment.region)
        for source in live:
            [spec] = [s for s in specs if s.filter_patterns == source.filter_patterns]
            assert source.batch_size == spec.batch_size
            assert source.maximum_retry_attempts == spec.maximum_retry_attempts
            assert source.bisect_batch_on_error == spec.bisect_batch_on_error
            assert (source.stream_name, source.dlq_url) == (res.stream_name, expected_dlq[source.function_name])
            assert source.code_path and (Path(source.code_path) / "handler.py").is_file()
            assert source.handler == "handler.lambda_handler"
            assert client.list_event_source_mappings(FunctionName=source.function_name)["EventSourceMappings"] == []
        assert by_function[res.orders_function_name].filter_patterns  # only order events reach orders
        assert not by_function[res.ingest_function_name].filter_patterns
        assert "AWS::Lambda::EventSourceMapping" in deployment.transform.dropped_types


def test_resources_moto_ignores_are_created_through_their_apis(local_aws: LocalAwsStack) -> None:
    eu, sea = local_aws.deployments["eu"], local_aws.deployments["sea"]
    by_type = {r.resource_type: r for r in eu.api_resources}
    assert {"AWS::IVS::Channel", "AWS::CloudFront::Distribution"} <= set(by_type)
    channel = boto3.client("ivs", region_name="eu-central-1").get_channel(arn=by_type["AWS::IVS::Channel"].arn)
    assert channel["channel"]["arn"] == by_type["AWS::IVS::Channel"].arn
    dist = by_type["AWS::CloudFront::Distribution"]
    assert boto3.client("cloudfront", region_name="us-east-1").get_distribution(Id=dist.physical_id)
    if "AWS::MediaLive::Channel" in by_type:  # eu runs MediaLive (cdk.json "medialive": true)
        medialive = boto3.client("medialive", region_name="eu-central-1")
        assert medialive.describe_channel(ChannelId=by_type["AWS::MediaLive::Channel"].physical_id)["Name"]
    # IVS is not offered in ap-southeast-1: recorded, not silently lost.
    for logical_id, reason in sea.skipped_api_resources.items():
        assert "not offered in ap-southeast-1" in reason, (logical_id, reason)


def test_redeploying_an_unchanged_assembly_is_a_no_op(local_aws: LocalAwsStack) -> None:
    again = deploy_assembly(local_aws.assembly_dir, ["eu"])["eu"]
    assert again.action == "unchanged"
    assert again.outputs == local_aws.deployments["eu"].outputs
    assert [r.physical_id for r in again.api_resources] == [
        r.physical_id for r in local_aws.deployments["eu"].api_resources
    ]
    assert not any(r.created for r in again.api_resources)

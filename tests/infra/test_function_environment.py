"""Lambda's 4 KB environment limit, checked at real name lengths on the synthesised stacks.

moto accepts any environment; Lambda refuses a function whose variables (keys and values) pass
4 KB. A token's real length is known only at deploy, so each is replaced by the longest name
CloudFormation gives that kind of resource (generated names: ``<stack>-<logical id>-<13 chars>``,
cut to the service's limit; queue URLs and ARNs with their region and account), and the sum must
stay under 3.5 KB per function (headroom for a few more settings). The stack-wide values (every
resource name and the market config) live once in the runtime parameter
(``infra_cdk/components/runtime_environment.py``): at real lengths under its 8 KB.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from livebase.markets.runtime_environment import RUNTIME_PARAMETER, stack_wide_variables
from tests.infra.conftest import Synthesised
from tests.infra.stacks import MARKETS, SELLING, as_list, resources

FUNCTION_BUDGET = 3584  # bytes of keys and values; Lambda refuses more than 4096
PARAMETER_BUDGET = 7168  # an Advanced parameter holds 8192
REGION, ACCOUNT = "ap-southeast-1", "123456789012"  # the longest region name the markets use
NAME_LIMIT = {"AWS::SQS::Queue": 80, "AWS::S3::Bucket": 63, "AWS::DynamoDB::Table": 255, "AWS::Kinesis::Stream": 128}
PSEUDO = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::URLSuffix": "amazonaws.com", "AWS::Partition": "aws"}


class RealLengths:
    """Each token of a template as long as its deployed value can be."""

    def __init__(self, stack_name: str, template: dict[str, Any]) -> None:
        self.stack, self.resources = stack_name, template["Resources"]

    def name(self, logical_id: str) -> str:
        body = self.resources[logical_id]
        properties, kind = body.get("Properties", {}), body["Type"]
        for key in ("TableName", "QueueName", "BucketName", "Name", "FunctionName", "TopicName", "StreamName"):
            if isinstance(properties.get(key), str):
                return str(properties[key])
        return f"{self.stack}-{logical_id}-ABCDEFGHIJKLM"[: NAME_LIMIT.get(kind, 128)]

    def ref(self, logical_id: str) -> str:
        if logical_id in PSEUDO or logical_id == "AWS::StackName":
            return PSEUDO.get(logical_id, self.stack)
        kind, name = self.resources[logical_id]["Type"], self.name(logical_id)
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}"
        if kind == "AWS::SNS::Topic":
            return f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}"
        if kind == "AWS::KMS::Key":
            return "12345678-1234-1234-1234-123456789012"
        if kind == "AWS::ApiGateway::RestApi":
            return "a1b2c3d4e5"
        return name

    def value(self, node: Any) -> str:
        if isinstance(node, str):
            return node
        if isinstance(node, dict) and "Ref" in node:
            return self.ref(node["Ref"])
        if isinstance(node, dict) and "Fn::GetAtt" in node:
            logical_id, attribute = node["Fn::GetAtt"][:2]
            return f"arn:aws:service:{REGION}:{ACCOUNT}:type/{self.name(logical_id)}" if attribute == "Arn" else \
                self.name(logical_id)  # fmt: skip
        if isinstance(node, dict) and "Fn::Join" in node:
            separator, parts = node["Fn::Join"]
            return str(separator).join(self.value(part) for part in parts)
        if isinstance(node, dict) and "Fn::Select" in node:
            return self.value(node["Fn::Select"][1][0]) if isinstance(node["Fn::Select"][1], list) else "x" * 32
        return "x" * 128  # Fn::Sub, Fn::ImportValue, dynamic references: as long as a name can be


def livebase_functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        logical_id: body["Properties"]
        for logical_id, body in resources(template, "AWS::Lambda::Function").items()
        if str(body["Properties"].get("FunctionName", "")).startswith("livebase-")
    }


@pytest.mark.parametrize("market_id", SELLING)
def test_every_function_environment_fits_lambda_at_real_name_lengths(synthesised: Synthesised, market_id: str) -> None:
    template = synthesised.raw(market_id)
    lengths = RealLengths(f"Livebase-{market_id}", template)
    functions = livebase_functions(template)
    assert functions
    for logical_id, properties in functions.items():
        variables = properties.get("Environment", {}).get("Variables", {})
        size = sum(len(key) + len(lengths.value(value).encode()) for key, value in variables.items())
        assert size <= FUNCTION_BUDGET, f"{logical_id}: {size} bytes of environment at real name lengths"
        assert not set(variables) & stack_wide_variables(), f"{logical_id}: stack-wide values belong in the parameter"
        assert RUNTIME_PARAMETER in variables, logical_id


@pytest.mark.parametrize("market_id", SELLING)
def test_runtime_parameter_holds_every_name_and_fits_at_real_lengths(synthesised: Synthesised, market_id: str) -> None:
    template = synthesised.raw(market_id)
    [body] = [v for k, v in resources(template, "AWS::SSM::Parameter").items() if k.startswith("RuntimeEnvironment")]
    properties = body["Properties"]
    assert properties["Name"] == f"/livebase/{market_id}/runtime" and properties["Tier"] == "Advanced"
    lengths = RealLengths(f"Livebase-{market_id}", template)
    value = lengths.value(properties["Value"])
    assert len(value.encode()) <= PARAMETER_BUDGET, f"{len(value.encode())} bytes at real name lengths"
    assert set(json.loads(value)) == stack_wide_variables()
    arn = re.compile(rf"^arn:aws:ssm:{MARKETS[market_id].region}:{ACCOUNT}:parameter/livebase/{market_id}/runtime$")
    readers = {  # the grant names the parameter by its Ref (its name): resolved as deployed
        role["Ref"]
        for policy in resources(template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "ssm:GetParameter" in as_list(statement["Action"])
        and any(arn.match(lengths.value(r)) for r in as_list(statement["Resource"]))
        for role in policy["Properties"]["Roles"]
    }
    roles = {f["Role"]["Fn::GetAtt"][0] for f in livebase_functions(template).values()}
    assert readers == roles, "each function's role reads the parameter, and no other role"

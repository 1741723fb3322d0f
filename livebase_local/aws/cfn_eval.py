"""Evaluate the CloudFormation intrinsics the local deploy needs outside CloudFormation.

Used for properties of resources we create through service APIs and for outputs that refer to
them: Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split against a table of known values.
Anything else raises :class:`Unresolvable`, so the caller decides (placeholder or drop) openly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from livebase_local.aws.template_refs import Reference, get_att_target

_SUB_VARIABLE = re.compile(r"\$\{([^}]+)\}")


class Unresolvable(LookupError):
    """A reference or intrinsic the evaluator has no value for."""


@dataclass
class Scope:
    """What references resolve to: pseudo parameters plus known Ref/GetAtt values."""

    account: str
    region: str
    stack_name: str
    values: dict[Reference, Any] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def pseudo(self, name: str) -> str:
        table = {
            "AWS::AccountId": self.account,
            "AWS::Region": self.region,
            "AWS::StackName": self.stack_name,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": "",
        }
        if name not in table:
            raise Unresolvable(name)
        return table[name]

    def lookup(self, ref: Reference) -> Any:
        logical_id, attribute = ref
        if attribute is None and logical_id.startswith("AWS::"):
            return self.pseudo(logical_id)
        if attribute is None and logical_id in self.parameters:
            return self.parameters[logical_id]
        if ref not in self.values:
            raise Unresolvable(f"{logical_id}.{attribute}" if attribute else logical_id)
        return self.values[ref]


def evaluate(node: Any, scope: Scope) -> Any:
    """The value of ``node`` with every intrinsic resolved, or :class:`Unresolvable`."""
    if isinstance(node, list):
        return [evaluate(item, scope) for item in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        ((key, arg),) = node.items()
        if key == "Ref":
            return scope.lookup((str(arg), None))
        if key == "Fn::GetAtt":
            return scope.lookup(get_att_target(arg))
        if key == "Fn::Join":
            return str(arg[0]).join(str(part) for part in evaluate(arg[1], scope))
        if key == "Fn::Select":
            return evaluate(arg[1], scope)[int(evaluate(arg[0], scope))]
        if key == "Fn::Split":
            return str(evaluate(arg[1], scope)).split(str(arg[0]))
        if key == "Fn::Sub":
            return _sub(arg, scope)
        if key.startswith("Fn::") or key == "Condition":
            raise Unresolvable(key)
    return {key: evaluate(value, scope) for key, value in node.items()}


def _sub(arg: Any, scope: Scope) -> str:
    text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], evaluate(arg[1], scope))

    def splice(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in variables:
            return str(variables[name])
        logical_id, dot, attribute = name.partition(".")
        return str(scope.lookup((logical_id, attribute if dot else None)))

    return _SUB_VARIABLE.sub(splice, str(text))


def stack_resource_values(
    template: Mapping[str, Any], physical_ids: Mapping[str, str], scope: Scope
) -> dict[Reference, Any]:
    """Ref and the common GetAtt values of deployed stack resources, computed as AWS defines them."""
    values: dict[Reference, Any] = {}
    arn = f"arn:aws:{{service}}:{scope.region}:{scope.account}:{{rest}}"
    for logical_id, physical in physical_ids.items():
        kind = template.get("Resources", {}).get(logical_id, {}).get("Type", "")
        values[(logical_id, None)] = physical
        if kind == "AWS::S3::Bucket":
            values[(logical_id, "Arn")] = f"arn:aws:s3:::{physical}"
            values[(logical_id, "DomainName")] = f"{physical}.s3.amazonaws.com"
            values[(logical_id, "RegionalDomainName")] = f"{physical}.s3.{scope.region}.amazonaws.com"
        elif kind == "AWS::SQS::Queue":
            name = physical.rsplit("/", 1)[-1]
            values[(logical_id, "QueueName")] = name
            values[(logical_id, "QueueUrl")] = physical
            values[(logical_id, "Arn")] = arn.format(service="sqs", rest=name)
        elif kind == "AWS::Kinesis::Stream":
            values[(logical_id, "Arn")] = arn.format(service="kinesis", rest=f"stream/{physical}")
        elif kind == "AWS::DynamoDB::Table":
            values[(logical_id, "Arn")] = arn.format(service="dynamodb", rest=f"table/{physical}")
        elif kind == "AWS::Lambda::Function":
            values[(logical_id, "Arn")] = arn.format(service="lambda", rest=f"function:{physical}")
        elif kind == "AWS::IAM::Role":
            values[(logical_id, "Arn")] = f"arn:aws:iam::{scope.account}:role/{physical}"
        elif kind == "AWS::SNS::Topic":
            values[(logical_id, "TopicName")] = physical.rsplit(":", 1)[-1]
        elif kind == "AWS::Events::EventBus":
            name = template["Resources"][logical_id].get("Properties", {}).get("Name", physical)
            values[(logical_id, None)] = name  # moto reports no usable physical id for a bus
            values[(logical_id, "Name")] = name
            physical = str(name)
            values[(logical_id, "Arn")] = arn.format(service="events", rest=f"event-bus/{physical}")
    return values

"""Least privilege on the templates: no managed policies, no wildcard a grant could scope, tables per consumer."""

from __future__ import annotations

import json

import pytest

from tests.infra.stacks import SELLING, as_list, consumer, resources


@pytest.mark.parametrize("market_id", SELLING)
def test_iam_has_no_wildcard_resource_a_grant_could_scope(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    for role in resources(raw, "AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]
    for policy in resources(raw, "AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            if "*" in targets:  # these have no resource-level permissions at all (the last four: the flow role)
                actions = as_list(statement["Action"])
                unscoped = ("iot:DescribeEndpoint", "cloudwatch:GetMetricStatistics", "ivs:ListChannels",
                            "medialive:ListChannels", "medialive:ListInputs",
                            # the flow runtime (test_flow_runtime.py): image pulls, the ECS worker
                            "ecr:GetAuthorizationToken", "ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition",
                            "ecs:DescribeTaskDefinition", "ec2:DescribeVpcs", "ec2:DescribeSubnets")  # fmt: skip
                assert all(a.startswith("xray:") or a in unscoped for a in actions), statement
            if "s3:PutObject" in statement["Action"]:  # object writes only under their prefix
                prefixes = (
                    "/quarantine/*",
                    "/replays/live/*",
                    f"/quarantine/{market_id}/studio/*",
                    f"/erasure/{market_id}/*",
                    f"/recall/{market_id}/*",
                    f"/quarantine/{market_id}/artifacts/*",
                    f"/quarantine/{market_id}/regional-processing/*",
                    f"/passport-anchors/{market_id}/*",
                    "/forecasts/demand/*",
                    "/sessions/plans/*",
                    "/reports/business-case/*",
                    f"/quarantine/{market_id}/signal-bridge/residency/*",
                    "/forecasting/*",
                    f"/quarantine/{market_id}/forecast-job/residency/*",
                    f"/recall/{market_id}/activity/*",  # the consent consumer: one activity object per batch
                    "/settlement/*",  # the flow role: settlement-statements (settlement/<market>/<period>/)
                )  # fmt: skip  (six of the flow role, three of the flow runtime's bridge and SageMaker job, and after)
                assert all(json.dumps(t).endswith(tuple(f'{p}"]]}}' for p in prefixes)) for t in targets), targets


@pytest.mark.parametrize("market_id", SELLING)
def test_each_consumer_role_reaches_only_the_tables_it_uses(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    tables = resources(raw, "AWS::DynamoDB::Table")

    def table(prefix: str) -> str:
        [logical_id] = [k for k in tables if k.startswith(prefix)]
        return logical_id

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

    assert granted(roles["ingest"]) == {table("TablesRoomMetrics")}  # room totals, checkpoints, alert marks
    # orders, idempotency, inventory; room metrics for the money of the orders it accepts (issue 28)
    assert granted(roles["orders"]) == {
        table("TablesOrders"),
        table("TablesIdempotency"),
        table("TablesInventory"),
        table("TablesRoomMetrics"),
    }

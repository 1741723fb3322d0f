"""`./livebase deploy` carries each stack's outputs forward: hq's bucket and key to the markets, a
market's replay distribution to the us-east-1 edge-logs stack (a deployer that records, a CloudFormation
that answers with the outputs each stack would have)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from infra_cdk.components.edge import OUTPUT_DISTRIBUTION, OUTPUT_LOG_BUCKET
from infra_cdk.components.flow_role import HQ_BUCKET_CONTEXT, HQ_KEY_CONTEXT, HQ_KEY_OUTPUT
from infra_cdk.edge_logs_stack import SOURCES_CONTEXT
from livebase.markets.config import load_markets
from livebase_local.commands.deploy import HQ_BUCKET_OUTPUT, DeployPlan, PlannedStack, deploy_in_order

OUTPUTS = {
    "Livebase-account-ap-southeast-1": {},
    "Livebase-hq": {HQ_BUCKET_OUTPUT: "hq-lake", HQ_KEY_OUTPUT: "arn:aws:kms:eu-central-1:111122223333:key/hq"},
    "Livebase-sea": {OUTPUT_DISTRIBUTION: "E2SEA", OUTPUT_LOG_BUCKET: "sea-edge-logs", "OrdersTableName": "t"},
    "Livebase-sea-edge-logs": {},
}


class RecordedCloudFormation:
    def __init__(self, deployed: list[str]) -> None:
        self.deployed = deployed

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        assert StackName in self.deployed, f"outputs of {StackName} read before it was deployed"
        outputs = [{"OutputKey": k, "OutputValue": v} for k, v in OUTPUTS[StackName].items()]
        return {"Stacks": [{"StackName": StackName, "Outputs": outputs}]}


def test_each_stack_is_deployed_in_plan_order_with_the_outputs_before_it_as_context() -> None:
    markets = load_markets()
    plan = DeployPlan(
        stacks=[
            PlannedStack("Livebase-account-ap-southeast-1", "ap-southeast-1", "account"),
            PlannedStack("Livebase-hq", markets["hq"].region, "hq"),
            PlannedStack("Livebase-sea", markets["sea"].region, "market"),
            PlannedStack("Livebase-sea-edge-logs", "us-east-1", "edge-logs"),
        ],
        reserved={},
        market_regions={markets["sea"].region},
    )
    deployed: list[str] = []
    contexts: dict[str, dict[str, str]] = {}

    def deployer(stack: str, context: Mapping[str, str]) -> None:
        deployed.append(stack)
        contexts[stack] = dict(context)  # as the CLI got it, not as it grows later

    cloudformation = RecordedCloudFormation(deployed)
    deploy_in_order(plan, markets, lambda service, region: cloudformation, deployer)

    assert deployed == [s.name for s in plan.stacks]
    assert contexts["Livebase-account-ap-southeast-1"] == {} and contexts["Livebase-hq"] == {}
    hq = OUTPUTS["Livebase-hq"]
    assert contexts["Livebase-sea"] == {HQ_BUCKET_CONTEXT: hq[HQ_BUCKET_OUTPUT], HQ_KEY_CONTEXT: hq[HQ_KEY_OUTPUT]}
    sources = json.loads(contexts["Livebase-sea-edge-logs"][SOURCES_CONTEXT])
    assert sources == {"sea": {"distribution_id": "E2SEA", "log_bucket": "sea-edge-logs"}}

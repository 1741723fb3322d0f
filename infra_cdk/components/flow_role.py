"""The Prefect flows' execution role of one market: what its flows touch, by CDK grants only.

The market's ECS work pool runs its flow runs under this role (``FlowRoleArn`` output; the
``prefect.yaml`` ECS job variable ``task_role_arn``). It grants:

* ``regional-processing``: read the orders and consent tables (parallel scans, the market key to
  decrypt), write the recall list (``recall/<market>/``) and refused exports
  (``quarantine/<market>/regional-processing/``) in the market's own lake, and put the export in
  hq's bucket under ``aggregates/<market>/`` only. hq's bucket is named by its bucket name (CDK
  context ``hq_aggregates_bucket``, and its key by ``hq_aggregates_key_arn``), never by a
  cross-Region reference, so the residency aspect has nothing to refuse: what crosses is the
  screened export of aggregates (``livebase.privacy.guard``), and the role can write nothing else there.
* ``passport-anchoring``: read the ledger and record each anchor in it (``PutItem``), write the
  day's anchor objects (``passport-anchors/<market>/``, Object Lock retention with them).
* Every flow: read its stacks' outputs (DescribeStacks: the market's stack, hq's) and keep a
  refused artifact in the market's quarantine (``quarantine/<market>/artifacts/``).
"""

from __future__ import annotations

from aws_cdk import Annotations, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra_cdk.components.fx_rates import grant_fx_rates
from infra_cdk.nag import acknowledge, acknowledge_grant_put, acknowledge_key_grants, nag_resource
from livebase.batches.quarantine import QUARANTINE_PREFIX
from livebase.markets.config import Market, find_hq_market, load_markets
from livebase.privacy.retention import RECALL_PREFIX
from livebase.stores.anchors import PREFIX as ANCHOR_PREFIX

HQ_BUCKET_CONTEXT = "hq_aggregates_bucket"
HQ_KEY_CONTEXT = "hq_aggregates_key_arn"
HQ_KEY_OUTPUT = "DataLakeKeyArn"  # hq's stack output: its data-lake key, passed on as HQ_KEY_CONTEXT
EXPORT_PREFIX = "aggregates"  # flows.regional_io.EXPORT_PREFIX


class FlowRole(Construct):
    """``role``: assumed by ECS tasks (the Prefect worker's flow runs) of this market's account."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        market: Market,
        orders: dynamodb.ITable,
        consent: dynamodb.ITable,
        lake: s3.IBucket,
        ledger: dynamodb.ITable,
        anchors: s3.IBucket,
        hq: Market | None = None,
    ) -> None:
        """``hq``: the aggregates-only market (default: the one of the project's market table)."""
        super().__init__(scope, construct_id)
        hq = hq or find_hq_market(load_markets())
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            description=f"Prefect flow runs of market {market.id} (regional processing, passport anchoring)",
        )
        stack = Stack.of(self)
        # regional-processing: its reads and its writes in the market's own lake
        orders.grant_read_data(self.role)
        consent.grant_read_data(self.role)
        own = {
            f"{RECALL_PREFIX}/{market.id}/*": "regional-processing (recall lists)",
            f"{QUARANTINE_PREFIX}/{market.id}/regional-processing/*": "regional-processing (refused exports)",
            f"{QUARANTINE_PREFIX}/{market.id}/artifacts/*": "every flow (refused artifacts)",
        }
        for objects in own:
            lake.grant_put(self.role, objects)
        # passport-anchoring: the ledger (read, record the anchor) and the locked anchor objects
        ledger.grant_read_data(self.role)
        ledger.grant(self.role, "dynamodb:PutItem")
        anchor_objects = f"{ANCHOR_PREFIX}/{market.id}/*"
        anchors.grant_put(self.role, anchor_objects)  # with s3:PutObjectRetention (Object Lock)
        # the stacks' outputs: the market's own, and hq's (its bucket name when no context names it)
        hq_stack = [
            stack.format_arn(service="cloudformation", region=hq.region, resource="stack",
                             resource_name=f"{hq.stack_name}/*"),
        ] if hq else []  # fmt: skip
        iam.Grant.add_to_principal(
            grantee=self.role, actions=["cloudformation:DescribeStacks"], resource_arns=[stack.stack_id, *hq_stack]
        )
        self.hq_bucket: s3.IBucket | None = None
        bucket_name = self.node.try_get_context(HQ_BUCKET_CONTEXT)
        if bucket_name:
            key_arn = self.node.try_get_context(HQ_KEY_CONTEXT)
            self.hq_bucket = s3.Bucket.from_bucket_attributes(
                self, "HqAggregates", bucket_name=str(bucket_name),
                encryption_key=kms.Key.from_key_arn(self, "HqKey", str(key_arn)) if key_arn else None,
            )  # fmt: skip
            self.hq_bucket.grant_put(self.role, f"{EXPORT_PREFIX}/{market.id}/*")  # aggregates only, its own prefix
            grant_fx_rates(self.role, self.hq_bucket)  # the fx-rates flow: hq's store of the ECB's rates, their cover
        else:
            Annotations.of(self).add_warning_v2(
                "livebase:hq-bucket",
                f"no {HQ_BUCKET_CONTEXT} in the CDK context: market {market.id}'s flow role cannot export to hq "
                f"(deploy hq, then synth with -c {HQ_BUCKET_CONTEXT}=<its DataLakeBucketName>)",
            )
        self._acknowledge(market, lake, anchors, own, anchor_objects, hq_stack)

    def _acknowledge(
        self, market: Market, lake: s3.IBucket, anchors: s3.IBucket, own: dict[str, str], anchor_objects: str,
        hq_stack: list[str],
    ) -> None:  # fmt: skip
        policy = self.role.node.find_child("DefaultPolicy")
        stack = Stack.of(self)
        for objects, who in own.items():
            acknowledge_grant_put(policy, lake, objects, who)
        acknowledge_grant_put(policy, anchors, anchor_objects, "passport-anchoring")
        acknowledge_key_grants(policy)
        for arn in hq_stack:
            acknowledge(
                policy, f"AwsSolutions-IAM5[Resource::{nag_resource(self, arn)}]",
                "DescribeStacks on hq's stack by name (its outputs name hq's bucket); the suffix is the stack's id.",
            )  # fmt: skip
        if self.hq_bucket is not None:
            acknowledge(
                policy, f"AwsSolutions-IAM5[Resource::{stack.resolve(self.hq_bucket.arn_for_objects('*'))[:-1]}"
                f"{EXPORT_PREFIX}/{market.id}/*]",
                f"Market {market.id}'s flows put their screened aggregate export under their own prefix of hq's "
                "bucket only; object keys are per day.",
            )  # fmt: skip

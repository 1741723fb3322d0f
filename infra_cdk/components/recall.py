"""Consent and recall (issue 31): the consent function, its stream mapping and API, and the recall topic.

* ``functions/consent`` on the live stream, a third consumer whose mapping's filter passes only
  ``consent_changed`` and the activity types (joins, leaves, comments, likes, shares, add-to-cart):
  it writes the Consent table and one activity object per batch (``recall/<market>/activity/``), and
  quarantines on its own DLQ.
* ``POST /consent`` and ``POST /consent/unsubscribe`` on an IAM-authorised REST API of the market
  (the base's own sites call it; :mod:`infra_cdk.components.rest_api`: throttled, validated,
  access-logged without bodies, the stack's WAF), to the same function. The unsubscribe reads the
  delivery's record (``recall/<market>/deliveries/``) to find the viewer.
* The recall topic: SNS in the market's region, encrypted with the market key, TLS only; the
  ``recall-delivery`` flow publishes to it (the flow role's grant here, in a policy of its own with the
  read of ``recall/<market>/``), the market's in-region messaging subscribes (End User Messaging / SES
  behind it: docs/consent-and-recall.md).

Outputs: ``RecallTopicArn`` and ``ConsentApiUrl`` (read by the flow from the stack, like hq's bucket).
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import CfnOutput
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra_cdk.components.functions import FunctionKit
from infra_cdk.components.live_ingest import StreamConsumer
from infra_cdk.components.rest_api import (
    access_log_fields,
    add_validated_method,
    declare_status_codes,
    json_body_model,
    market_rest_api,
)
from infra_cdk.nag import acknowledge, acknowledge_grant_put, acknowledge_grant_read, arn_ref
from livebase.batches.quarantine import QUARANTINE_PREFIX
from livebase.lifecycle.traces import ACTIVITY_TYPES
from livebase.markets.resources import ConsentSettings
from livebase.privacy.retention import RECALL_PREFIX
from livebase.stores.recall import ACTIVITY, DELIVERIES

RATE_LIMIT, BURST_LIMIT = 50, 100  # the base's sites, on a viewer's click
CONSENT_TYPES = ("consent_changed", *ACTIVITY_TYPES)  # what the consent function's mapping passes
OUTPUT_TOPIC, OUTPUT_API = "RecallTopicArn", "ConsentApiUrl"


class ConsentAndRecall(Construct):
    """The consent function (stream + API) and the recall topic, with their grants."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kit: FunctionKit,
        stream: kinesis.IStream,
        consent: dynamodb.ITable,
        lake: s3.IBucket,
        pseudonym_key: kms.IKey,
        flow_role: iam.IRole,
        environment: Mapping[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        market = kit.market
        filters = [lambda_.FilterCriteria.filter({"data": {"type": lambda_.FilterRule.or_(*CONSENT_TYPES)}})]
        self.consumer = StreamConsumer(self, "Consumer", kit=kit, function="consent", stream=stream, filters=filters)
        function = self.consumer.function
        kit.set_environment(function, environment, ConsentSettings(self.consumer.dlq.queue_url).lambda_environment())
        consent.grant_read_write_data(function)
        activity = f"{RECALL_PREFIX}/{market.id}/{ACTIVITY}/*"
        deliveries = f"{RECALL_PREFIX}/{market.id}/{DELIVERIES}/*"
        lake.grant_put(function, activity)
        lake.grant_read(function, deliveries)  # the unsubscribe: which viewer a delivery id was sent to
        lake.grant_put(function, f"{QUARANTINE_PREFIX}/*")
        lake.grant_read(function, f"{QUARANTINE_PREFIX}/*")
        self.consumer.dlq.grant_send_messages(function)
        pseudonym_key.grant(function, "kms:GenerateMac")  # a raw account id from a site, pseudonymised in-region
        self.topic = sns.Topic(
            self, "Topic", master_key=kit.key, enforce_ssl=True, display_name=f"Livebase {market.id} recall",
        )  # fmt: skip
        self._flow_policy(flow_role, lake, f"{RECALL_PREFIX}/{market.id}/")
        rest = market_rest_api(
            self, name=f"livebase-{market.id}-consent", key=kit.key, rate_limit=RATE_LIMIT, burst_limit=BURST_LIMIT,
            description="Consent given and withdrawn on the base's own sites, and recall unsubscribes (IAM)",
            log_fields=access_log_fields(caller=True),
        )  # fmt: skip
        self._methods(rest.api, function)
        self.api_url = f"{rest.url}consent"
        CfnOutput(self, OUTPUT_TOPIC, key=OUTPUT_TOPIC, value=self.topic.topic_arn)
        CfnOutput(self, OUTPUT_API, key=OUTPUT_API, value=self.api_url)
        policy = self.consumer.role.node.find_child("DefaultPolicy")
        for objects, who in ((activity, "consent (activity per batch)"), (f"{QUARANTINE_PREFIX}/*", "consent")):
            acknowledge_grant_put(policy, lake, objects, who)
        acknowledge_grant_read(policy, "consent")
        for objects, why in ((deliveries, "the unsubscribe reads the delivery's record (one object per day)"),
                             (f"{QUARANTINE_PREFIX}/*", "reads back its own quarantined records")):  # fmt: skip
            acknowledge(policy, f"AwsSolutions-IAM5[Resource::{arn_ref(lake)}/{objects}]", f"consent: {why}.")

    def _flow_policy(self, flow_role: iam.IRole, lake: s3.IBucket, prefix: str) -> None:
        """The flows' recall grants in a policy of their own: the flow role's default policy is full (every
        flow's grants), and CDK would move statements to an overflow policy the acknowledgments do not reach.
        Publish on the recall topic (its key: the market key, already granted to the role), read of the
        market's recall documents (lists, activity, deliveries) and listing under that prefix only."""
        policy = iam.Policy(self, "FlowPolicy", roles=[flow_role], statements=[
            iam.PolicyStatement(actions=["sns:Publish"], resources=[self.topic.topic_arn]),
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[lake.arn_for_objects(f"{prefix}*")]),
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[lake.bucket_arn],
                                conditions={"StringLike": {"s3:prefix": [f"{prefix}*"]}}),
        ])  # fmt: skip
        acknowledge(
            policy, f"AwsSolutions-IAM5[Resource::{arn_ref(lake)}/{prefix}*]",
            "regional-processing and recall-delivery read this market's recall lists, activity and deliveries "
            "only; keys per day and batch.",
        )  # fmt: skip

    def _methods(self, api: apigw.RestApi, function: lambda_.IFunction) -> None:
        text = apigw.JsonSchema(type=apigw.JsonSchemaType.STRING, min_length=1, max_length=256)
        change = json_body_model(api, "ConsentChange", required=["viewer", "purpose", "granted"], properties={
            "viewer": text, "purpose": apigw.JsonSchema(type=apigw.JsonSchemaType.STRING, max_length=32),
            "granted": apigw.JsonSchema(type=apigw.JsonSchemaType.BOOLEAN),
        }, additional_properties=False)  # fmt: skip
        unsubscribe = json_body_model(
            api, "Unsubscribe", required=["delivery"], properties={"delivery": text}, additional_properties=False
        )
        consent = api.root.add_resource("consent")
        for resource, body in ((consent, change), (consent.add_resource("unsubscribe"), unsubscribe)):
            method = add_validated_method(
                resource, "POST", function, authorization_type=apigw.AuthorizationType.IAM,
                request_models={"application/json": body},
            )  # fmt: skip
            declare_status_codes(method, "200", "400", "403", "404")

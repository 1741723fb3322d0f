"""The market's erasure API: ``POST /erasures`` and ``GET /erasures/{receipt}`` (AWS_IAM) -> the erasure
Lambda, in the market's region.

An erasure runs for minutes, API Gateway's integration waits 29 s: ``POST`` answers ``202`` with a
receipt id and the function runs the erasure in an asynchronous invocation of itself
(``lambda:InvokeFunction`` on its own fixed-name ARN, not a reference: no dependency cycle; no new
function, so the Region's reserved concurrency is unchanged); ``GET`` answers the status. A run that
still fails after Lambda's two retries goes to the ``Failures`` queue (alarmed with the market's DLQs).

The function (``functions/erasure``) reaches exactly what an erasure touches: read/write on the
tables that name viewers, read and delete of the data-lake prefixes that may hold them, put of
the rewritten recall lists and of the receipts (read too: the request statuses beside them), and
``kms:GenerateMac`` on the market's HMAC key
(a raw id is pseudonymised in-region). IAM authorisation: only principals granted
``execute-api:Invoke`` on the method (the privacy team's role) can call it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import ArnFormat, CfnOutput, Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra_cdk.components.delivery import dead_letter_queue
from infra_cdk.components.functions import FunctionKit, function_name
from infra_cdk.components.rest_api import (
    MarketRestApi,
    access_log_fields,
    add_validated_method,
    declare_status_codes,
    json_body_model,
    market_rest_api,
)
from infra_cdk.nag import acknowledge_all, arn_ref
from livebase.batches.quarantine import QUARANTINE_PREFIX
from livebase.privacy.retention import RECALL_PREFIX, RECEIPTS_PREFIX

RATE_LIMIT, BURST_LIMIT = 5, 10  # a person at the privacy team's console, a few requests a second


class ErasureApi(Construct):
    """The function, its grants and the IAM-authorised REST API in front of it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kit: FunctionKit,
        pseudonym_key: kms.IKey,
        tables: Sequence[dynamodb.ITable],
        lake: s3.IBucket,
        environment: Mapping[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        market = kit.market
        parts = kit.build(self, "erasure", timeout=Duration.minutes(5))
        self.function, self.role = parts.function, parts.role
        kit.set_environment(self.function, environment)
        for table in tables:
            table.grant_read_write_data(self.function)
        for prefix in (QUARANTINE_PREFIX, RECALL_PREFIX):
            lake.grant_read(self.function, f"{prefix}/{market.id}/*")
            lake.grant_delete(self.function, f"{prefix}/{market.id}/*")
        lake.grant_put(self.function, f"{RECALL_PREFIX}/{market.id}/*")
        lake.grant_put(self.function, f"{RECEIPTS_PREFIX}/{market.id}/*")
        lake.grant_read(self.function, f"{RECEIPTS_PREFIX}/{market.id}/*")  # GET /erasures/{receipt}
        own_arn = Stack.of(self).format_arn(  # built from the fixed name: a reference would be a dependency cycle
            service="lambda", resource="function", resource_name=function_name(market.id, "erasure"),
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )  # fmt: skip
        self.role.add_to_principal_policy(iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[own_arn]))
        # An erasure that fails after Lambda's two retries is kept (its request: receipt id and pseudonymous key,
        # in the market's region, encrypted) and alarmed on, never dropped: ops re-run it from the message.
        self.failures = dead_letter_queue(self, "Failures", key=kit.key, catches="the erasure's asynchronous runs")
        self.function.configure_async_invoke(
            retry_attempts=2, max_event_age=Duration.hours(6), on_failure=destinations.SqsDestination(self.failures)
        )
        pseudonym_key.grant(self.function, "kms:GenerateMac")
        rest = self._api(market.id, kit.key)
        self.api, self.url = rest.api, f"{rest.url}erasures"
        CfnOutput(self, "ErasureApiUrl", key="ErasureApiUrl", value=self.url)
        self._acknowledge(market.id, lake)

    def _api(self, market_id: str, key: kms.IKey) -> MarketRestApi:
        parts = market_rest_api(
            self, name=f"livebase-{market_id}-erasure", key=key, rate_limit=RATE_LIMIT, burst_limit=BURST_LIMIT,
            description="Erase one viewer's personal data from this market (IAM-authorised)",
            log_fields=access_log_fields(caller=True),
        )  # fmt: skip
        model = json_body_model(
            parts.api, "ErasureRequest", required=["viewer"],
            properties={"viewer": apigw.JsonSchema(type=apigw.JsonSchemaType.STRING, min_length=1, max_length=256)},
        )  # fmt: skip
        erasures = parts.api.root.add_resource("erasures")
        post = add_validated_method(
            erasures, "POST", self.function,
            authorization_type=apigw.AuthorizationType.IAM, request_models={"application/json": model},
        )  # fmt: skip
        declare_status_codes(post, "202", "400", "403")
        add_validated_method(
            erasures.add_resource("{receipt}"), "GET", self.function,
            authorization_type=apigw.AuthorizationType.IAM, request_parameters={"method.request.path.receipt": True},
        )  # fmt: skip
        return parts

    def _acknowledge(self, market_id: str, lake: s3.IBucket) -> None:
        policy = self.role.node.find_child("DefaultPolicy")
        reasons = {
            "AwsSolutions-IAM5[Action::s3:GetObject*]": "From bucket.grant_read: reads every version of the "
            "quarantined records and recall lists of this market (only these prefixes) to find the viewer.",
            "AwsSolutions-IAM5[Action::s3:GetBucket*]": "From bucket.grant_read on the market's own bucket.",
            "AwsSolutions-IAM5[Action::s3:List*]": "From bucket.grant_read: lists the object versions under the "
            "two prefixes it searches.",
            "AwsSolutions-IAM5[Action::s3:DeleteObject*]": "From bucket.grant_delete: deletes the versions that "
            "name the viewer (a versioned bucket keeps them otherwise), under the two prefixes only.",
            "AwsSolutions-IAM5[Action::s3:Abort*]": "From bucket.grant_put: abort its own multipart uploads.",
        }
        for prefix in (QUARANTINE_PREFIX, RECALL_PREFIX, RECEIPTS_PREFIX):
            reasons[f"AwsSolutions-IAM5[Resource::{arn_ref(lake)}/{prefix}/{market_id}/*]"] = (
                f"Objects under {prefix}/{market_id}/ of the market's own bucket; keys per record / day / request."
            )
        acknowledge_all(policy, reasons)

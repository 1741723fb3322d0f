"""The one way a market builds a REST API (erasure, passport): throttled, access-logged, validated, WAF'd.

* Stage ``v1``: throttling (rate and burst from the caller), X-Ray, JSON access logs into a
  KMS-encrypted log group with only the fields the caller names (never a body, never a caller IP
  unless asked), Regional endpoint. Logging needs the account's API Gateway CloudWatch role, set
  once per Region by ``Livebase-account-<region>`` (``infra_cdk/account_stack.py``), not here.
* Every method validates its parameters and body (:func:`add_validated_method`); a body is a JSON
  object of a model (:func:`json_body_model`).
* Access logs name their fields (:func:`access_log_fields`): the caller's IAM identity on an
  IAM-authorised API, nothing about the caller on a public one (:func:`open_to_the_public`).
* A REGIONAL WAFv2 web ACL, one per stack (:func:`regional_web_acl`), associated with the stage:
  in the market's Region, so residency holds (sampled requests stay there). AWS managed rules
  (common, known bad inputs, IP reputation) and a per-IP rate limit.

The parts are created in the caller's scope (ids ``ApiAccessLogs``, ``Api``, ``WebAcl``), so the
APIs kept their logical ids when this moved out of ``erasure_api`` and ``passport``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from aws_cdk import Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra_cdk.components.encryption import encrypted_log_group
from infra_cdk.nag import acknowledge
from infra_cdk.scanners import skip_checkov

STAGE = "v1"
WEB_ACL_ID = "ApiWebAcl"
RATE_LIMIT_PER_IP = 600  # requests per 5 minutes from one address, across the stack's APIs
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",  # includes Log4JRCE
    "AWSManagedRulesAmazonIpReputationList",
)


@dataclass(frozen=True)
class MarketRestApi:
    api: apigw.RestApi
    url: str  # the stage's base URL, built from the API id (moto does not model the Stage)


def market_rest_api(
    scope: Construct,
    *,
    name: str,
    description: str,
    key: kms.IKey,
    rate_limit: float,
    burst_limit: int,
    log_fields: Mapping[str, str],
) -> MarketRestApi:
    """The REST API, its stage and access logs, and the stack's web ACL on it (module docstring)."""
    access_logs = encrypted_log_group(scope, "ApiAccessLogs", key)
    api = apigw.RestApi(
        scope, "Api", rest_api_name=name, description=description,
        endpoint_types=[apigw.EndpointType.REGIONAL], cloud_watch_role=False,
        deploy_options=apigw.StageOptions(
            stage_name=STAGE, throttling_rate_limit=rate_limit, throttling_burst_limit=burst_limit,
            tracing_enabled=True, access_log_destination=apigw.LogGroupLogDestination(access_logs),
            access_log_format=apigw.AccessLogFormat.custom(json.dumps(dict(log_fields))),
        ),
    )  # fmt: skip
    acl = regional_web_acl(scope)
    wafv2.CfnWebACLAssociation(
        scope, "WebAclAssociation", resource_arn=api.deployment_stage.stage_arn, web_acl_arn=acl.attr_arn
    )
    acknowledge(
        api.deployment_stage, "AwsSolutions-APIG6",
        "Access logs (JSON, named fields only, no body) cover every request; execution logging stays off: it can "
        "write request and response bodies (a viewer's id here) into CloudWatch Logs.",
    )  # fmt: skip
    skip_checkov(
        api.deployment_stage, "CKV_AWS_120",
        "No stage cache: erasure is a POST (never cacheable) and a passport answer must show a new supply event "
        "at once; the response's Cache-Control lets clients cache, and a cache cluster bills per hour.",
    )  # fmt: skip
    stack = Stack.of(scope)
    return MarketRestApi(api, f"https://{api.rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}/{STAGE}/")


def access_log_fields(*, caller: bool) -> dict[str, str]:
    """The access log's fields, never a body (it names a viewer) nor a caller IP or user agent.

    ``caller``: the caller's IAM identity (an IAM-authorised API); otherwise the latency, and nothing
    personal (a public API, whose callers are viewers).
    """
    fields = apigw.AccessLogField
    who = {"caller": fields.context_identity_user_arn()} if caller else {"latencyMs": fields.context_response_latency()}
    return {
        "requestId": fields.context_request_id(), "time": fields.context_request_time(),
        "method": fields.context_http_method(), "resource": fields.context_resource_path(),
        "status": fields.context_status(), **who, "error": fields.context_error_message(),
    }  # fmt: skip


def json_body_model(
    api: apigw.RestApi,
    name: str,
    *,
    required: list[str],
    properties: Mapping[str, apigw.JsonSchema],
    additional_properties: bool | None = None,
) -> apigw.Model:
    """A request body API Gateway validates: a JSON object (draft 4) with these properties."""
    return api.add_model(
        name, content_type="application/json", model_name=name,
        schema=apigw.JsonSchema(
            schema=apigw.JsonSchemaVersion.DRAFT4, type=apigw.JsonSchemaType.OBJECT, required=required,
            properties=dict(properties), additional_properties=additional_properties,
        ),
    )  # fmt: skip


def declare_status_codes(method: apigw.Method, *codes: str) -> None:
    """A Lambda-proxy method's answers (the function sets the status), declared so the contract is in the template."""
    method.node.default_child.add_property_override(  # type: ignore[union-attr]
        "MethodResponses", [{"StatusCode": code} for code in codes]
    )


def open_to_the_public(
    api: apigw.RestApi,
    methods: Sequence[apigw.Method],
    *,
    plan_name: str,
    rate_limit: float,
    burst_limit: int,
    daily_quota: int,
    reason: str,
) -> None:
    """Methods without an authorizer, on purpose: a usage plan on the stage and ``reason`` acknowledged."""
    plan = api.add_usage_plan(
        "UsagePlan", name=plan_name,
        throttle=apigw.ThrottleSettings(rate_limit=rate_limit, burst_limit=burst_limit),
        quota=apigw.QuotaSettings(limit=daily_quota, period=apigw.Period.DAY),
    )  # fmt: skip
    plan.add_api_stage(stage=api.deployment_stage)
    for method in methods:
        for rule in ("AwsSolutions-APIG4", "AwsSolutions-COG4"):
            acknowledge(method, rule, reason)
        skip_checkov(method, "CKV_AWS_59", reason)


VALIDATOR_ID = "BodyAndParameters"


def add_validated_method(
    resource: apigw.IResource,
    http_method: str,
    function: lambda_.IFunction,
    *,
    authorization_type: apigw.AuthorizationType,
    request_models: Mapping[str, apigw.IModel] | None = None,
    request_parameters: Mapping[str, bool] | None = None,
) -> apigw.Method:
    """A Lambda-proxy method whose parameters and body API Gateway validates before the function runs.

    An IAM-authorised method has cdk-nag's Cognito finding acknowledged (SigV4 is the authorisation).
    Every method of an API shares one validator: ``request_validator_options`` makes a child named
    ``validator`` per method, so a second validated method on the same API fails to synthesise
    without the CLI's feature-flag context.
    """
    method = resource.add_method(
        http_method,
        apigw.LambdaIntegration(function),
        authorization_type=authorization_type,
        request_models=dict(request_models) if request_models else None,
        request_parameters=dict(request_parameters) if request_parameters else None,
        request_validator=_validator(resource.api),
    )
    if authorization_type == apigw.AuthorizationType.IAM:
        acknowledge(method, "AwsSolutions-COG4", "AWS_IAM authorisation (SigV4) instead of a Cognito user pool.")
    return method


def _validator(api: apigw.IRestApi) -> apigw.IRequestValidator:
    """The API's one body-and-parameters validator (created on first use)."""
    existing = api.node.try_find_child(VALIDATOR_ID)
    if isinstance(existing, apigw.RequestValidator):
        return existing
    scope = cast(Construct, api)  # the RestApi construct the methods hang on
    return apigw.RequestValidator(
        scope, VALIDATOR_ID, rest_api=api, validate_request_body=True, validate_request_parameters=True
    )


def regional_web_acl(scope: Construct) -> wafv2.CfnWebACL:
    """The stack's REGIONAL web ACL (created on first use; every REST API of the stack shares it)."""
    stack = Stack.of(scope)
    existing = stack.node.try_find_child(WEB_ACL_ID)
    if isinstance(existing, wafv2.CfnWebACL):
        return existing
    metric = f"{stack.stack_name}-api".replace("_", "-")

    def visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
        return wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name=f"{metric}-{name}", sampled_requests_enabled=True
        )

    rules = [
        wafv2.CfnWebACL.RuleProperty(
            name=group,
            priority=index,
            statement=wafv2.CfnWebACL.StatementProperty(
                managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                    vendor_name="AWS", name=group
                )
            ),
            override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
            visibility_config=visibility(group),
        )
        for index, group in enumerate(MANAGED_RULE_GROUPS)
    ]
    rules.append(
        wafv2.CfnWebACL.RuleProperty(
            name="RatePerIp",
            priority=len(rules),
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    limit=RATE_LIMIT_PER_IP, aggregate_key_type="IP"
                )
            ),
            action=wafv2.CfnWebACL.RuleActionProperty(block={}),
            visibility_config=visibility("RatePerIp"),
        )
    )
    return wafv2.CfnWebACL(
        stack, WEB_ACL_ID, scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        description="Livebase REST APIs of this market: AWS managed rules and a per-IP rate limit, in-Region",
        visibility_config=visibility("all"), rules=rules,
    )  # fmt: skip

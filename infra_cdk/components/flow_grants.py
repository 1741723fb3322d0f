"""What the market's other Prefect flows touch, granted to its flow role (:mod:`flow_role`).

Every ECS deployment of ``prefect.yaml`` runs under the market's flow role, so each flow's reads
and writes are granted here, by CDK grants on the stack's own resources, flow by flow:

* ``order-to-replenish``: sales and the WMS hand-off on the orders table (claims and marks),
  stock, purchase orders (written and announced on the bus), stored forecasts, the catalogue
  object, the WMS queue.
* ``demand-forecasting``: sales, the forecasts table (each write carries the replaced item's
  past), the forecast file under ``forecasts/demand/``, the session plans (regressors).
* ``session-planning`` / ``session-channels``: room history, stock, purchase orders, sales and the
  catalogue; plans under ``sessions/plans/``; the sessions' IVS / MediaLive channels in the
  market's video Region (its own, or its media Region), named ``lb-<session>``.
* ``experiment-analysis``: room history.
* ``stock-reconciliation``: the inventory table whole (stock items and their bookkeeping records)
  and the orders' states, read only.
* ``business-case``: orders and room minutes, the usage counts it prices (stream summary, the
  consumers' metrics and memory, table sizes, the lake's size) and its report under
  ``reports/business-case/``.

``forecast-scaleout``'s SageMaker job role, and the flow role's PassRole and processing-job grants for it,
are in ``flow_runtime_roles.py``. Everything named here is the market's own, in its own Region.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import IConstruct

from infra_cdk.components.tables import MarketTables
from infra_cdk.nag import acknowledge, acknowledge_all, acknowledge_grant_put, arn_ref, nag_resource
from livebase.markets.config import Market
from livebase.replenishment.catalogue import CATALOGUE_KEY

_COLON = ArnFormat.COLON_RESOURCE_NAME
FORECAST_FILES = "forecasts/demand/*"  # flows.demand_forecasting (forecasts/demand/<day>/<market>.csv)
PLANS = "sessions/plans/*"  # flows.session_io.PLAN_PREFIX
REPORTS = "reports/business-case/*"  # flows.business_case.REPORT_PREFIX


def grant_market_flows(
    role: iam.IRole,
    *,
    market: Market,
    tables: MarketTables,
    lake: s3.IBucket,
    bus: events.IEventBus,
    wms_queue: sqs.IQueue,
    stream: kinesis.IStream,
    consumer_functions: tuple[str, ...],
) -> None:
    """Grant ``role`` what the flows above do in ``market``'s stack (``consumer_functions``: by name)."""
    # order-to-replenish
    tables.orders.grant_read_write_data(role)  # sales read; WMS hand-off claims and marks orders sent
    tables.inventory.grant_read_data(role)
    tables.inventory.grant(role, "dynamodb:UpdateItem")  # session-planning opens presales (replenishment.presales)
    tables.purchase_orders.grant_read_write_data(role)
    tables.forecasts.grant_read_write_data(role)  # read by order-to-replenish, written by demand-forecasting
    bus.grant_put_events_to(role)  # PurchaseOrderCreated
    wms_queue.grant_send_messages(role)
    for objects in (CATALOGUE_KEY, PLANS):
        lake.grant_read(role, objects)
    for objects in (FORECAST_FILES, PLANS, REPORTS):
        lake.grant_put(role, objects)
    # stock-reconciliation: read only (order-to-replenish above already reads both; stated for this flow)
    tables.inventory.grant_read_data(role)
    tables.orders.grant_read_data(role)
    # session planning, experiment analysis, business case: room history
    tables.room_metrics.grant_read_data(role)
    # business-case: the usage counts it prices
    stream.grant(role, "kinesis:DescribeStreamSummary")
    for table in (tables.orders, tables.room_metrics, tables.inventory, tables.purchase_orders, tables.forecasts):
        table.grant(role, "dynamodb:DescribeTable")
    stack = Stack.of(role)
    functions = [stack.format_arn(service="lambda", resource="function", resource_name=name,
                                  arn_format=_COLON) for name in consumer_functions]  # fmt: skip
    _allow(role, ["lambda:GetFunctionConfiguration"], functions)
    _allow(role, ["s3:ListBucket"], [lake.bucket_arn])  # the lake's size
    _allow(role, ["cloudwatch:GetMetricStatistics"], ["*"])  # no resource-level permissions
    _grant_session_channels(role, market)
    _acknowledge(role, lake)


def _allow(role: iam.IRole, actions: list[str], resources: list[str], **conditions: object) -> None:
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=actions, resources=resources, conditions=conditions or None)
    )


def _grant_session_channels(role: iam.IRole, market: Market) -> None:
    """The sessions' channels: created, started, stopped and deleted in the market's video Region."""
    stack = Stack.of(role)
    region = market.media_region or stack.region
    ivs = [
        stack.format_arn(service="ivs", region=region, resource="channel", resource_name="*"),
        stack.format_arn(service="ivs", region=region, resource="stream-key", resource_name="*"),
    ]
    _allow(role, ["ivs:CreateChannel", "ivs:DeleteChannel", "ivs:StopStream", "ivs:ListStreamKeys",
                  "ivs:TagResource"], ivs)  # fmt: skip
    medialive = [
        stack.format_arn(service="medialive", region=region, resource="channel", resource_name="*", arn_format=_COLON),
        stack.format_arn(service="medialive", region=region, resource="input", resource_name="*", arn_format=_COLON),
    ]
    _allow(role, ["medialive:CreateInput", "medialive:DeleteInput", "medialive:CreateChannel",
                  "medialive:DescribeChannel", "medialive:StartChannel", "medialive:StopChannel",
                  "medialive:DeleteChannel", "medialive:CreateTags"], medialive)  # fmt: skip
    _allow(role, ["ivs:ListChannels", "medialive:ListChannels", "medialive:ListInputs"], ["*"])
    # Each room's channel, recorded for the room-cue function (flows.session_channels, livebase.live.room_cues).
    rooms = stack.format_arn(service="ssm", region=region, resource="parameter",
                             resource_name=f"livebase/{market.id}/rooms/*")  # fmt: skip
    _allow(role, ["ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameter"], [rooms])
    # A session's MediaLive channel takes the stack channel's role (flows.session_channels copies it).
    own_roles = stack.format_arn(service="iam", region="", resource="role", resource_name=f"{market.stack_name}*")
    _allow(role, ["iam:PassRole"], [own_roles], StringEquals={"iam:PassedToService": "medialive.amazonaws.com"})
    for arn in [*ivs, *medialive]:  # on the role too: its statements may overflow into a managed policy
        acknowledge(role, f"AwsSolutions-IAM5[Resource::{nag_resource(role, arn)}]", "session-channels creates, "
                    "starts, stops and deletes one channel (and input) per planned session, named per session at "
                    "run time, in the market's video Region only.")  # fmt: skip
    acknowledge(role, f"AwsSolutions-IAM5[Resource::{nag_resource(role, rooms)}]", "session-channels records "
                "each planned room's channel in one parameter per room, named at run time, under the market's "
                "own prefix in its video Region.")  # fmt: skip
    # On the role, not its default policy: a role this size overflows into managed policies CDK adds at synth.
    acknowledge(role, f"AwsSolutions-IAM5[Resource::{nag_resource(role, own_roles)}]", "A session's MediaLive "
                "channel takes the role of the market stack's own channel; only the market's stacks' roles, and "
                "only when passed to MediaLive.")  # fmt: skip


def _acknowledge(role: iam.IRole, lake: s3.IBucket) -> None:
    policy: IConstruct = role  # the role: its default policy and any overflow policy CDK splits off when it fills
    for objects, who in ((FORECAST_FILES, "demand-forecasting"), (PLANS, "session-planning"),
                         (REPORTS, "business-case")):  # fmt: skip
        acknowledge_grant_put(policy, lake, objects, who)
    reasons = {
        f"AwsSolutions-IAM5[Resource::{arn_ref(lake)}/{PLANS}]": "session-channels and demand-forecasting read "
        "the stored session plans under this prefix of the market's own bucket (one object per plan).",
        "AwsSolutions-IAM5[Action::s3:GetObject*]": "From bucket.grant_read on the catalogue object and the "
        "session plans of the market's own bucket only.",
        "AwsSolutions-IAM5[Action::s3:GetBucket*]": "From bucket.grant_read on the market's own bucket.",
        "AwsSolutions-IAM5[Action::s3:List*]": "From bucket.grant_read: plans are listed under their prefix.",
        "AwsSolutions-IAM5[Resource::*]": "cloudwatch:GetMetricStatistics (business-case's usage counts), "
        "ivs:ListChannels, medialive:ListChannels and medialive:ListInputs support no resource-level scoping; "
        "every other statement names its resource.",
    }
    acknowledge_all(policy, reasons)

"""Exchange rates that never run out, in hq's stack: the cover alarm and hq's ops topic, and the flows' grants.

* :class:`FxRatesAlarm` (hq's stack): an alarm on ``Livebase/FxRates`` ``DaysOfCover`` (the minimum over
  the markets of the days left before the roll-up refuses their rates, published by the ``fx-rates``
  flow: ``flows/fx_rates.py``) when it falls below :data:`~livebase.aggregates.rates.COVER_ALARM_DAYS`,
  or when no run published it for 36 hours (missing data breaches), to hq's ops topic: an SNS topic
  encrypted with hq's key, subscribed by hq's ``ops_contacts``. It fires days before a roll-up fails.
* :func:`grant_fx_rates` (each selling market's flow role, hq's bucket named by context as for the
  exports: ``flow_role.py``): get and put ``fx-rates/*`` of hq's bucket (the rates are not
  personal: public reference rates), list the bucket, and put metric data in the ``Livebase/FxRates``
  namespace only.
  Every selling market's runtime runs the daily ``fx-rates`` deployment (the catalogue's rule), each
  writing the same days idempotently, so one runtime down does not stop the rates.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra_cdk.components.encryption import MarketKey
from infra_cdk.nag import acknowledge_all, acknowledge_key_grants, nag_resource
from livebase.aggregates.rates import COVER_ALARM_DAYS
from livebase.markets.config import Market
from livebase.stores.fx_rates import COVER_METRIC, FX_PREFIX, METRIC_NAMESPACE

PERIOD = Duration.hours(6)
PERIODS_WITHOUT_DATA = 6  # 36 hours: a daily run missed once is tolerated, twice alarms


def cover_metric() -> cloudwatch.Metric:
    return cloudwatch.Metric(namespace=METRIC_NAMESPACE, metric_name=COVER_METRIC, statistic="Minimum", period=PERIOD)


class FxRatesAlarm(Construct):
    """``topic``: hq's ops topic; ``alarm``: rates about to run out, or not refreshed (module docstring)."""

    def __init__(self, scope: Construct, construct_id: str, *, hq: Market, key: MarketKey) -> None:
        super().__init__(scope, construct_id)
        key.allow_alarm_notifications()
        self.topic = sns.Topic(
            self, "OpsTopic", master_key=key.key, enforce_ssl=True, display_name=f"Livebase {hq.id} operations"
        )
        for address in hq.ops_contacts.emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(address))
        for url in hq.ops_contacts.webhooks:
            self.topic.add_subscription(subscriptions.UrlSubscription(url, protocol=sns.SubscriptionProtocol.HTTPS))
        self.alarm = cloudwatch.Alarm(
            self,
            "CoverAlarm",
            metric=cover_metric(),
            threshold=COVER_ALARM_DAYS,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=PERIODS_WITHOUT_DATA,
            datapoints_to_alarm=PERIODS_WITHOUT_DATA,
            treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
            alarm_description=(
                f"Exchange rates run out: a market has fewer than {COVER_ALARM_DAYS} days before the hq roll-up "
                "refuses its rates, or the fx-rates flow has not published for 36 hours. Run the fx-rates "
                "deployment (or ./livebase fx-rates) and see docs/fx-rates.md."
            ),
        )
        self.alarm.add_alarm_action(actions.SnsAction(self.topic))
        self.alarm.add_ok_action(actions.SnsAction(self.topic))


def grant_fx_rates(role: iam.IRole, hq_bucket: s3.IBucket) -> None:
    """The flow role reads and writes hq's rates and publishes their cover (module docstring).

    Only what ``livebase.stores.fx_rates.FxRateStore`` calls: ``GetObject`` and ``PutObject`` under
    ``fx-rates/`` (a corrected day is overwritten, never deleted), ``ListBucket`` on the bucket (the
    stored days; S3 also answers a missing day 404 rather than 403 only with it), and hq's key to
    encrypt and decrypt them: not ``grant_read_write``'s deletes, bucket reads and action wildcards.
    """
    iam.Grant.add_to_principal(
        grantee=role,
        actions=["s3:GetObject", "s3:PutObject"],
        resource_arns=[hq_bucket.arn_for_objects(f"{FX_PREFIX}/*")],
    )
    iam.Grant.add_to_principal(grantee=role, actions=["s3:ListBucket"], resource_arns=[hq_bucket.bucket_arn])
    if hq_bucket.encryption_key is not None:
        hq_bucket.encryption_key.grant(role, "kms:Decrypt", "kms:GenerateDataKey")
    iam.Grant.add_to_principal(
        grantee=role,
        actions=["cloudwatch:PutMetricData"],
        resource_arns=["*"],
        conditions={"StringEquals": {"cloudwatch:namespace": METRIC_NAMESPACE}},
    )
    policy = role  # on the role, not its default policy: the flow role overflows into managed policies at synth
    reasons = {
        f"AwsSolutions-IAM5[Resource::{nag_resource(role, hq_bucket.arn_for_objects(f'{FX_PREFIX}/*'))}]": "The "
        "fx-rates flow keeps one object per publication day of the ECB's reference rates under this prefix of "
        "hq's bucket (public rates, no personal data); the roll-up reads them.",
        "AwsSolutions-IAM5[Resource::*]": "cloudwatch:PutMetricData has no resource-level permissions; the "
        "statement is limited to the Livebase/FxRates namespace by condition.",
    }
    acknowledge_all(policy, reasons)
    acknowledge_key_grants(policy)

"""The product passport of a selling market (issue 19): ledger, locked anchors, signed intake, public API.

* ``Ledger``: DynamoDB (on demand, PITR, the market key), ``livebase.stores.ledger``.
* ``Anchors``: a bucket of its own with S3 Object Lock (compliance mode, default retention
  ``RETENTION_DAYS``), versioned, SSE-KMS with the market key, private, SSL only, access-logged:
  the daily Merkle roots (``flows/passport_anchoring.py``) nobody can rewrite.
* ``Intake``: the ``passport-intake`` queue (its own DLQ) → ``passport_intake``; suppliers sign
  each event (HMAC-SHA256) with their key, held in one secret of the market
  (``{"<supplier_id>": "<hex key>"}``, the market key, never replicated).
* ``Api``: a REST API, ``GET /passport/{batch}`` → ``passport``. Deliberately public and
  read-only (a viewer scans the QR label during a live show): no authorizer, only supply events
  and hashes in it, throttled at the stage and by a usage plan, access logs without caller IPs.

Grants only: intake reads/writes the ledger and reads the secret; the API function reads the
ledger and the anchor objects. ``names`` are the stack outputs (``livebase.markets.resources``).
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra_cdk.components.functions import FunctionKit
from infra_cdk.components.rest_api import access_log_fields, add_validated_method, market_rest_api, open_to_the_public
from infra_cdk.components.supply_chain import QueueConsumer
from infra_cdk.components.tables import market_table
from infra_cdk.nag import acknowledge, acknowledge_grant_read
from livebase.markets.resources import OUTPUTS
from livebase.stores.anchors import PREFIX, RETENTION_DAYS

RATE_LIMIT = 20  # requests per second, steady, for the whole stage
BURST_LIMIT = 40
DAILY_QUOTA = 200_000


def supplier_keys_secret_name(market_id: str) -> str:
    return f"livebase/{market_id}/passport/supplier-keys"


class Passport(Construct):
    """The ledger, the locked anchors, the signed intake and the public API (module docstring)."""

    def __init__(self, scope: Construct, construct_id: str, *, kit: FunctionKit, log_bucket: s3.IBucket) -> None:
        super().__init__(scope, construct_id)
        market, key = kit.market, kit.key
        self.ledger = market_table(self, "Ledger", key, "pk", sort_key="sk")
        self.anchors = s3.Bucket(
            self, "Anchors",
            object_lock_enabled=True,
            object_lock_default_retention=s3.ObjectLockRetention.compliance(Duration.days(RETENTION_DAYS)),
            versioned=True, encryption=s3.BucketEncryption.KMS, encryption_key=key, bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL, enforce_ssl=True,
            server_access_logs_bucket=log_bucket, server_access_logs_prefix="s3/passport-anchors/",
            removal_policy=RemovalPolicy.RETAIN,
        )  # fmt: skip
        secret_name = supplier_keys_secret_name(market.id)
        self.supplier_keys = secretsmanager.Secret(
            self, "SupplierKeys", secret_name=secret_name, encryption_key=key,
            description=f"Passport supplier signing keys of market {market.id}: {{supplier_id: hex key}}",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template="{}", generate_string_key="_unused", exclude_punctuation=True
            ),
        )  # fmt: skip
        acknowledge(
            self.supplier_keys, "AwsSolutions-SMG4",
            "Supplier keys are shared with each supplier out of band; rotation is per supplier (add the new "
            "key, the supplier switches, remove the old), which a rotation Lambda cannot do alone.",
        )  # fmt: skip
        self.intake = QueueConsumer(self, "Intake", kit=kit, function="passport_intake")
        self.ledger.grant_read_write_data(self.intake.function)
        self.supplier_keys.grant_read(self.intake.function)
        api_parts = kit.build(self, "passport", timeout=Duration.seconds(10))
        self.function, self.role = api_parts.function, api_parts.role
        self.ledger.grant_read_data(self.function)
        self.anchors.grant_read(self.function, f"{PREFIX}/*")
        self.api, api_url = self._api(market.id, key)
        self.names = {
            "passport_ledger_table": self.ledger.table_name,
            "passport_anchor_bucket": self.anchors.bucket_name,
            "passport_intake_queue_url": self.intake.queue.queue_url,
            "passport_intake_dlq_url": self.intake.dlq.queue_url,
            "passport_supplier_keys_secret": secret_name,
            "passport_api_url": api_url,
        }
        for function in (self.intake.function, self.function):
            kit.set_environment(function, {OUTPUTS[field][1]: value for field, value in self.names.items()})
        self._acknowledge_roles()

    def _api(self, market_id: str, key: kms.IKey) -> tuple[apigw.RestApi, str]:
        parts = market_rest_api(
            self, name=f"livebase-{market_id}-passport", key=key, rate_limit=RATE_LIMIT, burst_limit=BURST_LIMIT,
            description="Public, read-only product passport verification (GET /passport/{batch})",
            log_fields=access_log_fields(caller=False),
        )  # fmt: skip
        api = parts.api
        method = add_validated_method(
            api.root.add_resource("passport").add_resource("{batch}"), "GET", self.function,
            authorization_type=apigw.AuthorizationType.NONE, request_parameters={"method.request.path.batch": True},
        )  # fmt: skip
        open_to_the_public(
            api, [method], plan_name=f"livebase-{market_id}-passport-public", rate_limit=RATE_LIMIT,
            burst_limit=BURST_LIMIT, daily_quota=DAILY_QUOTA,
            reason="Deliberately public: anyone scanning a product's QR label reads its passport; it is read-only "
            "and holds no personal data (supply events and hashes only), throttled at stage and usage plan, "
            "behind the stack's regional web ACL.",
        )  # fmt: skip
        return api, parts.url

    def _acknowledge_roles(self) -> None:
        acknowledge_grant_read(self.role.node.find_child("DefaultPolicy"), "the passport API")
        acknowledge(
            self.role.node.find_child("DefaultPolicy"),
            f"AwsSolutions-IAM5[Resource::<{Stack.of(self).get_logical_id(self.anchors.node.default_child)}.Arn>/{PREFIX}/*]",  # type: ignore[arg-type]
            "The passport API reads the day anchors under this prefix of the anchor bucket; one object per day.",
        )

    @property
    def dead_letter_queues(self) -> dict[str, sqs.IQueue]:
        return {"PassportIntakeDlq": self.intake.dlq}

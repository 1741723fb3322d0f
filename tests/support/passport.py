"""The passport tests' material: a batch's supply events, eu's passport resources in moto, the API call."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import boto3

from livebase.markets.config import load_markets
from livebase.markets.resources import OUTPUTS, MarketResources
from livebase.passport.events import SupplyEvent, parse_event
from livebase.stores.anchors import AnchorStore
from livebase.stores.ledger import LedgerStore
from livebase_local.runner.functions import load_handler
from tests.support.lambda_events import CONTEXT, sample
from tests.support.tables import string_keyed_table

BATCH = "SEA-BATCH-0001"
SUPPLIER = "sup-shenzhen-01"
KEY = bytes.fromhex("5eed" * 16)  # the key events/sqs_passport_supply_event.json is signed with
SAMPLE_SUPPLIER, SAMPLE_BATCH = "sup-lyon-02", "EU-BATCH-0042"


def batch_events(batch: str = BATCH, supplier: str = SUPPLIER) -> list[SupplyEvent]:
    start = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    common = {"batch_id": batch, "supplier_id": supplier}
    raw: list[dict[str, object]] = [
        {"kind": "origin", "country": "CN", "site": "Shenzhen plant 3", "producer": "Lumen Audio Co",
         "product": "Wireless earbuds X2"},
        {"kind": "qc_certificate", "certificate_id": "QC-2026-7781", "issuer": "SGS Shenzhen", "result": "pass",
         "document_sha256": "ab" * 32},
        {"kind": "customs_declaration", "declaration_id": "CD-551200", "hs_code": "851830",
         "origin_country": "CN", "destination_country": "SG", "status": "cleared"},
        {"kind": "warehouse_in", "warehouse_id": "sg-wh-1", "quantity": 500},
        {"kind": "warehouse_out", "warehouse_id": "sg-wh-1", "quantity": 120},
        {"kind": "shipment", "carrier": "Ninja Van", "tracking_ref": "NV-88231", "from_country": "SG",
         "to_country": "MY"},
    ]  # fmt: skip
    return [
        parse_event({**common, **body, "event_id": f"{batch}-e{n}", "occurred_at": str(start + timedelta(days=n))})
        for n, body in enumerate(raw)
    ]


class PassportMarket:
    """eu's passport resources in moto: ledger, anchor bucket (Object Lock), DLQ, supplier keys."""

    def __init__(self) -> None:
        region = load_markets()["eu"].region
        self.dynamodb, self.sqs = boto3.client("dynamodb", region_name=region), boto3.client("sqs", region_name=region)
        names = {field: f"eu-{field}" for field in OUTPUTS}
        names["passport_ledger_table"] = string_keyed_table(self.dynamodb, "ledger", "pk", "sk")
        names["passport_intake_dlq_url"] = self.sqs.create_queue(QueueName=f"intake-dlq-{uuid.uuid4().hex[:6]}")[
            "QueueUrl"
        ]
        self.s3 = boto3.client("s3", region_name=region)
        self.s3.create_bucket(
            Bucket="eu-anchors", ObjectLockEnabledForBucket=True,
            CreateBucketConfiguration={"LocationConstraint": region},
        )  # fmt: skip
        names["passport_anchor_bucket"] = "eu-anchors"
        names["passport_supplier_keys_secret"] = "livebase/eu/passport/supplier-keys"
        keys = {SAMPLE_SUPPLIER: KEY.hex(), SUPPLIER: KEY.hex()}
        boto3.client("secretsmanager", region_name=region).create_secret(
            Name=names["passport_supplier_keys_secret"], SecretString=json.dumps(keys)
        )
        self.resources = MarketResources(market="eu", region=region, **names)
        self.ledger = LedgerStore(self.dynamodb, names["passport_ledger_table"])
        self.anchors = AnchorStore(self.s3, "eu-anchors")

    def handler(self, function: str) -> ModuleType:
        return load_handler(function, self.resources, container=uuid.uuid4().hex[:8])[0]

    def dead_letters(self) -> list[dict[str, Any]]:
        url = self.resources.passport_intake_dlq_url
        return self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get(
            "Messages", []
        )


def get(module: ModuleType, batch: str) -> tuple[int, dict[str, Any]]:
    """``GET /passport/{batch}`` through the API handler ``module``: status and parsed body."""
    event = sample("apigateway_get_passport")
    event["path"] = f"/passport/{batch}"
    event["pathParameters"] = {"batch": batch}
    response = module.lambda_handler(event, CONTEXT)
    return int(response["statusCode"]), json.loads(response["body"])

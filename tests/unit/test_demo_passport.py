"""The demo's passport report on moto (in-process): signed events through the intake handler,
the day anchored, the passport verified by the API handler, the QR label written and readable."""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from pathlib import Path
from typing import Any

import pytest

from livebase_local.commands.demo_passport import passport_demo
from livebase_local.runner.functions import load_handler
from tests.support.lambda_events import CONTEXT
from tests.support.passport import PassportMarket


@pytest.fixture
def market(aws: Any) -> PassportMarket:
    """eu's passport resources in the in-process moto ``aws`` started, with an intake queue and an API URL."""
    market = PassportMarket()
    queue = market.sqs.create_queue(QueueName=f"intake-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    market.resources = dataclasses.replace(
        market.resources, passport_intake_queue_url=queue,
        passport_api_url="https://a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com/v1/",
    )  # fmt: skip
    return market


def test_the_demo_reports_a_verified_passport_and_writes_its_qr_label(market: PassportMarket, tmp_path: Path) -> None:
    intake = load_handler("passport_intake", market.resources, container="demo-test")[1]
    queue = market.resources.passport_intake_queue_url

    def drain() -> None:  # the runner's SQS mapping, in short
        while messages := market.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
            records: list[dict[str, Any]] = [
                {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                 "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1", "SenderId": "x",
                                "ApproximateFirstReceiveTimestamp": "1"}, "messageAttributes": {},
                 "md5OfBody": hashlib.md5(m["Body"].encode()).hexdigest(), "eventSource": "aws:sqs",
                 "eventSourceARN": "arn:aws:sqs:eu-central-1:123456789012:intake", "awsRegion": "eu-central-1"}
                for m in messages
            ]  # fmt: skip
            assert intake({"Records": records}, CONTEXT) == {"batchItemFailures": []}
            for m in messages:
                market.sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])

    report = passport_demo(market.resources, drain, tmp_path).splitlines()
    assert "8 supply events sent" in report[0] and "6 in the chain" in report[0] and "anchored" in report[0]
    assert report[1].strip().startswith("verified — Verifiziert / Vérifié / Verified")
    assert [line.split(":")[0].strip() for line in report[2:8]] == [
        "#0 Herkunft", "#1 Qualitätszertifikat", "#2 Zoll", "#3 Wareneingang", "#4 Warenausgang", "#5 Versand",
    ]  # fmt: skip
    [svg] = list(tmp_path.glob("*.svg"))
    assert svg.read_text().startswith("<svg") and svg.with_suffix(".png").read_bytes().startswith(b"\x89PNG")
    assert f"QR label: {svg}" in report[-2] and "/v1/passport/EU-BATCH-" in report[-2]
    page = svg.with_suffix(".html")
    assert f"page: {page}" in report[-1] and report[-1].endswith("without the API: ok")
    assert page.read_text(encoding="utf-8").startswith('<!doctype html><html lang="de"')
    assert len(market.dead_letters()) == 2  # the forged and the unsigned event, kept for review

"""Consent and recall on the local AWS with the real eu stack (issue 31): consent given on the live stream,
withdrawn on the stream, through the sites' API and by an unsubscribe; stages from activity; the recall
list, its delivery through the market's recall topic, the control group; and after a withdrawal the
viewer is in no list and no delivery."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest

from livebase.live.events import OrderLine, OrderPlaced
from livebase.privacy.consent import Purpose, Source
from livebase.stores.consent import ConsentStore
from livebase.stores.order_table import order_model, order_record
from livebase.stores.orders import PLACED
from livebase.stores.recall import RecallLake
from tests.support.hq_stack import deploy_hq
from tests.support.lambda_events import lambda_context
from tests.support.local_aws import LocalAwsStack
from tests.support.pipeline import TS, TS_LATER, drain_queue, open_pipeline

pytestmark = pytest.mark.slow
TODAY = datetime.now(UTC).date()
SEND_AT = datetime.combine(TODAY, datetime.min.time(), UTC) + timedelta(hours=10)  # 11:00 in Berlin: not quiet


def live(kind: str, viewer: str, n: int, ts: str = TS, **fields: Any) -> bytes:
    return json.dumps({
        "event_id": f"ev-rc-{viewer[-12:]}-{kind[:8]}-{n}", "schema_version": 1, "type": kind, "market": "eu",
        "room_id": "eu-room-1", "session_id": "eu-room-1-s", "ts": ts, "viewer_id": viewer, **fields,
    }).encode()  # fmt: skip


def api(path: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "resource": path, "path": path, "httpMethod": "POST", "headers": {"content-type": "application/json"},
        "body": json.dumps(body), "isBase64Encoded": False,
        "requestContext": {"identity": {"userArn": "arn:aws:iam::000000000000:role/site"}, "stage": "v1",
                           "requestTimeEpoch": int(datetime.now(UTC).timestamp() * 1000)},
    }  # fmt: skip


def old_buyers(resources: Any, viewers: list[str]) -> None:
    """Each viewer ordered once, 45 days ago (dormant by orders alone)."""
    model = order_model(resources.orders_table, resources.region)
    with model.batch_write() as batch:
        for n, viewer in enumerate(viewers):
            order_id = f"ord-rc-{viewer[2:14]}-{n}"
            batch.save(order_record(model, OrderPlaced(
                event_id=f"evt-{order_id}", type="order_placed", market="eu", room_id="eu-room-1", session_id="s1",
                ts=datetime.now(UTC) - timedelta(days=45), viewer_id=viewer, order_id=order_id, currency="EUR",
                lines=(OrderLine(sku="EU-RC-1", quantity=1, unit_price=Decimal("9.90")),),
            ), PLACED))  # fmt: skip


def observe_topic(resources: Any, topic_arn: str) -> str:
    sqs = boto3.client("sqs", region_name=resources.region)
    url = sqs.create_queue(QueueName=f"observe-recall-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    boto3.client("sns", region_name=resources.region).subscribe(
        TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"}
    )
    return url


def recall_list(resources: Any, day: date) -> list[str]:
    key = f"recall/eu/{day.isoformat()}.json"
    body = boto3.client("s3", region_name=resources.region).get_object(Bucket=resources.data_lake_bucket, Key=key)
    return list(json.loads(body["Body"].read())["viewers"])


def test_consent_from_the_stream_recall_delivered_and_every_withdrawal_honoured(
    local_aws: LocalAwsStack, prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.fx_rates import FX_FEED_ENV
    from flows.recall_delivery import recall_delivery
    from flows.recall_io import stack_outputs
    from flows.regional_processing import regional_processing
    from livebase_local.fx_feed import refresh_local_rates

    deploy_hq()
    monkeypatch.setenv(FX_FEED_ENV, "")  # restored after: the refresh points it at this test's feed
    refresh_local_rates(tmp_path / "fx-feed", ["eu"], today=TODAY)  # the day's rates, as the demo and up get them
    pipeline = open_pipeline(local_aws, "eu")
    resources = pipeline.resources
    tag = uuid.uuid4().hex[:8]
    viewers = [f"v_{tag}{n:024x}" for n in range(30)]
    withdrawer, site_withdrawer, watcher = viewers[0], viewers[1], viewers[2]
    old_buyers(resources, viewers)
    records = [live("consent_changed", v, 1, purpose="marketing", granted=True) for v in viewers]
    records += [live("viewer_joined", watcher, 2), live("like", watcher, 3), live("viewer_left", watcher, 4, TS_LATER)]
    pipeline.send(records)
    consent = ConsentStore.for_market(resources)
    assert [(r.granted, r.source) for r in consent.history_of(withdrawer)] == [(True, Source.PLAYER)]
    context = lambda_context("livebase-eu-consent", resources.region)
    answer = pipeline.handlers["consent"](api("/consent", {"viewer": site_withdrawer, "purpose": "marketing",
                                                             "granted": False}), context)  # fmt: skip
    assert answer["statusCode"] == 200
    bad = pipeline.handlers["consent"](api("/consent", {"viewer": "someone@example.com", "purpose": "marketing",
                                                          "granted": True}), context)  # fmt: skip
    assert bad["statusCode"] == 400 and "example.com" not in bad["body"]

    regional_processing(markets=["eu"], as_of=TODAY, k=5)
    listed = set(recall_list(resources, TODAY))
    assert set(viewers) - {site_withdrawer, watcher} <= listed  # dormant by orders, consent from the stream
    assert site_withdrawer not in listed and watcher not in listed  # withdrew on the site / active by activity

    pipeline.send([live("consent_changed", withdrawer, 5, TS_LATER, purpose="marketing", granted=False)])
    topic = stack_outputs(resources)["RecallTopicArn"]
    queue = observe_topic(resources, topic)
    result = recall_delivery(markets=["eu"], day=TODAY, at=SEND_AT).markets[0]
    document = RecallLake(boto3.client("s3", region_name=resources.region), resources.data_lake_bucket, "eu").delivery(
        TODAY
    )
    assert document is not None and document["status"] == "sent"
    entries = {e["viewer"]: e for e in document["entries"]}
    assert withdrawer not in entries and result.withdrawn >= 1  # withdrawn after the run: no delivery
    messages = drain_queue(queue, resources.region)
    sent = {m["viewer"] for m in messages}
    assert sent == {v for v, e in entries.items() if e["group"] == "recalled"} and withdrawer not in sent
    assert result.control == sum(e["group"] == "control" for e in entries.values()) and result.sent == len(sent)

    mine = sorted(v for v in sent if v in viewers)
    unsubscriber = mine[0]
    delivery = entries[unsubscriber]["delivery"]
    reply = pipeline.handlers["consent"](api("/consent/unsubscribe", {"delivery": delivery}), context)
    assert reply["statusCode"] == 200 and not consent.granted(unsubscriber, Purpose.MARKETING)
    assert consent.history_of(unsubscriber)[-1].source is Source.UNSUBSCRIBE
    forged = pipeline.handlers["consent"](api("/consent/unsubscribe", {"delivery": "20260101-" + "0" * 24}), context)
    assert forged["statusCode"] == 404

    again = recall_delivery(markets=["eu"], day=TODAY, at=SEND_AT + timedelta(hours=1)).markets[0]
    assert again.note.startswith("already delivered") and drain_queue(queue, resources.region) == []
    regional_processing(markets=["eu"], as_of=TODAY, k=5)
    relisted = set(recall_list(resources, TODAY))
    assert not {withdrawer, site_withdrawer, unsubscriber} & relisted  # every withdrawal: in no list

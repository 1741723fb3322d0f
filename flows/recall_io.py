"""What the recall-delivery flow reads and writes, all in the market's own region.

Reads: the day's recall list (``recall/<market>/<day>.json``, written by regional processing), the
marketing consent again (a withdrawal since the regional run wins), past deliveries (frequency cap,
outcomes), the viewers' activity and orders (who came back), the stack's outputs (the recall topic,
the consent API's URL). Writes: the delivery's record (``recall/<market>/deliveries/<day>.json``) and
the messages on the market's recall topic.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import boto3
from botocore.exceptions import ClientError

from flows.regional_io import read_orders_segment, recall_key
from livebase.lifecycle.activity import activity_frame, seen_between
from livebase.lifecycle.recall import RECALLED, DeliveryPlan, Outcome, delivery_entries, outcome
from livebase.markets.config import Market
from livebase.markets.resources import MarketResources
from livebase.privacy.consent import Purpose
from livebase.stores.consent import ConsentStore
from livebase.stores.recall import RecallLake, SnsRecallChannel

TOPIC_OUTPUT, API_OUTPUT = "RecallTopicArn", "ConsentApiUrl"  # infra_cdk/components/recall.py
SENT, SENDING = "sent", "sending"


def lake_of(resources: MarketResources) -> RecallLake:
    return RecallLake(boto3.client("s3", region_name=resources.region), resources.data_lake_bucket, resources.market)


def stack_outputs(resources: MarketResources) -> dict[str, str]:
    client = boto3.client("cloudformation", region_name=resources.region)
    stacks = client.describe_stacks(StackName=f"Livebase-{resources.market}")["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def recall_list(resources: MarketResources, day: date) -> list[str] | None:
    """The viewers of the day's recall list, or None when regional processing wrote none for that day."""
    s3 = boto3.client("s3", region_name=resources.region)
    try:
        body = s3.get_object(Bucket=resources.data_lake_bucket, Key=recall_key(resources.market, day))["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise
    return [str(v) for v in json.loads(body).get("viewers", [])]


def marketing_consent(resources: MarketResources) -> set[str]:
    return ConsentStore.for_market(resources).granted_keys(Purpose.MARKETING)


def recently_sent(lake: RecallLake, day: date, cap_days: int) -> set[str]:
    """Viewers messaged in the ``cap_days`` before ``day`` (the frequency cap)."""
    sent = set()
    for document in lake.deliveries(day - timedelta(days=cap_days), day - timedelta(days=1)):
        sent |= {str(e["viewer"]) for e in document.get("entries", []) if e.get("group") == RECALLED}
    return sent


def send(
    resources: MarketResources, market: Market, day: date, at: datetime, plan: DeliveryPlan, lake: RecallLake
) -> dict[str, Any]:
    """Record the delivery, publish the messages, mark it sent (a rerun after ``sent`` sends nothing)."""
    outputs = stack_outputs(resources)
    started = lake.delivery(day) or {}  # a retry after a failed publish: the same ids again (at least once)
    ids = {str(e["viewer"]): str(e["delivery"]) for e in started.get("entries", []) if e.get("delivery")}
    entries = delivery_entries(plan, day, ids)
    document: dict[str, Any] = {
        "market": market.id, "day": day.isoformat(), "sent_at": at.isoformat(),
        "outcome_days": market.lifecycle.recall.outcome_days, "status": SENDING, "entries": entries,
    }  # fmt: skip
    lake.put_delivery(day, document)  # first: every message's id is on record before it can be clicked
    unsubscribe = f"{outputs[API_OUTPUT]}/unsubscribe"
    messages = [
        {"viewer": e["viewer"], "delivery": e["delivery"], "unsubscribe": unsubscribe}
        for e in entries if e["group"] == RECALLED
    ]  # fmt: skip
    channel = SnsRecallChannel(boto3.client("sns", region_name=resources.region), outputs[TOPIC_OUTPUT])
    document["published"] = channel.send(market.id, messages, at)
    document["status"] = SENT
    lake.put_delivery(day, document)
    return document


def outcomes(
    resources: MarketResources, lake: RecallLake, now: datetime, lookback_days: int
) -> list[tuple[str, Outcome]]:
    """Per delivery of the last ``lookback_days``: who came back (activity or an order) within its window."""
    first = (now - timedelta(days=lookback_days)).date()
    deliveries = [d for d in lake.deliveries(first, now.date()) if d.get("status") == SENT]
    if not deliveries:
        return []
    activity = activity_frame(lake.activity(first, now.date()))
    orders = read_orders_segment(resources, 0, 1)
    measured = []
    for document in deliveries:
        sent_at = datetime.fromisoformat(document["sent_at"])
        end = min(sent_at + timedelta(days=int(document["outcome_days"])), now)
        came_back = seen_between(activity, sent_at, end)
        placed = orders[(orders["placed_at"] >= sent_at) & (orders["placed_at"] < end)]
        came_back |= set(placed["viewer_id"].astype(str))
        measured.append((str(document["day"]), outcome(document["entries"], sent_at, came_back, now,
                                                       int(document["outcome_days"]))))  # fmt: skip
    return measured

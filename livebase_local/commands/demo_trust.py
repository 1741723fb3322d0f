"""The demo's trust and safety: a room's comments moderated and a fake-order ring held, on the demo's local AWS.

Into the market's stream, in a room of its own (``<market>-trust-demo``): ordinary chat, a scam
("DM me for cheaper"), an insult, one viewer flooding the same words, talk of a category the market
bans (mena), and four fresh accounts buying the same SKU three at a time within seconds. The
event-source runner feeds ingest (moderation) and orders (risk); the lines show each decision with
its reason, the room's raw and authentic comment counts, and the orders held for review.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key

from livebase.markets.config import Market
from livebase.markets.resources import MarketResources
from livebase.risk.holds import HeldOrders
from livebase.stores.room_metrics import RoomStore
from livebase_local.platform import LocalPlatform
from livebase_local.simulator.demo_orders import CATALOGUE

RING_SKU = "SKU-TEA-330"


def _viewer(name: str) -> str:
    return "v_" + uuid.uuid5(uuid.NAMESPACE_URL, name).hex


def demo_records(market: Market, run: str, now: datetime) -> list[dict[str, Any]]:
    """The demo room's events (partition key = viewer, as the player sends them)."""
    room, session = f"{market.id}-trust-demo", f"{market.id}-trust-{run}"
    out: list[dict[str, Any]] = []

    def event(kind: str, viewer: str, at: float, **fields: Any) -> None:
        out.append({"event_id": f"ev-trust-{run}-{len(out):04d}", "schema_version": 1, "type": kind,
                    "market": market.id, "room_id": room, "session_id": session,
                    "ts": (now + timedelta(seconds=at)).isoformat().replace("+00:00", "Z"), "viewer_id": viewer,
                    **fields})  # fmt: skip

    chat = [("so pretty, what size?", "en"), ("love this colour", "en"), ("shipping to my city?", "en")]
    for n, (text, language) in enumerate(chat):
        event("comment", _viewer(f"{run}-fan-{n}"), n, text=text, language=language)
    event("comment", _viewer(f"{run}-scammer"), 4, text="DM me for cheaper, same bag half price", language="en")
    event("comment", _viewer(f"{run}-rude"), 5, text="shut up host, you idiot", language="en")
    for n in range(5):
        event("comment", _viewer(f"{run}-flooder"), 6 + n, text="buy buy buy", language="en")
    if "alcohol" in market.cultural_rules.banned_listing_categories:
        event("comment", _viewer(f"{run}-thirsty"), 12, text="عندك بيرة مع الطلب؟", language="ar")
    price = str(CATALOGUE[RING_SKU])
    for n in range(4):
        ring = _viewer(f"{run}-ring-{n}")
        event("order_placed", ring, 14 + n, order_id=f"ord-trust-{run}-{n}", currency=market.currency,
              lines=[{"sku": RING_SKU, "quantity": 3, "unit_price": price}])  # fmt: skip
    return out


def trust_demo(platform: LocalPlatform, market: Market) -> str:
    """Send the demo room through moderation and order risk; the lines the demo prints."""
    resources: MarketResources = platform.runtimes[market.id].resources
    run, now = uuid.uuid4().hex[:8], datetime.now(UTC).replace(microsecond=0)
    records = demo_records(market, run, now)
    kinesis = boto3.client("kinesis", region_name=resources.region)
    kinesis.put_records(StreamName=resources.stream_name, Records=[
        {"PartitionKey": r["viewer_id"], "Data": json.dumps(r, ensure_ascii=False).encode()} for r in records
    ])  # fmt: skip
    platform.drain()
    table = boto3.resource("dynamodb", region_name=resources.region).Table(resources.room_metrics_table)
    room = f"{market.id}-trust-demo"
    decided = table.query(KeyConditionExpression=Key("pk").eq(f"ROOM#{room}") & Key("sk").begins_with("MOD#"))
    ours = [i for i in decided["Items"] if str(i.get("event_id", "")).startswith(f"ev-trust-{run}")]
    texts = {r["event_id"]: r.get("text", "") for r in records}
    lines = [f"        trust and safety, room {room}: {len(records)} events"]
    for item in sorted(ours, key=lambda i: str(i["ts"])):
        lines.append(f"          {item['verdict']:<4} {item['reason']:<15} {texts[str(item['event_id'])][:40]!r}")
    minutes = RoomStore(table).series(room, now - timedelta(minutes=1), now + timedelta(minutes=1))
    shown, hidden, held = (sum(getattr(m, f) for m in minutes) for f in ("comments", "hidden_comments",
                                                                         "held_comments"))  # fmt: skip
    authentic = sum(m.authentic_comments for m in minutes)
    lines.append(f"          room counts {shown} comments shown ({authentic} authentic), {hidden} hidden, {held} held")
    held_orders = [h for h in HeldOrders(table, market.id).pending() if h.order.order_id.startswith(f"ord-trust-{run}")]
    for h in held_orders:
        lines.append(f"          order {h.order.order_id} HELD for review (risk {h.score:.2f}: {', '.join(h.signals)})")
    lines.append(f"          {4 - len(held_orders)} of the ring's 4 orders served before the pattern showed; "
                 "ops decide the rest in moderation-review or POST /moderation/actions")  # fmt: skip
    return "\n".join(lines)

"""Moderation review: the held comments and held orders of each market, and ops' decisions on them.

Every 15 minutes (and on demand, with decisions), per market, in its own region:

1. apply the decisions given as the ``decisions`` parameter: a held comment shown or hidden, a held
   order released (served as placed) or cancelled (its units given back), each logged in the
   market's action log with its statement of reasons (``livebase.moderation.store``,
   ``livebase.risk.review``); an id that is not held (decided already) is reported, not an error;
2. publish what is still held: a table artifact per market (``moderation-held-<market>``: comments
   by event id with the reason and the rule that matched, orders by id with their risk score and
   signals) and a markdown artifact of the decisions applied (``moderation-actions-<market>``).

Artifacts carry ids, reasons, rules and scores only: never a comment's text nor a viewer (the text
stays in the region: ``GET /moderation/held`` on the market's moderation API shows it to reviewers).
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

import boto3
from prefect import flow, task
from pydantic import BaseModel, Field

from flows.artifacts import publish_markdown, publish_table
from flows.markets import MARKETS, SELLING_MARKET_IDS, MarketSelection, resolve_market_resources
from livebase.aws import put_all, retry_config
from livebase.commerce.order_intake import OrderIntake
from livebase.commerce.price_list import PriceList, catalogue_from_lake
from livebase.live.events import EventId, OrderId
from livebase.markets.resources import MarketResources
from livebase.moderation.store import ModerationStore
from livebase.risk.holds import HeldOrders
from livebase.risk.review import decide_held_order
from livebase.stores.inventory import InventoryStore
from livebase.stores.orders import OrderStore
from livebase.stores.room_orders import RoomOrders
from livebase.stores.session_prices import SessionPriceStore

ACTOR = "prefect:moderation-review"


class ReviewDecision(BaseModel):
    """One decision of a person: ``approve`` shows a comment / releases an order, else hides / cancels it."""

    market: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{1,11}$")]
    kind: Literal["comment", "order"]
    id: EventId | OrderId
    approve: bool
    note: Annotated[str, Field(max_length=500)] = ""


class MarketReview(BaseModel):
    market: str
    held_comments: int
    held_orders: int
    applied: list[str]
    not_held: list[str]


def _intake(resources: MarketResources) -> OrderIntake:
    """The market's order intake, as the orders consumer builds it (a released order is accepted by it)."""
    market = MARKETS[resources.market]
    session = boto3.Session(region_name=resources.region)
    dynamodb = session.client("dynamodb", config=retry_config())
    prices = PriceList(market.currency, catalogue_from_lake(session.client("s3"), resources.data_lake_bucket),
                       SessionPriceStore(dynamodb, resources.inventory_table).for_sku)  # fmt: skip
    table = session.resource("dynamodb").Table(resources.room_metrics_table)
    return OrderIntake(
        inventory=InventoryStore(dynamodb, resources.inventory_table),
        orders=OrderStore(resources.orders_table, resources.region, retention_days=market.retention.orders_days),
        room_orders=RoomOrders(dynamodb, resources.room_metrics_table), prices=prices, market=market,
        bus_name=resources.event_bus_name,
        put_events=partial(put_all, session.client("events"), source=market), holds=HeldOrders(table, market.id),
    )  # fmt: skip


@task(name="review-market", retries=1, retry_delay_seconds=10)
def review_market(resources: MarketResources, decisions: list[ReviewDecision]) -> dict[str, Any]:
    """Apply the market's decisions, then read what is still held."""
    session = boto3.Session(region_name=resources.region)
    table = session.resource("dynamodb", config=retry_config()).Table(resources.room_metrics_table)
    store, holds = ModerationStore(table, resources.market), HeldOrders(table, resources.market)
    applied: list[dict[str, Any]] = []
    not_held: list[str] = []
    comments = {h.event_id: h for h in store.held(1000)} if decisions else {}
    orders = {h.order.order_id: h for h in holds.pending(1000)} if decisions else {}
    intake = _intake(resources) if any(d.kind == "order" for d in decisions) else None
    for decision in decisions:
        if decision.kind == "comment" and decision.id in comments:
            logged = store.resolve(comments[decision.id], show=decision.approve, actor=ACTOR, note=decision.note)
        elif decision.kind == "order" and decision.id in orders and intake is not None:
            logged = decide_held_order(intake, store, orders[decision.id], decision.approve, ACTOR, decision.note)
            logged.pop("outcome", None)
        else:
            not_held.append(decision.id)
            continue
        applied.append({"id": decision.id, "action": logged["action"], "statement": logged["statement"]})
    held_comments = [{"kind": "comment", "id": h.event_id, "room": h.room_id, "held_at": h.ts, "why": h.reason,
                      "rule": h.rule, "score": ""} for h in store.held(1000)]  # fmt: skip
    held_orders = [{"kind": "order", "id": h.order.order_id, "room": h.order.room_id,
                    "held_at": h.received_at.isoformat(), "why": "risk", "rule": ",".join(h.signals),
                    "score": f"{h.score:.2f}"} for h in holds.pending(1000)]  # fmt: skip
    return {"held": held_comments + held_orders, "applied": applied, "not_held": not_held}


def publish(market: str, outcome: dict[str, Any]) -> MarketReview:
    held = outcome["held"]
    comments = sum(1 for row in held if row["kind"] == "comment")
    description = f"{market}: {comments} comments and {len(held) - comments} orders held for review"
    publish_table(market, key=f"moderation-held-{market}", table=held, description=description,
                  empty=f"nothing held for review in {market}", first=("kind", "why", "rule", "score"))  # fmt: skip
    lines = [f"# Moderation review, {market}", "", description, ""]
    lines += [f"- **{a['action']}** `{a['id']}`: {a['statement']}" for a in outcome["applied"]] or ["No decisions."]
    if outcome["not_held"]:
        lines += ["", "Not held (decided already or unknown): " + ", ".join(f"`{i}`" for i in outcome["not_held"])]
    publish_markdown(market, key=f"moderation-actions-{market}", markdown="\n".join(lines), description=description)
    print(description)
    return MarketReview(market=market, held_comments=comments, held_orders=len(held) - comments,
                        applied=[a["id"] for a in outcome["applied"]], not_held=outcome["not_held"])  # fmt: skip


@flow(name="moderation-review", log_prints=True)
def moderation_review(
    markets: MarketSelection | None = None,
    decisions: Annotated[list[ReviewDecision], Field(max_length=200)] = [],  # noqa: B006 - Prefect's parameter schema
) -> list[MarketReview]:
    """What is held for review per market, after applying ``decisions`` (default: every selling market)."""
    selected = list(markets or SELLING_MARKET_IDS)
    resources = [resolve_market_resources(market) for market in selected]  # once per run
    futures = [
        review_market.submit(r, [d for d in decisions if d.market == r.market])  # type: ignore[call-overload]
        for r in resources
    ]
    return [publish(r.market, future.result()) for r, future in zip(resources, futures, strict=True)]

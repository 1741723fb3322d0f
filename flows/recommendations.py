"""Recommendations training ("goods find people"): per-viewer top lists and the sessions the player joins.

Nightly in each market's region (``recommendations-training`` in the catalogue), three steps:

1. ``publish-planned-sessions``: the session plans of the coming days (``sessions/plans/`` in the
   market's lake) become the player table's session records: room, line-up, experiment (id,
   share of B, end). The player's join and recommendations read only these (our records).
2. ``read-behaviour``: the market's orders of the last ``history_days`` (viewer key, SKUs, time)
   and the viewers granting personalisation consent now (``ConsentStore.granted_keys``).
3. ``train-and-publish``: ``livebase.recommend.model.train``: lists for the consenting viewers
   from their own behaviour only (their taste per category of the market's catalogue,
   ``catalogue/suppliers.json``; item-item co-occurrence where the catalogue names no category),
   times each item's strength in the whole market (aggregate counts, like the popular list: a
   viewer who consented yesterday gets what the market takes, ranked by their taste, not only
   what they took themselves); the lists of viewers whose consent was withdrawn since deleted,
   the popular list written.

Everything runs against the market's own region; the artifact holds counts and SKUs, no viewer.
Behaviour in the stores today is orders; the library takes watch time and carts too
(``livebase.recommend.behaviour.from_events``), which the benchmark measures on simulated days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import boto3
from botocore.exceptions import ClientError
from prefect import flow, task
from pydantic import Field

from flows import commerce_io
from flows.artifacts import publish_table
from flows.markets import MarketId, resolve_market_resources
from flows.session_io import read_plans
from livebase.aws import retry_config
from livebase.markets.resources import MarketResources
from livebase.privacy.consent import Purpose
from livebase.recommend.behaviour import Interaction, from_orders
from livebase.recommend.model import HALF_LIFE_DAYS, train
from livebase.sessions.joining import SessionRecord
from livebase.stores.consent import ConsentStore
from livebase.stores.orders import OrderStore
from livebase.stores.player import PlayerStore

SESSION_KEPT_DAYS = 30  # a session's record outlives it for late joins of its replay and the analysis


def player_store(resources: MarketResources) -> PlayerStore:
    client = boto3.client("dynamodb", region_name=resources.region, config=retry_config())
    return PlayerStore(client, resources.player_table, resources.consent_table)


def session_records(plans: list[dict[str, Any]]) -> list[SessionRecord]:
    """The player's view of planned sessions: room (the session id, or the arms' base with a split)."""
    records = []
    for plan in plans:
        for session in plan["sessions"]:
            split = session.get("split") or {}
            records.append(SessionRecord(
                session_id=session["session_id"], room_id=session["session_id"],
                lineup=tuple(item["sku"] for item in session["lineup"]),
                experiment_id=split.get("experiment_id"), share_b=float(split.get("share_b", 0.5)),
                ends_at=datetime.fromisoformat(session["end"]) if split else None,
            ))  # fmt: skip
    return records


def publish_sessions(resources: MarketResources, today: date, days_ahead: int) -> int:
    """The plans of ``today`` .. ``today + days_ahead`` as session records; how many."""
    store = player_store(resources)
    records = session_records(read_plans(resources, today, today + timedelta(days=days_ahead)))
    for record in records:
        store.put_session(record, expires=datetime.now(UTC) + timedelta(days=SESSION_KEPT_DAYS + days_ahead))
    return len(records)


def behaviour(resources: MarketResources, since: datetime) -> tuple[list[Interaction], set[str]]:
    """The market's orders since ``since`` as interactions, and who grants personalisation now."""
    orders = [o for o in OrderStore.for_market(resources).all_orders() if o.placed_at >= since]
    consenting = ConsentStore.for_market(resources).granted_keys(Purpose.PERSONALISATION)
    return from_orders(orders), consenting


def catalogue_categories(resources: MarketResources) -> dict[str, str]:
    """SKU -> category from the market's catalogue; none without a catalogue (co-occurrence lists then)."""
    try:
        catalogue = commerce_io.read_catalogue(resources)
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("NoSuchBucket", "NoSuchKey", "404"):
            raise
        return {}
    return {terms.sku: terms.category for terms in catalogue.skus if terms.category}


def publish_model(
    resources: MarketResources, interactions: list[Interaction], consenting: set[str], now: datetime, half_life: float
) -> dict[str, Any]:
    """Train on consenting viewers' behaviour; write their lists, drop the others', write the popular list.

    Every viewer's behaviour counts only as the items' aggregate strength (as the popular list);
    a list trained on the consenting viewers' orders alone knew only what they bought (the demo's
    one consenting buyer of catalogue goods got the line-up back in its own order)."""
    store = player_store(resources)
    model = train(
        [i for i in interactions if i.viewer in consenting], now, half_life_days=half_life,
        categories=catalogue_categories(resources), market=interactions,
    )  # fmt: skip
    written = store.put_top_lists(model.viewers, now)
    withdrawn = sorted(store.listed_viewers() - set(model.viewers))  # consent withdrawn, or no behaviour left
    store.drop_top_lists(withdrawn)
    popular = _popular(interactions)[:50]
    store.put_popular(popular, now)
    return {"lists_written": written, "lists_dropped": len(withdrawn), "items": len(model.neighbours),
            "popular_top5": ", ".join(popular[:5])}  # fmt: skip


publish_planned_sessions = task(name="publish-planned-sessions", retries=2, retry_delay_seconds=5)(publish_sessions)
read_behaviour = task(name="read-behaviour", retries=2, retry_delay_seconds=5)(behaviour)
train_and_publish = task(name="train-and-publish", retries=1, retry_delay_seconds=5)(publish_model)


def _popular(interactions: list[Interaction]) -> list[str]:
    """Every viewer's orders, counted: an aggregate (no one's list), so consent is not needed for it."""
    counts: dict[str, float] = {}
    for interaction in interactions:
        counts[interaction.sku] = counts.get(interaction.sku, 0.0) + interaction.weight
    return sorted(counts, key=lambda sku: (-counts[sku], sku))


@flow(name="recommendations-training", log_prints=True)
def recommendations_training(
    market: MarketId,
    history_days: Annotated[int, Field(ge=1, le=365, description="days of behaviour trained on")] = 90,
    half_life_days: Annotated[float, Field(ge=1, le=180, description="a signal's weight halves this often")] = (
        HALF_LIFE_DAYS
    ),
    days_ahead: Annotated[int, Field(ge=0, le=14, description="planned sessions published this far ahead")] = 2,
) -> dict[str, Any]:
    """Publish the planned sessions, train on consenting viewers' behaviour, write the lists in-region."""
    resources = resolve_market_resources(market)
    now = datetime.now(UTC)
    sessions = publish_planned_sessions(resources, now.date(), days_ahead)
    interactions, consenting = read_behaviour(resources, now - timedelta(days=history_days))
    summary = {"market": market, "sessions_published": sessions, "consenting_viewers": len(consenting)}
    summary |= train_and_publish(resources, interactions, consenting, now, half_life_days)
    publish_table(market, key=f"recommendations-{market}", table=[summary], description="recommendations-training")
    print(f"{market}: {summary}")
    return summary

"""Recall delivery: the day's recall list to the viewers, through the market's own channel, with its outcome.

Per market, in its region (the ``recall-delivery/<market>`` deployment's ECS job runs there): first
the outcome of the deliveries of the last weeks (who came back within ``outcome_days``, recalled vs
the held-back control group: the lift), then today's delivery: the recall list regional processing
wrote for the day, less viewers whose marketing consent is gone since (read again now), less those
messaged within the frequency cap; a seeded share held back as the control group; nothing in the
market's quiet hours (the run reports when they end; the next scheduled run sends). Messages go to
the market's recall topic (``infra_cdk/components/recall.py``), each with its delivery id and the
unsubscribe path (``POST /consent/unsubscribe``: a withdrawal with source ``unsubscribe``).
Artifacts and results carry counts only, never a viewer.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from prefect import flow, task
from pydantic import BaseModel, Field

from flows import recall_io as io
from flows.artifacts import no_input, publish_table
from flows.markets import MARKETS, SELLING_MARKET_IDS, MarketSelection, resolve_market_resources
from livebase.lifecycle.recall import plan_delivery
from livebase.markets.resources import MarketResources

LOOKBACK_DAYS = 28  # deliveries whose outcome is reported on each run


class MarketDelivery(BaseModel):
    """One market's run (counts only: this crosses to the Prefect server)."""

    market: str
    day: str
    listed: int = 0  # on the day's recall list
    sent: int = 0
    control: int = 0
    capped: int = 0
    withdrawn: int = 0
    deferred_until: str = ""
    note: str = ""
    outcomes: list[str] = Field(default_factory=list)  # one line per past delivery: recalled vs control

    def line(self) -> str:
        if self.note:
            return f"{self.market} {self.day}: {self.note}"
        if self.deferred_until:
            return f"{self.market} {self.day}: quiet hours, {self.listed} listed, sending after {self.deferred_until}"
        return (
            f"{self.market} {self.day}: {self.sent} recalled via the market's topic, {self.control} held back as "
            f"control, {self.capped} capped, {self.withdrawn} no longer consenting (of {self.listed} listed)"
        )


class RecallDeliveryResult(BaseModel):
    markets: list[MarketDelivery]
    lines: list[str]


@task(name="measure-recall-outcomes", retries=2, retry_delay_seconds=5)
def measure_outcomes(resources: MarketResources, at: datetime) -> list[str]:
    lake = io.lake_of(resources)
    return [f"delivery {day}: {result.line()}" for day, result in io.outcomes(resources, lake, at, LOOKBACK_DAYS)]


@task(name="deliver-recall", retries=2, retry_delay_seconds=5)
def deliver(resources: MarketResources, day: date, at: datetime) -> MarketDelivery:
    """Today's delivery of one market (a rerun after it was sent sends nothing again)."""
    market = MARKETS[resources.market]
    settings = market.lifecycle.recall
    lake = io.lake_of(resources)
    done = lake.delivery(day)
    if done and done.get("status") == io.SENT:
        return MarketDelivery(market=market.id, day=day.isoformat(), note="already delivered (nothing sent again)")
    listed = io.recall_list(resources, day)
    if listed is None:
        return MarketDelivery(market=market.id, day=day.isoformat(), note="no recall list for the day yet")
    plan = plan_delivery(
        market.id, market.time_zone, day, at, listed, io.marketing_consent(resources),
        io.recently_sent(lake, day, settings.cap_days), settings,
    )  # fmt: skip
    result = MarketDelivery(market=market.id, day=day.isoformat(), listed=len(listed), **plan.counts())
    if plan.deferred_until is not None:
        result.deferred_until = plan.deferred_until.isoformat(timespec="minutes")
        return result
    io.send(resources, market, day, at, plan, lake)
    return result


def delivery_row(result: MarketDelivery) -> dict[str, object]:
    """The artifact's row: what happened first (sent, held back); an empty list says it was empty."""
    row = {k: v for k, v in result.model_dump().items() if k != "outcomes"}
    if not result.note and not result.listed:
        row["note"] = no_input(f"nobody on {result.market}'s recall list for {result.day}")
    return row


@flow(name="recall-delivery", log_prints=True)
def recall_delivery(
    markets: MarketSelection | None = None,
    day: Annotated[date | None, Field(description="the recall list's day (UTC); default today")] = None,
    at: Annotated[datetime | None, Field(description="send time, checked against quiet hours; default now")] = None,
) -> RecallDeliveryResult:
    """Each market's recall list to its viewers through its own channel, control group held back, the lift."""
    sent_at = (at or datetime.now(UTC)).astimezone(UTC)
    list_day = day or sent_at.date()
    resolved = [f.result() for f in resolve_market_resources.map(markets or list(SELLING_MARKET_IDS))]
    results = []
    for resources in resolved:
        measured = measure_outcomes(resources, sent_at)
        result = deliver(resources, list_day, sent_at)
        result.outcomes = measured
        results.append(result)
        publish_table(
            resources.market, key=f"recall-delivery-{resources.market}", table=[delivery_row(result)],
            description=f"Recall delivery of {resources.market} for {list_day} (counts only): {result.line()}; "
            + ("; ".join(measured) or "no earlier delivery to measure"),
            first=("note", "sent", "control", "capped", "withdrawn", "listed"),
        )  # fmt: skip
    lines = [line for r in results for line in (r.line(), *(f"  {o}" for o in r.outcomes))]
    for line in lines:
        print(line)
    return RecallDeliveryResult(markets=results, lines=lines)

"""Passport anchoring: daily, each market's Merkle root of the day's chain heads, locked in S3.

Per market (one task each, in the market's own region): read the batches whose chain changed on
the day, verify each chain, and write the Merkle root of the intact chains' heads as that day's
anchor object (Object Lock, compliance mode, ``RETENTION_DAYS``) in the market's anchor bucket;
each anchored batch's ledger notes the head and the object version, which ``GET /passport/{batch}``
checks. A broken chain is not anchored: it is reported (batch and finding kinds only) and the run
fails after anchoring the others, so ops look at it. Only hashes cross nothing: everything stays
in the market's region. The anchor for a day is written once; a re-run writes a new locked version
and the ledger points at the newest.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import boto3
from prefect import flow, task

from flows.artifacts import CROSS_MARKET, no_input, publish_table
from flows.markets import SELLING_MARKET_IDS, MarketSelection, resolve_market_resources
from livebase.aws import retry_config
from livebase.markets.resources import MarketResources
from livebase.passport.service import DayAnchor, anchor_day
from livebase.stores.anchors import RETENTION_DAYS, AnchorStore
from livebase.stores.ledger import LedgerStore


class BrokenChains(RuntimeError):
    """Some chains failed verification and were left out of their day's anchor."""


@task(name="anchor-market-day", retries=2, retry_delay_seconds=10)
def anchor_market_day(resources: MarketResources, day: str) -> DayAnchor:
    """The day's anchor for one market, written in its region (see the module docstring)."""
    session = boto3.Session(region_name=resources.region)
    ledger = LedgerStore(session.client("dynamodb", config=retry_config()), resources.passport_ledger_table)
    anchors = AnchorStore(session.client("s3"), resources.passport_anchor_bucket)
    retain_until = datetime.now(UTC) + timedelta(days=RETENTION_DAYS)
    return anchor_day(ledger, anchors, resources.market, day, retain_until)


def anchor_row(anchor: DayAnchor) -> dict[str, str | int]:
    """One market's anchor as ops read it: chains anchored and refused first, the hashes last; a day
    with no batch says so (nothing was recorded, so nothing was anchored)."""
    refused = ", ".join(f"{b} ({'/'.join(k)})" for b, k in anchor.refused.items()) or "-"
    note = "" if anchor.heads or anchor.refused else no_input(
        f"no passport batch recorded in {anchor.market} on {anchor.day}: nothing to anchor"
    )  # fmt: skip
    return {"market": anchor.market, "day": anchor.day, "batches": len(anchor.heads), "refused": refused,
            "note": note or "anchored", "root": anchor.root or "-", "object": anchor.key or "-"}  # fmt: skip


@flow(name="passport-anchoring", log_prints=True)
def passport_anchoring(markets: MarketSelection | None = None, day: date | None = None) -> list[DayAnchor]:
    """Anchor ``day`` (default: yesterday, UTC) for every selected market (default: all selling)."""
    selected = list(markets or SELLING_MARKET_IDS)
    the_day = (day or (datetime.now(UTC) - timedelta(days=1)).date()).isoformat()
    results: list[DayAnchor] = [anchor_market_day(resolve_market_resources(m), the_day) for m in selected]  # type: ignore[misc]
    publish_table(
        CROSS_MARKET, key="passport-anchors", table=[anchor_row(r) for r in results],
        description=f"Passport anchors of {the_day}: "
        + ", ".join(f"{r.market} {len(r.heads)} chains, {len(r.refused)} refused" for r in results),
        empty=no_input("no market selected"), last=("root", "object"),
    )  # fmt: skip
    for r in results:
        if not r.heads and not r.refused:
            print(f"{r.market} {r.day}: no input: no passport batch recorded that day, nothing anchored")
            continue
        print(f"{r.market} {r.day}: {len(r.heads)} chains anchored, root {r.root[:16]}..., {len(r.refused)} refused")
    broken = {f"{r.market}/{b}": k for r in results for b, k in r.refused.items()}
    if broken:
        raise BrokenChains(f"not anchored, chain verification failed: {broken}")
    return results

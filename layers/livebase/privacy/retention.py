"""Retention: how long each store of personal data keeps it, from the market's config.

DynamoDB items carry a TTL attribute the stores write (:func:`expires_at`); data-lake objects
under a personal prefix expire by an S3 lifecycle rule (:func:`lake_rules`, applied by
``infra_cdk/components/data_lake.py``). The prefixes are named here once, so the stack, the
erasure and the stores that write them agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from livebase.batches.quarantine import QUARANTINE_PREFIX
from livebase.markets.config import Market

RECALL_PREFIX = "recall"  # recall/<market>/...: recall and segment lists (regional-processing)
RECEIPTS_PREFIX = "erasure"  # erasure/<market>/<request id>.json: what an erasure removed where


@dataclass(frozen=True)
class LakeRule:
    """Objects under ``prefix`` expire ``days`` after they were written."""

    rule_id: str
    prefix: str
    days: int


def expires_at(at: datetime, days: int) -> int:
    """Epoch seconds ``days`` after ``at`` (a DynamoDB TTL value)."""
    if at.tzinfo is None:
        raise ValueError("at: needs a timezone")
    return int((at + timedelta(days=days)).timestamp())


def lake_rules(market: Market) -> list[LakeRule]:
    """The market's data-lake expiry rules: one per prefix that may hold personal data."""
    if not market.holds_personal_data:
        return []  # an aggregates-only bucket holds nothing personal
    retention = market.retention
    return [
        LakeRule("expire-quarantine", f"{QUARANTINE_PREFIX}/", retention.quarantine_days),
        LakeRule("expire-recall-lists", f"{RECALL_PREFIX}/", retention.recall_days),
        LakeRule("expire-erasure-receipts", f"{RECEIPTS_PREFIX}/", retention.receipts_days),
    ]

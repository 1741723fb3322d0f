"""Purchase orders: one per supplier per market per run date, written once, announced once.

Idempotency: the id is ``PO-<market>-<supplier>-<yyyymmdd>`` and the put is conditional, so a
re-run the same day keeps the first PO. Announcing is an outbox: each PO carries ``announced``;
after writing, every open PO of the market not yet announced gets its ``PurchaseOrderCreated``
event and is then marked. A crash between the two re-announces on the next run (consumers
dedupe on ``po_id``); no PO is ever left unannounced.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from livebase.aws import guard_bus_entries
from livebase.markets.config import Market
from livebase.privacy.guard import Keeper
from livebase.replenishment.policy import Decision
from livebase.signals import bus_entry
from livebase.signals.supply import PurchaseOrderCreated
from livebase.stores.purchase_orders import OPEN, PurchaseOrderItem, PurchaseOrderLine, PurchaseOrderStore

PUT_EVENTS_BATCH = 10  # EventBridge's limit per PutEvents call


@dataclass(frozen=True)
class PurchaseOrderResult:
    po_id: str
    supplier: str
    lines: int
    units: int
    total_cost: str
    created: bool  # False: this run date's PO already existed (a re-run)


def po_id(market: str, supplier: str, run_date: date) -> str:
    return f"PO-{market}-{supplier}-{run_date:%Y%m%d}"


def build_purchase_orders(
    decisions: Sequence[Decision], market: str, currency: str, run_date: date, run_id: str
) -> list[PurchaseOrderItem]:
    """One PO document per supplier with something to order (pure)."""
    by_supplier: dict[str, list[Decision]] = {}
    for decision in decisions:
        if decision.order_qty > 0:
            by_supplier.setdefault(decision.supplier, []).append(decision)
    documents = []
    for supplier, lines in sorted(by_supplier.items()):
        lead_days = max(math.ceil(d.lead_time_days) for d in lines)
        documents.append(PurchaseOrderItem(
            po_id=po_id(market, supplier, run_date), market=market, supplier=supplier,
            run_date=run_date.isoformat(), status=OPEN, announced=False,
            created_at=datetime.now(UTC).isoformat(), flow_run_id=run_id, currency=currency,
            expected_arrival=(run_date + timedelta(days=lead_days)).isoformat(),
            lines=[
                PurchaseOrderLine(sku=d.sku, quantity=d.order_qty, unit_cost=str(d.unit_cost))
                for d in sorted(lines, key=lambda d: d.sku)
            ],
            total_cost=str(sum((d.cost for d in lines), Decimal(0))),
        ))  # fmt: skip
    return documents


def write_purchase_orders(
    store: PurchaseOrderStore, documents: Sequence[PurchaseOrderItem]
) -> list[PurchaseOrderResult]:
    """Conditional put per PO; an existing one (same market, supplier, date) is kept as is."""
    results = []
    for document in documents:
        created = store.put_new(document)
        results.append(PurchaseOrderResult(
            po_id=document["po_id"], supplier=document["supplier"], lines=len(document["lines"]),
            units=sum(int(line["quantity"]) for line in document["lines"]),
            total_cost=document["total_cost"], created=created,
        ))  # fmt: skip
    return results


def po_signal(document: PurchaseOrderItem) -> PurchaseOrderCreated:
    """The ``PurchaseOrderCreated`` a PO announces: the PO as the supplier reads it."""
    return PurchaseOrderCreated(
        po_id=document["po_id"], market=document["market"], supplier=document["supplier"],
        run_date=document["run_date"], expected_arrival=document["expected_arrival"],
        currency=document["currency"], total_cost=document["total_cost"],
        lines=[{"sku": str(line["sku"]), "quantity": int(line["quantity"]), "unit_cost": str(line["unit_cost"])}
               for line in document["lines"]],
    )  # fmt: skip


def announce_pending(
    store: PurchaseOrderStore,
    events: Any,
    bus_name: str,
    open_orders: Sequence[PurchaseOrderItem],
    *,
    source: Market | None = None,
    keep: Keeper | None = None,
) -> list[str]:
    """Publish ``PurchaseOrderCreated`` for every open PO not yet announced; returns their ids.

    ``events``: an EventBridge client. Each PO is marked right after its entry was accepted. The
    entries pass the residency guard first (``livebase.aws.guard_bus_entries``; ``keep`` holds a
    refused one in the market's quarantine).
    """
    pending = [po for po in open_orders if not po.get("announced")]
    announced: list[str] = []
    for start in range(0, len(pending), PUT_EVENTS_BATCH):
        batch = pending[start : start + PUT_EVENTS_BATCH]
        entries = [bus_entry(po_signal(po), bus_name) for po in batch]
        guard_bus_entries(entries, source=source, keep=keep)  # the supplier channel: business facts only
        response = events.put_events(Entries=entries)
        failures = []
        for po, entry in zip(batch, response["Entries"], strict=True):
            if "ErrorCode" in entry:
                failures.append(f"{po['po_id']}: {entry['ErrorCode']}")
                continue
            store.mark_announced(po["po_id"])
            announced.append(po["po_id"])
        if failures:
            raise RuntimeError(f"PurchaseOrderCreated not published (next run retries): {failures}")
    return announced

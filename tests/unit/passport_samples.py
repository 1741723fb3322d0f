"""A batch's supply events, shared by the passport tests (not a test module)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from livebase.passport.events import SupplyEvent, parse_event

BATCH = "SEA-BATCH-0001"
SUPPLIER = "sup-shenzhen-01"


def batch_events(batch: str = BATCH, supplier: str = SUPPLIER) -> list[SupplyEvent]:
    start = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    common = {"batch_id": batch, "supplier_id": supplier}
    raw: list[dict[str, object]] = [
        {"kind": "origin", "country": "CN", "site": "Shenzhen plant 3", "producer": "Lumen Audio Co",
         "product": "Wireless earbuds X2"},
        {"kind": "qc_certificate", "certificate_id": "QC-2026-7781", "issuer": "SGS Shenzhen", "result": "pass",
         "document_sha256": "ab" * 32},
        {"kind": "customs_declaration", "declaration_id": "CD-551200", "hs_code": "851830",
         "origin_country": "CN", "destination_country": "SG", "status": "cleared"},
        {"kind": "warehouse_in", "warehouse_id": "sg-wh-1", "quantity": 500},
        {"kind": "warehouse_out", "warehouse_id": "sg-wh-1", "quantity": 120},
        {"kind": "shipment", "carrier": "Ninja Van", "tracking_ref": "NV-88231", "from_country": "SG",
         "to_country": "MY"},
    ]  # fmt: skip
    return [
        parse_event({**common, **body, "event_id": f"{batch}-e{n}", "occurred_at": str(start + timedelta(days=n))})
        for n, body in enumerate(raw)
    ]

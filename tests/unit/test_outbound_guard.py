"""The residency guard on each outbound path: the bus (``put_all``, purchase orders), the Prefect
forwarders, artifacts, the SageMaker job input. Personal data is refused before anything is sent and
handed to ``keep`` (the market's quarantine); business facts with dates, digests and sums pass."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from livebase.aws import put_all
from livebase.markets.config import load_markets
from livebase.markets.residency import ResidencyViolation
from livebase.privacy.guard import personal_reasons
from tests.support.signals import delivered, stock_low

EU = load_markets()["eu"]
VIEWER = "v_00112233445566778899aabb"


class Kept:
    def __init__(self) -> None:
        self.documents: list[tuple[str, list[str]]] = []

    def __call__(self, text: str, reasons: list[str]) -> str:
        self.documents.append((text, reasons))
        return f"quarantine/eu/test/residency/{len(self.documents)}.json"


class FakeBus:
    def __init__(self) -> None:
        self.entries: list[Any] = []

    def put_events(self, Entries: list[Any]) -> dict[str, Any]:
        self.entries.extend(Entries)
        return {"FailedEntryCount": 0, "Entries": [{"EventId": "1"} for _ in Entries]}


def entry(detail: dict[str, Any]) -> dict[str, Any]:
    return {"Source": "livebase.orders", "DetailType": "OrderPlaced", "Detail": json.dumps(detail), "EventBusName": "b"}


def test_business_facts_pass_dates_digests_and_sums_are_not_phone_numbers() -> None:
    for document in (
        {"order_id": "ord-1", "placed_at": "2026-11-29T10:00:00.123456+00:00", "total": "1234567.50"},
        {"Time": datetime(2026, 12, 3, tzinfo=UTC), "incident_id": "cam-1@20261203T174427Z"},
        "| market | root |\n|---|---|\n| eu | a3f91234567890bcdef0123456789abc |",
        "break-even GMV = 1000 / (0.15 - 0.30) = -6667; range 5800-11800",
        "sku,ds,y\nSKU-A,2026-12-01,3\n",
    ):
        assert personal_reasons(document) == [], document


def test_a_bus_put_with_personal_data_sends_nothing_and_keeps_the_entry() -> None:
    bus, kept = FakeBus(), Kept()
    ok = entry({"order_id": "ord-1", "placed_at": "2026-11-29T10:00:00+00:00"})
    with pytest.raises(ResidencyViolation, match=r"bus entry of market 'eu' .*refused: a pseudonymous viewer id.*kept"):
        put_all(bus, [ok, entry({"order_id": "ord-2", "buyer": VIEWER})], source=EU, keep=kept)
    assert bus.entries == [] and len(kept.documents) == 1 and VIEWER in kept.documents[0][0]
    put_all(bus, [ok], source=EU, keep=kept)
    assert bus.entries == [ok]


def test_purchase_orders_to_suppliers_pass_the_guard() -> None:
    from livebase.replenishment.purchase_orders import announce_pending

    class Store:
        def __init__(self) -> None:
            self.marked: list[str] = []

        def mark_announced(self, po_id: str) -> None:
            self.marked.append(po_id)

    po: dict[str, Any] = {
        "po_id": "po-1", "market": "eu", "supplier": f"contact {VIEWER}", "run_date": "2026-12-01",
        "expected_arrival": "2026-12-08", "currency": "EUR", "total_cost": "10.00", "lines": [],
    }  # fmt: skip
    bus, kept, store = FakeBus(), Kept(), Store()
    with pytest.raises(ResidencyViolation):
        announce_pending(store, bus, "b", [po], source=EU, keep=kept)  # type: ignore[arg-type, list-item]
    assert bus.entries == [] and kept.documents and store.marked == []


def test_a_prefect_event_carrying_contact_data_is_not_emitted() -> None:
    from flows.triggers import forward_stock_signal

    emitted: list[Any] = []
    kept = Kept()
    event = delivered(stock_low(market="eu", sku="SKU-A", warehouse="call +49 30 1234 5678", remaining=1))
    with pytest.raises(ResidencyViolation, match="prefect event of market 'eu' to 'offregion'"):
        forward_stock_signal(event, emit=lambda **kw: emitted.append(kw), keep=kept)
    assert emitted == [] and len(kept.documents) == 1


def test_an_artifact_with_a_viewer_id_is_not_published(monkeypatch: pytest.MonkeyPatch) -> None:
    import flows.artifacts as artifacts

    published: list[Any] = []
    kept = Kept()
    monkeypatch.setattr(artifacts, "create_table_artifact", lambda **kw: published.append(kw))
    monkeypatch.setattr(artifacts, "keeper", lambda market: kept)
    artifacts.publish_table("eu", "ok", [{"market": "eu", "orders": 3, "as_of": "2026-12-01"}], "orders of eu")
    with pytest.raises(ResidencyViolation, match="artifact 'top-buyers' of market 'eu'"):
        artifacts.publish_table("eu", "top-buyers", [{"buyer_key": VIEWER, "orders": 3}], "top buyers")
    assert [p["key"] for p in published] == ["ok"] and len(kept.documents) == 1


def test_the_forecast_job_refuses_personal_input_before_forecasting(tmp_path: Path) -> None:
    from flows.demand_forecasting_job import run

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_text("id,ds,y\nSKU-A,2026-11-01,3\n")
    (tmp_path / "in" / "b.csv").write_text(f"id,ds,y\n{VIEWER},2026-11-01,3\n")
    kept = Kept()
    with pytest.raises(ResidencyViolation, match="forecast job input of market 'eu' to 'forecast-job'"):
        run(tmp_path / "in", tmp_path / "out", 7, 7, market=EU, keep=kept)
    assert len(kept.documents) == 1 and VIEWER in kept.documents[0][0]
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_a_stream_consumer_puts_what_passes_and_keeps_what_is_refused_without_raising() -> None:
    """``put_allowed``: room alerts and device signals follow a whole batch; a raise would redeliver it."""
    from livebase.aws import put_allowed

    bus, kept = FakeBus(), Kept()
    ok, bad = entry({"room_id": "eu-room-1", "minute": "2026-12-01T10:00:00+00:00"}), entry({"viewer_id": VIEWER})
    refusals = put_allowed(bus, [ok, bad], source=EU, keep=kept)
    assert bus.entries == [ok] and len(kept.documents) == 1 and VIEWER in kept.documents[0][0]
    assert len(refusals) == 1 and "kept in eu-central-1" in refusals[0] and VIEWER not in refusals[0]

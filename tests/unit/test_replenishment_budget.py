"""Supplier budget caps: most urgent first, whole cases, MOQ respected, reasons recorded."""

from __future__ import annotations

from decimal import Decimal

from livebase.replenishment.budget import allocate, priority_key
from livebase.replenishment.demand import DemandEstimate
from livebase.replenishment.policy import Decision, LeadTime, PolicyInput, SkuClass, Supply, decide


def _decision(sku: str, sku_class: SkuClass, on_hand: int, supplier: str = "sup-1", moq: int = 12) -> Decision:
    return decide(
        PolicyInput(
            sku=sku, market="sea", sku_class=sku_class, demand=DemandEstimate(10.0, 3.0, "test"),
            lead_time=LeadTime(4.0, 1.0), supply=Supply(supplier, Decimal("1.00"), moq=moq, case_pack=6),
            on_hand=on_hand,
        )
    )  # fmt: skip


def test_no_budget_means_no_change() -> None:
    decisions = [_decision("SKU-A1", SkuClass.A, 0), _decision("SKU-B1", SkuClass.B, 0, supplier="sup-2")]
    assert allocate(decisions, {}) == decisions


def test_everything_fits() -> None:
    decisions = [_decision("SKU-A1", SkuClass.A, 0), _decision("SKU-B1", SkuClass.B, 0)]
    total = sum((d.cost for d in decisions), Decimal(0))
    allocated = allocate(decisions, {"sup-1": total})
    assert [d.order_qty for d in allocated] == [d.order_qty for d in decisions]
    assert all(d.reasons[-1].startswith("funded in full") for d in allocated)


def test_priority_is_class_then_days_of_cover() -> None:
    decisions = [
        _decision("SKU-C1", SkuClass.C, 0),
        _decision("SKU-A2", SkuClass.A, 50),
        _decision("SKU-A1", SkuClass.A, 10),
        _decision("SKU-B1", SkuClass.B, 0),
    ]
    ranked = sorted(decisions, key=priority_key)
    assert [d.sku for d in ranked] == ["SKU-A1", "SKU-A2", "SKU-B1", "SKU-C1"]


def test_essential_parts_first_then_top_ups() -> None:
    urgent_b = _decision("SKU-B1", SkuClass.B, 0)  # nothing on hand
    comfortable_a = _decision("SKU-A1", SkuClass.A, 60)  # just under its reorder point
    assert urgent_b.order_qty > 0 and comfortable_a.order_qty > 0
    essential_a = 6 * -(-max(comfortable_a.reorder_point - 60, 12) // 6)
    essential_b = 6 * -(-urgent_b.reorder_point // 6)
    budget = Decimal(int(essential_a + essential_b + 12))
    cut_a, cut_b = allocate([comfortable_a, urgent_b], {"sup-1": budget})
    # the A order gets its essential part and the top-up goes to it first, but the
    # B order is not starved: it gets at least back to its reorder point
    assert cut_b.order_qty >= urgent_b.reorder_point
    assert cut_a.order_qty >= essential_a
    assert cut_a.cost + cut_b.cost <= budget
    for d in (cut_a, cut_b):
        assert d.order_qty % 6 == 0 and (d.order_qty == 0 or d.order_qty >= 12)
    assert "priority 1/2" in cut_a.reasons[-1] and "priority 2/2" in cut_b.reasons[-1]


def test_tiny_budget_defers_below_moq() -> None:
    decisions = [_decision("SKU-A1", SkuClass.A, 0, moq=48)]
    (deferred,) = allocate(decisions, {"sup-1": Decimal("30")})
    assert deferred.order_qty == 0 and deferred.reasons[-1].startswith("deferred")


def test_budget_is_per_supplier() -> None:
    decisions = [
        _decision("SKU-A1", SkuClass.A, 0, supplier="sup-1"),
        _decision("SKU-A2", SkuClass.A, 0, "sup-2"),
    ]
    capped, free = allocate(decisions, {"sup-1": Decimal("0")})
    assert capped.order_qty == 0 and free.order_qty == decisions[1].order_qty

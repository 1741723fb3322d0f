"""Fit a supplier's orders into its budget cap, most urgent first.

Priority: SKU class (A, then B, then C), then the fewest days of cover of the inventory
position (closest to a stock-out), then SKU for a stable order. Two passes so one big order
cannot starve an urgent one: first every order gets what brings it back to its reorder point
(its *essential* part), in priority order; then the rest up to the order-up-to level, in the
same order. Quantities stay whole cases and either 0 or at least the MOQ.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal

from livebase.replenishment.policy import Decision, round_to_pack

_CLASS_RANK = {"A": 0, "B": 1, "C": 2}


def priority_key(decision: Decision) -> tuple[int, float, str]:
    return (_CLASS_RANK[decision.sku_class.value], decision.days_of_cover, decision.sku)


def _affordable(decision: Decision, budget: Decimal, current: int, wanted: int) -> int:
    """Largest quantity between ``current`` and ``wanted`` within budget, whole cases, 0 or >= MOQ."""
    if decision.unit_cost <= 0:
        return wanted
    extra_units = int(budget // decision.unit_cost)
    quantity = current + (min(wanted - current, extra_units) // decision.case_pack) * decision.case_pack
    return quantity if quantity >= decision.moq else current


def allocate(decisions: Sequence[Decision], budgets: Mapping[str, Decimal]) -> list[Decision]:
    """Decisions in their original order, cut or deferred where a supplier's budget runs out.

    Suppliers without an entry in ``budgets`` are not capped.
    """
    result = list(decisions)
    by_supplier: dict[str, list[int]] = {}
    for index, decision in enumerate(decisions):
        if decision.order_qty > 0 and decision.supplier in budgets:
            by_supplier.setdefault(decision.supplier, []).append(index)
    for supplier, indices in by_supplier.items():
        budget = budgets[supplier]
        ranked = sorted(indices, key=lambda i: priority_key(decisions[i]))
        granted = {i: 0 for i in ranked}
        left = budget
        for i in ranked:  # pass 1: the essential part, back to the reorder point
            d = decisions[i]
            essential = min(d.order_qty, round_to_pack(d.reorder_point - d.inventory_position, d.moq, d.case_pack))
            granted[i] = _affordable(d, left, 0, essential)
            left -= d.unit_cost * granted[i]
        for i in ranked:  # pass 2: top up to the order-up-to level
            d = decisions[i]
            before = granted[i]
            granted[i] = _affordable(d, left, before, d.order_qty)
            left -= d.unit_cost * (granted[i] - before)
        total = len(ranked)
        for rank, i in enumerate(ranked, start=1):
            d = decisions[i]
            place = (
                f"priority {rank}/{total} for {supplier} (class {d.sku_class.value}, "
                f"{_cover(d.days_of_cover)} of cover), budget {budget}"
            )
            if granted[i] == d.order_qty:
                result[i] = d.with_quantity(d.order_qty, f"funded in full: {place}")
            elif granted[i] > 0:
                result[i] = d.with_quantity(granted[i], f"cut from {d.order_qty} to {granted[i]}: {place}")
            else:
                result[i] = d.with_quantity(0, f"deferred, budget spent on more urgent SKUs: {place}")
    return result


def _cover(days: float) -> str:
    return "no demand" if math.isinf(days) else f"{days:.1f} d"

"""Sales history for replenishment and forecasting: daily net units per SKU, ABC classes, projected stock.

Pure: the flow reads order lines in the market's region and hands only (day, sku, units,
revenue) tuples here; what comes out are aggregates without any order or buyer.

Demand is net (issue 28): an order's units count on the UTC day it was placed, less the units the
warehouse received back from it (restocked or written off: a unit only asked back may still stay
sold), at Livebase's price; a cancelled or rejected order is no demand at all, a refund without a
return changes nothing (the goods were kept). A presold order counts on its order day too, not when
its goods arrive: that day is when the demand was. The order's lifecycle state
(``livebase.commerce.order_state``) says all this; an order stored before it had one is read by its
``status`` (placed counts, whole).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from decimal import Decimal
from typing import Any

from livebase.commerce.order_state import OrderState
from livebase.replenishment.policy import SkuClass

NOT_DEMAND = ("rejected", "cancelled", "refunded")  # stored statuses of orders read without a state


@dataclass(frozen=True)
class SaleLine:
    """One order line of a placed order, reduced to what demand history needs."""

    day: date
    sku: str
    units: int
    revenue: Decimal


def net_units(state: OrderState) -> dict[str, tuple[int, Decimal]]:
    """Per SKU, the units an order sold and kept (ordered less received back) and their value at its price."""
    if state.rejected or state.cancelled:
        return {}
    kept = {line.sku: (line.quantity - line.received, line.unit_price) for line in state.lines}
    return {sku: (units, price * units) for sku, (units, price) in kept.items() if units > 0}


def order_state(order: Any) -> OrderState | None:
    """The lifecycle state a stored order carries (the model, or its JSON text); None when it has none."""
    found = getattr(order, "state", None)
    if found is None or isinstance(found, OrderState):
        return found
    return OrderState.model_validate_json(found)


def sale_lines(orders: Iterable[Any]) -> list[SaleLine]:
    """Net demand per order line as (UTC order day, SKU, units, revenue): nothing about the order or buyer.

    ``orders``: stored orders (``livebase.stores.order_table.OrderRecord``: ``placed_at``, ``lines``, and
    ``state`` or ``status``).
    """
    lines: list[SaleLine] = []
    for order in orders:
        day = order.placed_at.astimezone(UTC).date()
        state = order_state(order)
        if state is not None:
            lines += [SaleLine(day, sku, units, value) for sku, (units, value) in net_units(state).items()]
            continue
        if getattr(order, "status", None) in NOT_DEMAND:
            continue
        for line in order.lines:
            units = int(line.quantity)
            lines.append(SaleLine(day, str(line.sku), units, Decimal(str(line.unit_price)) * units))
    return lines


def history_window(as_of: date, days: int) -> tuple[date, date]:
    """[start, end) covering the last ``days`` days up to and including ``as_of``.

    Today is partial, but it is kept: a live-room burst since midnight is exactly what a
    ``stock.low``-triggered run has to see, and it outweighs the slight low bias of a part day.
    """
    if days < 1:
        raise ValueError("history needs at least one day")
    end = as_of + timedelta(days=1)
    return end - timedelta(days=days), end


def daily_units(lines: Iterable[SaleLine], start: date, end: date) -> dict[str, list[int]]:
    """Units per SKU per day over [start, end), zero-filled, oldest first."""
    length = (end - start).days
    if length < 1:
        raise ValueError(f"empty window {start}..{end}")
    series: dict[str, list[int]] = {}
    for line in lines:
        if not start <= line.day < end:
            continue
        days = series.setdefault(line.sku, [0] * length)
        days[(line.day - start).days] += line.units
    return series


def revenue_per_sku(lines: Iterable[SaleLine], start: date, end: date) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for line in lines:
        if start <= line.day < end:
            totals[line.sku] = totals.get(line.sku, Decimal(0)) + line.revenue
    return totals


def abc_classes(revenue: Mapping[str, Decimal], a_share: float = 0.8, b_share: float = 0.95) -> dict[str, SkuClass]:
    """Class by cumulative revenue share, largest first: A up to 80 %, B up to 95 %, C the rest.

    A SKU whose own revenue crosses a boundary belongs to the class it starts in, so the top
    seller is always A. SKUs without revenue are C.
    """
    total = sum(revenue.values(), Decimal(0))
    classes: dict[str, SkuClass] = {}
    running = Decimal(0)
    for sku, value in sorted(revenue.items(), key=lambda kv: (-kv[1], kv[0])):
        share_before = float(running / total) if total > 0 else 1.0
        if value <= 0 or total <= 0:
            classes[sku] = SkuClass.C
        elif share_before < a_share:
            classes[sku] = SkuClass.A
        elif share_before < b_share:
            classes[sku] = SkuClass.B
        else:
            classes[sku] = SkuClass.C
        running += value
    return classes


def project_stock(
    on_hand: float, daily_demand: float, days: int, arrivals: Mapping[int, float] | None = None
) -> list[float]:
    """Expected stock at the end of each of the next ``days`` days (day 0 = today's start).

    ``arrivals`` maps a day offset to units arriving that day (an order placed now lands after
    its lead time). Stock is not floored at zero: a negative value is demand that goes unmet.
    """
    incoming = arrivals or {}
    level = float(on_hand)
    path = [level]
    for day in range(1, days + 1):
        level += incoming.get(day, 0.0) - daily_demand
        path.append(level)
    return path


def project_policy(
    position: float,
    daily_demand: float,
    reorder_point: float,
    order_up_to: float,
    lead_days: int,
    days: int,
    first_order: float,
) -> list[float]:
    """Expected stock per day if today's order is placed and the (s, S) policy keeps reviewing daily.

    Mean demand, deterministic lead time, no pack rounding after today: the saw-tooth ops
    compare with the reorder point, not a simulation of risk.
    """
    if lead_days < 1:
        raise ValueError("lead time must be at least one day")
    level = float(position)
    pipeline: dict[int, float] = {lead_days: float(first_order)} if first_order > 0 else {}
    path = [level]
    for day in range(1, days + 1):
        level += pipeline.pop(day, 0.0) - daily_demand
        on_the_way = sum(pipeline.values())
        if level + on_the_way <= reorder_point and order_up_to > level + on_the_way:
            pipeline[day + lead_days] = pipeline.get(day + lead_days, 0.0) + order_up_to - level - on_the_way
        path.append(level)
    return path

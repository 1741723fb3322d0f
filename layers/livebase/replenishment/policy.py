"""Reorder point and order-up-to level per SKU x market: a pure, explainable (s, S) policy.

Per review, with d and sigma_d the daily demand mean and spread, L and sigma_L the supplier lead
time mean and spread (days), R the review period and P = L + R the protection interval:

    safety stock  SS = z * sqrt(P * sigma_d^2 + d^2 * sigma_L^2)
    reorder point s  = d * P + SS
    order-up-to   S  = s + d * cycle_days
    order when inventory position (on hand + on order - backorders) <= s: S - position,
    rounded up to the case pack and at least the MOQ.

z = Phi^-1(service level), the level set per SKU class. Two dynamic adjustments, as live
commerce needs (seed 3.3): erratic recent lead times raise sigma_L (and a late supplier raises
L), so safety stock rises; sales running below forecast scale d and sigma_d down, so safety stock
and replenishment fall (sales above forecast scale them up, within limits). Every decision
carries the reasons, in words, with the numbers that produced it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from statistics import NormalDist

from livebase.replenishment.demand import DemandEstimate, sales_to_forecast_ratio


class SkuClass(StrEnum):
    """ABC class by revenue share: A the few that make most of it."""

    A = "A"
    B = "B"
    C = "C"


DEFAULT_SERVICE_LEVELS: Mapping[SkuClass, float] = {SkuClass.A: 0.98, SkuClass.B: 0.95, SkuClass.C: 0.90}


@dataclass(frozen=True)
class LeadTime:
    """Supplier lead time in days: the usual figure, and what recent purchase orders really took."""

    mean_days: float
    std_days: float
    recent_days: tuple[float, ...] = ()


@dataclass(frozen=True)
class Supply:
    """Terms of the supplier of one SKU."""

    supplier: str
    unit_cost: Decimal
    moq: int = 1
    case_pack: int = 1

    def __post_init__(self) -> None:
        if self.moq < 1 or self.case_pack < 1 or self.unit_cost < 0:
            raise ValueError(f"{self.supplier}: moq and case pack must be >= 1 and cost >= 0")


@dataclass(frozen=True)
class PolicyInput:
    sku: str
    market: str
    sku_class: SkuClass
    demand: DemandEstimate
    lead_time: LeadTime
    supply: Supply
    on_hand: int
    on_order: int = 0
    backorders: int = 0
    recent_sales: tuple[float, ...] = ()  # last days' sales ...
    recent_forecast: tuple[float, ...] = ()  # ... and what had been forecast for those days


@dataclass(frozen=True)
class PolicySettings:
    service_levels: Mapping[SkuClass, float] = field(default_factory=lambda: dict(DEFAULT_SERVICE_LEVELS))
    review_days: float = 1.0
    cycle_days: float = 7.0  # demand covered by one order beyond the reorder point
    min_recent_lead_times: int = 3
    erratic_ratio: float = 1.5  # recent sigma_L above this multiple of the usual one is erratic
    late_ratio: float = 1.2  # recent mean lead time this much above the usual one is late
    below_forecast: float = 0.8  # sales under this share of forecast scale demand down
    above_forecast: float = 1.25
    scale_limits: tuple[float, float] = (0.5, 1.5)


@dataclass(frozen=True)
class Decision:
    sku: str
    market: str
    supplier: str
    sku_class: SkuClass
    order_qty: int
    reorder_point: float
    order_up_to: float
    safety_stock: float
    inventory_position: int
    demand: DemandEstimate
    lead_time_days: float
    lead_time_std_days: float
    service_level: float
    z: float
    unit_cost: Decimal
    moq: int
    case_pack: int
    reasons: tuple[str, ...]

    @property
    def cost(self) -> Decimal:
        return self.unit_cost * self.order_qty

    @property
    def days_of_cover(self) -> float:
        """Inventory position in days of expected demand (how soon it runs out)."""
        return math.inf if self.demand.mean <= 0 else self.inventory_position / self.demand.mean

    def with_quantity(self, quantity: int, reason: str) -> Decision:
        return replace(self, order_qty=quantity, reasons=(*self.reasons, reason))


def round_to_pack(quantity: float, moq: int, case_pack: int) -> int:
    """Whole cases, at least the MOQ (itself rounded up to whole cases); 0 stays 0."""
    if quantity <= 0:
        return 0
    cases = math.ceil(quantity / case_pack - 1e-9)
    return max(cases, math.ceil(moq / case_pack)) * case_pack


def _lead_time(lt: LeadTime, settings: PolicySettings, reasons: list[str]) -> tuple[float, float]:
    mean, std = lt.mean_days, lt.std_days
    if len(lt.recent_days) >= settings.min_recent_lead_times:
        recent_mean = statistics.fmean(lt.recent_days)
        recent_std = statistics.stdev(lt.recent_days)
        if recent_std > settings.erratic_ratio * lt.std_days and recent_std > 0.5:
            reasons.append(
                f"lead times erratic: last {len(lt.recent_days)} orders spread {recent_std:.1f} d "
                f"vs usual {lt.std_days:.1f} d, so safety stock plans for {recent_std:.1f} d"
            )
            std = recent_std
        if recent_mean > settings.late_ratio * lt.mean_days:
            reasons.append(f"supplier running late: {recent_mean:.1f} d vs usual {lt.mean_days:.1f} d")
            mean = recent_mean
    return mean, std


def _demand(item: PolicyInput, settings: PolicySettings, reasons: list[str]) -> DemandEstimate:
    demand = item.demand
    ratio = sales_to_forecast_ratio(item.recent_sales, item.recent_forecast)
    if ratio is None:
        return demand
    low, high = settings.scale_limits
    if ratio < settings.below_forecast:
        factor = max(ratio, low)
        reasons.append(
            f"sales running at {ratio:.0%} of forecast over {len(item.recent_sales)} d: "
            f"demand and its spread scaled by {factor:.2f}, so less is bought"
        )
        return demand.scaled(factor, f"{demand.source}*{factor:.2f}")
    if ratio > settings.above_forecast:
        factor = min(ratio, high)
        reasons.append(f"sales running at {ratio:.0%} of forecast: demand scaled by {factor:.2f}")
        return demand.scaled(factor, f"{demand.source}*{factor:.2f}")
    return demand


def decide(item: PolicyInput, settings: PolicySettings | None = None) -> Decision:
    """One replenishment decision, with the reasons that produced it."""
    settings = settings or PolicySettings()
    reasons: list[str] = []
    demand = _demand(item, settings, reasons)
    lt_mean, lt_std = _lead_time(item.lead_time, settings, reasons)
    service = settings.service_levels[item.sku_class]
    z = NormalDist().inv_cdf(service)
    protection = lt_mean + settings.review_days
    d, sd = demand.mean, demand.sigma
    safety = z * math.sqrt(protection * sd * sd + d * d * lt_std * lt_std)
    reorder_point = d * protection + safety
    order_up_to = reorder_point + d * settings.cycle_days
    position = item.on_hand + item.on_order - item.backorders
    reasons.insert(0, f"demand {d:.2f}/day ± {sd:.2f} ({demand.source})")
    reasons.append(
        f"service level {service:.0%} for class {item.sku_class.value}: z = {z:.2f}; "
        f"lead time {lt_mean:.1f} d ± {lt_std:.1f} d + review {settings.review_days:g} d"
    )
    reasons.append(
        f"safety stock z·√(P·σd² + d²·σL²) = {z:.2f}·√({protection:.1f}·{sd:.2f}² + {d:.2f}²·{lt_std:.1f}²)"
        f" = {safety:.1f}; reorder point {reorder_point:.1f}, order-up-to {order_up_to:.1f}"
    )
    position_text = (
        f"inventory position {position} (on hand {item.on_hand} + on order {item.on_order}"
        f" − backorders {item.backorders})"
    )
    quantity = 0
    if position <= reorder_point and order_up_to - position > 0:
        need = order_up_to - position
        quantity = round_to_pack(need, item.supply.moq, item.supply.case_pack)
        reasons.append(f"{position_text} ≤ reorder point: order {need:.1f} to reach order-up-to")
        if quantity != math.ceil(need - 1e-9):
            reasons.append(f"rounded to {quantity} (case pack {item.supply.case_pack}, MOQ {item.supply.moq})")
    else:
        reasons.append(f"{position_text} above reorder point: no order")
    return Decision(
        sku=item.sku, market=item.market, supplier=item.supply.supplier, sku_class=item.sku_class,
        order_qty=quantity, reorder_point=reorder_point, order_up_to=order_up_to, safety_stock=safety,
        inventory_position=position, demand=demand, lead_time_days=lt_mean, lead_time_std_days=lt_std,
        service_level=service, z=z, unit_cost=item.supply.unit_cost, moq=item.supply.moq,
        case_pack=item.supply.case_pack, reasons=tuple(reasons),
    )  # fmt: skip

"""The (s, S) replenishment policy: formula, rounding, dynamic safety stock, reasons."""

from __future__ import annotations

import math
from decimal import Decimal
from statistics import NormalDist
from types import SimpleNamespace

import numpy as np
import pytest

from livebase.forecasting.result import ForecastResult
from livebase.replenishment.demand import DemandEstimate, from_forecast, sales_to_forecast_ratio, trailing_mean
from livebase.replenishment.policy import LeadTime, PolicyInput, PolicySettings, SkuClass, Supply, decide, round_to_pack

Z95 = 1.6448536269514722


def _input(**overrides: object) -> PolicyInput:
    values: dict[str, object] = {
        "sku": "SKU-LIP-01",
        "market": "sea",
        "sku_class": SkuClass.B,
        "demand": DemandEstimate(10.0, 3.0, "test"),
        "lead_time": LeadTime(4.0, 1.0),
        "supply": Supply("sup-guangzhou", Decimal("2.50"), moq=24, case_pack=12),
        "on_hand": 40,
        "on_order": 10,
    }
    values.update(overrides)
    return PolicyInput(**values)  # type: ignore[arg-type]


def test_the_stated_formula() -> None:
    decision = decide(_input())
    safety = Z95 * math.sqrt(5 * 3.0**2 + 10.0**2 * 1.0**2)  # P = L + R = 4 + 1
    assert decision.z == pytest.approx(Z95)
    assert decision.safety_stock == pytest.approx(safety)
    assert decision.reorder_point == pytest.approx(10 * 5 + safety)
    assert decision.order_up_to == pytest.approx(10 * 5 + safety + 10 * 7)
    assert decision.inventory_position == 50
    need = decision.order_up_to - 50  # 89.8
    assert decision.order_qty == 96 == math.ceil(need / 12) * 12
    assert decision.cost == Decimal("240.00")
    text = " | ".join(decision.reasons)
    assert "z = 1.64" in text and "safety stock" in text and "case pack 12" in text


def test_no_order_above_the_reorder_point() -> None:
    decision = decide(_input(on_hand=200))
    assert decision.order_qty == 0
    assert "no order" in decision.reasons[-1]


def test_backorders_lower_the_position() -> None:
    assert decide(_input(on_hand=80, backorders=0)).order_qty == 0
    assert decide(_input(on_hand=80, backorders=30)).order_qty > 0


@pytest.mark.parametrize(("sku_class", "level"), [(SkuClass.A, 0.98), (SkuClass.B, 0.95), (SkuClass.C, 0.90)])
def test_service_level_per_class(sku_class: SkuClass, level: float) -> None:
    decision = decide(_input(sku_class=sku_class))
    assert decision.service_level == level
    assert decision.z == pytest.approx(NormalDist().inv_cdf(level))


def test_class_levels_are_configurable() -> None:
    settings = PolicySettings(service_levels={SkuClass.A: 0.995, SkuClass.B: 0.9, SkuClass.C: 0.8})
    assert decide(_input(), settings).service_level == 0.9


@pytest.mark.parametrize(
    ("quantity", "moq", "pack", "expected"),
    [
        (0, 24, 12, 0),
        (-3, 1, 1, 0),
        (1, 24, 12, 24),
        (25, 24, 12, 36),
        (36, 24, 12, 36),
        (5, 10, 6, 12),
        (7, 1, 1, 7),
    ],
)
def test_round_to_pack(quantity: float, moq: int, pack: int, expected: int) -> None:
    assert round_to_pack(quantity, moq, pack) == expected


def test_erratic_lead_times_raise_safety_stock() -> None:
    steady = decide(_input(lead_time=LeadTime(4.0, 1.0, recent_days=(4, 5, 3, 4))))
    erratic = decide(_input(lead_time=LeadTime(4.0, 1.0, recent_days=(3, 9, 4, 10))))
    assert steady.lead_time_std_days == 1.0 and steady.safety_stock == pytest.approx(decide(_input()).safety_stock)
    assert erratic.lead_time_std_days == pytest.approx(math.sqrt(37 / 3))
    assert erratic.lead_time_days == pytest.approx(6.5)  # late too: 6.5 d > 1.2 x 4 d
    assert erratic.safety_stock > 2 * steady.safety_stock
    assert erratic.order_qty > steady.order_qty
    text = " | ".join(erratic.reasons)
    assert "lead times erratic" in text and "running late" in text


def test_too_few_recent_lead_times_change_nothing() -> None:
    assert decide(_input(lead_time=LeadTime(4.0, 1.0, recent_days=(20, 1)))).lead_time_std_days == 1.0


def test_sales_below_forecast_lower_safety_stock_and_orders() -> None:
    normal = decide(_input())
    slow = decide(_input(recent_sales=(5.0,) * 7, recent_forecast=(10.0,) * 7))
    assert slow.demand.mean == pytest.approx(5.0) and slow.demand.sigma == pytest.approx(1.5)
    assert slow.safety_stock == pytest.approx(normal.safety_stock / 2)
    assert slow.order_qty < normal.order_qty
    assert any("50% of forecast" in r for r in slow.reasons)
    collapse = decide(_input(recent_sales=(0.0,) * 7, recent_forecast=(10.0,) * 7))
    assert collapse.demand.mean == pytest.approx(5.0)  # scaled at most by the lower limit, 0.5


def test_sales_near_forecast_change_nothing_and_above_raise() -> None:
    assert decide(_input(recent_sales=(9.0,) * 7, recent_forecast=(10.0,) * 7)).demand.mean == 10.0
    assert decide(_input(recent_sales=(30.0,) * 7, recent_forecast=(10.0,) * 7)).demand.mean == 15.0


def test_zero_demand_orders_nothing() -> None:
    decision = decide(_input(demand=DemandEstimate(0.0, 0.0, "test"), on_hand=0, on_order=0))
    assert decision.order_qty == 0 and decision.safety_stock == 0 and math.isinf(decision.days_of_cover)


def test_trailing_mean_fallback() -> None:
    history = [0, 0, 10, 0, 2, 0, 0] * 4 + [100] * 5
    estimate = trailing_mean(history, window=28)
    window = history[-28:]
    mean = sum(window) / 28
    assert estimate.mean == pytest.approx(mean)
    assert estimate.sigma == pytest.approx(math.sqrt(sum((x - mean) ** 2 for x in window) / 27))
    assert estimate.source == "trailing-mean:28d"
    assert trailing_mean([3], window=28).mean == 3 and trailing_mean([], window=7).mean == 0
    with pytest.raises(ValueError):
        trailing_mean([1, 2], window=1)


def test_forecast_interval_becomes_an_estimate() -> None:
    z80 = 1.2815515655446004
    mean = [10.0, 12.0, 14.0, 100.0]
    result = SimpleNamespace(
        mean=mean, lower=[max(m - 6 * z80, 0) for m in mean], upper=[m + 2 * z80 for m in mean], model="theta"
    )  # lower clipped at zero / asymmetric: only the upper half-width is read
    estimate = from_forecast(result, days=3, interval_level=0.8)
    assert estimate.mean == pytest.approx(12.0) and estimate.sigma == pytest.approx(2.0)
    assert estimate.source == "forecast:theta"
    with_level = SimpleNamespace(mean=[5.0], lower=[0.0], upper=[5.0 + 3 * 1.959963984540054], level=0.95)
    assert from_forecast(with_level, days=1).sigma == pytest.approx(3.0)
    negative = SimpleNamespace(mean=[-1.0], lower=[-3.0], upper=[1.0])
    assert from_forecast(negative, days=1).mean == 0.0  # demand forecasts are clipped at zero
    with pytest.raises(ValueError):
        from_forecast(result, days=3, interval_level=80)


def test_the_forecasting_modules_result_is_accepted() -> None:
    result = ForecastResult(
        mean=np.array([4.0, 6.0, 50.0]), lower=np.zeros(3), upper=np.array([9.0, 9.0, 90.0]),
        sigma=np.array([1.0, 3.0, 30.0]), level=0.8, model="ets", residual_std=1.0, mae_one_step=0.8,
    )  # fmt: skip
    estimate = from_forecast(result, days=2)
    assert estimate.mean == 5.0 and estimate.sigma == pytest.approx(math.sqrt(5.0))  # its sigma wins
    assert estimate.source == "forecast:ets"


def test_sales_to_forecast_ratio() -> None:
    assert sales_to_forecast_ratio([1, 2, 3], [2, 2, 2]) == 1.0
    assert sales_to_forecast_ratio([1], [0]) is None
    assert sales_to_forecast_ratio([], [1]) is None

"""Replenishment decisions per SKU x market: demand estimate, (s, S) policy, supplier budgets."""

from livebase.replenishment.budget import allocate, priority_key
from livebase.replenishment.demand import (
    DemandEstimate,
    from_forecast,
    sales_to_forecast_ratio,
    trailing_mean,
)
from livebase.replenishment.policy import (
    DEFAULT_SERVICE_LEVELS,
    Decision,
    LeadTime,
    PolicyInput,
    PolicySettings,
    SkuClass,
    Supply,
    decide,
    round_to_pack,
)

__all__ = [
    "DEFAULT_SERVICE_LEVELS", "Decision", "DemandEstimate", "LeadTime", "PolicyInput", "PolicySettings",
    "SkuClass", "Supply", "allocate", "decide", "from_forecast", "priority_key", "round_to_pack",
    "sales_to_forecast_ratio", "trailing_mean",
]  # fmt: skip

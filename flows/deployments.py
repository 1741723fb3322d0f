"""Every flow ops can run from the Prefect UI, with its schedule: one list, served by `livebase up`."""

from __future__ import annotations

from typing import Any

from flows.demand_forecasting import demand_forecasting
from flows.order_to_replenish import order_to_replenish
from flows.triggers import stock_low_trigger


def deployments() -> list[Any]:
    """Runner deployments for ``prefect.serve``; add a flow here and `up` serves it."""
    return [
        order_to_replenish.to_deployment(
            name="order-to-replenish",
            cron="0 * * * *",
            triggers=[stock_low_trigger()],
            description=(
                "Hourly, and on stock.low for the market that signalled it: sales and stock per market "
                "-> replenishment decisions, one purchase order per supplier (+ PurchaseOrderCreated), "
                "WMS pick/pack hand-off, decisions table and stock-trajectory plot."
            ),
            tags=["livebase", "replenishment"],
        ),
        demand_forecasting.to_deployment(
            name="demand-forecasting",
            cron="0 2 * * *",
            description="Nightly: forecast every SKU x market in chunks, results in each market's own region.",
            tags=["livebase", "forecasting"],
        ),
    ]

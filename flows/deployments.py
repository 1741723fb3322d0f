"""Every flow ops can run from the Prefect UI, with its schedule: one list, served by `livebase up`."""

from __future__ import annotations

from typing import Any

from flows.order_to_replenish import order_to_replenish


def deployments() -> list[Any]:
    """Runner deployments for ``prefect.serve``; add a flow here and `up` serves it."""
    return [
        order_to_replenish.to_deployment(
            name="order-to-replenish",
            cron="0 * * * *",
            description="Hourly: units sold per SKU and market, from each market's own region.",
            tags=["livebase", "replenishment"],
        ),
    ]

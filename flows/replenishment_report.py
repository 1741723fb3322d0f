"""What ops read in the Prefect UI after a run: a decisions table and a stock-trajectory plot.

The plot is a PNG embedded as a ``data:`` URI in a markdown artifact: it renders in the UI
with no bucket access, no expiring presigned URL, and works the same locally and in the cloud
(Prefect's image artifact takes only a URL).
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence

from pydantic import BaseModel

from livebase.replenishment import Decision
from livebase.replenishment.history import project_policy, project_stock

PLOT_DAYS = 28


class DecisionRow(BaseModel):
    """One decision as the table artifact shows it (and the flow returns it): the decision first
    (SKU, what to order, why), the figures behind it, the long demand provenance last."""

    sku: str
    order_qty: int
    reasons: str
    on_hand: int
    on_order: int
    demand_per_day: float
    reorder_point: float
    order_up_to: float
    sku_class: str
    supplier: str
    market: str
    demand_source: str


DECISION_FIRST = ("sku", "order_qty", "reasons")  # what to order and why: on screen at any width
DECISION_LAST = ("demand_source",)  # ~150 characters of provenance


def decision_row(decision: Decision, on_hand: int, on_order: int) -> DecisionRow:
    return DecisionRow(
        market=decision.market, sku=decision.sku, sku_class=decision.sku_class.value,
        supplier=decision.supplier, on_hand=on_hand, on_order=on_order,
        demand_per_day=round(decision.demand.mean, 2), demand_source=decision.demand.source,
        reorder_point=round(decision.reorder_point, 1), order_up_to=round(decision.order_up_to, 1),
        order_qty=decision.order_qty, reasons="; ".join(decision.reasons),
    )  # fmt: skip


def top_skus(decisions: Sequence[Decision], count: int) -> list[Decision]:
    """The SKUs ops should look at first: ordering ones, then by fewest days of cover."""
    ranked = sorted(decisions, key=lambda d: (d.order_qty == 0, d.days_of_cover, d.sku))
    return [d for d in ranked if d.demand.mean > 0][:count]


def trajectory_png(decisions: Sequence[Decision], positions: dict[str, int], title: str) -> bytes:
    """Expected stock per day from each SKU's inventory position: with no order, and with this
    run's order and the policy continuing, against the reorder point."""
    from matplotlib.figure import Figure  # no pyplot: no global state, safe in task threads

    rows = max(len(decisions), 1)
    figure = Figure(figsize=(7, 2.2 * rows), dpi=72)
    axes = figure.subplots(rows, 1, squeeze=False)
    for axis, decision in zip(axes[:, 0], decisions, strict=False):
        start = float(positions.get(decision.sku, 0))
        lead = max(1, math.ceil(decision.lead_time_days))
        days = list(range(PLOT_DAYS + 1))
        demand = decision.demand.mean
        axis.plot(days, project_stock(start, demand, PLOT_DAYS), color="grey", linestyle=":", label="no order")
        policy = project_policy(
            start, demand, decision.reorder_point, decision.order_up_to, lead, PLOT_DAYS, decision.order_qty
        )
        label = f"order {decision.order_qty} now (day {lead}), then policy" if decision.order_qty else "policy"
        axis.plot(days, policy, color="tab:blue", label=label)
        axis.axhline(decision.reorder_point, color="tab:red", linestyle="--", label="reorder point")
        axis.axhline(0, color="black", linewidth=0.5)
        axis.set_title(f"{decision.sku} (class {decision.sku_class.value})", fontsize=9)
        axis.set_ylabel("units", fontsize=8)
        axis.legend(fontsize=7, loc="best")
    axes[-1, 0].set_xlabel("days from now")
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def plot_markdown(png: bytes, market: str, catalogue_source: str, skus: Sequence[str]) -> str:
    encoded = base64.b64encode(png).decode("ascii")
    listed = ", ".join(skus) or "none with demand"
    return (
        f"### {market}: projected stock vs reorder point\n\n"
        f"Top SKUs: {listed}. Expected stock from today's inventory position (on hand + on order "
        f"- backorders) at mean demand: dotted with no order, solid with this run's order "
        f"arriving after the supplier lead time and the policy reordering at the reorder point "
        f"(red dashed line).\n\n"
        f"![stock trajectory {market}](data:image/png;base64,{encoded})\n\n"
        f"Catalogue: {catalogue_source}\n"
    )

"""Stock reconciliation: nightly, per market, does every SKU's stock agree with its books?

Per market (one task, in the market's own region): read the inventory table whole (stock items and
the receipt, reservation and restock records behind them: ``livebase.stores.stock_books``) and
every order's lifecycle state, and check per SKU (``livebase.commerce.reconciliation``) on hand =
opening + receipts - shipped + restocked, reserved = open reservations, presale reserved = presold
open orders. A drift is looked at twice: the books are read again ``confirm_after_seconds`` later
and only a SKU that drifts both times is reported (an order between the reads of its stock and its
state, say, is in motion, not drift).

Published per market: a table artifact (``stock-reconciliation-<market>``: a verdict per SKU, the
drifting ones first; its description the decision, "N SKUs drift" or "stock reconciles") and a
markdown artifact (``stock-reconciliation-drift-<market>``: the decision, then per drifting SKU what
fails and the ids of the orders that explain it). Order ids and SKUs only: nothing about a buyer
leaves the market (the residency guard screens both, ``flows.artifacts``).
"""

from __future__ import annotations

import time
from typing import Annotated

from prefect import flow, task
from pydantic import BaseModel, Field

from flows import commerce_io
from flows.artifacts import no_input, publish_markdown, publish_table
from flows.markets import SELLING_MARKET_IDS, MarketSelection, resolve_market_resources
from livebase.commerce.reconciliation import Reconciliation, confirmed, reconcile
from livebase.markets.resources import MarketResources


class MarketReconciliation(BaseModel):
    market: str
    warehouse: str
    decision: str
    skus: int
    drifting: list[str]
    in_motion: list[str]  # drifted in one read only
    orders_read: int
    orders_explaining: list[str]


def reconcile_once(resources: MarketResources) -> Reconciliation:
    """Read the market's books and reconcile them.

    Stock first: an order's stock moves before its state is written, so a message between the two
    reads shows as drift only while both of its writes fall between them.
    """
    books = commerce_io.read_stock_books(resources)
    states = commerce_io.read_order_states(resources)
    return reconcile(resources.market, books.warehouse, books.stock, books.receipts, books.holdings, states)


@task(name="reconcile-market-stock", retries=2, retry_delay_seconds=10)
def reconcile_market(resources: MarketResources, confirm_after_seconds: float) -> Reconciliation:
    """The market's reconciliation; a drift is confirmed by a second read (see the module docstring)."""
    first = reconcile_once(resources)
    if not first.drifting:
        return first
    time.sleep(confirm_after_seconds)
    return confirmed(first, reconcile_once(resources))


def publish(result: Reconciliation) -> MarketReconciliation:
    """The table and markdown artifacts of one market, and its summary."""
    market = result.market
    checked = f"{len(result.skus)} SKUs of {result.warehouse} against {result.orders_read} orders"
    publish_table(
        market,
        key=f"stock-reconciliation-{market}",
        table=result.rows(),
        description=f"{market}: {result.decision} ({checked}); drifting SKUs first",
        empty=no_input(f"no stock tracked in {market} ({result.warehouse}) and no order read: run ./livebase stock"),
        first=("verdict", "sku"),
    )
    publish_markdown(
        market,
        key=f"stock-reconciliation-drift-{market}",
        markdown=result.markdown(),
        description=f"{market}: {result.decision}; the orders that explain each drift",
    )
    summary = MarketReconciliation(
        market=market,
        warehouse=result.warehouse,
        decision=result.decision,
        skus=len(result.skus),
        drifting=[b.sku for b in result.drifting],
        in_motion=[b.sku for b in result.skus if b.in_motion],
        orders_read=result.orders_read,
        orders_explaining=sorted({order_id for b in result.drifting for order_id in b.order_ids}),
    )
    moving = f"; {len(summary.in_motion)} in motion between the reads" if summary.in_motion else ""
    print(f"{market}: {result.decision} ({checked}){moving}")
    return summary


@flow(name="stock-reconciliation", log_prints=True)
def stock_reconciliation(
    markets: MarketSelection | None = None,
    confirm_after_seconds: Annotated[
        float, Field(ge=0, le=600, description="seconds before the books are read again to confirm a drift")
    ] = 10.0,
) -> list[MarketReconciliation]:
    """Reconcile each selected market's stock with its books (default: every selling market)."""
    selected = list(markets or SELLING_MARKET_IDS)
    resources = [resolve_market_resources(market) for market in selected]  # once per run
    futures = [reconcile_market.submit(r, confirm_after_seconds) for r in resources]  # type: ignore[arg-type]
    return [publish(future.result()) for future in futures]

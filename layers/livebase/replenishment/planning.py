"""From a market's sales, stock and forecasts to one decision per SKU (what order-to-replenish plans on).

Pure, apart from reading the stored forecasts through the function it is given. Per SKU the
demand is the nightly forecast when it is fresh and long enough, else one made here
(``livebase.forecasting``), else the trailing mean; the source and the reason are kept. The
last whole days' sales are set against what the nightly runs forecast for them, so the
policy can scale demand when sales run well below or above forecast.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Protocol

from pydantic import BaseModel

from livebase.commerce.inventory import StockItem
from livebase.replenishment.catalogue import Catalogue
from livebase.replenishment.demand import DemandEstimate, from_forecast, trailing_mean
from livebase.replenishment.policy import Decision, PolicyInput, SkuClass, decide
from livebase.stores.forecasts import StoredForecast
from livebase.stores.purchase_orders import PurchaseOrderItem

RECENT_DAYS = 7  # whole days of sales set against what was forecast for them


class SkuSeries(BaseModel):
    """One SKU's daily units and stock position: aggregates only, safe to leave the market task."""

    sku: str
    daily_units: list[int]
    on_hand: int
    on_order: int
    backorders: int
    sku_class: SkuClass


class StoredRead(Protocol):
    """What a read of stored forecasts gives: the forecasts found, and why the others are missing."""

    @property
    def forecasts(self) -> dict[str, StoredForecast]: ...

    @property
    def unreadable(self) -> dict[str, str]: ...


def on_order(purchase_orders: Sequence[PurchaseOrderItem], as_of: date) -> dict[str, int]:
    """Units per SKU still to arrive on open purchase orders that are still due (an overdue one is
    assumed lost or received); what a partial receipt booked is stock already, not on order."""
    units: dict[str, int] = {}
    for po in purchase_orders:
        if date.fromisoformat(po["expected_arrival"]) < as_of:
            continue
        received = po.get("received", {})
        for line in po["lines"]:
            outstanding = int(line["quantity"]) - received.get(line["sku"], 0)
            if outstanding > 0:
                units[line["sku"]] = units.get(line["sku"], 0) + outstanding
    return units


def sku_series(
    series: Mapping[str, list[int]],
    stock: Mapping[str, StockItem],
    due: Mapping[str, int],
    catalogue: Catalogue,
    classes: Mapping[str, SkuClass],
    history_days: int,
) -> list[SkuSeries]:
    """Every SKU sold or stocked, with its sales and position; a class fixed in the catalogue wins."""
    skus = []
    for sku in sorted({*series, *stock}):
        item = stock.get(sku)
        fixed = catalogue.terms_for(sku)[2]
        skus.append(SkuSeries(
            sku=sku, daily_units=series.get(sku, [0] * history_days),
            on_hand=item.available if item else 0,  # sellable spot stock, net of reserved orders
            on_order=due.get(sku, 0),
            backorders=item.presale_reserved if item else 0,  # sold ahead of stock not yet here
            sku_class=fixed or classes.get(sku, SkuClass.C),
        ))  # fmt: skip
    return skus


def stored_forecasts(
    read: Callable[[list[str]], StoredRead], market: str, skus: list[str]
) -> tuple[dict[str, StoredForecast], dict[str, str]]:
    """Stored forecasts per SKU and, per SKU, why none could be read; a failed read never fails the run."""
    try:
        found = read(skus)
    except Exception as error:  # the table is an optimisation: forecast here instead, and say why
        reason = f"stored forecasts unreadable ({type(error).__name__}: {error})"
        print(f"{market}: {reason}; forecasting {len(skus)} SKU(s) inline")
        return {}, dict.fromkeys(skus, reason)
    return found.forecasts, found.unreadable


def demand_for(
    history: list[int], horizon_days: int, stored: StoredForecast | None = None, as_of: date | None = None
) -> tuple[DemandEstimate, str]:
    """The nightly forecast when fresh and long enough, else one made here, else the trailing mean.

    The estimate's source says which (``forecast:nightly <run date>: <model>``,
    ``forecast:inline: <model>``, ``trailing-mean:<days>d``); the note says why a better one was not used.
    """
    notes = []
    if stored is not None and as_of is not None:
        window = stored.window(as_of, horizon_days)
        if window is not None:
            try:
                return from_forecast(window, horizon_days, model=f"nightly {stored.run_date}: {stored.model}"), ""
            except ValueError as error:
                notes.append(f"nightly forecast unusable ({error})")
        else:
            notes.append(f"nightly forecast of {stored.run_date} stale or shorter than {horizon_days} d")
    try:
        from livebase.forecasting import forecast

        result = forecast([float(x) for x in history], horizon_days, 7)
        return from_forecast(result, horizon_days, model=f"inline: {result.model}"), "; ".join(notes)
    except Exception as error:  # any failure of the forecaster falls back; the reason is kept
        notes.append(f"forecast unavailable ({type(error).__name__}: {error}); trailing mean used")
        return trailing_mean(history), "; ".join(notes)


def recent_sales_and_forecast(
    history: list[int], stored: StoredForecast | None, as_of: date, days: int = RECENT_DAYS
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Sales of the last ``days`` whole days (history ends with today, partial) and what the
    nightly runs forecast for them; both empty when that forecast is not known for every day."""
    if stored is None or len(history) <= days:
        return (), ()
    forecast = stored.forecast_for(as_of - timedelta(days=days), days)
    return (tuple(float(x) for x in history[-days - 1 : -1]), forecast) if forecast else ((), ())


def decide_skus(
    market: str,
    skus: Sequence[SkuSeries],
    catalogue: Catalogue,
    horizon_days: int,
    run_date: date,
    stored: Mapping[str, StoredForecast],
    unread: Mapping[str, str],
) -> list[Decision]:
    """One (s, S) decision per SKU; why a stored forecast was not used is among its reasons."""
    decisions = []
    for item in skus:
        forecast = stored.get(item.sku)
        demand, note = demand_for(item.daily_units, horizon_days, forecast, run_date)
        note = "; ".join(n for n in (unread.get(item.sku, ""), note) if n)
        lead_time, supply, _ = catalogue.terms_for(item.sku)
        recent_sales, recent_forecast = recent_sales_and_forecast(item.daily_units, forecast, run_date)
        decision = decide(PolicyInput(
            sku=item.sku, market=market, sku_class=item.sku_class, demand=demand,
            lead_time=lead_time, supply=supply, on_hand=item.on_hand, on_order=item.on_order,
            backorders=item.backorders, recent_sales=recent_sales, recent_forecast=recent_forecast,
        ))  # fmt: skip
        decisions.append(replace(decision, reasons=(*decision.reasons, note)) if note else decision)
    return decisions


def inventory_positions(skus: Sequence[SkuSeries]) -> dict[str, int]:
    """Inventory position per SKU: on hand + on order - backorders."""
    return {s.sku: s.on_hand + s.on_order - s.backorders for s in skus}

"""The plan and the prices as demand regressors: per SKU and UTC day, was it shown in a session, was it
on presale, was it on promotion.

Why UTC days: the demand history is bucketed by the order's UTC day
(``livebase.replenishment.history``), so a slot counts on the UTC day it is on air (a 19:00 Los
Angeles session is the next UTC day). Built from the plan JSON and the session prices, past ones
included: the regression needs the regressor in the history as well as over the horizon to
estimate an effect.

A promotion day is a UTC day any part of which a session price is in force for the SKU that is a
promotion, or a live price below the SKU's list price (``livebase.commerce.pricing.SessionPrice``,
set by ops or by the plan). A live price at or above the list price is no promotion.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from livebase.commerce.pricing import SessionPrice

SESSION, PRESALE, PROMOTION = "session", "presale", "promotion"
PLAN_COLUMNS = (SESSION, PRESALE)  # what the plan JSON says
COLUMNS = (*PLAN_COLUMNS, PROMOTION)  # every regressor column, zeros where nothing was said
MAX_PROMOTION_DAYS = 62  # a price set for longer is marked over the first this many days only

Regressors = dict[str, dict[date, dict[str, float]]]


def plan_regressors(plans: Iterable[Mapping[str, Any]]) -> Regressors:
    """SKU -> UTC day -> {session: 1.0 if shown, presale: 1.0 if in a presale slot}."""
    out: dict[str, dict[date, dict[str, float]]] = {}
    for plan in plans:
        for session in plan.get("sessions", ()):
            start = datetime.fromisoformat(session["start"])
            at = start
            for item in session.get("lineup", ()):
                day = at.date()  # the session's start is UTC in the plan
                values = out.setdefault(item["sku"], {}).setdefault(day, dict.fromkeys(PLAN_COLUMNS, 0.0))
                values[SESSION] = 1.0
                if item.get("kind") == "presale":
                    values[PRESALE] = 1.0
                at += timedelta(minutes=int(item.get("minutes", 0)))
    return out


def price_regressors(prices: Iterable[SessionPrice], list_prices: Mapping[str, Decimal] | None = None) -> Regressors:
    """SKU -> UTC day -> {promotion: 1.0} for every day a promotion (or a live price below list) is in force."""
    listed = list_prices or {}
    out: Regressors = {}
    for price in prices:
        below_list = price.sku in listed and price.price < listed[price.sku]
        if price.kind != "promotion" and not below_list:
            continue
        first, last = price.valid_from.date(), (price.valid_until - timedelta(microseconds=1)).date()
        for offset in range(min((last - first).days + 1, MAX_PROMOTION_DAYS)):
            out.setdefault(price.sku, {})[first + timedelta(days=offset)] = {PROMOTION: 1.0}
    return out


def merged(*sources: Mapping[str, Mapping[date, Mapping[str, float]]]) -> Regressors:
    """Several sources' regressors as one (per SKU, day and column, the largest value said)."""
    out: Regressors = {}
    for source in sources:
        for sku, days in source.items():
            for day, values in days.items():
                cell = out.setdefault(sku, {}).setdefault(day, {})
                for column, value in values.items():
                    cell[column] = max(cell.get(column, 0.0), float(value))
    return out


def regressor_rows(
    regressors: Mapping[str, Mapping[date, Mapping[str, float]]], skus: Iterable[str], start: date, days: int
) -> list[dict[str, Any]]:
    """Long rows (id, ds, session, presale, promotion) for ``days`` days from ``start``, zeros where not said."""
    rows = []
    for sku in skus:
        own = regressors.get(sku, {})
        for offset in range(days):
            day = start + timedelta(days=offset)
            values = own.get(day, {})
            rows.append({"id": sku, "ds": day, **{c: float(values.get(c, 0.0)) for c in COLUMNS}})
    return rows

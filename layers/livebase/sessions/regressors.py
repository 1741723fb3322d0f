"""The plan as demand regressors: per SKU and UTC day, was it shown in a session, was it on presale.

Why UTC days: the demand history is bucketed by the order's UTC day
(``livebase.replenishment.history``), so a slot counts on the UTC day it is on air (a 19:00 Los
Angeles session is the next UTC day). Built from the plan JSON, past plans included: the
regression needs the regressor in the history as well as over the horizon to estimate an effect.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

SESSION, PRESALE = "session", "presale"
COLUMNS = (SESSION, PRESALE)


def plan_regressors(plans: Iterable[Mapping[str, Any]]) -> dict[str, dict[date, dict[str, float]]]:
    """SKU -> UTC day -> {session: 1.0 if shown, presale: 1.0 if in a presale slot}."""
    out: dict[str, dict[date, dict[str, float]]] = {}
    for plan in plans:
        for session in plan.get("sessions", ()):
            start = datetime.fromisoformat(session["start"])
            at = start
            for item in session.get("lineup", ()):
                day = at.date()  # the session's start is UTC in the plan
                values = out.setdefault(item["sku"], {}).setdefault(day, dict.fromkeys(COLUMNS, 0.0))
                values[SESSION] = 1.0
                if item.get("kind") == "presale":
                    values[PRESALE] = 1.0
                at += timedelta(minutes=int(item.get("minutes", 0)))
    return out


def regressor_rows(
    regressors: Mapping[str, Mapping[date, Mapping[str, float]]], skus: Iterable[str], start: date, days: int
) -> list[dict[str, Any]]:
    """Long rows (id, ds, session, presale) for ``days`` days from ``start``, zeros where not planned."""
    rows = []
    for sku in skus:
        own = regressors.get(sku, {})
        for offset in range(days):
            day = start + timedelta(days=offset)
            values = own.get(day, {})
            rows.append({"id": sku, "ds": day, **{c: float(values.get(c, 0.0)) for c in COLUMNS}})
    return rows

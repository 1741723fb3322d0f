"""Does the session plan help the forecast? Accuracy with and without the plan on a simulator
whose session effect is known.

Simulator (seeded): ``--skus`` daily series over two years and a 28-day horizon. Each SKU has
a level (lognormal), a weekly pattern (weekends +30 %), a yearly pattern (+-35 %, peak in
November) and negative-binomial noise. Every day the market runs 3 sessions featuring
``skus // 12`` SKUs each (up to 12: about a quarter of the SKUs a day); a featured SKU sells
``EFFECT`` x its usual rate that day (the known session effect); one featured SKU in ten is
sold on presale (demand booked that day as well). The plan JSON the
planner writes is built for the same schedule, and ``demand-forecasting``'s chunk forecast runs
on the history with and without the plan's regressors (and with the yearly pattern), scored on
the horizon: MAE overall and on the featured SKU-days, and the ratio with / without the plan.

Run:  .venv/bin/python benchmarks/session_forecast.py [--skus 60] [--seed 5]
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

from flows.demand_forecasting import forecast_chunk
from livebase.sessions.regressors import plan_regressors

EFFECT = 3.0
HISTORY, HORIZON = 730, 28
START = date(2024, 1, 1)


def simulate(skus: int, seed: int) -> tuple[dict[str, list[int]], np.ndarray, np.ndarray, list[dict[str, Any]]]:
    rng = np.random.default_rng(seed)
    days = HISTORY + HORIZON
    t = np.arange(days)
    level = np.clip(rng.lognormal(np.log(6.0), 0.8, skus), 0.5, 200)
    weekday = np.array([(START + timedelta(days=int(d))).weekday() for d in t])
    weekly = np.where(weekday >= 5, 1.3, 1.0)
    doy = np.array([(START + timedelta(days=int(d))).timetuple().tm_yday for d in t])
    yearly = 1 + 0.35 * np.cos(2 * np.pi * (doy - 320) / 365.25)
    rate = level[:, None] * weekly[None, :] * yearly[None, :]
    featured = np.zeros((skus, days), dtype=bool)
    sessions = []
    per_session = max(1, min(12, skus // 12))
    for d in t:
        chosen = rng.choice(skus, 3 * per_session, replace=False)
        featured[chosen, d] = True
        for s in range(3):
            lineup = [
                {"sku": f"SKU-{i:04d}", "kind": "presale" if rng.random() < 0.1 else "spot", "minutes": 10}
                for i in chosen[s * per_session : (s + 1) * per_session]
            ]
            start = datetime.combine(START + timedelta(days=int(d)), datetime.min.time(), tzinfo=UTC)
            sessions.append({"start": (start + timedelta(hours=11 + 2 * s)).isoformat(), "lineup": lineup})
    rate = np.where(featured, rate * EFFECT, rate)
    shape = 5.0
    demand = rng.poisson(rng.gamma(shape, rate / shape))
    series = {f"SKU-{i:04d}": [int(u) for u in demand[i, :HISTORY]] for i in range(skus)}
    return series, demand[:, HISTORY:], featured[:, HISTORY:], [{"sessions": sessions}]


def score(rows: list[dict[str, Any]], actual: np.ndarray, featured: np.ndarray) -> tuple[float, float]:
    forecast = np.zeros_like(actual, dtype=float)
    for row in rows:
        if row.get("error") is None:
            forecast[int(str(row["id"])[4:]), int(row["step"]) - 1] = float(row["mean"])
    errors = np.abs(forecast - actual)
    return float(errors.mean()), float(errors[featured].mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skus", type=int, default=60)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    series, actual, featured, plans = simulate(args.skus, args.seed)
    plan = plan_regressors(plans)
    figures: dict[str, tuple[float, float, float]] = {}
    for name, with_plan, yearly in (("without_plan", False, False), ("with_plan", True, False),
                                    ("with_plan_and_yearly", True, True)):  # fmt: skip
        started = time.perf_counter()
        rows = forecast_chunk.fn("eu", series, START, HORIZON, False, plan if with_plan else None, yearly)
        figures[name] = (*score(rows, actual, featured), time.perf_counter() - started)
    for name, (mae, mae_featured, seconds) in figures.items():
        print(f"mae_{name}: {mae:.3f}")
        print(f"mae_featured_days_{name}: {mae_featured:.3f}")
        print(f"seconds_{name}: {seconds:.2f}")
    base = figures["without_plan"]
    print(f"mae_ratio_with_plan: {figures['with_plan'][0] / base[0]:.3f}")
    print(f"mae_ratio_featured_days_with_plan: {figures['with_plan'][1] / base[1]:.3f}")
    print(f"mae_ratio_with_plan_and_yearly: {figures['with_plan_and_yearly'][0] / base[0]:.3f}")


if __name__ == "__main__":
    main()

"""Monte Carlo of the business case: one vectorised cash flow for every draw vs one per draw.

Both compute the same NPVs from the same seeded draws (checked before timing is reported), so
the ratio is the saving of the vectorised path ``livebase.finance.monte_carlo.simulate`` takes.
The plan is the report's defaults with traffic and logistics carried by the brand, so
that P(NPV > 0) is neither 0 nor 1.

Run:  .venv/bin/python benchmarks/business_case.py [--draws 20000] [--seed 20]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from livebase.finance.cashflow import cash_flow
from livebase.finance.metrics import monthly_rate, npv
from livebase.finance.model import load_plan
from livebase.finance.monte_carlo import draw_values, simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--loop-draws", type=int, default=1000, help="draws timed on the per-draw path")
    args = parser.parse_args()
    plan = load_plan()
    plan = plan.model_copy(update={"carried_by": plan.carried_by.moving(("traffic", "logistics"))})

    started = time.perf_counter()
    found = simulate(plan, args.draws, args.seed, discount_rate=0.2)
    vector_seconds = time.perf_counter() - started

    values = draw_values(plan, args.loop_draws, args.seed)
    started = time.perf_counter()
    looped = []
    for i in range(args.loop_draws):
        flows = cash_flow(plan, {name: float(v[i]) for name, v in values.items()}).free_cash_flow[0]
        looped.append(npv(monthly_rate(0.2), list(flows), first_period=1))
    loop_seconds = time.perf_counter() - started
    same = simulate(plan, args.loop_draws, args.seed, discount_rate=0.2).npv
    assert np.allclose(same, looped), "the two paths disagree"

    per_draw_vector = vector_seconds / args.draws
    per_draw_loop = loop_seconds / args.loop_draws
    print(f"# plan: {plan.name}, brand carries traffic and logistics; seed {args.seed}")
    print(f"draws: {args.draws}")
    print(f"p_npv_positive: {found.p_positive:.4f}")
    print(f"npv_mean_wan: {found.mean:.1f}")
    print(f"npv_p5_wan: {found.p5:.1f}")
    print(f"npv_p95_wan: {found.p95:.1f}")
    print(f"vector_draws_per_second: {1 / per_draw_vector:.0f}")
    print(f"loop_draws_per_second: {1 / per_draw_loop:.0f}")
    print(f"speedup_vector_vs_loop: {per_draw_loop / per_draw_vector:.1f}")


if __name__ == "__main__":
    main()

"""The simulated after-sale lives (livebase_local.simulator.returns): every planned message is one the
rules decide as planned: delivered twice, phases shuffled, each effect once, the hostile ones refused."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from livebase.commerce.lifecycle import transition
from livebase.commerce.order_state import OrderState, Outcome, open_order
from livebase.live.events import OrderLine, OrderPlaced
from livebase.markets.commerce_rules import CommerceRules
from livebase_local.simulator.returns import Fate, Shares, hostile, plan_life

T0 = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
RULES = CommerceRules(return_window_days=14)


def order(n: int) -> OrderState:
    placed = OrderPlaced.model_validate({
        "event_id": f"evt-{n:06d}", "type": "order_placed", "market": "eu", "room_id": "eu-room-1",
        "session_id": "eu-room-1-20261203", "ts": T0, "viewer_id": f"v_{n:016x}", "order_id": f"o-eu-room-1-{n:08d}",
        "currency": "EUR", "lines": (OrderLine(sku="SKU-A1", quantity=1 + n % 3, unit_price=Decimal("19.90")),),
    })  # fmt: skip
    return open_order(placed, {"SKU-A1": Decimal("19.90")})


def live(state: OrderState, seed: int, shares: Shares) -> tuple[OrderState, Counter[str]]:
    """Deliver the life as the soak does: phase by phase once the one before was decided, each message
    twice (the second copy at once or with the next phase), in a shuffled order within the phase."""
    life = plan_life(state, seed, T0 + timedelta(minutes=1), shares)
    rng = random.Random(seed)
    outcomes: Counter[str] = Counter()
    carried: list = []
    now = T0 + timedelta(minutes=2)
    for index, phase in enumerate(life.phases):
        batch = [*carried, *phase, *(() if life.late_copies else phase)]
        carried = list(phase) if life.late_copies else []
        rng.shuffle(batch)
        for message in batch:
            step = transition(state, message, RULES, now)
            state = step.state
            outcomes[f"{'hostile' if hostile(message) else 'own'}:{step.outcome.value}"] += 1
        assert life.phase_done(index, state), (life.fate, index)
    for message in carried:
        state = transition(state, message, RULES, now).state
    assert life.expected.differences(state) == [], (life.fate, life.expected, state)
    return state, outcomes


def test_every_fate_ends_as_planned_with_each_effect_once_and_hostile_messages_refused() -> None:
    shares = Shares(cancel=0.2, ret=0.6, hostile_cancel=0.3, hostile_refund=0.3, shuffled=0.5, late_copy=0.5)
    fates: Counter[Fate] = Counter()
    totals: Counter[str] = Counter()
    for n in range(300):
        state = order(n)
        life = plan_life(state, 7, T0, shares)
        fates[life.fate] += 1
        _, outcomes = live(state, 7 + n, shares)
        totals.update(outcomes)
    assert set(fates) == set(Fate)
    assert totals["hostile:applied"] == 0 and totals["hostile:refused"] > 20
    assert totals["own:refused"] == 0
    assert totals["own:duplicate"] > 0 and totals["own:stale"] > 0  # delivered twice, and out of order


def test_the_same_order_and_seed_give_the_same_life() -> None:
    state = order(5)
    assert plan_life(state, 3, T0) == plan_life(state, 3, T0)
    refund = next(m for m in plan_life(state, 3, T0, Shares(hostile_refund=1.0)).hostile)
    assert refund.amount == state.paid + Decimal(100)  # type: ignore[union-attr]
    assert all(m.message_id.startswith("o-eu-room-1-00000005-") for m in plan_life(state, 3, T0).messages)
    assert Outcome.REFUSED.value == "refused"

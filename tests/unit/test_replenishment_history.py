"""Daily sales series, ABC classes and projected stock from order lines (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from types import SimpleNamespace

import pytest

from livebase.commerce.order_state import LineState, OrderState, Stage
from livebase.replenishment import SkuClass
from livebase.replenishment.history import (
    SaleLine,
    abc_classes,
    daily_units,
    history_window,
    net_units,
    project_policy,
    project_stock,
    revenue_per_sku,
    sale_lines,
)

AS_OF = date(2026, 11, 25)


def test_daily_units_are_zero_filled_per_day_up_to_and_including_today() -> None:
    start, end = history_window(AS_OF, 4)
    lines = [
        SaleLine(date(2026, 11, 22), "A", 2, Decimal("10")),
        SaleLine(date(2026, 11, 22), "A", 1, Decimal("5")),
        SaleLine(AS_OF, "A", 4, Decimal("20")),  # today's burst so far counts
        SaleLine(date(2026, 11, 24), "B", 7, Decimal("7")),
        SaleLine(date(2026, 11, 21), "A", 100, Decimal("500")),  # before the window
        SaleLine(date(2026, 11, 26), "A", 100, Decimal("500")),  # after as_of (a backfill run)
    ]
    assert (start, end) == (date(2026, 11, 22), date(2026, 11, 26))
    assert daily_units(lines, start, end) == {"A": [3, 0, 0, 4], "B": [0, 0, 7, 0]}
    assert revenue_per_sku(lines, start, end) == {"A": Decimal("35"), "B": Decimal("7")}


def test_window_must_hold_a_day() -> None:
    with pytest.raises(ValueError, match="at least one day"):
        history_window(AS_OF, 0)


def test_abc_by_cumulative_revenue_share() -> None:
    revenue = {
        "top": Decimal(70),
        "second": Decimal(15),
        "third": Decimal(10),
        "tail": Decimal(5),
        "none": Decimal(0),
    }
    assert abc_classes(revenue) == {
        "top": SkuClass.A,  # starts at 0 %
        "second": SkuClass.A,  # starts at 70 % < 80 %
        "third": SkuClass.B,  # starts at 85 %
        "tail": SkuClass.C,  # starts at 95 %
        "none": SkuClass.C,
    }
    assert abc_classes({"only": Decimal(3)}) == {"only": SkuClass.A}


def test_projected_stock_falls_with_demand_and_jumps_on_arrival() -> None:
    assert project_stock(10, 2, 4) == [10, 8, 6, 4, 2]
    assert project_stock(3, 2, 4, {2: 10}) == [3, 1, 9, 7, 5]
    assert project_stock(1, 2, 2) == [1, -1, -3]  # unmet demand shows below zero


def test_policy_projection_reorders_at_the_reorder_point_and_receives_after_the_lead_time() -> None:
    # position 10, 2/day, s = 6, S = 14, lead 2 days, today's order 4 arrives on day 2
    path = project_policy(10, 2, 6, 14, 2, 6, 4)
    assert path[:3] == [10, 8, 10]  # day 2: -2 demand +4 arrival
    # day 3: 8 left, nothing on the way, 8 > 6: no order; day 4: 6 <= 6: order 8, lands day 6
    assert path[3:] == [8, 6, 4, 10]
    assert project_policy(10, 0, 6, 14, 3, 3, 0) == [10, 10, 10, 10]  # no demand, no movement
    with pytest.raises(ValueError, match="lead time"):
        project_policy(10, 1, 6, 14, 0, 3, 0)


def _stored(day: date, state: OrderState | None, status: str = "placed") -> SimpleNamespace:
    """An order as the orders table gives it back: its lines as placed, its status and its state's JSON."""
    lines = [SimpleNamespace(sku="A", quantity=3, unit_price="9.99")]
    placed_at = datetime.combine(day, time(23, 30), UTC)
    return SimpleNamespace(placed_at=placed_at, lines=lines, status=status, state=state and state.model_dump_json())


def _state(order_id: str, line: dict[str, object] | None = None, **changes: object) -> OrderState:
    """An order of 3 units of A at 10.00; ``line``: what changed on its line (returns, refunds)."""
    sold = LineState(sku="A", quantity=3, unit_price=Decimal("10.00")).model_copy(update=line or {})
    state = OrderState(
        order_id=order_id, market="eu", currency="EUR", viewer_id="v_0123456789abcdef", room_id="r1",
        session_id="s1", placed_at=datetime(2026, 11, 22, 23, 30, tzinfo=UTC), lines=(sold,),
    )  # fmt: skip
    return state.model_copy(update=changes)


def test_demand_is_net_of_received_returns_on_the_order_day_and_cancelled_or_rejected_orders_are_none() -> None:
    day = date(2026, 11, 22)
    returned = _state("o-ret", {"restocked": 1, "written_off": 1}, stage=Stage.DELIVERED)
    asked_only = _state("o-asked", {"return_requested": 2}, stage=Stage.DELIVERED)  # not received yet: still sold
    refunded_kept = _state("o-kept", {"refunded": Decimal("30.00")}, stage=Stage.SHIPPED)  # money back, goods kept
    orders = [
        _stored(day, returned),  # 3 sold, 2 came back: 1
        _stored(day, asked_only),  # 3
        _stored(day, refunded_kept, status="refunded"),  # 3
        _stored(day, _state("o-presold")),  # presold, goods not here yet: counts on its order day, 3
        _stored(day, _state("o-cxl", cancelled=True), status="cancelled"),
        _stored(day, _state("o-rej", rejection="lines[0].unit_price: refused"), status="rejected"),
        _stored(day, None),  # stored before states were kept: its status says placed, 3 at its stored price
        _stored(day, None, status="refunded"),  # before states: a refund gave its stock back
    ]
    lines = sale_lines(orders)
    start, end = history_window(day, 1)
    assert daily_units(lines, start, end) == {"A": [1 + 3 + 3 + 3 + 3]}
    assert revenue_per_sku(lines, start, end) == {"A": Decimal("10.00") * 10 + Decimal("9.99") * 3}
    assert net_units(returned) == {"A": (1, Decimal("10.00"))}

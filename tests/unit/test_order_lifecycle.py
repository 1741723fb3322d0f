"""The order's state machine (livebase.commerce.lifecycle): each path, its refusals, and its tolerance
of redelivery and out-of-order messages (property tests: any order, any repeats, one effect)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livebase.commerce import messages as msg
from livebase.commerce.lifecycle import (
    REFUSALS_KEPT,
    REQUESTS_PER_ORDER,
    StockAction,
    StockEffect,
    Transition,
    replay,
    transition,
)
from livebase.commerce.order_state import OrderState, OrderStatus, Outcome, Stage, open_order, rejected_order
from livebase.live.events import OrderLine, OrderPlaced
from livebase.markets.commerce_rules import CommerceRules

T0 = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=60)
BUYER, OTHER = "v_" + "a1" * 8, "v_" + "b2" * 8
RULES = CommerceRules(return_window_days=14)
LENIENT = CommerceRules(return_window_days=30, refund_without_return=True)
PRICES = {"SKU-A1": Decimal("19.90"), "SKU-B2": Decimal("5.00")}
VIEWER = msg.Requester(kind="viewer", viewer_id=BUYER)
OPS = msg.Requester(kind="ops", operator="ops-7")
LIVEBASE = msg.Requester(kind="livebase")


def placed(**changes: Any) -> OrderPlaced:
    fields: dict[str, Any] = {
        "event_id": "evt-order-0001", "type": "order_placed", "market": "eu", "room_id": "eu-room-1",
        "session_id": "eu-room-1-20261203", "ts": T0, "viewer_id": BUYER, "order_id": "ord-0001",
        "currency": "EUR",
        "lines": (OrderLine(sku="SKU-A1", quantity=2, unit_price=Decimal("0.01")),
                  OrderLine(sku="SKU-B2", quantity=1, unit_price=Decimal("5.00"))),
    }  # fmt: skip
    return OrderPlaced.model_validate({**fields, **changes})


def order() -> OrderState:
    return open_order(placed(), PRICES)


def wms(status: str, at: datetime, update_id: str | None = None) -> msg.WmsUpdate:
    return msg.WmsUpdate.model_validate(
        {"update_id": update_id or f"ord-0001-{status}", "order_id": "ord-0001", "warehouse": "WH-EU-1",
         "status": status, "at": at, "carrier": "demo-post" if status in ("shipped", "delivered") else None}
    )  # fmt: skip


def cancel(who: msg.Requester = VIEWER, message_id: str = "cancel-1", reason: str | None = None) -> msg.CancelRequest:
    return msg.CancelRequest(message_id=message_id, order_id="ord-0001", at=T0 + timedelta(minutes=5),
                             requested_by=who, reason=reason)  # fmt: skip


def return_request(
    at: datetime, units: int = 1, who: msg.Requester = VIEWER, message_id: str = "ret-0001"
) -> msg.ReturnRequested:
    return msg.ReturnRequested(message_id=message_id, order_id="ord-0001", at=at, requested_by=who,
                               lines=(msg.ReturnLine(sku="SKU-A1", quantity=units),))  # fmt: skip


def received(at: datetime, sellable: int = 1, written_off: int = 0, message_id: str = "rcv-0001") -> msg.ReturnReceived:
    return msg.ReturnReceived(message_id=message_id, order_id="ord-0001", warehouse="WH-EU-1", at=at,
                              lines=(msg.ReceivedLine(sku="SKU-A1", sellable=sellable,
                                                      written_off=written_off),))  # fmt: skip


def refund(who: msg.Requester = LIVEBASE, message_id: str = "rfd-0001", **fields: Any) -> msg.RefundRequest:
    values: dict[str, Any] = {"message_id": message_id, "order_id": "ord-0001", "at": T0 + timedelta(days=3),
                              "requested_by": who, "currency": "EUR", "reason": "return", **fields}  # fmt: skip
    return msg.RefundRequest.model_validate(values)


def run(
    state: OrderState, *messages: msg.OrderMessage, rules: CommerceRules = RULES
) -> tuple[OrderState, list[Transition]]:
    final, steps = replay(state, messages, rules, NOW)
    return final, list(steps)


def stock_totals(steps: list[Transition]) -> Counter[tuple[str, StockAction]]:
    totals: Counter[tuple[str, StockAction]] = Counter()
    for step in steps:
        for effect in step.stock:
            totals[effect.sku, effect.action] += effect.quantity
    return totals


def refunded(steps: list[Transition]) -> Decimal:
    return sum((step.refund_total for step in steps), Decimal(0))


SHIP: list[msg.OrderMessage] = [wms("handed", T0 + timedelta(hours=1)), wms("picked", T0 + timedelta(hours=2)),
        wms("shipped", T0 + timedelta(hours=3)), wms("delivered", T0 + timedelta(days=2))]  # fmt: skip


# ---- paths ---------------------------------------------------------------------------------------
def test_the_order_is_priced_by_livebase_not_by_the_client() -> None:
    state = order()
    assert state.paid == Decimal("44.80") and state.status is OrderStatus.PLACED
    assert state.line("SKU-A1") is not None and state.line("SKU-A1").unit_price == Decimal("19.90")  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="no Livebase price"):
        open_order(placed(), {"SKU-A1": Decimal(1)})


def test_shipment_consumes_the_reservation_once_and_delivery_starts_the_window() -> None:
    final, steps = run(order(), *SHIP)
    assert [s.outcome for s in steps] == [Outcome.APPLIED] * 4
    assert stock_totals(steps) == {("SKU-A1", StockAction.CONSUME): 2, ("SKU-B2", StockAction.CONSUME): 1}
    assert final.status is OrderStatus.DELIVERED and final.delivered_at == T0 + timedelta(days=2)
    assert final.version == 4 and refunded(steps) == 0


def test_delivered_before_shipped_implies_the_shipment_and_late_steps_are_stale() -> None:
    final, steps = run(order(), SHIP[3], SHIP[2], SHIP[1], SHIP[0])
    assert [s.outcome for s in steps] == [Outcome.APPLIED, Outcome.STALE, Outcome.STALE, Outcome.STALE]
    assert "delivered already" in steps[1].reason and not steps[1].write
    assert stock_totals(steps) == {("SKU-A1", StockAction.CONSUME): 2, ("SKU-B2", StockAction.CONSUME): 1}
    assert final.stage is Stage.DELIVERED and final.version == 1


def test_shipped_before_picked_moves_forward_and_a_redelivery_is_a_duplicate() -> None:
    final, steps = run(order(), SHIP[2], SHIP[1], SHIP[2])
    assert [s.outcome for s in steps] == [Outcome.APPLIED, Outcome.STALE, Outcome.DUPLICATE]
    assert "was applied before" in steps[2].reason
    assert final.stage is Stage.SHIPPED and sum(stock_totals(steps).values()) == 3


def test_cancel_before_hand_off_releases_the_stock_and_gives_back_everything_paid() -> None:
    final, steps = run(order(), cancel(), cancel(message_id="cancel-2"), SHIP[0])
    assert [s.outcome for s in steps] == [Outcome.APPLIED, Outcome.STALE, Outcome.REFUSED]
    assert stock_totals(steps) == {("SKU-A1", StockAction.RELEASE): 2, ("SKU-B2", StockAction.RELEASE): 1}
    assert steps[0].refund_total == Decimal("44.80") and final.status is OrderStatus.CANCELLED
    assert "cancelled before hand-off" in steps[2].reason


def test_cancel_after_hand_off_is_refused_and_kept_with_its_reason() -> None:
    final, steps = run(order(), SHIP[0], cancel(), cancel())
    assert steps[1].outcome is Outcome.REFUSED and "only before hand-off" in steps[1].reason
    assert steps[2].outcome is Outcome.DUPLICATE and "only before hand-off" in steps[2].reason
    assert final.status is OrderStatus.HANDED and not final.cancelled
    assert final.decision("cancel_requested:cancel-1") is not None


def test_only_the_buyer_or_ops_with_a_reason_may_cancel() -> None:
    stranger = msg.Requester(kind="viewer", viewer_id=OTHER)
    _, steps = run(order(), cancel(stranger), cancel(OPS, "cancel-2"), cancel(LIVEBASE, "cancel-3"))
    assert all(s.outcome is Outcome.REFUSED for s in steps)
    assert "only the order's own viewer" in steps[0].reason and BUYER not in steps[0].reason
    assert "ops must give a reason" in steps[1].reason and "livebase must give a reason" in steps[2].reason
    final, steps = run(order(), cancel(OPS, "cancel-4", reason="presale_po_late"))
    assert steps[0].outcome is Outcome.APPLIED and final.status is OrderStatus.CANCELLED


def test_return_restocks_only_what_came_back_sellable_and_refunds_what_it_is_worth() -> None:
    delivered = T0 + timedelta(days=2)
    final, steps = run(
        order(), *SHIP, return_request(delivered + timedelta(days=5), units=2),
        received(delivered + timedelta(days=8), sellable=1, written_off=1), refund(),
    )  # fmt: skip
    assert [s.outcome for s in steps] == [Outcome.APPLIED] * 7
    assert steps[4].state.status is OrderStatus.RETURN_REQUESTED
    assert steps[5].state.status is OrderStatus.RETURN_RECEIVED
    assert steps[5].stock == (StockEffect("SKU-A1", StockAction.RESTOCK, 1),)
    assert steps[6].refund_total == Decimal("39.80") and steps[6].stock == ()
    assert final.status is OrderStatus.REFUNDED
    line = final.line("SKU-A1")
    assert line is not None and (line.restocked, line.written_off, line.refunded) == (1, 1, Decimal("39.80"))


def test_a_return_received_before_the_shipment_is_known_consumes_then_restocks() -> None:
    final, steps = run(order(), SHIP[0], received(T0 + timedelta(days=9)), SHIP[2], SHIP[3])
    assert [s.outcome for s in steps] == [Outcome.APPLIED, Outcome.APPLIED, Outcome.STALE, Outcome.APPLIED]
    assert steps[1].stock == (
        StockEffect("SKU-A1", StockAction.CONSUME, 2), StockEffect("SKU-B2", StockAction.CONSUME, 1),
        StockEffect("SKU-A1", StockAction.RESTOCK, 1),
    )  # fmt: skip
    assert steps[3].stock == () and final.delivered_at is not None
    assert final.status is OrderStatus.RETURN_RECEIVED


def test_return_window_per_market() -> None:
    delivered = T0 + timedelta(days=2)
    late = return_request(delivered + timedelta(days=15))
    _, steps = run(order(), *SHIP, late)
    assert steps[-1].outcome is Outcome.REFUSED
    assert steps[-1].reason == "at: this market's 14-day return window closed on 2026-12-19"
    _, steps = run(order(), *SHIP, late, rules=LENIENT)
    assert steps[-1].outcome is Outcome.APPLIED


def test_returns_are_refused_before_hand_off_for_strangers_and_beyond_what_was_bought() -> None:
    _, steps = run(order(), return_request(T0 + timedelta(hours=1)))
    assert "cancel it instead" in steps[0].reason
    stranger = msg.Requester(kind="viewer", viewer_id=OTHER)
    _, steps = run(order(), *SHIP[:3], return_request(T0 + timedelta(days=1), who=stranger))
    assert "only the order's own viewer" in steps[-1].reason
    _, steps = run(order(), *SHIP, return_request(T0 + timedelta(days=3), units=2),
                   return_request(T0 + timedelta(days=4), message_id="ret-0002"))  # fmt: skip
    assert steps[-1].reason == "lines[0].quantity: 1 of SKU-A1 asked back, 0 left"
    _, steps = run(order(), *SHIP, received(T0 + timedelta(days=5), sellable=3))
    assert steps[-1].reason == "lines[0]: 3 of SKU-A1 received back, 2 could still come back"


def test_a_refund_never_exceeds_what_was_paid_and_not_yet_given_back() -> None:
    _, steps = run(order(), *SHIP, refund(OPS, lines=[{"sku": "SKU-A1", "amount": "5000"}]), rules=LENIENT)
    assert steps[-1].outcome is Outcome.REFUSED
    assert steps[-1].reason == "lines[0].amount: 5000 asked, SKU-A1 may give back at most 39.80"
    final, steps = run(
        order(), *SHIP, refund(OPS, amount="30"), refund(OPS, "rfd-0002", amount="14.80"),
        refund(OPS, "rfd-0003", amount="0.01"), rules=LENIENT,
    )  # fmt: skip
    assert [s.outcome for s in steps[-3:]] == [Outcome.APPLIED, Outcome.APPLIED, Outcome.REFUSED]
    assert final.refunded == final.paid == Decimal("44.80")
    assert steps[-1].reason == "amount: 0.01 asked, the order may give back at most 0.00"


def test_refund_without_return_only_where_the_market_allows_it() -> None:
    ops = refund(OPS, amount="10")
    _, steps = run(order(), *SHIP, ops)
    assert "this market refunds only returned goods" in steps[-1].reason
    _, steps = run(order(), *SHIP, ops, rules=LENIENT)
    assert steps[-1].outcome is Outcome.APPLIED and steps[-1].stock == ()
    _, steps = run(order(), *SHIP, refund(LIVEBASE, amount="10"), rules=LENIENT)
    assert "Livebase alone refunds only received returns" in steps[-1].reason
    _, steps = run(order(), *SHIP, refund(), rules=LENIENT)
    assert steps[-1].reason == "amount: nothing is due; no received return is waiting for its refund"


def test_a_viewer_refund_is_their_own_shipped_order_within_the_window() -> None:
    viewer_refund = refund(VIEWER, amount="5", reason=None)
    _, steps = run(order(), SHIP[0], viewer_refund, rules=LENIENT)
    assert "once it has shipped" in steps[-1].reason
    _, steps = run(order(), *SHIP, viewer_refund, rules=LENIENT)
    assert steps[-1].outcome is Outcome.APPLIED
    stranger = refund(msg.Requester(kind="viewer", viewer_id=OTHER), amount="5")
    _, steps = run(order(), *SHIP, stranger, rules=LENIENT)
    assert "only the order's own viewer" in steps[-1].reason
    _, steps = run(order(), *SHIP, refund(OPS, amount="5", currency="USD"), rules=LENIENT)
    assert steps[-1].reason == "currency: the order was paid in EUR, not USD"


def test_a_rejected_order_moves_no_stock_and_no_money() -> None:
    state = rejected_order(placed(), "lines[0]: client price 0.01 differs from the list price 19.90")
    assert state.status is OrderStatus.REJECTED and state.paid == 0
    final, steps = run(state, cancel(), SHIP[2], refund(OPS, amount="1"))
    assert all(s.outcome is Outcome.REFUSED and s.stock == () and s.refunds == () for s in steps)
    assert final.status is OrderStatus.REJECTED
    with pytest.raises(ValueError):
        rejected_order(placed(), "")


def test_messages_about_another_order_or_from_the_future_are_refused() -> None:
    other = wms("shipped", T0).model_copy(update={"order_id": "ord-0002"})
    step = transition(order(), other, RULES, NOW)
    assert step.outcome is Outcome.REFUSED and not step.write
    step = transition(order(), wms("shipped", NOW + timedelta(hours=1)), RULES, NOW)
    assert step.outcome is Outcome.REFUSED and step.reason.startswith("at:") and step.write


def test_refusals_kept_are_bounded_but_applied_messages_are_all_kept() -> None:
    stranger = msg.Requester(kind="viewer", viewer_id=OTHER)
    spam = [cancel(stranger, f"cancel-{n:03d}") for n in range(REFUSALS_KEPT + 10)]
    final, _ = run(order(), SHIP[0], *spam)
    assert len(final.decisions) == REFUSALS_KEPT + 1
    assert final.decision("shipment_update:ord-0001-handed") is not None
    assert final.decision("cancel_requested:cancel-000") is None


def test_an_order_takes_a_bounded_number_of_refunds() -> None:
    cents = [refund(VIEWER, f"rfd-{n:04d}", amount="0.01") for n in range(REQUESTS_PER_ORDER + 1)]
    final, steps = run(order(), *SHIP, *cents, rules=LENIENT)
    assert [s.outcome for s in steps[len(SHIP) :]] == [Outcome.APPLIED] * REQUESTS_PER_ORDER + [Outcome.REFUSED]
    assert steps[-1].reason == f"refund_requested: an order takes at most {REQUESTS_PER_ORDER} of them"
    assert final.refunded == Decimal("0.01") * REQUESTS_PER_ORDER


def test_the_state_round_trips_as_json() -> None:
    final, _ = run(order(), *SHIP, return_request(T0 + timedelta(days=3)), received(T0 + timedelta(days=6)))
    assert OrderState.model_validate_json(final.model_dump_json()) == final


# ---- property tests: any delivery order, any redelivery, the same end and each effect once ----------
DELIVERED = T0 + timedelta(days=2)
RETURN_PATH: list[msg.OrderMessage] = [*SHIP, return_request(DELIVERED + timedelta(days=3), units=2),
               received(DELIVERED + timedelta(days=6), sellable=1, written_off=1)]  # fmt: skip
REFUND_AFTER_RETURN = refund(at=DELIVERED + timedelta(days=7))


def deliveries(messages: list[msg.OrderMessage]) -> st.SearchStrategy[list[msg.OrderMessage]]:
    """The messages in any order, each one to three times."""
    repeated = st.lists(st.integers(1, 3), min_size=len(messages), max_size=len(messages))
    return repeated.flatmap(
        lambda counts: st.permutations([m for m, n in zip(messages, counts, strict=True) for _ in range(n)])
    )


@settings(max_examples=200, deadline=None)
@given(deliveries(SHIP))
def test_any_order_of_warehouse_steps_ends_delivered_with_one_consumption(sequence: list[msg.OrderMessage]) -> None:
    final, steps = run(order(), *sequence)
    assert final.status is OrderStatus.DELIVERED and final.delivered_at == DELIVERED
    assert stock_totals(steps) == {("SKU-A1", StockAction.CONSUME): 2, ("SKU-B2", StockAction.CONSUME): 1}
    assert all(s.outcome is not Outcome.REFUSED for s in steps)


@settings(max_examples=200, deadline=None)
@given(deliveries(RETURN_PATH), st.integers(0, 2))
def test_any_order_of_a_return_ends_the_same_and_moves_stock_once(sequence: list[msg.OrderMessage], late: int) -> None:
    """The viewer asks once the order shows shipped; Livebase's refund follows the received return."""
    shipped_at = next(
        i for i, m in enumerate(sequence) if isinstance(m, msg.WmsUpdate) and m.status in ("shipped", "delivered")
    )
    request = RETURN_PATH[4]
    sequence = [m for m in sequence if m is not request]
    sequence[shipped_at + 1 : shipped_at + 1] = [request]
    first_receipt = next(i for i, m in enumerate(sequence) if m is RETURN_PATH[5])
    sequence.insert(min(len(sequence), first_receipt + 1 + late), REFUND_AFTER_RETURN)
    sequence.append(REFUND_AFTER_RETURN)  # and redelivered at the end
    final, steps = run(order(), *sequence)
    assert all(s.outcome is not Outcome.REFUSED for s in steps), [s.reason for s in steps]
    assert stock_totals(steps) == {
        ("SKU-A1", StockAction.CONSUME): 2, ("SKU-B2", StockAction.CONSUME): 1, ("SKU-A1", StockAction.RESTOCK): 1,
    }  # fmt: skip
    assert refunded(steps) == Decimal("39.80") and final.status is OrderStatus.REFUNDED
    assert final.stage is Stage.DELIVERED


REFUNDS = st.lists(
    st.tuples(
        st.sampled_from(["ops", "viewer", "livebase"]),
        st.one_of(st.none(), st.decimals("0.01", "60", places=2)),
        st.sampled_from(["SKU-A1", "SKU-B2", None]),
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(REFUNDS, st.booleans(), st.integers(0, 2))
def test_refunds_never_exceed_what_each_line_paid(asks: list[Any], lenient: bool, returned: int) -> None:
    rules = LENIENT if lenient else RULES
    path: list[msg.OrderMessage] = [*SHIP]
    if returned:
        path.append(received(DELIVERED + timedelta(days=1), sellable=returned))
    for n, (kind, amount, sku) in enumerate(asks):
        who = {"ops": OPS, "viewer": VIEWER, "livebase": LIVEBASE}[kind]
        if amount is not None and sku is not None:
            path.append(refund(who, f"rfd-{n:04d}", lines=[{"sku": sku, "amount": amount}]))
        else:
            path.append(refund(who, f"rfd-{n:04d}", amount=amount))
    final, steps = run(order(), *path, rules=rules)
    assert refunded(steps) == final.refunded <= final.paid
    for line in final.lines:
        assert Decimal(0) <= line.refunded <= line.paid
    if not lenient:  # only returned goods are refunded
        assert final.refunded <= Decimal("19.90") * returned
    assert all(effect.action is not StockAction.RESTOCK for s in steps[len(SHIP) + 1 :] for effect in s.stock)


def test_refund_lines_merge_per_sku_and_name_unknown_skus() -> None:
    ask = refund(
        OPS, lines=[msg.RefundLine(sku="SKU-A1", amount=Decimal(20)), msg.RefundLine(sku="SKU-A1", amount=Decimal(20))]
    )
    _, steps = run(order(), *SHIP, ask, rules=LENIENT)
    assert steps[-1].reason == "lines[0].amount: 40 asked, SKU-A1 may give back at most 39.80"
    _, steps = run(order(), *SHIP, refund(OPS, lines=[{"sku": "SKU-Z9", "amount": "1"}]), rules=LENIENT)
    assert steps[-1].reason == "lines[0].sku: SKU-Z9 is not in this order"

"""Presales end to end: opened against an inbound PO's unpromised units, sold in the room, served first
when the goods arrive, and the buyers told when the PO comes late or short.

- **Open** (:func:`open_presale`; session planning for its presale slots, or ops with
  ``./livebase presale open``): the cap is what the room may sell ahead of the goods of one open
  purchase order; it may not exceed the units of the SKU that PO still has to deliver and that no
  other presale promised (one presale per SKU: an open one on another PO with buyers waiting is a
  refusal, with the reason). The room then sells it: a reservation takes spot stock first, then
  ``presale_left`` (``livebase.commerce.inventory.requests``).
- **Goods receipt** (``livebase.replenishment.receiving``): presold orders are served first, oldest
  reservation first (:meth:`livebase.stores.presales.PresaleBook.receive`), and only then does the
  rest become available; a served order's units are ordinary reservations and the order is due for
  the WMS hand-off (held from it until then: ``PresaleBook.held_from_wms``). After each receipt
  :func:`settle_after_receipt` keeps the presale within what the PO still has to deliver.
- **Short**: when the PO closes with units outstanding (the supplier's last delivery, ``final``),
  the presold orders those units cannot serve are **cancelled** by Livebase with reason
  ``presale-short-delivered``: their stock released, a lifecycle ``CancelRequest`` each (refunded
  in full: :func:`cancel_requests`), and one ``presale.short`` naming the cancelled and the kept orders.
  Not kept waiting for a later PO: the buyers bought a delivery date, and another PO's date is a
  promise they never accepted; the SKU can be presold again on that PO.
- **Late** (:func:`announce_late`): presold orders still waiting after the PO's expected arrival
  are named in one ``presale.late`` per SKU and expected arrival (put, then remembered on the item:
  at least once).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from livebase.aws import TransientError
from livebase.commerce.inventory import StockKey
from livebase.commerce.messages import CancelRequest, Requester
from livebase.signals import bus_entry
from livebase.signals.presales import ORDERS_PER_ENTRY, PresaleLate, PresaleNotice, PresaleShort, PresoldOrder
from livebase.stores.presale_items import PresaleState
from livebase.stores.presales import PresaleBook
from livebase.stores.purchase_orders import OPEN, PurchaseOrderItem, PurchaseOrderStore, outstanding

SHORT_REASON = "presale-short-delivered"
MAX_ATTEMPTS = 8


class PresaleRefused(ValueError):
    """A presale that cannot be opened as asked; the message says why (units, PO, what waits)."""


@dataclass(frozen=True)
class PresaleOpened:
    sku: str
    po_id: str
    cap: int
    left: int  # still sellable
    waiting: int  # sold and waiting for the goods
    expected_arrival: str
    unpromised: int  # units of the PO's outstanding no presale promises after this one

    def line(self) -> str:
        return (
            f"presale of {self.sku} on {self.po_id}: cap {self.cap} ({self.waiting} sold, {self.left} left), "
            f"goods expected {self.expected_arrival}; {self.unpromised} of the PO's units still unpromised"
        )


def _choose(
    inbound: Sequence[PurchaseOrderItem], sku: str, cap: int, state: PresaleState, po_id: str | None
) -> PurchaseOrderItem:
    """The PO a presale of ``cap`` units goes on: the one named, the current presale's, or the first to
    arrive whose outstanding units cover the cap."""
    if po_id is not None:
        named = [po for po in inbound if po["po_id"] == po_id]
        if not named:
            raise PresaleRefused(f"{po_id} is not an open purchase order with units of {sku} still to come")
        return named[0]
    current = [po for po in inbound if po["po_id"] == state.po_id]
    if current and state.promised > 0:
        return current[0]
    covering = [po for po in inbound if outstanding(po, sku) >= cap]
    if covering:
        return covering[0]
    if not inbound:
        raise PresaleRefused(f"no open purchase order brings {sku}: nothing to presell")
    best = max(inbound, key=lambda po: outstanding(po, sku))
    raise PresaleRefused(
        f"cap {cap} of {sku} exceeds every open PO's unpromised units (at most {outstanding(best, sku)}, on "
        f"{best['po_id']} due {best['expected_arrival']})"
    )


def open_presale(
    book: PresaleBook,
    purchase_orders: PurchaseOrderStore,
    market: str,
    warehouse: str,
    sku: str,
    cap: int,
    po_id: str | None = None,
) -> PresaleOpened:
    """Open (or re-cap) the presale of ``sku``; raises :class:`PresaleRefused` with the reason.

    The write is conditional on the presale as read; a receipt booked on the PO meanwhile is seen
    either by the receipt's own settling (it reads the presale after booking the PO) or here (the PO
    is read again after the write and the cap checked against it), so a cap never outlives the units
    it promises.
    """
    if cap < 0:
        raise PresaleRefused(f"cap {cap}: a presale cap is a number of units, 0 or more")
    for _ in range(MAX_ATTEMPTS):
        state = book.state(sku, warehouse)
        if state is None:
            raise PresaleRefused(f"{sku} is not tracked in {warehouse}")
        po = _choose(purchase_orders.inbound(market, sku), sku, cap, state, po_id)
        if state.po_id not in (None, po["po_id"]) and state.waiting > 0:
            raise PresaleRefused(
                f"{sku} is presold on {state.po_id} ({state.waiting} units waiting for its goods): one presale per "
                "SKU; raise that one's cap or wait for its goods"
            )
        unpromised = outstanding(po, sku)  # one presale per SKU: this one is the only promise on the PO
        if cap > unpromised:
            raise PresaleRefused(
                f"cap {cap} of {sku} exceeds the {unpromised} units {po['po_id']} still has to deliver "
                f"(due {po['expected_arrival']}) that no presale promised yet"
            )
        if cap < state.waiting:
            raise PresaleRefused(f"cap {cap} is below the {state.waiting} units of {sku} already presold")
        if not book.set_presale(state, cap, po["po_id"], po["expected_arrival"]):
            continue
        fresh = purchase_orders.get(po["po_id"])
        if fresh is not None and fresh.get("version", 0) != po.get("version", 0):
            settle_presale(book, sku, warehouse, fresh)  # a receipt came meanwhile: keep within what is left
        opened = book.state(sku, warehouse)
        assert opened is not None
        return PresaleOpened(sku, po["po_id"], opened.cap, opened.left, opened.waiting, po["expected_arrival"],
                             max(0, outstanding(fresh or po, sku) - opened.promised))  # fmt: skip
    raise TransientError(f"presale of {sku}: the stock item kept changing under this writer")


def settle_presale(book: PresaleBook, sku: str, warehouse: str, po: PurchaseOrderItem) -> PresaleState | None:
    """Keep the SKU's presale on ``po`` within what the PO still has to deliver: what is left to sell
    is lowered so that sold + left <= outstanding (nothing, once the PO is closed)."""
    for _ in range(MAX_ATTEMPTS):
        state = book.state(sku, warehouse)
        if state is None or state.po_id != po["po_id"]:
            return state
        left = max(0, min(state.left, outstanding(po, sku) - state.waiting))
        if left == state.left or book.close_sales(state, left):
            return book.state(sku, warehouse)
    raise TransientError(f"presale of {sku}: the stock item kept changing under this writer")


def _parts(orders: Sequence[tuple[str, int]]) -> list[tuple[PresoldOrder, ...]]:
    refs = [PresoldOrder(order_id=order_id, units=units) for order_id, units in orders]
    return [tuple(refs[i : i + ORDERS_PER_ENTRY]) for i in range(0, len(refs), ORDERS_PER_ENTRY)] or [()]


def settle_after_receipt(
    book: PresaleBook, po: PurchaseOrderItem, warehouse: str, receipt_keys: Callable[[str], list[str]]
) -> list[PresaleShort]:
    """After a receipt on ``po`` (as it stands now): each of its SKUs' presale kept within what is
    still to come; when the PO is closed and presold orders still wait, they are cancelled (short).

    ``receipt_keys(sku)``: the keys of the PO's receipt lines of a SKU (which orders they served).
    Returns the ``presale.short`` signals to put (again, on a redelivery, until remembered as put).
    """
    shorts: list[PresaleShort] = []
    for sku in dict.fromkeys(line["sku"] for line in po["lines"]):
        state = settle_presale(book, sku, warehouse, po)
        if state is None or state.po_id != po["po_id"] or po["status"] == OPEN:
            continue
        key = StockKey(sku, warehouse)
        for _ in range(MAX_ATTEMPTS):  # cancel every order the delivered units could not serve
            waiting = book.waiting_orders(key)
            if not waiting:
                break
            for order in waiting:
                book.release_short(order, key, po["po_id"], SHORT_REASON)
        state = book.state(sku, warehouse)
        if state is None or state.short_announced == po["po_id"]:
            continue
        cancelled = book.released_short(key, po["po_id"])
        if not cancelled:
            continue
        gone = {order_id for order_id, _ in cancelled}
        kept_units: dict[str, int] = {}
        for order_id, units in book.served_by(receipt_keys(sku)):
            if order_id not in gone:
                kept_units[order_id] = kept_units.get(order_id, 0) + units
        kept = list(kept_units.items())
        units = sum(units for _, units in cancelled)
        parts = _parts(cancelled)
        kept_parts = _parts(kept)
        for index, orders in enumerate(parts, start=1):
            shorts.append(PresaleShort(
                market=po["market"], sku=sku, warehouse=warehouse, po_id=po["po_id"],
                expected_arrival=po["expected_arrival"], orders=orders, units=units, part=index, parts=len(parts),
                kept=kept_parts[index - 1] if index <= len(kept_parts) else (),
            ))  # fmt: skip
    return shorts


def _remember(book: PresaleBook, key: StockKey, attribute: str, value: str) -> None:
    """Mark an announcement as put on the item (re-read when the item changed meanwhile)."""
    for _ in range(MAX_ATTEMPTS):
        state = book.state(key.sku, key.warehouse)
        if state is None or getattr(state, attribute.removeprefix("presale_")) == value:
            return
        if book.mark(state, attribute, value):
            return


def remember_short(book: PresaleBook, shorts: Sequence[PresaleShort]) -> None:
    """After the ``presale.short`` signals are put: do not put them again."""
    for sku, warehouse, po_id in dict.fromkeys((s.sku, s.warehouse, s.po_id) for s in shorts):
        _remember(book, StockKey(sku, warehouse), "presale_short_announced", po_id)


def cancel_requests(short: PresaleShort, at: datetime) -> list[CancelRequest]:
    """The lifecycle cancels of a ``presale.short``'s orders: by Livebase, with the reason (stock is
    already released; the lifecycle refunds what was paid)."""
    return [
        CancelRequest(
            message_id=f"pshort-{hashlib.sha256(f'{short.po_id}:{order.order_id}'.encode()).hexdigest()[:32]}",
            order_id=order.order_id,
            at=at,
            requested_by=Requester(kind="livebase"),
            reason=SHORT_REASON,
        )
        for order in short.orders
    ]


def late_presales(
    book: PresaleBook, market: str, warehouse: str, today: date
) -> list[tuple[PresaleState, PresaleLate]]:
    """Presales past their expected arrival with buyers waiting, not yet announced for that date."""
    found = []
    for state in book.waiting_presales(warehouse):
        if not state.expected_arrival or state.late_announced == state.expected_arrival:
            continue
        due = date.fromisoformat(state.expected_arrival[:10])
        if due >= today:
            continue
        waiting = [(o.order_id, o.presale) for o in book.waiting_orders(state.key)]
        parts = _parts(waiting)
        for index, orders in enumerate(parts, start=1):
            found.append((state, PresaleLate(
                market=market, sku=state.key.sku, warehouse=warehouse, po_id=state.po_id or "",
                expected_arrival=state.expected_arrival, orders=orders, units=sum(u for _, u in waiting),
                part=index, parts=len(parts), days_late=(today - due).days,
            )))  # fmt: skip
    return found


def announce_late(
    book: PresaleBook,
    market: str,
    warehouse: str,
    bus_name: str,
    put_events: Callable[[Sequence[dict[str, object]]], object],
    today: date,
) -> list[PresaleLate]:
    """Put a ``presale.late`` for each late presale (once per expected arrival: put, then remembered)."""
    late = late_presales(book, market, warehouse, today)
    if late:
        put_events([bus_entry(signal, bus_name) for _, signal in late])
    for key, expected_arrival in dict.fromkeys((state.key, signal.expected_arrival) for state, signal in late):
        _remember(book, key, "presale_late_announced", expected_arrival)
    return [signal for _, signal in late]


def notice_entries(signals: Sequence[PresaleNotice], bus_name: str) -> list[dict[str, object]]:
    return [bus_entry(signal, bus_name) for signal in signals]

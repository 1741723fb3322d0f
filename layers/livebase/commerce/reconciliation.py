"""Nightly stock reconciliation: does each SKU's stock agree with its books, and which orders say why not.

Per SKU in one warehouse, three identities between the stock item and the records behind it:

- **on hand** (``available + reserved``) = opening + receipts - pooled - shipped + restocked, where
  opening and receipts are the goods-receipt records (opening stock is booked as receipts named
  ``opening-…``), pooled what a receipt still holds for presold buyers before it is placed
  (``livebase.stores.presales``), shipped the units of orders whose state says they left, restocked
  the returned units the warehouse received as sellable (the orders' states);
- **reserved** = the spot units the order's reservations still hold;
- **presale reserved** = the presale units they still hold (presold orders whose goods are not here).

An order explains a drift when its own books disagree: its state says it holds units (placed, not
cancelled, not shipped) and its reservation holds another number, or its stock records restocked
other units than its state says. Every stock change is one transaction with its record, and the
order's state is written after the stock effect, so the usual cause is a crash between the two,
left until the message is delivered again; a drift no order explains is a change outside the books.

Pure: the flow reads the table items and hands them here. What comes out names SKUs and order ids,
never a buyer (an order's viewer is not read).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from livebase.commerce.inventory.model import StockItem
from livebase.commerce.order_state import OrderState

OPENING_RECEIPT = "opening-"  # receipt ids of opening stock (livebase_local.simulator.stock.seed_stock)
ORDERS_NAMED = 20  # order ids named per drifting SKU; the rest are counted


@dataclass(frozen=True)
class Receipt:
    """Units a goods-receipt record added to spot stock."""

    receipt_id: str
    sku: str
    quantity: int
    pooled: int = 0  # still held on the receipt for presold orders: here, but not yet in stock

    @property
    def opening(self) -> bool:
        return self.receipt_id.startswith(OPENING_RECEIPT)


@dataclass(frozen=True)
class Holding:
    """What the stock records hold for one order and SKU: its open reservation and, where kept, its restocks."""

    order_id: str
    sku: str
    spot: int = 0  # reserved on-hand units still held (not released, not consumed)
    presale: int = 0  # units reserved against the presale cap, still held
    restocked: int = 0  # returned units its restock records put back on the shelf

    @property
    def held(self) -> int:
        return self.spot + self.presale


@dataclass(frozen=True)
class Explanation:
    """One order whose books disagree on a SKU, and how (units and states, no buyer)."""

    order_id: str
    sku: str
    reason: str


@dataclass(frozen=True)
class SkuBooks:
    """One SKU: the stock item's figures, the books', and the orders that explain a difference."""

    sku: str
    on_hand: int
    reserved: int
    presale_reserved: int
    opening: int = 0
    receipts: int = 0
    pooled: int = 0
    shipped: int = 0
    restocked: int = 0
    open_reserved: int = 0
    open_presale: int = 0
    tracked: bool = True  # False: the books name the SKU but the warehouse has no stock item for it
    explanations: tuple[Explanation, ...] = ()
    in_motion: bool = False  # drifted in one of two reads only: a move between the reads, not drift

    @property
    def expected_on_hand(self) -> int:
        return self.opening + self.receipts - self.pooled - self.shipped + self.restocked

    @property
    def on_hand_drift(self) -> int:
        """Units on the shelf beyond the books (negative: short)."""
        return self.on_hand - self.expected_on_hand

    @property
    def reserved_drift(self) -> int:
        return self.reserved - self.open_reserved

    @property
    def presale_drift(self) -> int:
        return self.presale_reserved - self.open_presale

    @property
    def off(self) -> bool:
        """The figures of this read disagree (confirmed or not)."""
        return not self.tracked or any((self.on_hand_drift, self.reserved_drift, self.presale_drift))

    @property
    def drifts(self) -> bool:
        return self.off and not self.in_motion

    @property
    def order_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.order_id for e in self.explanations))

    def row(self) -> dict[str, Any]:
        """The SKU as the table artifact shows it: the verdict first, then the figures of each identity."""
        return {
            "verdict": "drift" if self.drifts else "in motion" if self.in_motion else "reconciles", "sku": self.sku,
            "on_hand": self.on_hand, "books_on_hand": self.expected_on_hand, "on_hand_drift": self.on_hand_drift,
            "opening": self.opening, "receipts": self.receipts, "pooled": self.pooled, "shipped": self.shipped,
            "restocked": self.restocked,
            "reserved": self.reserved, "open_reservations": self.open_reserved, "reserved_drift": self.reserved_drift,
            "presale_reserved": self.presale_reserved, "presold_open": self.open_presale,
            "presale_drift": self.presale_drift, "orders_explaining": len(self.order_ids),
        }  # fmt: skip

    def said(self) -> str:
        """The drift in words, each identity that fails with its terms."""
        if not self.tracked:
            return "no stock item in the warehouse, yet the books move it"
        parts = []
        pooled = f" − pooled {self.pooled}" if self.pooled else ""
        if self.on_hand_drift:
            parts.append(
                f"on hand {self.on_hand}, books {self.expected_on_hand} (opening {self.opening} + receipts "
                f"{self.receipts}{pooled} − shipped {self.shipped} + restocked {self.restocked}): "
                f"{_units(self.on_hand_drift)}"
            )
        if self.reserved_drift:
            parts.append(
                f"reserved {self.reserved}, open reservations hold {self.open_reserved}: {_units(self.reserved_drift)}"
            )
        if self.presale_drift:
            parts.append(
                f"presale reserved {self.presale_reserved}, presold open orders hold {self.open_presale}: "
                f"{_units(self.presale_drift)}"
            )
        return "; ".join(parts)


def _units(drift: int) -> str:
    return f"{drift} over" if drift > 0 else f"{-drift} short"


@dataclass(frozen=True)
class Reconciliation:
    """Every SKU of one warehouse checked; the drifting ones first."""

    market: str
    warehouse: str
    skus: tuple[SkuBooks, ...]
    orders_read: int = 0
    unexplained_orders: tuple[Explanation, ...] = field(default=())  # disagreeing orders on SKUs that reconcile

    @property
    def drifting(self) -> tuple[SkuBooks, ...]:
        return tuple(s for s in self.skus if s.drifts)

    @property
    def decision(self) -> str:
        """What ops read first: ``N SKUs drift`` or ``stock reconciles``."""
        count = len(self.drifting)
        if not count:
            return "stock reconciles"
        return f"{count} SKU drifts" if count == 1 else f"{count} SKUs drift"

    def rows(self) -> list[dict[str, Any]]:
        return [s.row() for s in self.skus]

    def markdown(self, orders_named: int = ORDERS_NAMED) -> str:
        """The decision, then per drifting SKU what fails and the orders that explain it (ids only)."""
        lines = [
            f"## {self.market} ({self.warehouse}): {self.decision}",
            "",
            f"{len(self.skus)} SKUs checked against {self.orders_read} orders: on hand = opening + receipts − "
            "pooled − shipped + restocked; reserved = open reservations; presale reserved = presold open orders.",
        ]
        for books in self.drifting:
            lines += ["", f"### {books.sku}: {books.said()}"]
            if not books.explanations:
                lines.append("- no order's books disagree: a change outside the books (a table edit, or a move "
                             "without its record)")  # fmt: skip
            for explanation in books.explanations[:orders_named]:
                lines.append(f"- `{explanation.order_id}`: {explanation.reason}")
            if len(books.explanations) > orders_named:
                lines.append(f"- and {len(books.explanations) - orders_named} more")
        moving = [b.sku for b in self.skus if b.in_motion]
        if moving:
            lines += ["", f"In motion between the two reads (not drift): {', '.join(moving[:orders_named])}"
                      + (f" and {len(moving) - orders_named} more" if len(moving) > orders_named else "")]  # fmt: skip
        if self.unexplained_orders:
            lines += ["", f"{len(self.unexplained_orders)} order line(s) disagree with their stock records on SKUs "
                      "whose totals still reconcile (drifts that cancel out):"]  # fmt: skip
            lines += [f"- `{e.order_id}` {e.sku}: {e.reason}" for e in self.unexplained_orders[:orders_named]]
        return "\n".join(lines) + "\n"


Figure = Literal["opening", "receipts", "pooled", "shipped", "restocked", "open_reserved", "open_presale"]


@dataclass
class _Tally:
    """A SKU's books while they are added up: each figure under the name of the :class:`SkuBooks` field it fills."""

    figures: Counter[Figure] = field(default_factory=Counter)
    explanations: list[Explanation] = field(default_factory=list)


def reconcile(
    market: str,
    warehouse: str,
    stock: Mapping[str, StockItem],
    receipts: Iterable[Receipt],
    holdings: Iterable[Holding],
    orders: Iterable[OrderState],
) -> Reconciliation:
    """Check every SKU of ``warehouse`` (``stock`` by SKU) against its receipts, reservations and order states."""
    tallies: dict[str, _Tally] = {sku: _Tally() for sku in stock}
    for receipt in receipts:
        tally = tallies.setdefault(receipt.sku, _Tally())
        if receipt.opening:
            tally.figures["opening"] += receipt.quantity
        else:
            tally.figures["receipts"] += receipt.quantity
        tally.figures["pooled"] += receipt.pooled
    held: dict[tuple[str, str], Holding] = {}
    for holding in holdings:
        tally = tallies.setdefault(holding.sku, _Tally())
        tally.figures["open_reserved"] += holding.spot
        tally.figures["open_presale"] += holding.presale
        held[(holding.order_id, holding.sku)] = _merged(held.get((holding.order_id, holding.sku)), holding)
    states = list(orders)
    for state in states:
        for line in state.lines:
            if state.rejected and (state.order_id, line.sku) not in held:
                continue  # refused at placement: nothing was reserved, shipped or returned
            tally = tallies.setdefault(line.sku, _Tally())
            if state.shipped and not state.cancelled and not state.rejected:
                tally.figures["shipped"] += line.quantity
            tally.figures["restocked"] += line.restocked
            reason = _disagreement(
                state, line.sku, line.quantity, line.restocked, held.pop((state.order_id, line.sku), None)
            )
            if reason:
                tally.explanations.append(Explanation(state.order_id, line.sku, reason))
    for (order_id, sku), holding in held.items():  # records of orders without a state (or not of this SKU)
        said = [f"its reservation holds {holding.held}"] if holding.held else []
        said += [f"its stock records restocked {holding.restocked}"] if holding.restocked else []
        if said:
            reason = f"{' and '.join(said)}, but no order state has this SKU"
            tallies[sku].explanations.append(Explanation(order_id, sku, reason))
    books = tuple(_books(sku, stock.get(sku), tally) for sku, tally in sorted(tallies.items()))
    ranked = tuple(sorted(books, key=_rank))
    cancelling = tuple(e for b in ranked if not b.drifts for e in b.explanations)
    return Reconciliation(market, warehouse, ranked, len(states), cancelling)


def confirmed(first: Reconciliation, second: Reconciliation) -> Reconciliation:
    """The second read, with a SKU that is off in only one of the two reads marked in motion, not drift."""
    off_before = {b.sku for b in first.skus if b.off}
    skus = tuple(b if b.off == (b.sku in off_before) else replace(b, in_motion=True) for b in second.skus)
    seen = {b.sku for b in second.skus}
    skus += tuple(replace(b, in_motion=True) for b in first.skus if b.off and b.sku not in seen)
    return replace(second, skus=tuple(sorted(skus, key=_rank)))


def _rank(books: SkuBooks) -> tuple[bool, int, str]:
    return (not books.drifts, -abs(books.on_hand_drift) - abs(books.reserved_drift), books.sku)


def _merged(first: Holding | None, more: Holding) -> Holding:
    """An order's records of one SKU added up (a reservation and a later restock record, say)."""
    if first is None:
        return more
    spot, presale, restocked = first.spot + more.spot, first.presale + more.presale, first.restocked + more.restocked
    return Holding(more.order_id, more.sku, spot, presale, restocked)


def _disagreement(state: OrderState, sku: str, quantity: int, restocked: int, holding: Holding | None) -> str:
    """How the order's state and its stock records disagree on ``sku`` (empty when they agree)."""
    status = state.status.value
    should_hold = 0 if state.rejected or state.cancelled or state.shipped else quantity
    holds = 0 if holding is None else holding.held
    reasons = []
    if holds != should_hold:
        if should_hold:
            reasons.append(f"{status}, so its {quantity} unit(s) should be reserved; its reservation holds {holds}")
        else:
            reasons.append(f"{status}, so nothing should be reserved; its reservation still holds {holds}")
    records_restocked = 0 if holding is None else holding.restocked
    if records_restocked != restocked:
        reasons.append(f"its state restocked {restocked} unit(s), its stock records {records_restocked}")
    return "; ".join(reasons)


def _books(sku: str, item: StockItem | None, tally: _Tally) -> SkuBooks:
    books = SkuBooks(
        sku=sku,
        on_hand=0 if item is None else item.on_hand,
        reserved=0 if item is None else item.reserved,
        presale_reserved=0 if item is None else item.presale_reserved,
        tracked=item is not None,
        explanations=tuple(tally.explanations),
    )
    figures: dict[str, Any] = {name: units for name, units in tally.figures.items()}  # Any: only some fields
    return replace(books, **figures)

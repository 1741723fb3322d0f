"""An order's transactions, computed from Livebase's own order record, never from a message.

The consumer reads the order (:class:`OrderFacts`) and what the ledger already posted for it
(:class:`Posted`) and posts the difference: whichever event arrives, late, twice or out of order,
the ledger catches up with the record, and each transaction's id is its business event's key
(``accepted:<order>``, ``shipped:<order>``, ``returned:<order>:<message>``,
``refunded:<order>:<refunded to>``, ``session-fee:<session>``, ``po-received:<receipt>``), so the
store writes each once.

- **accepted**: the buyers' money (landed: net + tax + duty) is split into tax and duty payable to
  the authority of the order's tax rule, the base's commission and the brand's payable (the
  remainder, which takes the rounding); the host's share and the payment provider's fee are the
  base's costs (seed §4.1), owed to the host of the session and the provider.
- **session fee**: the host's fixed fee, once per session that sold.
- **shipped**: outbound logistics; **returned**: one return parcel per return received.
- **refunded**: the acceptance reversed in the share refunded so far (refunded / paid), payment fee
  and fixed fee excepted. Cumulative: the reversal at share *F* is each part of the acceptance times
  *F*, rounded; a refund posts reversal(*F* now) - reversal(*F* posted), so refunding everything
  reverses every part exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from livebase.commerce.order_state import OrderState, Outcome
from livebase.settlement import accounts as acc
from livebase.settlement.accounts import Account, Kind, Transaction
from livebase.settlement.fees import FeeSchedule
from livebase.settlement.money import ZERO, share, to_minor

RETURN_RECEIVED = "return_received:"  # the message key prefix of a warehouse's received return
NO_TAX_RULE = "none"  # the authority of an order without a tax rule (no tax or duty was charged)


@dataclass(frozen=True)
class OrderFacts:
    """What the ledger needs of one order, from the order record and its lifecycle state."""

    order_id: str
    market: str
    currency: str
    session_id: str
    net: Decimal  # before tax and duty
    tax: Decimal
    duty: Decimal
    gross: Decimal  # landed: what the buyer paid
    authority: str  # the tax rule that decided tax and duty
    paid: Decimal  # the lines' value, which refunds are measured against
    refunded: Decimal
    accepted: bool
    shipped: bool
    returns: tuple[str, ...] = ()  # the applied received-return messages (their keys)

    @property
    def refunded_share(self) -> Decimal:
        return min(Decimal(1), self.refunded / self.paid) if self.paid > 0 else ZERO


def _decimal(record: Any, name: str) -> Decimal | None:
    value = getattr(record, name, None)
    return None if value in (None, "") else Decimal(str(value))


def facts_of(record: Any, state: OrderState) -> OrderFacts:
    """The facts of a stored order: ``net_total``, ``tax_total``, ``duty_total``, ``landed_total`` and
    ``tax_rule`` where the record carries them (no tax and duty where it does not: the total is net)."""
    currency = state.currency
    net = to_minor(_decimal(record, "net_total") or Decimal(str(record.total)), currency)
    tax = to_minor(_decimal(record, "tax_total") or ZERO, currency)
    duty = to_minor(_decimal(record, "duty_total") or ZERO, currency)
    gross = to_minor(_decimal(record, "landed_total") or net + tax + duty, currency)
    returns = tuple(
        d.key for d in state.decisions if d.outcome is Outcome.APPLIED and d.key.startswith(RETURN_RECEIVED)
    )
    return OrderFacts(
        order_id=state.order_id, market=state.market, currency=currency, session_id=state.session_id,
        net=net, tax=tax, duty=duty, gross=gross, authority=str(getattr(record, "tax_rule", None) or NO_TAX_RULE),
        paid=state.paid, refunded=state.refunded, accepted=not state.rejected, shipped=state.shipped,
        returns=returns,
    )  # fmt: skip


@dataclass(frozen=True)
class Posted:
    """What the ledger posted for one order so far (the store's head item of the order)."""

    keys: frozenset[str] = frozenset()
    refunded_to: Decimal = ZERO  # the order's refunded amount the last refund posting caught up with
    version: int = 0


@dataclass(frozen=True)
class CatchUp:
    """The order's transactions the ledger lacks, and its head once they are written."""

    transactions: tuple[Transaction, ...]
    posted: Posted


@dataclass(frozen=True)
class Split:
    """The acceptance's parts (each rounded once); the brand's payable takes the remainder."""

    gross: Decimal
    tax: Decimal
    duty: Decimal
    commission: Decimal
    host_share: Decimal
    payment_fee: Decimal = field(default=ZERO)

    @property
    def brand(self) -> Decimal:
        return self.gross - self.tax - self.duty - self.commission


def split(facts: OrderFacts, fees: FeeSchedule) -> Split:
    c = facts.currency
    return Split(
        gross=facts.gross, tax=facts.tax, duty=facts.duty,
        commission=share(facts.net, fees.commission_rate.value, c),
        host_share=share(facts.net, fees.host_share_rate.value, c),
        payment_fee=share(facts.gross, fees.payment_rate.value, c) + to_minor(fees.payment_fixed_per_order.value, c),
    )  # fmt: skip


def reversed_part(whole: Split, refunded_share: Decimal, currency: str) -> Split:
    """What a refund of ``refunded_share`` of the order gives back, part by part (no payment fee)."""
    gross, tax, duty, commission, host = (to_minor(v * refunded_share, currency) for v in _values(whole))
    return Split(gross, tax, duty, commission, host)


def _sale(facts: OrderFacts, parts: Split, sign: int) -> tuple[tuple[Account, Decimal], ...]:
    """The sale's entries for ``parts`` (sign 1: accepted; -1: given back)."""
    host = acc.host_payable(facts.session_id)
    return (
        (acc.CLEARING, sign * parts.gross),
        (acc.tax_payable(facts.authority), -sign * parts.tax),
        (acc.duty_payable(facts.authority), -sign * parts.duty),
        (acc.COMMISSION, -sign * parts.commission),
        (acc.BRAND_PAYABLE, -sign * parts.brand),
        (acc.HOST_FEES, sign * parts.host_share),
        (host, -sign * parts.host_share),
    )


def order_catch_up(facts: OrderFacts, fees: FeeSchedule, posted: Posted, booked_at: datetime) -> CatchUp:
    """The order's transactions the ledger does not hold yet, and its head after them."""
    c = facts.currency
    found: list[Transaction] = []
    keys = set(posted.keys)

    def post(txn_id: str, kind: Kind, *pairs: tuple[Account, Decimal]) -> None:
        if txn_id in keys:
            return
        found.append(Transaction(txn_id, kind, facts.market, c, booked_at, acc.entries(*pairs), facts.order_id))
        keys.add(txn_id)

    if not facts.accepted:
        return CatchUp((), posted)
    whole = split(facts, fees)
    fee = whole.payment_fee
    post(f"accepted:{facts.order_id}", Kind.ACCEPTED, *_sale(facts, whole, 1),
         (acc.PAYMENT_FEES, fee), (acc.PAYMENTS_PAYABLE, -fee))  # fmt: skip
    if facts.shipped:
        outbound = share(facts.net, fees.logistics_rate.value, c)
        post(f"shipped:{facts.order_id}", Kind.SHIPPED,
             (acc.LOGISTICS_COSTS, outbound), (acc.LOGISTICS_PAYABLE, -outbound))  # fmt: skip
    parcel = to_minor(fees.return_logistics_per_return.value, c)
    for key in facts.returns:
        post(f"returned:{facts.order_id}:{key}", Kind.RETURNED,
             (acc.LOGISTICS_COSTS, parcel), (acc.LOGISTICS_PAYABLE, -parcel))  # fmt: skip
    refunded_to = posted.refunded_to
    if facts.refunded != posted.refunded_to and facts.paid > 0:
        before = reversed_part(whole, min(Decimal(1), posted.refunded_to / facts.paid), c)
        now = reversed_part(whole, facts.refunded_share, c)
        delta = Split(*(n - b for n, b in zip(_values(now), _values(before), strict=True)))
        post(f"refunded:{facts.order_id}:{facts.refunded}", Kind.REFUNDED, *_sale(facts, delta, -1))
        refunded_to = facts.refunded
    after = Posted(frozenset(keys), refunded_to, posted.version + 1)
    return CatchUp(tuple(found), after if found or refunded_to != posted.refunded_to else posted)


def _values(parts: Split) -> tuple[Decimal, ...]:
    return (parts.gross, parts.tax, parts.duty, parts.commission, parts.host_share)


def session_fee(facts: OrderFacts, fees: FeeSchedule, booked_at: datetime) -> Transaction:
    """The host's fixed fee of the order's session (posted once per session that sold)."""
    fixed = to_minor(fees.host_fixed_per_session.value, facts.currency)
    pairs = ((acc.HOST_FEES, fixed), (acc.host_payable(facts.session_id), -fixed))
    return Transaction(session_fee_id(facts.session_id), Kind.SESSION_FEE, facts.market, facts.currency, booked_at,
                       acc.entries(*pairs))  # fmt: skip


def session_fee_id(session_id: str) -> str:
    return f"session-fee:{session_id}"


def po_received(
    receipt_id: str, supplier: str, market: str, currency: str, cost: Decimal, booked_at: datetime
) -> Transaction:
    """Stock the base bought, delivered: it owes the supplier the PO's cost of what came in."""
    amount = to_minor(cost, currency)
    pairs = ((acc.INVENTORY, amount), (acc.supplier_payable(supplier), -amount))
    return Transaction(f"po-received:{receipt_id}", Kind.PO_RECEIVED, market, currency, booked_at, acc.entries(*pairs))


def accepted_sessions(transactions: Iterable[Transaction]) -> set[str]:
    """Sessions whose fixed fee is posted."""
    return {t.txn_id.removeprefix("session-fee:") for t in transactions if t.kind is Kind.SESSION_FEE}

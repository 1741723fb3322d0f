"""Does the ledger agree with the orders? Each party's balance recomputed from the order records alone.

The ledger is built event by event (a delta per event, posted once); this recomputes what every
party should hold from the orders' final state in one pass (no events, no deltas): the buyers'
money kept, tax and duty per authority, the base's commission, each session's host fees, the
payment provider's fees, logistics for each shipment and return, the brands' remainder. An event
lost, posted twice or priced from anything but the record shows up as a difference.
Stock bought on POs (the base's inventory and its suppliers) is outside: no order says it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from livebase.settlement import accounts as acc
from livebase.settlement.accounts import Account, Party
from livebase.settlement.fees import FeeSchedule
from livebase.settlement.money import ZERO, share, to_minor
from livebase.settlement.postings import OrderFacts

OUTSIDE_ORDERS = (acc.INVENTORY.key, Party.SUPPLIER.value + ":")


def expected_balances(orders: Iterable[OrderFacts], fees: FeeSchedule) -> dict[str, Decimal]:
    """Every account's balance the orders call for (debits positive), by account key."""
    totals: dict[str, Decimal] = {}

    def add(account: Account, amount: Decimal) -> None:
        totals[account.key] = totals.get(account.key, ZERO) + amount

    sessions: set[str] = set()
    for order in orders:
        if not order.accepted:
            continue
        c = order.currency

        def kept_of(amount: Decimal, currency: str = c, refunded: Decimal = order.refunded_share) -> Decimal:
            return amount - to_minor(amount * refunded, currency)

        sessions.add(order.session_id)
        commission = share(order.net, fees.commission_rate.value, c)
        host = share(order.net, fees.host_share_rate.value, c)
        paid_in, tax, duty, kept_commission = (kept_of(v) for v in (order.gross, order.tax, order.duty, commission))
        add(acc.CLEARING, paid_in)
        add(acc.tax_payable(order.authority), -tax)
        add(acc.duty_payable(order.authority), -duty)
        add(acc.COMMISSION, -kept_commission)
        add(acc.BRAND_PAYABLE, -(paid_in - tax - duty - kept_commission))
        add(acc.HOST_FEES, kept_of(host))
        add(acc.host_payable(order.session_id), -kept_of(host))
        fee = share(order.gross, fees.payment_rate.value, c) + to_minor(fees.payment_fixed_per_order.value, c)
        add(acc.PAYMENT_FEES, fee)
        add(acc.PAYMENTS_PAYABLE, -fee)
        logistics = share(order.net, fees.logistics_rate.value, c) if order.shipped else ZERO
        logistics += to_minor(fees.return_logistics_per_return.value, c) * len(order.returns)
        add(acc.LOGISTICS_COSTS, logistics)
        add(acc.LOGISTICS_PAYABLE, -logistics)
    fixed = to_minor(fees.host_fixed_per_session.value, fees.currency)
    for session in sessions:
        add(acc.HOST_FEES, fixed)
        add(acc.host_payable(session), -fixed)
    return {key: amount for key, amount in totals.items() if amount != 0}


def differences(expected: Mapping[str, Decimal], ledger: Mapping[str, Decimal]) -> list[str]:
    """Accounts where the ledger and the orders disagree (PO stock accounts left out), each said once."""
    keys = {k for k in (*expected, *ledger) if not k.startswith(OUTSIDE_ORDERS)}
    found = []
    for key in sorted(keys):
        want, have = expected.get(key, ZERO), ledger.get(key, ZERO)
        if want != have:
            found.append(f"{key}: ledger {have}, orders {want}")
    return found

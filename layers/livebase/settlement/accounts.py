"""Parties, their accounts and the balanced transactions that move money between them.

An amount on an :class:`Entry` is signed: positive debits the account, negative credits it. A
:class:`Transaction` is one business event (an order accepted, shipped, returned, refunded, a
session's host fee, a PO received) and refuses to exist unless its entries sum to exactly zero.
Accounts name a party, what the account is for, and whose it is within the party (the host of a
session, the tax authority, the supplier); never a buyer: the buyers' money is one clearing account.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from livebase.settlement.money import ZERO


class Party(StrEnum):
    BUYERS = "buyers"  # the payment provider holds the buyers' money for their orders (clearing)
    BASE = "base"  # Livebase's base: its commission, and the costs it carries
    HOST = "host"  # the host / KOL of a session
    BRAND = "brand"  # the brand whose goods are sold: what it is owed
    SUPPLIER = "supplier"  # who delivers stock the base buys on a purchase order
    LOGISTICS = "logistics"  # the carrier / warehouse
    PAYMENTS = "payments"  # the payment provider's fees
    TAX = "tax"  # a tax or customs authority


class Kind(StrEnum):
    ACCEPTED = "accepted"
    SESSION_FEE = "session_fee"
    SHIPPED = "shipped"
    RETURNED = "returned"
    REFUNDED = "refunded"
    PO_RECEIVED = "po_received"


@dataclass(frozen=True, order=True)
class Account:
    party: Party
    name: str  # what the account is for: clearing, commission, payable, tax, duty, host_fees, ...
    holder: str = ""  # whose within the party: a session, an authority, a supplier ("" : the party's own)

    @property
    def key(self) -> str:
        return f"{self.party.value}:{self.name}" + (f":{self.holder}" if self.holder else "")

    @classmethod
    def parse(cls, key: str) -> Account:
        party, name, *holder = key.split(":", 2)
        return cls(Party(party), name, holder[0] if holder else "")


# The base's own accounts (its revenue and the costs it carries; seed §4.1 puts them all on the base).
CLEARING = Account(Party.BUYERS, "clearing")
COMMISSION = Account(Party.BASE, "commission")
HOST_FEES = Account(Party.BASE, "host_fees")
PAYMENT_FEES = Account(Party.BASE, "payment_fees")
LOGISTICS_COSTS = Account(Party.BASE, "logistics")
INVENTORY = Account(Party.BASE, "inventory")
BRAND_PAYABLE = Account(Party.BRAND, "payable")
PAYMENTS_PAYABLE = Account(Party.PAYMENTS, "payable")
LOGISTICS_PAYABLE = Account(Party.LOGISTICS, "payable")


def host_payable(session_id: str) -> Account:
    return Account(Party.HOST, "payable", session_id)


def tax_payable(authority: str) -> Account:
    return Account(Party.TAX, "tax", authority)


def duty_payable(authority: str) -> Account:
    return Account(Party.TAX, "duty", authority)


def supplier_payable(supplier: str) -> Account:
    return Account(Party.SUPPLIER, "payable", supplier)


@dataclass(frozen=True)
class Entry:
    account: Account
    amount: Decimal  # + debit, - credit


class Unbalanced(ValueError):
    """A transaction whose entries do not sum to zero: a bug, never posted."""


@dataclass(frozen=True)
class Transaction:
    """One business event's postings; ``txn_id`` is the event's own key (the store writes it once)."""

    txn_id: str
    kind: Kind
    market: str
    currency: str
    booked_at: datetime
    entries: tuple[Entry, ...]
    order_id: str = ""

    def __post_init__(self) -> None:
        total = sum((e.amount for e in self.entries), ZERO)
        if total != 0:
            raise Unbalanced(f"{self.txn_id}: entries sum to {total}, not 0")

    @property
    def day(self) -> str:
        return self.booked_at.date().isoformat()


def entries(*pairs: tuple[Account, Decimal]) -> tuple[Entry, ...]:
    """Entries from (account, signed amount) pairs; zero amounts and repeats merged away."""
    merged: dict[Account, Decimal] = {}
    for account, amount in pairs:
        merged[account] = merged.get(account, ZERO) + amount
    return tuple(Entry(account, amount) for account, amount in merged.items() if amount != 0)


def balances(transactions: Iterable[Transaction]) -> dict[Account, Decimal]:
    """Each account's balance (debits positive) over ``transactions``."""
    totals: dict[Account, Decimal] = {}
    for transaction in transactions:
        for entry in transaction.entries:
            totals[entry.account] = totals.get(entry.account, ZERO) + entry.amount
    return totals

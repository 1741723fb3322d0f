"""Livebase prices every order line; the client's price is only checked against it.

A line's price is, in order of precedence, a session price valid when the order arrived (a live
price or promotion set for the session by ops, then by the session plan; among several of the
same setter the most recently started, then the lowest), else the SKU's list price in the
market's catalogue (``SkuTerms.list_price``, in the market's currency). A SKU with neither is
refused. A client price that differs is refused or repriced as the market says
(``CommerceRules.price_policy``), with a reason per line; the order's total is always Livebase's.

``at`` is when Livebase received the order (the record's arrival), never the client's ``ts``: a
client cannot date an order back into an ended promotion.

Prices are net of tax. A book with the market's tax table (``livebase.tax``) also decides the order's
tax, duty and landed total by its destination country (absent: the market's home) and the SKUs' HS
codes (the catalogue's ``hs_code``, else the table's code for the SKU's category); a destination or
line the table cannot decide refuses the order with the table's reason (``PricingDecision.tax``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from livebase.live.events import NameId, OrderPlaced, Sku, UtcTimestamp
from livebase.markets.commerce_rules import PricePolicy
from livebase.tax import TaxableLine, TaxQuote, TaxTable, quote_order

if TYPE_CHECKING:
    from livebase.replenishment.catalogue import Catalogue

PriceSource = Literal["list_price", "live_price", "promotion"]
SetBy = Literal["catalogue", "plan", "ops"]
_SETTER_RANK: Mapping[str, int] = {"ops": 0, "plan": 1}  # ops' later, human decision wins over the plan's


class SessionPrice(BaseModel):
    """A price for one SKU in one session, valid from ``valid_from`` until (not including) ``valid_until``."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    sku: Sku
    session_id: NameId
    price: Annotated[Decimal, Field(gt=0, le=10**9, max_digits=14, decimal_places=4)]
    kind: Literal["live_price", "promotion"]
    set_by: Literal["plan", "ops"]
    valid_from: UtcTimestamp
    valid_until: UtcTimestamp

    @model_validator(mode="after")
    def _window(self) -> SessionPrice:
        if self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        return self

    def valid_at(self, at: datetime) -> bool:
        return self.valid_from <= at < self.valid_until


@dataclass(frozen=True)
class Quote:
    """Livebase's unit price for a line and where it came from."""

    unit_price: Decimal
    source: PriceSource
    set_by: SetBy

    def describe(self) -> str:
        if self.source == "list_price":
            return "the list price"
        return f"the session's {self.source.replace('_', ' ')} (set by {self.set_by})"


@dataclass(frozen=True)
class PriceBook:
    """One market's prices: the catalogue's list prices and the session prices in force."""

    currency: str
    list_prices: Mapping[str, Decimal]
    session_prices: tuple[SessionPrice, ...] = ()
    tax: TaxTable | None = None  # None: no tax decided (a book built without the market's table)
    hs_codes: Mapping[str, str] = field(default_factory=dict)  # per SKU, from the catalogue (or its category)

    @classmethod
    def from_catalogue(
        cls,
        catalogue: Catalogue,
        currency: str,
        session_prices: Iterable[SessionPrice] = (),
        tax: TaxTable | None = None,
    ) -> PriceBook:
        prices = {terms.sku: terms.list_price for terms in catalogue.skus if terms.list_price is not None}
        codes = {t.sku: t.hs_code or (tax.hs_code(None, t.category) if tax else None) for t in catalogue.skus}
        hs_codes = {sku: code for sku, code in codes.items() if code}
        return cls(currency, prices, tuple(session_prices), tax, hs_codes)

    def quote(self, sku: str, session_id: str, at: datetime) -> Quote | None:
        valid = [p for p in self.session_prices if p.sku == sku and p.session_id == session_id and p.valid_at(at)]
        if valid:
            best = min(valid, key=lambda p: (_SETTER_RANK[p.set_by], -p.valid_from.timestamp(), p.price))
            return Quote(best.price, best.kind, best.set_by)
        listed = self.list_prices.get(sku)
        return None if listed is None else Quote(listed, "list_price", "catalogue")


@dataclass(frozen=True)
class PricedLine:
    index: int  # the line's position in the order as placed
    sku: str
    quantity: int
    client_price: Decimal
    quote: Quote | None
    note: str = ""  # a refusal, or a reprice said to the buyer; empty when the client's price was Livebase's

    @property
    def unit_price(self) -> Decimal | None:
        return None if self.quote is None else self.quote.unit_price

    @property
    def repriced(self) -> bool:
        return self.quote is not None and self.client_price != self.quote.unit_price


@dataclass(frozen=True)
class PricingDecision:
    """Every line priced, and the refusals (empty: the order is accepted at Livebase's prices)."""

    currency: str
    lines: tuple[PricedLine, ...]
    refusals: tuple[str, ...] = field(default=())
    tax: TaxQuote | None = None  # net, tax, duty, landed and the deciding rule (None: the book has no table)

    @property
    def accepted(self) -> bool:
        return not self.refusals

    @property
    def reason(self) -> str:
        return "; ".join(self.refusals)

    @property
    def unit_prices(self) -> dict[str, Decimal]:
        """Livebase's price per SKU (what ``order_state.open_order`` takes)."""
        return {line.sku: line.quote.unit_price for line in self.lines if line.quote is not None}

    @property
    def total(self) -> Decimal:
        """The order's total at Livebase's prices (of the lines that have one)."""
        return sum((line.quote.unit_price * line.quantity for line in self.lines if line.quote), Decimal(0))

    @property
    def notes(self) -> tuple[str, ...]:
        """What changed or was refused, per line."""
        return tuple(line.note for line in self.lines if line.note)


def price_order(order: OrderPlaced, book: PriceBook, policy: PricePolicy, at: datetime) -> PricingDecision:
    """Price every line of ``order`` as received at ``at``; refuse or reprice a differing client price."""
    refusals: list[str] = []
    if order.currency != book.currency:
        refusals.append(f"currency: the order is in {order.currency}; this market sells in {book.currency}")
    lines: list[PricedLine] = []
    for index, line in enumerate(order.lines):
        quote = book.quote(line.sku, order.session_id, at)
        note = ""
        if quote is None:
            note = f"lines[{index}].sku: {line.sku} has no list price and no price for this session"
            refusals.append(note)
        elif line.unit_price != quote.unit_price:
            said = f"lines[{index}].unit_price: {line.unit_price} differs from {quote.describe()} {quote.unit_price}"
            if policy == "refuse":
                note = f"{said}; this market refuses a differing client price"
                refusals.append(note)
            else:
                note = f"{said}; charged {quote.unit_price}"
        lines.append(PricedLine(index, line.sku, line.quantity, line.unit_price, quote, note))
    taxed = None
    if book.tax is not None and not refusals:
        taxable = [
            TaxableLine(p.sku, p.quantity, p.quote.unit_price, book.hs_codes.get(p.sku)) for p in lines if p.quote
        ]
        taxed = quote_order(book.tax, order.destination, taxable, at)
        if not taxed.accepted:
            refusals.append(taxed.refusal)
    return PricingDecision(book.currency, tuple(lines), tuple(refusals), taxed)

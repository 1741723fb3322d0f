"""``presale.late`` / ``presale.short`` (``livebase.inventory``): what a presale's purchase order did to
the buyers who bought ahead of its goods.

- ``presale.late``: the PO is past its expected arrival and presold orders still wait for its goods
  (put once per SKU and expected arrival by ``livebase.replenishment.presales.announce_late``).
- ``presale.short``: the PO closed short (the supplier's last delivery left units outstanding); the
  oldest presold orders kept the units that came (``kept``), the rest were cancelled by Livebase
  (``orders``, reason ``presale-short-delivered``): their stock is released, and each becomes a
  lifecycle ``CancelRequest`` (:func:`livebase.replenishment.presales.cancel_requests`), refunded in full.

Order ids only: no viewer, not even the pseudonymous id. Each order is an object with an ``order_id``
field, so the residency guard knows the value for the order id it is (a digit-like id is no phone
number). A long list is split over several entries (``part`` of ``parts``) so an entry stays far
below the bus's 256 KB.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from livebase.signals.contract import BusSignal
from livebase.signals.stock import STOCK_EVENT_SOURCE, MarketId, Sku

PRESALE_LATE = "presale.late"
PRESALE_SHORT = "presale.short"
ORDERS_PER_ENTRY = 200  # order ids (<= 64 characters each) per entry: ~15 KB

Count = Annotated[StrictInt, Field(ge=0, le=1_000_000)]


class PresoldOrder(BaseModel):
    """One presold order and its units of the SKU."""

    model_config = ConfigDict(frozen=True)

    order_id: str
    units: Count


class PresaleNotice(BusSignal):
    """One SKU's presale against one purchase order, and the presold orders it concerns."""

    SOURCE = STOCK_EVENT_SOURCE
    COMPACT = True

    market: MarketId
    sku: Sku
    warehouse: str
    po_id: str
    expected_arrival: str  # ISO date the buyers were promised (the PO's)
    orders: tuple[PresoldOrder, ...]  # the orders concerned (this part of them), oldest first
    units: Count  # presold units of all the orders concerned (every part)
    part: Annotated[StrictInt, Field(ge=1)] = 1
    parts: Annotated[StrictInt, Field(ge=1)] = 1


class PresaleLate(PresaleNotice):
    """Presold orders still waiting for goods past the PO's expected arrival."""

    DETAIL_TYPE = PRESALE_LATE

    days_late: Count


class PresaleShort(PresaleNotice):
    """The PO closed short: ``orders`` were cancelled by Livebase, ``kept`` keep their units."""

    DETAIL_TYPE = PRESALE_SHORT

    kept: tuple[PresoldOrder, ...] = ()  # the oldest presold orders, which the delivered units served (this part)
    reason: str = "presale-short-delivered"

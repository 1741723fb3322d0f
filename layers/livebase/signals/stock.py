"""``stock.low`` / ``stock.out`` (``livebase.inventory``): a SKU crossed its low mark or sold out.

Put by the orders consumer and by receiving (``livebase.commerce.inventory.alerts.StockSignal``);
taken by the room-cue function (a signal naming a room: the host's cue) and by the Prefect bridge
(``flows.triggers``: a replenishment run for the market).
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field, StrictInt

from livebase.signals.contract import BusSignal

STOCK_EVENT_SOURCE = "livebase.inventory"
STOCK_LOW = "stock.low"
STOCK_OUT = "stock.out"
MAX_UNITS = 1_000_000
LANGUAGE = re.compile(r"^[a-z]{2}$")

Sku = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
MarketId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{1,11}$")]
RoomId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
Units = Annotated[StrictInt, Field(ge=0, le=MAX_UNITS)]


def _languages(lines: dict[str, str]) -> dict[str, str]:
    if not lines or not all(LANGUAGE.match(language) for language in lines):
        raise ValueError("not ISO 639-1 language -> text")
    return lines


class StockLevel(BusSignal):
    """A crossing of one SKU's sellable stock in one warehouse, with the host's cue per language."""

    SOURCE = STOCK_EVENT_SOURCE
    ENSURE_ASCII = False  # the cue lines as written (Thai, Arabic, ...)
    OMIT_NONE = True
    LEVEL: ClassVar[str]  # "low" | "out": what the room's player shows

    sku: Sku
    market: MarketId
    warehouse: str
    remaining: Units  # sellable: spot and presale together
    spot_remaining: Units
    presale_remaining: Units
    low_mark: StrictInt
    cue: Annotated[dict[str, str], AfterValidator(_languages)]
    expected_arrival: str | None = None  # set while presale is open
    room_id: RoomId | None = None  # the live room showing the SKU (stock.low only goes out with one)


class StockLow(StockLevel):
    DETAIL_TYPE = STOCK_LOW
    LEVEL = "low"


class StockOut(StockLevel):
    DETAIL_TYPE = STOCK_OUT
    LEVEL = "out"


STOCK_SIGNALS: dict[str, type[StockLevel]] = {STOCK_LOW: StockLow, STOCK_OUT: StockOut}

"""The orders consumer's prices: the market's catalogue and the session prices, cached per container.

The list prices are the catalogue the flows read (``catalogue/suppliers.json`` in the market's data
lake, ``livebase.replenishment.catalogue``): read at cold start, again every few minutes, and sooner
when an order names a SKU the cached copy does not list (at most once a second, so a flood of
unknown SKUs costs one read a second, not one per order). Live prices and promotions set for
a session (``livebase.stores.session_prices``: by ops with ``./livebase price``, or by the plan) are
read per session and SKU and kept a minute: a price set in advance for a later window applies from
its first second (its validity is in the price); one set for *now* applies within the minute.

A catalogue that stops validating keeps the last good copy in use (and says so in the book's
``source``); with none ever read, every SKU is unpriced and its orders are refused with that reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from livebase.commerce.pricing import PriceBook, SessionPrice
from livebase.live.events import OrderPlaced
from livebase.replenishment.catalogue import (
    CATALOGUE_KEY,
    Catalogue,
    CatalogueError,
    default_catalogue,
    parse_catalogue,
)
from livebase.tax import TaxTable

CATALOGUE_SECONDS = 300.0  # a catalogue change reaches every container within five minutes
MISS_SECONDS = 1.0  # an unknown SKU re-reads the catalogue at most this often
SESSION_PRICE_SECONDS = 60.0

LoadCatalogue = Callable[[], Catalogue]
LoadSessionPrices = Callable[[str, str], list[SessionPrice]]  # (session, sku) -> every price set


def catalogue_from_lake(s3: Any, bucket: str) -> LoadCatalogue:
    """The market's catalogue from its data lake (the flows' own read); no object: no list prices."""

    def load() -> Catalogue:
        location = f"s3://{bucket}/{CATALOGUE_KEY}"
        try:
            body = s3.get_object(Bucket=bucket, Key=CATALOGUE_KEY)["Body"].read()
        except ClientError as error:
            if error.response["Error"]["Code"] in ("NoSuchKey", "404"):
                return default_catalogue(f"no {location}")
            raise
        return parse_catalogue(body, location)

    return load


@dataclass
class PriceList:
    """Prices for one market's orders (see the module docstring); ``clock`` is monotonic seconds."""

    currency: str
    load_catalogue: LoadCatalogue
    load_session_prices: LoadSessionPrices
    clock: Callable[[], float] = time.monotonic
    tax: TaxTable | None = None  # the market's tax and duty table (livebase.tax): landed prices per order
    _catalogue: Catalogue | None = None
    _read_at: float = float("-inf")
    _session: dict[tuple[str, str], tuple[float, list[SessionPrice]]] = field(default_factory=dict)
    problem: str = ""  # why the catalogue in use is an older copy (empty: it is the latest)

    def book(self, order: OrderPlaced) -> PriceBook:
        """What the order's lines cost: list prices and the session's prices for its SKUs."""
        skus = list(dict.fromkeys(line.sku for line in order.lines))
        catalogue = self._current(skus)
        prices = [price for sku in skus for price in self._session_prices(order.session_id, sku)]
        return PriceBook.from_catalogue(catalogue, self.currency, prices, self.tax)

    def _current(self, skus: list[str]) -> Catalogue:
        now = self.clock()
        age = now - self._read_at
        missing = self._catalogue is None or any(self._catalogue.sku_terms(sku) is None for sku in skus)
        if age >= CATALOGUE_SECONDS or (missing and age >= MISS_SECONDS):
            self._read_at = now
            try:
                self._catalogue, self.problem = self.load_catalogue(), ""
            except CatalogueError as error:
                self.problem = str(error)  # keep the last good copy
        return self._catalogue or default_catalogue(self.problem or "not read")

    def _session_prices(self, session_id: str, sku: str) -> list[SessionPrice]:
        now = self.clock()
        cached = self._session.get((session_id, sku))
        if cached is not None and now - cached[0] < SESSION_PRICE_SECONDS:
            return cached[1]
        if len(self._session) > 10_000:  # sessions end: forget them rather than grow
            self._session.clear()
        prices = self.load_session_prices(session_id, sku)
        self._session[(session_id, sku)] = (now, prices)
        return prices

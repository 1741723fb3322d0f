"""Low-stock and sold-out signals for live rooms, with a cue the host can read out.

A signal is raised when the sellable level *crosses* a mark, not on every order below it: the
last announced level is kept on the stock item (``AlertLevel``) and only a change of level
counts. The store moves that level with a conditional write, so under concurrent orders exactly
one writer sees each crossing. This module is the pure part: levels, transitions, cue text; the
signal itself is ``livebase.signals.stock``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from livebase.commerce.inventory.model import AlertLevel, StockItem
from livebase.signals.stock import STOCK_LOW, STOCK_OUT, STOCK_SIGNALS, StockLevel

# Cue templates per ISO 639-1 language: (low, low when exactly one is left, sold out).
CUES: dict[str, tuple[str, str, str]] = {
    "en": ("Only {n} left!", "Only 1 left!", "Sold out!"),
    "ms": ("Tinggal {n} sahaja!", "Tinggal 1 sahaja!", "Habis dijual!"),
    "th": ("เหลือเพียง {n} ชิ้นเท่านั้น!", "เหลือชิ้นสุดท้าย!", "สินค้าหมดแล้ว!"),
    "id": ("Tinggal {n} lagi!", "Tinggal 1 lagi!", "Stok habis!"),
    "vi": ("Chỉ còn {n} sản phẩm!", "Chỉ còn 1 sản phẩm!", "Đã hết hàng!"),
    "ar": ("بقي {n} فقط!", "بقيت قطعة واحدة فقط!", "نفدت الكمية!"),
    "de": ("Nur noch {n} Stück!", "Nur noch 1 Stück!", "Ausverkauft!"),
    "fr": ("Plus que {n} en stock !", "Plus qu'un seul en stock !", "Épuisé !"),
    "es": ("¡Solo quedan {n}!", "¡Solo queda 1!", "¡Agotado!"),
}
FALLBACK_LANGUAGE = "en"


def level_for(sellable: int, low_mark: int) -> AlertLevel:
    """OUT at zero, LOW at or below the mark, OK above it."""
    if sellable <= 0:
        return AlertLevel.OUT
    if sellable <= low_mark:
        return AlertLevel.LOW
    return AlertLevel.OK


_SEVERITY = {AlertLevel.OK: 0, AlertLevel.LOW: 1, AlertLevel.OUT: 2}


def signal_for(previous: AlertLevel, current: AlertLevel) -> str | None:
    """The event a level change raises: only downward crossings speak; a restock re-arms silently."""
    if _SEVERITY[current] <= _SEVERITY[previous]:
        return None
    return STOCK_OUT if current is AlertLevel.OUT else STOCK_LOW


def cue(kind: str, remaining: int, languages: Iterable[str]) -> dict[str, str]:
    """The host's read-out line per language (English where no translation is held)."""
    lines: dict[str, str] = {}
    for language in languages:
        low, one, out = CUES.get(language, CUES[FALLBACK_LANGUAGE])
        if kind == STOCK_OUT:
            lines[language] = out
        else:
            lines[language] = one if remaining == 1 else low.format(n=remaining)
    return lines


@dataclass(frozen=True)
class StockSignal:
    """A crossing won by this writer: the ``stock.low`` / ``stock.out`` signal to publish."""

    kind: str
    item: StockItem  # as settled: ``item.alert`` is the level this writer moved it to
    low_mark: int
    room_id: str | None = None
    previous: AlertLevel = AlertLevel.OK  # the level before: what undoing the settle puts back

    def to_signal(self, languages: Iterable[str]) -> StockLevel:
        """The bus signal, its cue in ``languages`` (the market's)."""
        remaining = max(self.item.sellable, 0)
        presale_open = self.item.expected_arrival and self.item.presale_cap
        return STOCK_SIGNALS[self.kind](
            sku=self.item.sku, market=self.item.market, warehouse=self.item.warehouse, remaining=remaining,
            spot_remaining=max(self.item.available, 0), presale_remaining=max(self.item.presale_left, 0),
            low_mark=self.low_mark, cue=cue(self.kind, remaining, languages),
            expected_arrival=self.item.expected_arrival if presale_open else None, room_id=self.room_id or None,
        )  # fmt: skip

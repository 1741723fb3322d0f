"""Dated exchange rates into hq's currency: each converted figure carries its rate and the rate's date.

``RateProvider`` is what the flow needs; ``RateTable`` answers from dated rows
(``{"base": "USD", "rates": {"EUR": [{"date": ..., "rate": ...}]}}``: one unit of the currency in the
base currency, per publication date). The rows come from hq's store of the ECB's daily reference
rates (``livebase.stores.fx_rates``, written by the ``fx-rates`` flow) over the offline fallback
committed in ``config/fx_rates.json`` (written by the same code path: ``./livebase fx-rates``).
A day without a publication (weekend, TARGET holiday) takes the latest one before it; a rate older
than the market's ``fx_max_rate_age_days`` is refused with the day the rates stopped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from livebase.aggregates.fx_source import FxDay

MAX_RATE_AGE_DAYS = 45  # an older rate is refused: GMV converted at a stale rate misleads hq
COVER_ALARM_DAYS = 7  # hq's alarm fires when a market has fewer days than this before its rates are refused


class RateError(LookupError):
    """No usable rate; the message names the currency and the date."""


class StaleRates(RateError):
    """The latest rate of ``currency`` stopped on ``stopped``, over ``max_age_days`` before ``on``."""

    def __init__(self, message: str, currency: str, stopped: date, on: date, max_age_days: int) -> None:
        super().__init__(message)
        self.currency, self.stopped, self.on, self.max_age_days = currency, stopped, on, max_age_days


@dataclass(frozen=True)
class DatedRate:
    """``1 source`` = ``rate`` ``target``, as published on ``on`` by ``source_name``."""

    source: str
    target: str
    rate: Decimal
    on: date
    source_name: str

    def convert(self, amount: Decimal) -> Decimal:
        return (amount * self.rate).quantize(Decimal("0.01"))


class RateProvider(Protocol):
    def rate(self, source: str, target: str, on: date) -> DatedRate:
        """The latest rate from ``source`` to ``target`` dated on or before ``on``."""
        ...


@dataclass(frozen=True)
class RateTable:
    """Rates per currency into ``base``, each list sorted by date (see the module docstring)."""

    base: str
    rates: Mapping[str, tuple[tuple[date, Decimal], ...]]
    name: str = "config/fx_rates.json"
    max_age_days: int = MAX_RATE_AGE_DAYS

    @classmethod
    def parse(cls, document: Mapping[str, Any], name: str = "config/fx_rates.json") -> RateTable:
        base = document.get("base")
        if not isinstance(base, str) or len(base) != 3:
            raise RateError(f"{name}: base: a three-letter currency code is required")
        table: dict[str, tuple[tuple[date, Decimal], ...]] = {}
        for currency, entries in dict(document.get("rates", {})).items():
            parsed = []
            for n, entry in enumerate(entries):
                where = f"{name}: rates.{currency}[{n}]"
                try:
                    day, rate = date.fromisoformat(entry["date"]), Decimal(str(entry["rate"]))
                except (KeyError, TypeError, ValueError, InvalidOperation):
                    raise RateError(f"{where}: needs date (YYYY-MM-DD) and rate (a decimal)") from None
                if not rate.is_finite() or rate <= 0:
                    raise RateError(f"{where}.rate: must be a positive number")
                parsed.append((day, rate))
            table[currency] = tuple(sorted(parsed))
        return cls(base=base, rates=table, name=name)

    @classmethod
    def from_days(cls, days: Iterable[FxDay], base: str, name: str) -> RateTable:
        """The rows of stored publication days (``livebase.aggregates.fx_source.FxDay``) into ``base``."""
        table: dict[str, list[tuple[date, Decimal]]] = {}
        for day in days:
            if day.base != base:
                raise RateError(f"{name}: the day {day.published} is in {day.base}, not {base}")
            for currency, rate in day.rates.items():
                table.setdefault(currency, []).append((day.published, rate))
        return cls(base=base, rates={c: tuple(sorted(rows)) for c, rows in table.items()}, name=name)

    @classmethod
    def load(cls, path: Path | str | None = None) -> RateTable:
        """The committed table (``$LIVEBASE_FX_RATES`` or ``config/fx_rates.json`` of the checkout)."""
        chosen = Path(path or os.environ.get("LIVEBASE_FX_RATES") or default_rates_path())
        return cls.parse(json.loads(chosen.read_text(encoding="utf-8")), name=chosen.name)

    def _to_base(self, currency: str, on: date) -> tuple[Decimal, date]:
        if currency == self.base:
            return Decimal(1), on
        dated = [(day, rate) for day, rate in self.rates.get(currency, ()) if day <= on]
        if not dated:
            raise RateError(f"{self.name}: no {currency} rate dated on or before {on.isoformat()}")
        day, rate = dated[-1]
        if (on - day).days > self.max_age_days:
            raise StaleRates(
                f"{self.name}: {currency} rates stopped on {day.isoformat()}: the latest is over {self.max_age_days} "
                f"days older than {on.isoformat()} (refresh them: the fx-rates flow, or ./livebase fx-rates)",
                currency, day, on, self.max_age_days,
            )  # fmt: skip
        return rate, day

    def rate(self, source: str, target: str, on: date) -> DatedRate:
        source_rate, source_day = self._to_base(source, on)
        target_rate, target_day = self._to_base(target, on)
        rate = (source_rate / target_rate).quantize(Decimal("0.000001"))
        dated = min(source_day, target_day) if source != target else on
        return DatedRate(source, target, rate, dated, self.name)

    def with_max_age(self, days: int) -> RateTable:
        """The same rows, refusing rates older than ``days`` (a market's ``fx_max_rate_age_days``)."""
        return replace(self, max_age_days=days)

    def merged(self, newer: RateTable) -> RateTable:
        """These rows with ``newer``'s over them (the same date: ``newer`` wins); ``newer``'s name first."""
        if newer.base != self.base:
            raise RateError(f"{newer.name}: base {newer.base} differs from {self.name}'s {self.base}")
        table = {c: dict(rows) for c, rows in self.rates.items()}
        for currency, rows in newer.rates.items():
            table.setdefault(currency, {}).update(dict(rows))
        return RateTable(
            base=self.base, rates={c: tuple(sorted(rows.items())) for c, rows in table.items()},
            name=f"{newer.name} + {self.name}", max_age_days=self.max_age_days,
        )  # fmt: skip

    def last_day(self, currency: str) -> date | None:
        """The latest publication of ``currency`` (None: never; the base is always current)."""
        rows = self.rates.get(currency, ())
        return rows[-1][0] if rows else None

    def days_of_cover(self, currencies: Iterable[str], today: date) -> int:
        """Days left before the first of ``currencies`` is refused as stale (negative: refused since)."""
        cover = self.max_age_days
        for currency in set(currencies) - {self.base}:
            last = self.last_day(currency)
            cover = min(cover, -1 if last is None else self.max_age_days - (today - last).days)
        return cover

    def to_document(self, comment: str) -> dict[str, Any]:
        """The table as ``config/fx_rates.json`` holds it (what :meth:`parse` reads back)."""
        return {
            "_comment": comment,
            "base": self.base,
            "rates": {
                c: [{"date": d.isoformat(), "rate": str(r)} for d, r in rows] for c, rows in sorted(self.rates.items())
            },
        }


def default_rates_path() -> Path:
    """``config/fx_rates.json`` beside the nearest cdk.json (the checkout the flows run from)."""
    from livebase.markets.config import cdk_json_path

    return cdk_json_path().parent / "config" / "fx_rates.json"

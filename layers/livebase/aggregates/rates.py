"""Dated exchange rates into hq's currency: each converted figure carries its rate and the rate's date.

``RateProvider`` is what the flow needs; ``RateTable`` answers from the table committed in
``config/fx_rates.json`` (``{"base": "USD", "rates": {"EUR": [{"date": ..., "rate": ...}]}}``: one
unit of the currency in the base currency, per date). In the cloud a provider over a rates API or
a parameter store implements the same method.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

MAX_RATE_AGE_DAYS = 45  # an older rate is refused: GMV converted at a stale rate misleads hq


class RateError(LookupError):
    """No usable rate; the message names the currency and the date."""


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
        if (on - day).days > MAX_RATE_AGE_DAYS:
            raise RateError(
                f"{self.name}: the latest {currency} rate ({day.isoformat()}) is over {MAX_RATE_AGE_DAYS} days "
                f"older than {on.isoformat()}"
            )
        return rate, day

    def rate(self, source: str, target: str, on: date) -> DatedRate:
        source_rate, source_day = self._to_base(source, on)
        target_rate, target_day = self._to_base(target, on)
        rate = (source_rate / target_rate).quantize(Decimal("0.000001"))
        dated = min(source_day, target_day) if source != target else on
        return DatedRate(source, target, rate, dated, self.name)


def default_rates_path() -> Path:
    """``config/fx_rates.json`` beside the nearest cdk.json (the checkout the flows run from)."""
    from livebase.markets.config import cdk_json_path

    return cdk_json_path().parent / "config" / "fx_rates.json"

"""A market's tax and duty table: which rule decides an order's tax and duty, per destination country.

The tables are data reviewed like code (``livebase/tax/tables/<market>.toml``, shipped in the
Lambda layer beside this module), loaded and validated once at cold start: a table that does
not validate stops the function with the field named, rather than taxing by a guess.

A table holds the destination countries a market ships to (each with its standard consumption-tax
rate, whether its consumer law wants prices shown tax-inclusive, and a source), and rules. A rule
applies to some of those countries, for a validity window (``valid_from`` .. ``valid_until``,
exclusive) and a value band of the consignment (``above`` < value <= ``up_to``, in the market's
currency: a threshold set in another currency is converted in the table, with the rate and its
source in the rule's ``source``). It says the regime, the tax rate (a number or the destination's
``standard`` rate), what the tax is charged on, and the duty (none, ad valorem by HS prefix, or a
fixed amount per distinct HS subheading). A ``refuse`` rule names a destination whose rules the
market knows it does not model: its orders are refused with the rule's reason. At most one rule
may apply to a country on a day for a value (checked at load); a country, day or value no rule
covers is refused too.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

TABLES_DIR = Path(__file__).parent / "tables"

Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
HsPrefix = Annotated[str, Field(pattern=r"^[0-9]{2}([0-9]{2}){0,2}$")]  # chapter, heading or subheading
Rate = Annotated[Decimal, Field(ge=0, le=1, decimal_places=4)]
Amount = Annotated[Decimal, Field(ge=0, le=10**9, decimal_places=2)]
Source = Annotated[str, Field(min_length=12)]  # a law, a regulation or an authority's page, with what it says
Regime = Literal["ioss", "import", "low_value_goods", "sales_tax", "de_minimis", "refuse"]


class TaxTableError(ValueError):
    """A tax table that does not validate; the message names the market and the fields."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Destination(_Strict):
    """A country the market ships to."""

    name: str
    standard_rate: Rate  # the consumption tax's standard rate (VAT, GST, SST ...)
    prices_include_tax: bool  # the consumer law asks for tax-inclusive prices (the EU, the Gulf, Singapore)
    source: Source


class Duty(_Strict):
    """Customs duty of a rule: ``none``; ``rates``: ad valorem per HS prefix (the longest prefix of a
    line's code wins; ``other`` for a code no prefix matches, absent: refused; ``refused``: prefixes
    whose duty the table does not model, e.g. excise goods); ``per_item``: a fixed amount per distinct
    HS subheading (``item_digits`` digits) in the consignment."""

    kind: Literal["none", "rates", "per_item"] = "none"
    rates: Mapping[HsPrefix, Rate] = Field(default_factory=dict)
    other: Rate | None = None
    refused: tuple[HsPrefix, ...] = ()
    per_item: Amount | None = None
    item_digits: Annotated[int, Field(ge=2, le=6)] = 6

    @model_validator(mode="after")
    def _complete(self) -> Duty:
        if self.kind == "per_item" and self.per_item is None:
            raise ValueError("per_item: a per_item duty needs its amount")
        if self.kind == "rates" and not self.rates and self.other is None:
            raise ValueError("rates: an ad valorem duty needs rates or other")
        return self

    @property
    def needs_hs_code(self) -> bool:
        return self.kind == "per_item" or (self.kind == "rates" and bool(self.rates or self.refused))

    def rate_for(self, hs_code: str) -> Rate | None:
        """The ad valorem rate of ``hs_code`` (longest matching prefix, else ``other``); None: refused."""
        if any(hs_code.startswith(prefix) for prefix in self.refused):
            return None
        for digits in (6, 4, 2):
            if hs_code[:digits] in self.rates:
                return self.rates[hs_code[:digits]]
        return self.other


class Rule(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{2,63}$")]
    regime: Regime
    summary: Annotated[str, Field(min_length=8)]
    countries: Annotated[tuple[Country, ...], Field(min_length=1)]
    valid_from: date
    valid_until: date | None = None  # exclusive
    above: Amount | None = None  # the band: above < consignment value <= up_to (market currency, net)
    up_to: Amount | None = None
    tax_rate: Literal["standard"] | Rate = Decimal(0)
    tax_base: Literal["net", "net_plus_duty"] = "net_plus_duty"  # import VAT is due on the value plus duty
    duty: Duty = Duty()
    reason: str = ""  # a refuse rule: why the market does not sell there
    source: Source

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        if self.valid_until is not None and self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        if self.above is not None and self.up_to is not None and self.up_to <= self.above:
            raise ValueError("up_to must be above 'above'")
        if self.regime == "refuse" and len(self.reason) < 12:
            raise ValueError("reason: a refuse rule says why the market does not sell there")
        return self

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day < self.valid_until)

    def covers(self, value: Decimal) -> bool:
        return (self.above is None or value > self.above) and (self.up_to is None or value <= self.up_to)

    def overlaps(self, other: Rule) -> bool:
        """Both could decide the same order (same country, days and values in common)."""
        days = self.valid_from < (other.valid_until or date.max) and other.valid_from < (self.valid_until or date.max)
        low, high = max(self.above or -1, other.above or -1), min(self.up_to or 10**10, other.up_to or 10**10)
        return bool(set(self.countries) & set(other.countries)) and days and low < high


class TaxTable(_Strict):
    market: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{1,11}$")]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    home: Country  # an order without a destination ships here
    reviewed: date  # the day the table was last checked against its sources
    hs_by_category: Mapping[str, Annotated[str, Field(pattern=r"^[0-9]{6}$")]] = Field(default_factory=dict)
    hs_source: str = ""  # why each listing category maps to its subheading
    destinations: Mapping[Country, Destination]
    rules: tuple[Rule, ...]

    @model_validator(mode="after")
    def _consistent(self) -> TaxTable:
        if self.home not in self.destinations:
            raise ValueError(f"home: {self.home} is not among the destinations")
        if self.hs_by_category and len(self.hs_source) < 12:
            raise ValueError("hs_source: say where the category's HS subheadings come from")
        ids = [rule.id for rule in self.rules]
        if len(set(ids)) != len(ids):
            raise ValueError(f"rules: ids listed twice: {sorted({i for i in ids if ids.count(i) > 1})}")
        for rule in self.rules:
            unknown = sorted(set(rule.countries) - set(self.destinations))
            if unknown:
                raise ValueError(f"rules[{rule.id}].countries: {unknown} not among the destinations")
        for n, rule in enumerate(self.rules):
            for other in self.rules[n + 1 :]:
                if rule.overlaps(other):
                    raise ValueError(f"rules {rule.id} and {other.id} both apply to one order (country, days, value)")
        return self

    def rule_for(self, country: str, day: date, value: Decimal) -> Rule | None:
        """The one rule deciding a consignment of ``value`` to ``country`` on ``day``; None: no rule."""
        for rule in self.rules:
            if country in rule.countries and rule.in_force(day) and rule.covers(value):
                return rule
        return None

    def hs_code(self, own: str | None, category: str | None) -> str | None:
        """A SKU's HS code: the catalogue's own, else its listing category's subheading in this table."""
        return own or (self.hs_by_category.get(category) if category else None)


def parse_table(text: str, name: str) -> TaxTable:
    """A table from its TOML text; any problem is a :class:`TaxTableError` naming ``name`` and the field."""
    try:
        return TaxTable.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as error:
        raise TaxTableError(f"{name}: not TOML: {error}") from None
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(table)'}: {e['msg']}" for e in error.errors())
        raise TaxTableError(f"{name}: {problems}") from None


@cache
def market_tax_table(market_id: str) -> TaxTable | None:
    """The market's committed table (None: the market has none; every order it takes is refused)."""
    path = TABLES_DIR / f"{market_id}.toml"
    if not path.is_file():
        return None
    table = parse_table(path.read_text(encoding="utf-8"), path.name)
    if table.market != market_id:
        raise TaxTableError(f"{path.name}: market: says {table.market!r}")
    return table

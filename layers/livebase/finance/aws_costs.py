"""The platform's AWS cost per month, from measured (or, where nothing is measured, assumed)
usage priced from the documented table ``aws_prices.yaml`` (source and date per price).

Usage is a list of :class:`Usage` lines, each saying how it was obtained; a region priced like
the default but for an uplift says so in the line's price source.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

Source = Literal["measured", "estimated", "assumed"]
# usage name -> (price key, units per priced unit)
PRICED = {
    "shard_hours": ("kinesis_shard_hour", 1.0),
    "stream_records": ("kinesis_put_million_units", 1e6),
    "lambda_invocations": ("lambda_million_requests", 1e6),
    "lambda_gb_seconds": ("lambda_gb_second", 1.0),
    "table_writes": ("dynamodb_million_writes", 1e6),
    "table_reads": ("dynamodb_million_reads", 1e6),
    "table_gb": ("dynamodb_gb_month", 1.0),
    "lake_gb": ("s3_gb_month", 1.0),
    "data_out_gb": ("data_out_gb", 1.0),
    "ivs_hours": ("ivs_input_hour", 1.0),
    "medialive_hours": ("medialive_input_hour", 1.0),
}


class Price(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    price: float = Field(ge=0)
    source: str = Field(min_length=1)
    date: str = Field(min_length=4)


class Fx(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    rate: float = Field(gt=0)
    source: str
    date: str


class RegionPrices(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    uplift: float = Field(ge=0.5, le=3)
    uplift_source: str
    prices: dict[str, Price] = {}


class PriceTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    currency: Literal["USD"]
    fx_to_cny: dict[str, Fx]
    default: dict[str, Price]
    regions: dict[str, RegionPrices]

    def price(self, key: str, region: str) -> tuple[float, str]:
        """The price of ``key`` in ``region`` (USD) and where it comes from."""
        regional = self.regions.get(region)
        if regional and key in regional.prices:
            found = regional.prices[key]
            return found.price, f"{found.source}, {found.date}"
        base = self.default[key]
        if regional is None or regional.uplift == 1.0:
            note = "" if regional else f"; {region} not in the table: default price"
            return base.price, f"{base.source}, {base.date}{note}"
        return (
            base.price * regional.uplift,
            f"{base.source}, {base.date} × {regional.uplift} ({regional.uplift_source})",
        )

    def to_cny(self, amount: float, currency: str) -> float:
        if currency not in self.fx_to_cny:
            raise KeyError(f"fx_to_cny.{currency}: no rate in the price table")
        return amount * self.fx_to_cny[currency].rate


def load_prices(document: dict[str, Any] | None = None) -> PriceTable:
    if document is None:
        text = resources.files("livebase.finance").joinpath("aws_prices.yaml").read_text(encoding="utf-8")
        document = yaml.safe_load(text)
    return PriceTable.model_validate(document)


@dataclass(frozen=True)
class Usage:
    """One usage figure per month and how it was obtained."""

    name: str
    quantity: float
    source: Source
    how: str


@dataclass(frozen=True)
class CostLine:
    usage: Usage
    unit_price_usd: float
    usd: float
    price_source: str


@dataclass(frozen=True)
class CostEstimate:
    market: str
    region: str
    lines: tuple[CostLine, ...]

    @property
    def usd(self) -> float:
        return sum(line.usd for line in self.lines)


def estimate(market: str, region: str, usage: list[Usage], prices: PriceTable) -> CostEstimate:
    """Price each monthly usage line in the market's region."""
    lines = []
    for item in usage:
        key, per = PRICED[item.name]
        unit, source = prices.price(key, region)
        lines.append(CostLine(item, unit, item.quantity / per * unit, source))
    return CostEstimate(market, region, tuple(lines))

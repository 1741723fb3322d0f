"""The business model: every driver of seed report chapter 4 as a bounded range, validated.

A driver is a :class:`Span` (low, base, high): the plan uses ``base``; sensitivity and Monte
Carlo use the range. Money is in 萬元 (10,000 CNY), as in the report. Each field's description
names the report section its default comes from, so a founder can check the source. Loading
(``load_plan``) merges a market's overrides over the whole base and refuses bad input with a
:class:`PlanError` whose message names the field path.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_FILE = "business_case.yaml"
VARIABLE_ITEMS = ("traffic", "logistics", "marketing", "payment_fees")
Carrier = Literal["base", "brand"]


class Carriers(BaseModel):
    """Who pays each variable cost item: the base (its P&L) or the brand (outside the base's books)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    traffic: Carrier = "base"
    logistics: Carrier = "base"
    marketing: Carrier = "base"
    payment_fees: Carrier = "base"

    def of(self, item: str) -> Carrier:
        carrier: Carrier = getattr(self, item)
        return carrier

    def moving(self, items: tuple[str, ...]) -> Carriers:
        """These items paid by the brand instead; an unknown item is refused, naming it."""
        unknown = sorted(set(items) - set(VARIABLE_ITEMS))
        if unknown:
            raise PlanError(f"carried_by: unknown variable cost items {unknown}; known: {', '.join(VARIABLE_ITEMS)}")
        return self.model_copy(update=dict.fromkeys(items, "brand"))


class PlanError(ValueError):
    """A business case file or override the model refuses; the message names each field."""


class Span(BaseModel):
    """A driver's range; the plan's value is ``base``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    low: float
    base: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if not self.low <= self.base <= self.high:
            raise ValueError(f"needs low <= base <= high, got {self.low}, {self.base}, {self.high}")
        return self


class Rate(Span):
    """A share (of GMV or revenue): 0..1."""

    low: Annotated[float, Field(ge=0, le=1)]
    base: Annotated[float, Field(ge=0, le=1)]
    high: Annotated[float, Field(ge=0, le=1)]


class Growth(Span):
    """Year-on-year growth: -50 % .. +300 %."""

    low: Annotated[float, Field(ge=-0.5, le=3)]
    base: Annotated[float, Field(ge=-0.5, le=3)]
    high: Annotated[float, Field(ge=-0.5, le=3)]


class Amount(Span):
    """Money in 萬元: 0 .. 10 million 萬元 (1e11 CNY)."""

    low: Annotated[float, Field(ge=0, le=1e7)]
    base: Annotated[float, Field(ge=0, le=1e7)]
    high: Annotated[float, Field(ge=0, le=1e7)]


class Discount(Span):
    """An annual discount rate within the report's 15-25 % (§4.3), widened to 5-40 % for what-ifs."""

    low: Annotated[float, Field(ge=0.05, le=0.4)]
    base: Annotated[float, Field(ge=0.05, le=0.4)]
    high: Annotated[float, Field(ge=0.05, le=0.4)]


def _d(text: str) -> Any:
    return Field(description=text)


class Plan(BaseModel):
    """One base's plan (a market's, or the whole base's). Money in 萬元, rates as shares."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(min_length=1, max_length=120)]
    gmv_first_year: Amount = _d("§4.3 DCF example: first-year GMV 3億 (30000萬)")
    gmv_growth: Growth = _d("§4.3: GMV 3→6→10億 (+100 %, +67 %); sensitivity at 20-30 % growth")
    commission_rate: Rate = _d("§4.2: commission 10-20 % of GMV (15 % in the break-even example)")
    brand_sessions_rate: Rate = _d("§4.2: brand sessions / ads 500-1000萬 on 5億 GMV = 1-2 %")
    value_added_rate: Rate = _d("§4.2: value-added services 200-500萬 on 5億 GMV = 0.4-1 %")
    data_services_per_year: Amount = _d("§4.2: data services 50-200萬 a year")
    traffic_rate: Rate = _d("§4.1: traffic purchase 10-15 % of GMV")
    logistics_rate: Rate = _d("§4.1: logistics and warehousing 8-12 % of GMV")
    marketing_rate: Rate = _d("§4.1: marketing and promotion 5-8 % of GMV")
    payment_fees_rate: Rate = _d("§4.1: transaction fees (gateway, platform) 2-4 % of GMV")
    rent_per_year: Amount = _d("§4.1: rent of 2000-3000 m², 150-250萬 a year")
    team_per_year: Amount = _d("§4.1: core team 200-300萬 a year")
    tech_ops_per_year: Amount = _d("§4.1: tech systems (cloud, licences, security) 100-150萬 a year")
    rnd_per_year: Amount = _d("§4.1 strategic: R&D 200-400萬 a year")
    talent_per_year: Amount = _d("§4.1 strategic: talent reserve 100-150萬 a year")
    fit_out: Amount = _d("§4.1: fit-out, one-time 300-500萬 (build phase)")
    equipment: Amount = _d("§4.1: equipment, one-time 400-600萬, 5-year depreciation (build phase)")
    market_entry: Amount = _d("§4.1 strategic: each new market 100-200萬 at entry (expansion phase)")
    risk_reserve_rate: Rate = _d("§4.1: risk reserve 5-10 % of revenue (treated as spent: conservative)")
    discount_rate: Discount = _d("§4.3: DCF discount rate 15-25 % (20 % in the example)")
    carried_by: Carriers = Field(
        default_factory=Carriers,
        description="§4.2 assumes the base carries every variable cost (30 % of GMV); 'brand' moves one to the brand",
    )
    expansion_markets: Annotated[int, Field(ge=0, le=20, description="§4.1/§5.2: markets entered in phase 3")] = 2
    depreciation_years: Annotated[int, Field(ge=1, le=20, description="§4.1: equipment over 5 years")] = 5
    build_months: Annotated[int, Field(ge=1, le=24, description="§4.1 phase 1: months 1-6, build")] = 6
    operate_until_month: Annotated[
        int, Field(ge=2, le=48, description="§4.1 phase 2: months 7-18, operate; phase 3 expands after")
    ] = 18
    months: Annotated[int, Field(ge=12, le=120, description="§4.1: a three-year (36-month) plan")] = 36

    @model_validator(mode="after")
    def _phases(self) -> Plan:
        if not self.build_months < self.operate_until_month < self.months:
            raise ValueError("needs build_months < operate_until_month < months (the report's three phases)")
        return self

    def drivers(self) -> dict[str, Span]:
        """Every ranged driver by field name (what sensitivity and Monte Carlo vary)."""
        return {name: value for name, value in self if isinstance(value, Span)}

    def base_variable_rate(self) -> float:
        """Variable cost the base itself carries, as a share of GMV."""
        return sum(getattr(self, f"{item}_rate").base for item in VARIABLE_ITEMS if self.carried_by.of(item) == "base")

    def with_base(self, **values: float) -> Plan:
        """The same plan with some drivers' ``base`` moved (kept inside low..high by widening)."""
        changes: dict[str, Span] = {}
        for name, value in values.items():
            span = getattr(self, name)
            changes[name] = type(span)(low=min(span.low, value), base=value, high=max(span.high, value))
        return self.model_copy(update=changes)


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _refusal(where: str, error: ValidationError) -> PlanError:
    lines = [f"{where}.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()]
    return PlanError("business case refused:\n" + "\n".join(lines))


def read_document(path: Path | None = None) -> dict[str, Any]:
    """The YAML document (the packaged one by default)."""
    if path is None:
        text = resources.files("livebase.finance").joinpath(DEFAULT_FILE).read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    if not isinstance(document, dict) or not isinstance(document.get("base"), dict):
        raise PlanError("business case refused: the file needs a mapping with a 'base' plan")
    unknown = set(document) - {"base", "markets"}
    if unknown:
        raise PlanError(f"business case refused: unknown top-level keys {sorted(unknown)}")
    return document


def plan_from(document: Mapping[str, Any], market: str | None = None) -> Plan:
    """The whole base's plan, or ``market``'s (its overrides merged over the base)."""
    base = document["base"]
    if market is None:
        try:
            return Plan.model_validate(base)
        except ValidationError as error:
            raise _refusal("base", error) from None
    overrides = (document.get("markets") or {}).get(market)
    if overrides is None:
        raise PlanError(f"business case refused: markets.{market} is not in the file")
    try:
        return Plan.model_validate(_merge(base, overrides))
    except ValidationError as error:
        raise _refusal(f"markets.{market}", error) from None


def load_plan(market: str | None = None, path: Path | None = None) -> Plan:
    """The packaged (or ``path``'s) plan for the whole base or one market."""
    return plan_from(read_document(path), market)


def plan_markets(path: Path | None = None) -> list[str]:
    return sorted((read_document(path).get("markets") or {}).keys())

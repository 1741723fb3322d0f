"""Supplier and SKU master data: who supplies a SKU, on what terms, and how much may be spent.

Each market keeps its own catalogue as JSON in its data-lake bucket (``catalogue/suppliers.json``),
validated here so a typo stops a replenishment run with the field named, rather than buying
on a wrong MOQ. A SKU the catalogue does not list is bought from the catalogue's default
supplier on the stated default terms, and the run says so (``Catalogue.source``).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from livebase.replenishment.policy import LeadTime, SkuClass, Supply

CATALOGUE_KEY = "catalogue/suppliers.json"
DEFAULT_SUPPLIER = "default-supplier"

PositiveInt = Annotated[int, Field(ge=1, le=1_000_000)]
Days = Annotated[float, Field(ge=0, le=365)]


class CatalogueError(ValueError):
    """The catalogue object exists but is not valid; the message names the fields."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SupplierTerms(_Strict):
    """A supplier's lead time (usual and recent actuals), default pack terms and budget cap."""

    supplier_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
    lead_time_mean_days: Days = 7.0
    lead_time_std_days: Days = 2.0
    recent_lead_times_days: tuple[Days, ...] = ()
    moq: PositiveInt = 1
    case_pack: PositiveInt = 1
    budget_cap: Annotated[Decimal, Field(gt=0)] | None = None  # per run, in the market's currency

    def lead_time(self) -> LeadTime:
        return LeadTime(self.lead_time_mean_days, self.lead_time_std_days, self.recent_lead_times_days)


class SkuTerms(_Strict):
    """One SKU's supplier and cost; MOQ / case pack override the supplier's, class overrides ABC."""

    sku: Annotated[str, Field(min_length=1, max_length=64)]
    supplier_id: str
    unit_cost: Annotated[Decimal, Field(ge=0)] = Decimal(0)
    moq: PositiveInt | None = None
    case_pack: PositiveInt | None = None
    sku_class: SkuClass | None = None
    # What session planning needs (livebase.sessions): the listing category the market's cultural
    # rules are checked against, the modest-apparel flag, and the list price in the market's currency.
    category: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")] | None = None
    modest: bool = False
    list_price: Annotated[Decimal, Field(gt=0)] | None = None
    # The customs code (HS, 6 to 10 digits) the market's tax and duty rules decide by (livebase.tax).
    hs_code: Annotated[str, Field(pattern=r"^[0-9]{6,10}$")] | None = None


DEFAULT_TERMS = SupplierTerms(supplier_id=DEFAULT_SUPPLIER)
DEFAULTS_TEXT = (
    f"supplier {DEFAULT_SUPPLIER}: lead time {DEFAULT_TERMS.lead_time_mean_days:g} ± "
    f"{DEFAULT_TERMS.lead_time_std_days:g} d, MOQ {DEFAULT_TERMS.moq}, case pack {DEFAULT_TERMS.case_pack}, "
    "unit cost 0 (unknown), no budget cap, class from sales (ABC)"
)


class Catalogue(_Strict):
    suppliers: tuple[SupplierTerms, ...] = ()
    skus: tuple[SkuTerms, ...] = ()
    default_supplier: SupplierTerms = DEFAULT_TERMS
    source: str = Field(default="defaults", exclude=True)  # where it came from, for the artifact

    @model_validator(mode="after")
    def _consistent(self) -> Catalogue:
        ids = [s.supplier_id for s in self.suppliers]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"suppliers listed twice: {duplicates}")
        skus = [s.sku for s in self.skus]
        twice = sorted({s for s in skus if skus.count(s) > 1})
        if twice:
            raise ValueError(f"SKUs listed twice: {twice}")
        known = {*ids, self.default_supplier.supplier_id}
        unknown = sorted({s.supplier_id for s in self.skus} - known)
        if unknown:
            raise ValueError(f"SKUs name suppliers the catalogue does not define: {unknown}")
        return self

    def supplier(self, supplier_id: str) -> SupplierTerms:
        for terms in self.suppliers:
            if terms.supplier_id == supplier_id:
                return terms
        return self.default_supplier

    def sku_terms(self, sku: str) -> SkuTerms | None:
        return next((s for s in self.skus if s.sku == sku), None)

    def terms_for(self, sku: str) -> tuple[LeadTime, Supply, SkuClass | None]:
        """Lead time, supply terms and (if fixed in the catalogue) class of one SKU."""
        own = self.sku_terms(sku)
        supplier = self.supplier(own.supplier_id) if own else self.default_supplier
        supply = Supply(
            supplier=supplier.supplier_id,
            unit_cost=own.unit_cost if own else Decimal(0),
            moq=(own.moq if own and own.moq else supplier.moq),
            case_pack=(own.case_pack if own and own.case_pack else supplier.case_pack),
        )
        return supplier.lead_time(), supply, own.sku_class if own else None

    def budgets(self) -> dict[str, Decimal]:
        """Budget cap per supplier, for ``livebase.replenishment.allocate`` (uncapped ones absent)."""
        every = (*self.suppliers, self.default_supplier)
        return {s.supplier_id: s.budget_cap for s in every if s.budget_cap is not None}


def parse_catalogue(raw: bytes | str | dict[str, Any], source: str) -> Catalogue:
    """Validate a catalogue document; :class:`CatalogueError` names every bad field."""
    try:
        data = json.loads(raw) if isinstance(raw, bytes | str) else raw
    except json.JSONDecodeError as error:
        raise CatalogueError(f"{source}: not JSON ({error})") from None
    if not isinstance(data, dict):
        raise CatalogueError(f"{source}: expected a JSON object with 'suppliers' and 'skus'")
    try:
        return Catalogue.model_validate({**data, "source": source})
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(document)'}: {e['msg']}" for e in error.errors()
        )
        raise CatalogueError(f"{source}: invalid catalogue: {problems}") from None


def default_catalogue(reason: str) -> Catalogue:
    """What a market without a catalogue object replenishes on: the stated defaults, and why."""
    return Catalogue(source=f"defaults ({reason}): {DEFAULTS_TEXT}")

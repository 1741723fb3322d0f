"""Supplier / SKU master data: validation, per-SKU terms, budgets, the stated defaults."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from livebase.replenishment import SkuClass
from livebase.replenishment.catalogue import (
    DEFAULT_SUPPLIER,
    CatalogueError,
    default_catalogue,
    parse_catalogue,
)

DOCUMENT = {
    "suppliers": [
        {
            "supplier_id": "SUP-SZ",
            "lead_time_mean_days": 12,
            "lead_time_std_days": 3,
            "recent_lead_times_days": [11, 19, 14],
            "moq": 24,
            "case_pack": 12,
            "budget_cap": "5000",
        },
        {"supplier_id": "SUP-KL", "lead_time_mean_days": 4},
    ],
    "skus": [
        {"sku": "LIP-01", "supplier_id": "SUP-SZ", "unit_cost": "3.20", "sku_class": "A"},
        {"sku": "CASE-01", "supplier_id": "SUP-SZ", "unit_cost": "1.10", "case_pack": 50, "moq": 100},
        {"sku": "TEA-01", "supplier_id": "SUP-KL", "unit_cost": "2"},
    ],
}


def test_a_sku_gets_its_suppliers_terms_unless_it_overrides_them() -> None:
    catalogue = parse_catalogue(json.dumps(DOCUMENT), "s3://b/catalogue/suppliers.json")

    lead, supply, sku_class = catalogue.terms_for("LIP-01")
    assert (lead.mean_days, lead.std_days, lead.recent_days) == (12, 3, (11, 19, 14))
    assert (supply.supplier, supply.unit_cost, supply.moq, supply.case_pack) == (
        "SUP-SZ",
        Decimal("3.20"),
        24,
        12,
    )
    assert sku_class is SkuClass.A

    _, case, case_class = catalogue.terms_for("CASE-01")
    assert (case.moq, case.case_pack, case_class) == (100, 50, None)  # class left to ABC
    assert catalogue.source == "s3://b/catalogue/suppliers.json"


def test_an_unlisted_sku_is_bought_from_the_default_supplier_on_default_terms() -> None:
    catalogue = parse_catalogue(DOCUMENT, "test")
    lead, supply, sku_class = catalogue.terms_for("UNKNOWN-9")
    assert supply.supplier == DEFAULT_SUPPLIER
    assert (supply.moq, supply.case_pack, supply.unit_cost, sku_class) == (1, 1, Decimal(0), None)
    assert (lead.mean_days, lead.std_days) == (7.0, 2.0)


def test_budgets_list_only_capped_suppliers() -> None:
    assert parse_catalogue(DOCUMENT, "test").budgets() == {"SUP-SZ": Decimal("5000")}


def test_defaults_say_why_and_what_they_are() -> None:
    catalogue = default_catalogue("no s3://b/catalogue/suppliers.json")
    assert catalogue.source.startswith("defaults (no s3://b/catalogue/suppliers.json)")
    assert "lead time 7 ± 2 d" in catalogue.source and "MOQ 1" in catalogue.source
    assert catalogue.budgets() == {}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["suppliers"][0].update(moq=0), r"suppliers\.0\.moq"),
        (lambda d: d["suppliers"][0].update(lead_time_mean_days=-1), r"lead_time_mean_days"),
        (lambda d: d["skus"][0].update(unit_cost="-1"), r"skus\.0\.unit_cost"),
        (lambda d: d["skus"][0].update(supplier_id="SUP-NOWHERE"), r"SUP-NOWHERE"),
        (lambda d: d["skus"].append(dict(d["skus"][0])), r"SKUs listed twice: \['LIP-01'\]"),
        (lambda d: d["suppliers"].append(dict(d["suppliers"][1])), r"suppliers listed twice"),
        (lambda d: d["skus"][0].update(sku_class="Z"), r"sku_class"),
        (lambda d: d["suppliers"][0].update(moq_typo=3), r"moq_typo"),
    ],
)
def test_a_bad_catalogue_is_refused_with_the_field_named(change, message) -> None:  # type: ignore[no-untyped-def]
    document = json.loads(json.dumps(DOCUMENT))
    change(document)
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(document, "s3://b/catalogue/suppliers.json")


def test_not_json_is_refused() -> None:
    with pytest.raises(CatalogueError, match="not JSON"):
        parse_catalogue(b"{suppliers: [", "s3://b/x")
    with pytest.raises(CatalogueError, match="JSON object"):
        parse_catalogue("[]", "s3://b/x")

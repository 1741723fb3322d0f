"""Each market's tax table, by worked cases: thresholds either side, each regime, unknown destinations refused.

Every case names the rule (and so the source in the table) it checks; the amounts are worked by
hand in the comment beside it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from livebase.tax import TaxableLine, TaxTableError, market_tax_table, parse_table, quote_order, shown_unit_price
from livebase.tax.table import TaxTable

DEC_2026 = datetime(2026, 12, 7, 12, tzinfo=UTC)
MAY_2026 = datetime(2026, 5, 4, 12, tzinfo=UTC)
LIP, SCARF, TEA, WINE = "330410", "621410", "090210", "220421"


def table(market: str) -> TaxTable:
    found = market_tax_table(market)
    assert found is not None, market
    return found


def line(price: str, quantity: int = 1, hs: str | None = LIP, sku: str = "SKU-1") -> TaxableLine:
    return TaxableLine(sku, quantity, Decimal(price), hs)


def totals(quote: object) -> tuple[str, str, str, str]:
    return tuple(str(getattr(quote, f)) for f in ("net_total", "tax_total", "duty_total", "landed_total"))  # type: ignore[return-value]


# ---- eu ------------------------------------------------------------------------------------------
def test_eu_ioss_at_the_threshold_before_july_2026_is_vat_only() -> None:
    # eu-ioss-2021 (Directive 2006/112/EC Art. 369l; Reg. 1186/2009 Art. 23): EUR 150 to France, 20 %.
    quote = quote_order(table("eu"), "FR", [line("150.00")], MAY_2026)
    assert (quote.rule_id, quote.regime) == ("eu-ioss-2021", "ioss")
    assert totals(quote) == ("150.00", "30.00", "0.00", "180.00")
    assert quote.prices_include_tax


def test_eu_ioss_since_july_2026_adds_three_euros_per_tariff_subheading() -> None:
    # eu-ioss-2026 (Council, 11 Feb 2026): lip 2 x 19.90 + scarf 29.00 + another lip line = 2 subheadings:
    # duty 6.00; VAT DE 19 % on net + duty per line: (39.80+3)=42.80 -> 8.13; (29+3)=32 -> 6.08; 19.90 -> 3.78.
    lines = [line("19.90", 2), line("29.00", hs=SCARF, sku="SKU-2"), line("19.90", sku="SKU-3")]
    quote = quote_order(table("eu"), "DE", lines, DEC_2026)
    assert quote.rule_id == "eu-ioss-2026"
    assert [(str(x.duty), str(x.tax)) for x in quote.lines] == [("3.00", "8.13"), ("3.00", "6.08"), ("0.00", "3.78")]
    assert totals(quote) == ("88.70", "17.99", "6.00", "112.69")


def test_eu_above_150_is_import_vat_on_value_plus_duty() -> None:
    # eu-import-2021 (CN 2026: 6214 8 %, 0902 10 3.2 %): Italy 22 %. Scarf 150.01: duty 12.00, VAT on
    # 162.01 = 35.64; tea 10.00: duty 0.32, VAT on 10.32 = 2.27.
    quote = quote_order(table("eu"), "IT", [line("150.01", hs=SCARF), line("10.00", hs=TEA, sku="SKU-T")], DEC_2026)
    assert (quote.rule_id, quote.regime) == ("eu-import-2021", "import")
    assert totals(quote) == ("160.01", "37.91", "12.32", "210.24")


def test_eu_just_above_150_by_a_cent_leaves_ioss() -> None:
    assert quote_order(table("eu"), "DE", [line("150.01")], DEC_2026).rule_id == "eu-import-2021"
    assert quote_order(table("eu"), "DE", [line("150.00")], DEC_2026).rule_id == "eu-ioss-2026"


def test_eu_refuses_what_it_cannot_decide() -> None:
    eu = table("eu")
    assert "no tax rule for US" in quote_order(eu, "US", [line("10")], DEC_2026).refusal  # not shipped to
    assert "no HS code" in quote_order(eu, "DE", [line("10", hs=None)], DEC_2026).refusal  # EUR 3 per subheading
    assert "no duty rate for HS 220421" in quote_order(eu, "DE", [line("200", hs=WINE)], DEC_2026).refusal
    # After 1 July 2028 the interim duty ends and no rule is written yet: refused, never the old one.
    assert "no tax rule" in quote_order(eu, "DE", [line("10")], datetime(2028, 7, 2, tzinfo=UTC)).refusal


def test_eu_home_is_germany_and_the_room_shows_vat_inclusive() -> None:
    # eu-ioss-2026, one unit at home: (19.90 + 3.00) x 1.19 = 27.25.
    eu = table("eu")
    assert quote_order(eu, None, [line("19.90")], DEC_2026).destination == "DE"
    assert shown_unit_price(eu, Decimal("19.90"), LIP, DEC_2026) == Decimal("27.25")


# ---- mena ----------------------------------------------------------------------------------------
def test_mena_uae_duty_only_above_aed_1000() -> None:
    # ae-import-de-minimis-2018: AED 1,000 -> VAT 50.00, no duty.
    below = quote_order(table("mena"), "AE", [line("1000.00")], DEC_2026)
    assert (below.rule_id, totals(below)) == ("ae-import-de-minimis-2018", ("1000.00", "50.00", "0.00", "1050.00"))
    # ae-import-2018: AED 1,000.01 -> duty 5 % = 50.00, VAT 5 % of 1,050.01 = 52.50.
    above = quote_order(table("mena"), "AE", [line("1000.01")], DEC_2026)
    assert (above.rule_id, totals(above)) == ("ae-import-2018", ("1000.01", "52.50", "50.00", "1102.51"))


def test_mena_saudi_vat_15_below_its_de_minimis_refused_above() -> None:
    # sa-import-de-minimis-2020: SAR 1,000 = AED 979.33 at the pegs; VAT 15 % = 146.90.
    below = quote_order(table("mena"), "SA", [line("979.33")], DEC_2026)
    assert (below.rule_id, totals(below)) == ("sa-import-de-minimis-2020", ("979.33", "146.90", "0.00", "1126.23"))
    above = quote_order(table("mena"), "SA", [line("979.34")], DEC_2026)
    assert above.rule_id == "sa-import-above-de-minimis" and "tariff line" in above.refusal
    assert "no tax rule for QA" in quote_order(table("mena"), "QA", [line("10")], DEC_2026).refusal


# ---- sea -----------------------------------------------------------------------------------------
def test_sea_singapore_lvg_gst_by_date_and_threshold() -> None:
    sea = table("sea")
    # sg-lvg-2023: 8 % in 2023; sg-lvg-2024: 9 % since. SGD 400 is still low-value.
    assert totals(quote_order(sea, "SG", [line("100")], datetime(2023, 6, 1, tzinfo=UTC)))[1] == "8.00"
    at_400 = quote_order(sea, "SG", [line("400.00")], DEC_2026)
    assert (at_400.rule_id, totals(at_400)) == ("sg-lvg-2024", ("400.00", "36.00", "0.00", "436.00"))
    # sg-import-2024: above SGD 400, import GST; no duty on cosmetics; wine (chapter 22) refused.
    above = quote_order(sea, "SG", [line("400.01")], DEC_2026)
    assert (above.rule_id, totals(above)) == ("sg-import-2024", ("400.01", "36.00", "0.00", "436.01"))
    assert "no duty rate for HS 220421" in quote_order(sea, "SG", [line("401", hs=WINE)], DEC_2026).refusal
    assert "no tax rule" in quote_order(sea, "SG", [line("10")], datetime(2022, 12, 31, tzinfo=UTC)).refusal


def test_sea_malaysia_lvg_sales_tax_and_the_rest_of_the_region() -> None:
    sea = table("sea")
    # my-lvg-2024: RM 500 = SGD 144.92 (conservative rate); 10 % = 14.49. Above: refused (my-above-lvg).
    at = quote_order(sea, "MY", [line("144.92")], DEC_2026)
    assert (at.rule_id, totals(at), at.prices_include_tax) == (
        "my-lvg-2024",
        ("144.92", "14.49", "0.00", "159.41"),
        False,
    )
    assert quote_order(sea, "MY", [line("144.93")], DEC_2026).rule_id == "my-above-lvg"
    # ph-de-minimis: PHP 10,000 = SGD 208.33: nothing due; above it refused.
    ph = quote_order(sea, "PH", [line("208.33")], DEC_2026)
    assert (ph.rule_id, totals(ph)) == ("ph-de-minimis", ("208.33", "0.00", "0.00", "208.33"))
    assert not quote_order(sea, "PH", [line("208.34")], DEC_2026).accepted
    # Thailand, Indonesia, Vietnam: known, not modelled, refused with the rule's reason.
    for country, rule in (("TH", "th-not-modelled"), ("ID", "id-not-modelled"), ("VN", "vn-not-modelled")):
        refused = quote_order(sea, country, [line("5")], DEC_2026)
        assert (refused.rule_id, refused.accepted) == (rule, False) and f"rule {rule}" in refused.refusal
    assert "no tax rule for JP" in quote_order(sea, "JP", [line("5")], DEC_2026).refusal


# ---- na ------------------------------------------------------------------------------------------
def test_na_us_duty_on_every_consignment_since_august_2025() -> None:
    na = table("na")
    # us-no-de-minimis-2025 (EO 14324): a USD 50 leather handbag pays 9 % = 4.50; no sales tax by Livebase.
    bag = quote_order(na, "US", [line("50.00", hs="420221")], DEC_2026)
    assert (bag.rule_id, totals(bag), bag.prices_include_tax) == (
        "us-no-de-minimis-2025",
        ("50.00", "0.00", "4.50", "54.50"),
        False,
    )
    # Before 29 August 2025 no rule of this table: refused (the table was not written for that time).
    assert not quote_order(na, "US", [line("50.00", hs="420221")], datetime(2025, 8, 28, tzinfo=UTC)).accepted
    assert "no duty rate for HS 621410" in quote_order(na, "US", [line("30", hs=SCARF)], DEC_2026).refusal
    assert shown_unit_price(na, Decimal("30"), LIP, DEC_2026) == Decimal("30.00")  # US prices before tax


def test_na_canada_refused_because_the_province_decides() -> None:
    refused = quote_order(table("na"), "CA", [line("30")], DEC_2026)
    assert refused.rule_id == "ca-province-unknown" and "province" in refused.refusal


# ---- the tables themselves -----------------------------------------------------------------------
def test_every_selling_market_has_a_table_and_hq_none() -> None:
    assert {m: market_tax_table(m) is not None for m in ("eu", "mena", "sea", "na", "hq")} == {
        "eu": True, "mena": True, "sea": True, "na": True, "hq": False
    }  # fmt: skip


MINIMAL = """
market = "xx"
currency = "EUR"
home = "DE"
reviewed = 2026-12-07
[destinations.DE]
name = "Germany"
standard_rate = "0.19"
prices_include_tax = true
source = "a source long enough"
"""
RULE = """
[[rules]]
id = "{id}"
regime = "ioss"
summary = "a summary"
countries = ["DE"]
valid_from = {start}
up_to = "150.00"
source = "a source long enough"
"""


def test_a_table_with_overlapping_rules_or_no_source_is_refused_at_load() -> None:
    two = MINIMAL + RULE.format(id="one", start="2024-01-01") + RULE.format(id="two", start="2025-01-01")
    with pytest.raises(TaxTableError, match="rules one and two both apply"):
        parse_table(two, "xx.toml")
    with pytest.raises(TaxTableError, match="source"):
        parse_table(MINIMAL + RULE.format(id="one", start="2024-01-01").replace("a source long enough", "x"), "xx")
    with pytest.raises(TaxTableError, match="not TOML"):
        parse_table("market = ", "xx.toml")
    assert parse_table(MINIMAL + RULE.format(id="one", start="2024-01-01"), "xx.toml").rules[0].id == "one"

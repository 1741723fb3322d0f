"""The landed price through the real orders consumer on the local AWS: eu orders on the stream, priced
and taxed by the eu table (destination on the order, else home), kept on the order record with the rule
that decided; an order to a country the table does not know is rejected with the reason."""

from __future__ import annotations

import uuid
from typing import Any

from livebase.stores.orders import REJECTED, OrderStore
from livebase_local.simulator.stock import seed_stock
from tests.support.catalogue import list_sku
from tests.support.local_aws import LocalAwsStack
from tests.support.pipeline import open_pipeline, order, unique


def test_eu_orders_keep_net_tax_duty_landed_and_the_rule(local_aws: LocalAwsStack) -> None:
    eu = open_pipeline(local_aws, "eu")
    lip, scarf = (f"SKU-{kind}-{uuid.uuid4().hex[:6].upper()}" for kind in ("LIP", "SCARF"))
    seed_stock(eu.resources, {lip: 20, scarf: 20})
    list_sku(eu.resources, lip, "19.90", hs_code="330410")
    list_sku(eu.resources, scarf, "29.00", hs_code="621410")
    two_lines = [
        {"sku": lip, "quantity": 2, "unit_price": "19.90"},
        {"sku": scarf, "quantity": 1, "unit_price": "29.00"},
    ]
    home, france, japan = unique("ord-tax-home"), unique("ord-tax-fr"), unique("ord-tax-jp")
    common: dict[str, Any] = {"market": "eu", "currency": "EUR", "room_id": "eu-room-1"}
    eu.send([
        order(home, lines=two_lines, **common),
        order(france, lines=two_lines[:1], destination="FR", **common),
        order(japan, lines=two_lines[:1], destination="JP", **common),
    ])  # fmt: skip
    store = OrderStore.for_market(eu.resources)

    # eu-ioss-2026 (Council, 11 February 2026): two tariff subheadings, EUR 3 each; VAT DE 19 % of
    # 39.80 + 3 = 8.13 and of 29 + 3 = 6.08 (worked in tests/unit/test_tax_tables.py).
    record = store.get(home)
    assert record is not None and record.status == "placed"
    assert (record.total, record.net_total, record.tax_total, record.duty_total, record.landed_total) == (
        "68.80", "68.80", "14.21", "6.00", "89.01"
    )  # fmt: skip
    assert (record.tax_rule, record.destination) == ("eu-ioss-2026", "DE")
    assert [(line.hs_code, line.tax, line.duty, line.landed) for line in record.lines] == [
        ("330410", "8.13", "3.00", "50.93"), ("621410", "6.08", "3.00", "38.08")
    ]  # fmt: skip

    fr = store.get(france)  # France's 20 % of 39.80 + 3
    assert fr is not None and (fr.tax_total, fr.landed_total, fr.destination) == ("8.56", "51.36", "FR")

    jp = store.get(japan)
    assert jp is not None and jp.status == REJECTED and jp.landed_total is None
    assert "market eu has no tax rule for JP" in (jp.reason or "")

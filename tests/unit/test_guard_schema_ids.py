"""The residency guard never mistakes an identifier the event schema admits for contact data (issue 28):
an order or room id that looks like digits passes in its own field, and contact data in any other
field (or an id field holding what the schema refuses) is still refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import TypeAdapter

from livebase.aws import put_all
from livebase.commerce.orders import order_entry
from livebase.live.events import NameId, OrderId, OrderLine, OrderPlaced
from livebase.markets.config import load_markets
from livebase.privacy.guard import personal_reasons

EU = load_markets()["eu"]
DIGIT_LIKE_ORDER = "o-030-4567"  # "030-4567" is a national phone number's shape (too short for a whole one)
DIGIT_LIKE_ROOM = "room-1-42-00000123"  # digits and dashes as the simulator's counters are written
DIGIT_LIKE_SESSION = "s-2026-12-07-0930"  # a date and a time


class FakeBus:
    def __init__(self) -> None:
        self.entries: list[dict[str, object]] = []

    def put_events(self, Entries: list[dict[str, object]]) -> dict[str, object]:
        self.entries.extend(Entries)
        return {"FailedEntryCount": 0, "Entries": [{"EventId": "1"} for _ in Entries]}


def test_the_schema_admits_these_ids() -> None:
    TypeAdapter(OrderId).validate_python(DIGIT_LIKE_ORDER)
    TypeAdapter(NameId).validate_python(DIGIT_LIKE_ROOM)
    TypeAdapter(NameId).validate_python(DIGIT_LIKE_SESSION)


def test_an_order_announcement_with_digit_like_ids_is_put() -> None:
    order = OrderPlaced(
        event_id="evt-030-4567-1", type="order_placed", market="eu", room_id=DIGIT_LIKE_ROOM,
        session_id=DIGIT_LIKE_SESSION, ts=datetime(2026, 12, 3, 10, tzinfo=UTC), viewer_id="v_00112233445566778899",
        order_id=DIGIT_LIKE_ORDER, currency="EUR",
        lines=(OrderLine(sku="SKU-A1", quantity=1, unit_price=Decimal("19.90")),),
    )  # fmt: skip
    entry = order_entry(order, "bus")
    assert personal_reasons(entry) == []
    bus = FakeBus()
    put_all(bus, [entry], source=EU)
    assert json.loads(str(bus.entries[0]["Detail"]))["order_id"] == DIGIT_LIKE_ORDER


@pytest.mark.parametrize(
    "document",
    [
        {"note": DIGIT_LIKE_ORDER},  # the same text outside an id field is screened as text
        {"room_id": "+49 30 1234 5678"},  # what the schema refuses is not an id
        {"order_id": "call 030-1234567"},
        {"order_id": "o-1", "contact": "someone@example.com"},
        {"room_id": "room-0049-301234"},  # a phone number written with separators is no id (issue 31)
        {"session_id": "s-030-12345678"},
        {"note": "call +49\u200b170\u200b1234567"},  # zero-width spaces inside
        {"note": "mail someone\uff20example\uff0ecom"},  # fullwidth "@" and "."
        {"note": "+\u0664\u0669 \u0663\u0660 \u0661\u0662\u0663\u0664 \u0665\u0666\u0667\u0668"},  # Arabic-Indic digits
    ],
)
def test_contact_data_is_still_refused(document: dict[str, str]) -> None:
    assert personal_reasons(document) == ["something shaped like an email address or phone number"]

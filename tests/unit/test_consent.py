"""Consent: the pure rules (latest wins, no record = not granted) and ConsentStore on moto (in-process)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import boto3
import pytest

from livebase.privacy.consent import (
    ConsentError,
    ConsentRecord,
    Purpose,
    Source,
    allowed,
    granted_keys,
    latest,
    parse_purpose,
)
from livebase.stores.consent import ConsentStore
from tests.support.tables import string_keyed_table

REGION = "eu-central-1"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_latest_record_wins_whatever_the_order_and_no_record_is_not_granted() -> None:
    records = [
        ConsentRecord("v_a", Purpose.MARKETING, False, T0 + timedelta(hours=2)),  # withdrawn later
        ConsentRecord("v_a", Purpose.MARKETING, True, T0),
        ConsentRecord("v_b", Purpose.MARKETING, True, T0),
        ConsentRecord("v_b", Purpose.ANALYTICS, False, T0),
        ConsentRecord("v_c", Purpose.PERSONALISATION, True, T0),
    ]
    assert granted_keys(records, Purpose.MARKETING) == {"v_b"}
    assert granted_keys(records, Purpose.ANALYTICS) == set()
    assert latest(records)[("v_a", Purpose.MARKETING)].granted is False
    assert allowed(["v_c", "v_a", "v_x"], granted_keys(records, Purpose.PERSONALISATION)) == ["v_c"]


def test_bad_records_name_the_field() -> None:
    with pytest.raises(ConsentError, match="purpose: unknown 'ads'"):
        parse_purpose("ads")
    with pytest.raises(ConsentError, match="at: needs a timezone"):
        ConsentRecord("v_a", Purpose.MARKETING, True, datetime(2026, 12, 1))
    with pytest.raises(ConsentError, match="viewer_key"):
        ConsentRecord("", Purpose.MARKETING, True, T0)


@pytest.fixture
def store(aws: Any) -> ConsentStore:
    client = boto3.client("dynamodb", region_name=REGION)  # in the in-process moto ``aws`` started
    return ConsentStore(client, string_keyed_table(client, "consent", "viewer_key", "purpose"), retention_days=30)


def test_store_latest_wins_out_of_order_and_withdrawal_counts_on_the_next_read(store: ConsentStore) -> None:
    assert store.granted("v_a", Purpose.MARKETING) is False  # no record
    assert store.record("v_a", Purpose.MARKETING, True, T0) is True
    assert store.record("v_b", Purpose.MARKETING, True, T0) is True
    assert store.record("v_b", Purpose.ANALYTICS, True, T0) is True
    assert store.granted("v_a", Purpose.MARKETING) is True
    assert store.granted_keys(Purpose.MARKETING) == {"v_a", "v_b"}
    # An older statement arriving late changes nothing; a newer withdrawal does (other offset, same instant order).
    assert store.record("v_b", Purpose.MARKETING, False, T0 - timedelta(minutes=1)) is False
    later = (T0 + timedelta(minutes=1)).astimezone(timezone(timedelta(hours=8)))
    assert store.record("v_a", Purpose.MARKETING, False, later) is True
    assert store.granted_keys(Purpose.MARKETING) == {"v_b"}
    assert store.granted_keys(Purpose.PERSONALISATION) == set()


def test_store_items_expire_by_retention_and_erase_removes_every_purpose(store: ConsentStore) -> None:
    store.record("v_a", Purpose.MARKETING, True, T0)
    store.record("v_a", Purpose.ANALYTICS, False, T0)
    store.record("v_b", Purpose.ANALYTICS, True, T0)
    item = store.client.get_item(TableName=store.table, Key={"viewer_key": {"S": "v_a"}, "purpose": {"S": "marketing"}})
    assert int(item["Item"]["expires_at"]["N"]) == int((T0 + timedelta(days=30)).timestamp())
    assert {(r.purpose, r.granted, r.at) for r in store.records_of("v_a")} == {
        (Purpose.MARKETING, True, T0),
        (Purpose.ANALYTICS, False, T0),
    }
    assert store.erase("v_a") == 4  # the two records that count and the two changes kept
    assert store.records_of("v_a") == [] and store.history_of("v_a") == []
    assert store.granted_keys(Purpose.ANALYTICS) == {"v_b"}


def test_store_keeps_every_change_with_its_source_and_the_latest_counts(store: ConsentStore) -> None:
    store.record("v_a", Purpose.MARKETING, True, T0, source=Source.PLAYER)
    store.record("v_a", Purpose.MARKETING, False, T0 + timedelta(days=2), source=Source.UNSUBSCRIBE)
    assert not store.record("v_a", Purpose.MARKETING, True, T0 + timedelta(days=1), source=Source.SITE)  # late
    history = [(r.granted, r.source) for r in store.history_of("v_a")]  # in time order, the late one too
    assert history == [(True, Source.PLAYER), (True, Source.SITE), (False, Source.UNSUBSCRIBE)]
    assert not store.granted("v_a", Purpose.MARKETING) and store.granted_keys(Purpose.MARKETING) == set()
    assert [r.source for r in store.records_of("v_a")] == [Source.UNSUBSCRIBE]

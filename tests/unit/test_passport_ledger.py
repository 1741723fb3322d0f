"""The ledger table and the anchor bucket on moto: conditional appends, the race, the daily anchor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from livebase.passport.chain import FindingKind, next_entry, verify_chain
from livebase.passport.service import anchor_day, verify
from livebase.stores.anchors import AnchorStore
from livebase.stores.ledger import ChainConflict, LedgerStore
from tests.support.passport import BATCH, batch_events
from tests.support.tables import REGION, string_keyed_table

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
DAY = NOW.date().isoformat()


@pytest.fixture
def ledger(aws: Any) -> LedgerStore:
    return LedgerStore(aws, string_keyed_table(aws, "ledger", "pk", "sk"))


@pytest.fixture
def anchors(aws: Any) -> AnchorStore:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(
        Bucket="anchors", ObjectLockEnabledForBucket=True,
        CreateBucketConfiguration={"LocationConstraint": REGION},
    )  # fmt: skip
    return AnchorStore(s3, "anchors")


def test_appends_build_one_chain_and_a_redelivered_event_is_appended_once(ledger: LedgerStore) -> None:
    events = batch_events()
    for event in events:
        assert ledger.append(event, NOW).entry is not None
    again = ledger.append(events[2], NOW)
    assert again.duplicate and again.entry is None
    entries = ledger.entries(BATCH)
    assert [e.seq for e in entries] == list(range(len(events)))
    assert verify_chain(BATCH, entries).intact
    assert ledger.batches_of_day(DAY) == [BATCH]


def test_an_entry_computed_from_a_stale_head_cannot_fork_the_chain(ledger: LedgerStore) -> None:
    first, second, third = batch_events()[:3]
    ledger.append(first, NOW)
    stale_head = ledger.head(BATCH)
    ledger.append(second, NOW)  # another writer got there first
    fork = next_entry(stale_head, third)  # position 1 again, after the stale head
    with pytest.raises(ChainConflict, match="position 1 is taken"):
        ledger.append_entry(fork, NOW)
    assert [e.event_id for e in ledger.entries(BATCH)] == [first.event_id, second.event_id]


def test_a_writer_that_loses_the_race_appends_after_the_winner(ledger: LedgerStore) -> None:
    """Writer A reads the head, writer B appends, then A writes: A's transaction is cancelled, it
    re-reads the head and appends after B (the threaded race runs on the moto server:
    tests/integration/test_passport_api.py)."""
    first, mine, theirs = batch_events()[:3]
    ledger.append(first, NOW)
    other = LedgerStore(ledger.dynamodb, ledger.table)
    real_head = ledger.head
    interleaved: list[Any] = []

    def head_then_lose(batch_id: str) -> Any:
        head = real_head(batch_id)
        if not interleaved:
            interleaved.append(other.append(theirs, NOW))  # B commits between A's read and write
        return head

    ledger.head = head_then_lose  # type: ignore[method-assign]
    result = ledger.append(mine, NOW)
    assert result.attempts == 2 and result.entry is not None and result.entry.seq == 2
    entries = other.entries(BATCH)
    assert [e.event_id for e in entries] == [first.event_id, theirs.event_id, mine.event_id]
    assert verify_chain(BATCH, entries).intact


def test_the_day_anchor_is_locked_and_verifies_the_chain(ledger: LedgerStore, anchors: AnchorStore) -> None:
    for batch in (BATCH, "SEA-BATCH-0002"):
        for event in batch_events(batch=batch):
            ledger.append(event, NOW)
    # retained from the real clock: S3 lets a version whose retention has passed be deleted
    done = anchor_day(ledger, anchors, "sea", DAY, datetime.now(UTC) + timedelta(days=30))
    assert [h.batch_id for h in done.heads] == [BATCH, "SEA-BATCH-0002"] and not done.refused
    retention = anchors.retention(done.key, done.version_id)
    assert retention["Mode"] == "COMPLIANCE"
    with pytest.raises(ClientError, match="AccessDenied"):
        anchors.s3.delete_object(Bucket="anchors", Key=done.key, VersionId=done.version_id)
    checked = verify(ledger, anchors, BATCH)
    assert checked.verification.intact and checked.anchor is not None and checked.anchor.included
    assert checked.anchor.root == done.root


def test_a_chain_edited_in_the_table_after_anchoring_is_caught(ledger: LedgerStore, anchors: AnchorStore) -> None:
    for event in batch_events():
        ledger.append(event, NOW)
    anchor_day(ledger, anchors, "sea", DAY, NOW + timedelta(days=30))
    table = ledger.table
    ledger.dynamodb.delete_item(TableName=table, Key={"pk": {"S": f"batch#{BATCH}"}, "sk": {"S": "entry#0000000005"}})
    findings = verify(ledger, anchors, BATCH).verification.findings
    assert [(f.kind, f.seq) for f in findings] == [(FindingKind.REMOVED, 5)]


def test_a_broken_chain_is_not_anchored(ledger: LedgerStore, anchors: AnchorStore) -> None:
    for event in batch_events():
        ledger.append(event, NOW)
    ledger.dynamodb.update_item(
        TableName=ledger.table, Key={"pk": {"S": f"batch#{BATCH}"}, "sk": {"S": "entry#0000000003"}},
        UpdateExpression="SET event_hash = :h", ExpressionAttributeValues={":h": {"S": "0" * 64}},
    )  # fmt: skip
    done = anchor_day(ledger, anchors, "sea", DAY, NOW + timedelta(days=30))
    assert done.heads == [] and done.key == "" and "tampered" in done.refused[BATCH]

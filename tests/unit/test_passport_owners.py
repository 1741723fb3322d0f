"""Passport batches have owners (issue 31): the supplier whose event opened the batch, or the one the
base granted it to first. Another supplier's event is refused (through the intake: to the DLQ with
the reason), however it is written (a fork of the chain, a new event id, the owner's own event ids),
and event ids are scoped to their signer: no supplier can take an id the owner then cannot use."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livebase.batches.quarantine import REASON_ATTRIBUTE
from livebase.passport.events import parse_event
from livebase.passport.owners import FOREIGN_BATCH, NotOwner
from livebase.passport.signing import sign
from livebase.stores.ledger import LedgerStore
from tests.support.lambda_events import CONTEXT, sample, with_bodies
from tests.support.passport import BATCH, KEY, SAMPLE_SUPPLIER, SUPPLIER, PassportMarket, batch_events
from tests.support.tables import string_keyed_table

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
OTHER = "sup-hanoi-07"
BROKER = "broker-sg-01"


@pytest.fixture
def ledger(aws: Any) -> LedgerStore:
    return LedgerStore(aws, string_keyed_table(aws, "ledger", "pk", "sk"))


def as_supplier(index: int, supplier: str, event_id: str | None = None, batch: str = BATCH) -> Any:
    """The ``index``-th sample event of ``batch``, signed as ``supplier`` (and with ``event_id``, if given)."""
    value = batch_events(batch)[index].model_dump(mode="json")
    return parse_event({**value, "supplier_id": supplier, **({"event_id": event_id} if event_id else {})})


def test_the_first_event_makes_its_signer_the_owner_and_another_supplier_is_refused(ledger: LedgerStore) -> None:
    ledger.append(as_supplier(0, SUPPLIER), NOW)
    owner = ledger.owner(BATCH)
    assert owner is not None and (owner.supplier_id, owner.source) == (SUPPLIER, "first_event")
    with pytest.raises(NotOwner, match=re.escape(FOREIGN_BATCH)):
        ledger.append(as_supplier(1, OTHER), NOW)
    assert [e.event["supplier_id"] for e in ledger.entries(BATCH)] == [SUPPLIER]


def test_event_ids_are_scoped_to_their_signer(ledger: LedgerStore) -> None:
    """A granted supplier's event with the owner's next id does not take it from the owner."""
    ledger.append(as_supplier(0, SUPPLIER), NOW)
    ledger.grant(BATCH, BROKER, NOW)
    taken = f"{BATCH}-e1"
    assert ledger.append(as_supplier(2, BROKER, event_id=taken), NOW).entry is not None
    mine = ledger.append(as_supplier(1, SUPPLIER, event_id=taken), NOW)
    assert mine.entry is not None and not mine.duplicate
    assert [(e.event["supplier_id"], e.event_id) for e in ledger.entries(BATCH)] == [
        (SUPPLIER, f"{BATCH}-e0"), (BROKER, taken), (SUPPLIER, taken),
    ]  # fmt: skip
    assert ledger.append(as_supplier(2, BROKER, event_id=taken), NOW).duplicate  # their own redelivery


def test_a_base_grant_before_the_first_event_keeps_the_batch_from_a_squatter(ledger: LedgerStore) -> None:
    assert ledger.grant(BATCH, SUPPLIER, NOW).source == "grant"
    with pytest.raises(NotOwner):
        ledger.append(as_supplier(0, OTHER), NOW)
    assert ledger.append(as_supplier(0, SUPPLIER), NOW).entry is not None
    assert ledger.grants(BATCH) == []
    ledger.grant(BATCH, BROKER, NOW)
    assert ledger.grants(BATCH) == [BROKER] and ledger.owner(BATCH).supplier_id == SUPPLIER  # type: ignore[union-attr]


suppliers = st.from_regex(r"\Asup-[a-z]{3,8}-[0-9]{2}\Z")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(intruder=suppliers, index=st.integers(0, 5), reuse_id=st.booleans(), opened=st.integers(1, 3))
def test_a_fork_or_squat_of_another_suppliers_batch_is_refused(
    ledger: LedgerStore, intruder: str, index: int, reuse_id: bool, opened: int
) -> None:
    """Whatever the intruder sends (any kind, a fresh id or one the owner used, after any number of the
    owner's events), it is refused and the owner's chain and ids are untouched."""
    # letters only: an all-digit hex digest would make a phone-number-shaped id, which the schema refuses
    digest = hashlib.sha256(f"{intruder}{index}{reuse_id}{opened}".encode()).hexdigest()[:10]
    batch = "B-" + digest.translate(str.maketrans("0123456789abcdef", "GHIJKLMNOPABCDEF"))
    if intruder == SUPPLIER:
        return
    for n in range(opened):
        ledger.append(as_supplier(n, SUPPLIER, batch=batch), NOW)
    event_id = f"{batch}-e{opened}" if reuse_id else f"{batch}-x{index}"
    with pytest.raises(NotOwner):
        ledger.append(as_supplier(index, intruder, event_id=event_id, batch=batch), NOW)
    assert ledger.append(as_supplier(opened, SUPPLIER, event_id=f"{batch}-e{opened}", batch=batch), NOW).entry
    assert {e.event["supplier_id"] for e in ledger.entries(batch)} == {SUPPLIER}


def test_the_intake_sends_an_event_for_another_suppliers_batch_to_the_dlq_with_the_reason(aws: Any) -> None:
    market = PassportMarket()
    intake = market.handler("passport_intake")
    owner_event = sign(as_supplier(0, SUPPLIER), KEY).model_dump(mode="json")
    fork = sign(as_supplier(1, SAMPLE_SUPPLIER), KEY).model_dump(mode="json")  # a known supplier, signed right
    batch = with_bodies(sample("sqs_passport_supply_event"), json.dumps(owner_event), json.dumps(fork))
    assert intake.lambda_handler(batch, CONTEXT) == {"batchItemFailures": []}
    letters = market.dead_letters()
    assert [m["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"] for m in letters] == [FOREIGN_BATCH]
    assert [e.event["supplier_id"] for e in market.ledger.entries(BATCH)] == [SUPPLIER]


def test_the_base_grants_a_batch_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    from livebase_local.commands.cli import build_parser

    args = build_parser().parse_args(["passport-grant", "eu", "EU-BATCH-0042", "sup-lyon-02"])
    assert (args.command, args.batch, args.supplier) == ("passport-grant", "EU-BATCH-0042", "sup-lyon-02")
    for bad in (["eu", "eu batch", "sup-lyon-02"], ["eu", "EU-BATCH-0042", "sup@lyon"]):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["passport-grant", *bad])
    assert "not a" in capsys.readouterr().err

"""Fuzzed SQS messages into the receiving and fulfilment handlers (moto in-process).

Whatever a message holds, the handler neither raises nor asks for a redelivery it cannot use
(only transient errors are batch item failures), and nothing is lost: a message its contract
refuses is on the queue's DLQ, body as received, with a reason that names fields and never
echoes the input. Mutations start from the sample events, so most examples are nearly valid.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from livebase.batches.quarantine import CONDITION_ATTRIBUTE, REASON_ATTRIBUTE, SOURCE_MESSAGE_ATTRIBUTE
from livebase.commerce.fulfilment import ShipmentUpdate
from livebase.replenishment.receiving import GoodsReceipt
from tests.support.lambda_events import CONTEXT, sample, with_bodies
from tests.support.moto_market import Market

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)


def _mutations(base: dict[str, Any]) -> st.SearchStrategy[str]:
    """A body: the sample with one field replaced, removed or added, or any text at all."""
    keys = sorted(base)
    replaced = st.tuples(st.sampled_from(keys), json_values).map(lambda kv: {**base, kv[0]: kv[1]})
    removed = st.sampled_from(keys).map(lambda k: {f: v for f, v in base.items() if f != k})
    added = st.tuples(st.text(min_size=1, max_size=12), json_values).map(lambda kv: {**base, kv[0]: kv[1]})
    as_json = st.one_of(replaced, removed, added).map(json.dumps)
    return st.one_of(as_json, st.text(max_size=200))


def _dead_letters(market: Market, queue_url: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while batch := market.dead_letters(queue_url):
        found += batch
        for message in batch:
            market.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return found


def _refused_by(contract: type[BaseModel]) -> Callable[[str], bool]:
    def refused(body: str) -> bool:
        try:
            contract.model_validate_json(body)
        except ValidationError:
            return True
        return False

    return refused


CASES = [
    ("receiving", "sqs_goods_receipt", "goods_receipts_dlq_url", GoodsReceipt, "eu"),
    ("fulfilment", "sqs_shipment_update", "shipment_updates_dlq_url", ShipmentUpdate, "sea"),
]


@pytest.mark.parametrize(("function", "sample_name", "dlq_field", "contract", "market_id"), CASES)
def test_any_message_is_handled_or_dead_lettered_with_a_reason(
    aws: None, function: str, sample_name: str, dlq_field: str, contract: type[BaseModel], market_id: str
) -> None:
    market = Market(market_id)
    module = market.handler(function)
    event = sample(sample_name)
    base = json.loads(event["Records"][0]["body"])
    dlq = getattr(market.resources, dlq_field)
    refused = _refused_by(contract)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(bodies=st.lists(_mutations(base), min_size=1, max_size=4))
    def check(bodies: list[str]) -> None:
        batch = with_bodies(event, *bodies)
        sent = {record["messageId"]: record["body"] for record in batch["Records"]}
        assert module.lambda_handler(batch, CONTEXT) == {"batchItemFailures": []}
        dead = {m["MessageAttributes"][SOURCE_MESSAGE_ATTRIBUTE]["StringValue"]: m for m in _dead_letters(market, dlq)}
        assert set(dead) <= set(sent)
        for message_id, body in sent.items():
            if refused(body):  # the contract refuses it: it must be on the DLQ, not dropped
                assert message_id in dead, f"lost: {body!r}"
        for message_id, message in dead.items():
            reason = message["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"]
            assert message["Body"] == sent[message_id] and reason and len(reason) <= 500
            assert message["MessageAttributes"][CONDITION_ATTRIBUTE]["StringValue"]
            body = sent[message_id]
            if len(body) >= 12 and not body.startswith("{"):
                assert body not in reason  # free text is never echoed

    check()

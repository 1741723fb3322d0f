"""Lambda's filter criteria as the local runner applies them to Kinesis records."""

from __future__ import annotations

import base64
import json

import pytest

from livebase_local.runner.record_filters import RecordFilter, UnsupportedFilter

ORDERS = '{"data": {"type": ["order_placed", "order_cancelled", "refund"]}}'


def record(data: bytes | str, key: str = "pk") -> dict[str, object]:
    return {"PartitionKey": key, "Data": data}


def test_only_matching_json_records_are_kept() -> None:
    orders = RecordFilter([ORDERS])
    assert orders.keeps(record(b'{"type": "order_placed", "order_id": "o1"}'))
    assert orders.keeps(record(b'{"type": "refund"}'))
    assert not orders.keeps(record(b'{"type": "like"}'))
    assert not orders.keeps(record(b'{"kind": "order_placed"}'))  # the field must be there
    assert not orders.keeps(record(b'{"type": "order_placed"'))  # not JSON: data filters never match
    assert not orders.keeps(record(b'["order_placed"]'))
    assert not orders.keeps(record(b'{"type": ["order_placed"]}'))  # a list is not the value


def test_nested_fields_metadata_any_of_several_patterns_and_base64_data() -> None:
    either = RecordFilter(['{"data": {"line": {"sku": ["A"]}}}', '{"partitionKey": ["vip"]}'])
    assert either.keeps(record(b'{"line": {"sku": "A"}}'))
    assert not either.keeps(record(b'{"line": {"sku": "B"}}'))
    assert either.keeps(record(b"not json", key="vip"))
    encoded = base64.b64encode(json.dumps({"type": "refund"}).encode()).decode()
    assert RecordFilter([ORDERS]).keeps(record(encoded))  # as in a Lambda event


def test_no_patterns_keeps_everything() -> None:
    everything = RecordFilter([])
    assert not everything and everything.keeps(record(b"anything"))


@pytest.mark.parametrize(
    "pattern",
    [
        '{"data": {"type": [{"prefix": "order"}]}}',  # content filters are not implemented locally
        '{"data": {"type": []}}',
        '{"data": {"type": "order_placed"}}',
        '{"eventSource": ["aws:kinesis"]}',
    ],
)
def test_rules_the_runner_cannot_apply_are_refused_not_ignored(pattern: str) -> None:
    with pytest.raises(UnsupportedFilter):
        RecordFilter([pattern])

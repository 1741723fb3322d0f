"""The settlement ledger of every selling market (``components/settlement.py``) on the synthesised templates."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_cdk.components.settlement import FUNCTION_VARIABLES
from livebase.markets.resources import OUTPUTS
from livebase.settlement.fees import FEES_VARIABLE, FeeSchedule, load_fees
from livebase.signals.orders import LIFE_SIGNALS, ORDER_PLACED, ORDER_REJECTED
from livebase.stores.settlement import DAY_INDEX
from tests.infra.stacks import HQ, SELLING, function_environment, key_arn, resources


def _settlement(raw: dict[str, Any], cfn_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in resources(raw, cfn_type).items() if k.startswith("Settlement")}


def _function(raw: dict[str, Any], market_id: str, name: str) -> tuple[str, dict[str, Any]]:
    [found] = [
        (k, f["Properties"]) for k, f in resources(raw, "AWS::Lambda::Function").items()
        if f["Properties"]["FunctionName"] == f"livebase-{market_id}-{name}"
    ]  # fmt: skip
    return found


def _statements(raw: dict[str, Any], function_id: str) -> list[dict[str, Any]]:
    role = raw["Resources"][function_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    return [
        s for p in resources(raw, "AWS::IAM::Policy").values() if {"Ref": role} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]  # fmt: skip


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return actions if isinstance(actions, list) else [actions]


@pytest.mark.parametrize("market_id", SELLING)
def test_the_ledger_is_an_encrypted_retained_table_with_its_day_index(synthesised: Any, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    [(table_id, table)] = _settlement(raw, "AWS::DynamoDB::Table").items()
    props = table["Properties"]
    assert table["DeletionPolicy"] == "Retain"
    assert props["SSESpecification"]["KMSMasterKeyId"] == key_arn(raw) and props["SSESpecification"]["SSEEnabled"]
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert [i["IndexName"] for i in props["GlobalSecondaryIndexes"]] == [DAY_INDEX]
    assert raw["Outputs"][OUTPUTS["settlement_ledger_table"][0]]["Value"] == {"Ref": table_id}


@pytest.mark.parametrize("market_id", SELLING)
def test_the_order_signals_reach_the_queue_and_what_cannot_goes_to_its_dlq(synthesised: Any, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    [rule] = _settlement(raw, "AWS::Events::Rule").values()
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["livebase.orders", "livebase.replenishment"]
    assert set(pattern["detail-type"]) == {ORDER_PLACED, ORDER_REJECTED, *LIFE_SIGNALS, "GoodsReceived"}
    [target] = rule["Properties"]["Targets"]
    queues = _settlement(raw, "AWS::SQS::Queue")
    [queue_id] = [k for k, q in queues.items() if "RedrivePolicy" in q["Properties"]]
    [dlq_id] = [k for k in queues if k != queue_id]
    assert target["Arn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": [dlq_id, "Arn"]}
    assert all(q["Properties"]["KmsMasterKeyId"] == key_arn(raw) for q in queues.values())
    [mapping] = [
        m["Properties"] for m in resources(raw, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    ]  # fmt: skip
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


@pytest.mark.parametrize("market_id", SELLING)
def test_the_function_reads_orders_only_and_knows_its_fee_schedule(synthesised: Any, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    function_id, function = _function(raw, market_id, "settlement")
    variables = function_environment(raw, function)
    assert FeeSchedule.model_validate_json(variables[FEES_VARIABLE]) == load_fees(market_id)
    assert {OUTPUTS[f][1] for f in FUNCTION_VARIABLES} <= set(variables)
    assert json.loads(variables["MARKET_CONFIG"])["id"] == market_id
    for prefix in ("TablesOrders", "TablesPurchaseOrders"):  # read one item at a time, never written
        table = next(k for k in resources(raw, "AWS::DynamoDB::Table") if k.startswith(prefix))
        on_table = [s for s in _statements(raw, function_id) if f'"{table}"' in json.dumps(s["Resource"])]
        assert [_actions(s) for s in on_table] == [["dynamodb:GetItem"]], prefix
    assert not any(a.startswith("events:") for s in _statements(raw, function_id) for a in _actions(s))


@pytest.mark.parametrize("market_id", SELLING)
def test_the_fulfilment_function_may_put_the_life_signals(synthesised: Any, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    function_id, _ = _function(raw, market_id, "fulfilment")
    assert any("events:PutEvents" in _actions(s) for s in _statements(raw, function_id))


@pytest.mark.parametrize("market_id", HQ)
def test_hq_holds_no_ledger(synthesised: Any, market_id: str) -> None:
    assert not _settlement(synthesised.raw(market_id), "AWS::DynamoDB::Table")

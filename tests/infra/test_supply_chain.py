"""The supply chain's queues and consumers in every selling market (``components/supply_chain.py``).

``goods-receipts`` → ``receiving``, ``shipment-updates`` and ``order-returns`` → ``fulfilment``: KMS-encrypted,
SSL-only queues, each with its own DLQ and a max receive count; SQS event sources that report
partial batch failures; roles that reach only what each handler uses.
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Capture, Match

from infra_cdk.components.supply_chain import BATCH_SIZE, MAX_RECEIVE_COUNT
from livebase.markets.config import load_markets, selling_markets
from livebase.markets.resources import OUTPUTS
from tests.infra.stacks import function_environment

SELLING = [m.id for m in selling_markets(load_markets())]
CONSUMERS = {"receiving": "GoodsReceipts", "fulfilment": "ShipmentUpdates"}


def _of_type(raw: dict[str, Any], cfn_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in raw["Resources"].items() if v["Type"] == cfn_type}


def _one(raw: dict[str, Any], cfn_type: str, prefix: str) -> str:
    [logical_id] = [k for k in _of_type(raw, cfn_type) if k.startswith(prefix)]
    return logical_id


def _function_id(raw: dict[str, Any], function: str) -> str:
    [found] = [
        k
        for k, f in _of_type(raw, "AWS::Lambda::Function").items()
        if f["Properties"]["FunctionName"] == f"livebase-{raw['_market']}-{function}"
    ]
    return found


def _raw(synthesised: Any, market_id: str) -> dict[str, Any]:
    return {**synthesised.raw(market_id), "_market": market_id}


def _statements(raw: dict[str, Any], function_id: str) -> list[dict[str, Any]]:
    role_id = raw["Resources"][function_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for policy in _of_type(raw, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _targets(statement: dict[str, Any]) -> set[str]:
    resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
    return {r["Fn::GetAtt"][0] for r in resources if isinstance(r, dict) and "Fn::GetAtt" in r}


@pytest.mark.parametrize("market_id", SELLING)
@pytest.mark.parametrize("function", sorted(CONSUMERS))
def test_queue_with_its_own_dlq_encrypted_and_ssl_only(synthesised, market_id: str, function: str) -> None:
    template, raw = synthesised.template(market_id), _raw(synthesised, market_id)
    prefix = f"SupplyChain{CONSUMERS[function]}"
    queue_id, dlq_id = _one(raw, "AWS::SQS::Queue", f"{prefix}Queue"), _one(raw, "AWS::SQS::Queue", f"{prefix}Dlq")
    key = Capture()
    template.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "KmsMasterKeyId": key,
            "RedrivePolicy": {
                "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
                "maxReceiveCount": MAX_RECEIVE_COUNT,
            },
            "VisibilityTimeout": 360,  # six times the function's timeout
        },
    )
    assert key.as_object() == {"Fn::GetAtt": [_one(raw, "AWS::KMS::Key", "EncryptionKey"), "Arn"]}
    assert raw["Resources"][dlq_id]["Properties"]["KmsMasterKeyId"] == key.as_object()
    assert raw["Resources"][dlq_id]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    for queue in (queue_id, dlq_id):
        template.has_resource_properties(
            "AWS::SQS::QueuePolicy",
            {
                "Queues": [{"Ref": queue}],
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                    )
                },
            },
        )
    alarms = _of_type(raw, "AWS::CloudWatch::Alarm")
    assert any(k.startswith(f"Alarms{CONSUMERS[function]}DlqNotEmpty") for k in alarms)


@pytest.mark.parametrize("market_id", SELLING)
@pytest.mark.parametrize("function", sorted(CONSUMERS))
def test_function_fed_by_its_queue_with_partial_batch_failures(synthesised, market_id: str, function: str) -> None:
    template, raw = synthesised.template(market_id), _raw(synthesised, market_id)
    function_id = _function_id(raw, function)
    queue_id = _one(raw, "AWS::SQS::Queue", f"SupplyChain{CONSUMERS[function]}Queue")
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "FunctionName": {"Ref": function_id},
            "EventSourceArn": {"Fn::GetAtt": [queue_id, "Arn"]},
            "BatchSize": BATCH_SIZE,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        },
    )
    props = raw["Resources"][function_id]["Properties"]
    assert props["Handler"] == "handler.lambda_handler" and props["Runtime"] == "python3.12"
    assert props["Timeout"] == 60 and props["TracingConfig"] == {"Mode": "Active"}
    variables = function_environment(raw, props)
    assert {var for _, var in OUTPUTS.values()} | {"MARKET", "MARKET_CONFIG"} <= set(variables)
    assert variables["POWERTOOLS_SERVICE_NAME"] == function
    dlq_var = OUTPUTS[f"{'goods_receipts' if function == 'receiving' else 'shipment_updates'}_dlq_url"][1]
    assert variables[dlq_var] == {"Ref": _one(raw, "AWS::SQS::Queue", f"SupplyChain{CONSUMERS[function]}Dlq")}


@pytest.mark.parametrize("market_id", SELLING)
def test_the_order_returns_queue_feeds_the_fulfilment_function(synthesised, market_id: str) -> None:
    template, raw = synthesised.template(market_id), _raw(synthesised, market_id)
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "FunctionName": {"Ref": _function_id(raw, "fulfilment")},
            "EventSourceArn": {"Fn::GetAtt": [_one(raw, "AWS::SQS::Queue", "SupplyChainOrderReturnsQueue"), "Arn"]},
            "BatchSize": BATCH_SIZE,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        },
    )
    queue = raw["Resources"][_one(raw, "AWS::SQS::Queue", "SupplyChainOrderReturnsQueue")]["Properties"]
    dlq = _one(raw, "AWS::SQS::Queue", "SupplyChainOrderReturnsDlq")
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [dlq, "Arn"]},
                                      "maxReceiveCount": MAX_RECEIVE_COUNT}  # fmt: skip
    assert "KmsMasterKeyId" in queue
    alarms = [a for a in _of_type(raw, "AWS::CloudWatch::Alarm").values() if dlq in str(a["Properties"])]
    assert alarms, "the order-returns DLQ has an alarm"


@pytest.mark.parametrize("market_id", SELLING)
def test_roles_reach_only_what_each_handler_uses(synthesised, market_id: str) -> None:
    raw = _raw(synthesised, market_id)
    tables = {k for k in _of_type(raw, "AWS::DynamoDB::Table")}
    expected = {
        "receiving": {
            "tables": {_one(raw, "AWS::DynamoDB::Table", p) for p in ("TablesPurchaseOrders", "TablesInventory")},
            "puts_events": True,
        },
        "fulfilment": {  # an order's life: its state, the stock that follows, the room's money
            "tables": {
                _one(raw, "AWS::DynamoDB::Table", p) for p in ("TablesOrders", "TablesInventory", "TablesRoomMetrics")
            },
            "puts_events": True,  # the order's life signals (shipped, returned, refunded) for settlement
        },
    }
    own_queues = {"receiving": ("SupplyChainGoodsReceipts",),
                  "fulfilment": ("SupplyChainShipmentUpdates", "SupplyChainOrderReturns")}  # fmt: skip
    for function, wanted in expected.items():
        statements = _statements(raw, _function_id(raw, function))
        dynamo = set().union(*(_targets(s) for s in statements if any(a.startswith("dynamodb:") for a in s["Action"])))
        assert dynamo & tables == wanted["tables"], function
        puts = [s for s in statements if "events:PutEvents" in s["Action"]]
        assert bool(puts) is wanted["puts_events"], function
        assert set().union(*(_targets(s) for s in puts)) <= {_one(raw, "AWS::Events::EventBus", "MessagingBus")}
        assert all(s["Resource"] != "*" for s in puts), function  # the market's bus only
        sends = set().union(*(_targets(s) for s in statements if "sqs:SendMessage" in s["Action"]))
        own_dlqs = {_one(raw, "AWS::SQS::Queue", f"{p}Dlq") for p in own_queues[function]}
        # receiving also sends Livebase's cancels of short-delivered presales to the order lifecycle's queue
        lifecycle = {_one(raw, "AWS::SQS::Queue", "SupplyChainOrderReturnsQueue")} if function == "receiving" else set()
        assert sends == own_dlqs | lifecycle  # its own DLQs, and nothing else
        receives = set().union(*(_targets(s) for s in statements if "sqs:ReceiveMessage" in s["Action"]))
        assert receives == {_one(raw, "AWS::SQS::Queue", f"{p}Queue") for p in own_queues[function]}
        assert not any("s3:" in str(s["Action"]) or "kinesis:" in str(s["Action"]) for s in statements)


@pytest.mark.parametrize("market_id", SELLING)
def test_queue_urls_are_stack_outputs(synthesised, market_id: str) -> None:
    raw = _raw(synthesised, market_id)
    for field, prefix in (
        ("goods_receipts_queue_url", "SupplyChainGoodsReceiptsQueue"),
        ("goods_receipts_dlq_url", "SupplyChainGoodsReceiptsDlq"),
        ("shipment_updates_queue_url", "SupplyChainShipmentUpdatesQueue"),
        ("shipment_updates_dlq_url", "SupplyChainShipmentUpdatesDlq"),
        ("order_returns_queue_url", "SupplyChainOrderReturnsQueue"),
        ("order_returns_dlq_url", "SupplyChainOrderReturnsDlq"),
    ):
        output = raw["Outputs"][OUTPUTS[field][0]]
        assert output["Value"] == {"Ref": _one(raw, "AWS::SQS::Queue", prefix)}

"""Rules and targets on every selling market's bus (infra_cdk/components/signals.py), on the templates.

The shared synthesis (``synthesised``: the real app, cdk-nag on) covers the default markets; one
more synthesis, once per module, covers a market that names its ops contacts and a Prefect API.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, get_args, get_origin

import pytest
from aws_cdk.assertions import Capture, Match, Template

from infra_cdk.components.signals import (
    ALERT_CLASSES,
    PREFECT_EVENT_PREFIX,
    PREFECT_MARKET_RESOURCE_PREFIX,
    TARGET_MAX_EVENT_AGE,
    TARGET_RETRY_ATTEMPTS,
)
from livebase.markets.config import load_markets, selling_markets
from livebase.markets.resources import OUTPUTS
from livebase.signals import BusSignal
from livebase.signals.rooms import DETAIL_TYPES, EVIDENCE_FIELDS, ROOM_EVENT_SOURCE, RoomAlert
from livebase.signals.stock import STOCK_EVENT_SOURCE, STOCK_LOW, STOCK_OUT, StockLevel
from livebase.signals.supply import PO_CREATED, PO_EVENT_SOURCE
from tests.support.signals import Recorder, delivered, stock_low

MARKETS = load_markets()
SELLING = [m.id for m in selling_markets(MARKETS)]
RETRIES = {"MaximumRetryAttempts": TARGET_RETRY_ATTEMPTS, "MaximumEventAgeInSeconds": TARGET_MAX_EVENT_AGE.to_seconds()}
RULES = {  # rule (construct id prefix) -> its pattern
    "SignalsRoomAlertsToOps": {"source": [ROOM_EVENT_SOURCE], "detail-type": list(DETAIL_TYPES.values())},
    "SignalsPurchaseOrdersToSuppliers": {"source": [PO_EVENT_SOURCE], "detail-type": [PO_CREATED]},
    "SignalsStockSignalsToReplenish": {"source": [STOCK_EVENT_SOURCE], "detail-type": [STOCK_LOW, STOCK_OUT]},
}
TARGETS = {  # rule -> its targets: (target resource, its DLQ), as construct id prefixes
    "SignalsRoomAlertsToOps": [
        ("SignalsOpsTopic", "SignalsOpsAlertsDlq"),
        ("SignalsRoomAlertSignalsQueue", "SignalsRoomAlertSignalsDlq"),  # → the Prefect bridge
    ],
    "SignalsPurchaseOrdersToSuppliers": [("SignalsSupplierOrdersQueue", "SignalsSupplierOrdersDlq")],
    "SignalsStockSignalsToReplenish": [("SignalsReplenishSignalsQueue", "SignalsReplenishSignalsDlq")],
}
SIGNAL_QUEUES = ("SignalsSupplierOrders", "SignalsReplenishSignals", "SignalsRoomAlertSignals")
CONFIGURED = "sea"
OPS_EMAIL = "live-ops@example.com"
OPS_WEBHOOK = "https://chat.example.com/hooks/live-ops"
PREFECT_URL = "https://api.prefect.cloud/api/accounts/acc/workspaces/ws"
PREFECT_SECRET = "livebase/sea/prefect-api-key"
STOCK_SIGNAL_PATTERN = RULES["SignalsStockSignalsToReplenish"]
VIEWER = "v_00112233445566778899aabb"


def logical_id(raw: dict[str, Any], prefix: str) -> str:
    kinds = ("AWS::SNS::Topic", "AWS::SQS::Queue", "AWS::Events::Rule")
    [found] = [k for k, v in raw["Resources"].items() if k.startswith(prefix) and v["Type"] in kinds]
    return found


def arn_of(raw: dict[str, Any], prefix: str) -> dict[str, Any]:
    lid = logical_id(raw, prefix)
    return {"Ref": lid} if raw["Resources"][lid]["Type"] == "AWS::SNS::Topic" else {"Fn::GetAtt": [lid, "Arn"]}


@pytest.fixture(scope="module")
def configured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Template, dict[str, Any], Path]]:
    """``sea`` with ops contacts and a Prefect API: synthesised once, cdk-nag on."""
    from infra_cdk.app import build_app

    table = json.loads(Path("cdk.json").read_text())["context"]["markets"]
    settings = {
        **table[CONFIGURED],
        "ops_contacts": {"emails": [OPS_EMAIL], "webhooks": [OPS_WEBHOOK]},
        "prefect": {"api_url": PREFECT_URL + "/", "api_key_secret_name": PREFECT_SECRET},
    }
    outdir = tmp_path_factory.mktemp("cdk.out.configured")
    assembly = build_app(outdir=str(outdir), markets={CONFIGURED: settings}).synth()
    raw = assembly.get_stack_by_name(f"Livebase-{CONFIGURED}").template
    yield Template.from_json(raw), raw, outdir


@pytest.mark.parametrize("market_id", SELLING)
@pytest.mark.parametrize("rule", list(RULES))
def test_each_rule_on_the_market_bus_with_its_pattern_target_dlq_and_retries(
    synthesised, market_id: str, rule: str
) -> None:
    raw = synthesised.raw(market_id)
    template = synthesised.template(market_id)
    bus = Capture()
    rule_props = raw["Resources"][logical_id(raw, rule)]["Properties"]
    assert rule_props["EventPattern"] == RULES[rule]
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventBusName": bus,
            "EventPattern": RULES[rule],
            "Targets": [
                Match.object_like(
                    {
                        "Arn": arn_of(raw, target),
                        "DeadLetterConfig": {"Arn": arn_of(raw, dlq)},
                        "RetryPolicy": RETRIES,
                    }
                )
                for target, dlq in TARGETS[rule]
            ],
        },
    )
    assert raw["Resources"][bus.as_object()["Ref"]]["Properties"]["Name"] == f"livebase-{market_id}"
    for target in rule_props["Targets"]:
        assert "InputTransformer" not in target  # the event as delivered: the documented contract


@pytest.mark.parametrize("market_id", SELLING)
def test_ops_topic_and_signal_queues_encrypted_with_the_market_key_tls_only(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    template = synthesised.template(market_id)
    [key_id] = [  # the market's data key (its HMAC pseudonym key is another)
        k for k, v in raw["Resources"].items() if v["Type"] == "AWS::KMS::Key" and "Pseudonym" not in k
    ]
    key = {"Fn::GetAtt": [key_id, "Arn"]}
    topic = logical_id(raw, "SignalsOpsTopic")
    assert raw["Resources"][topic]["Properties"]["KmsMasterKeyId"] == key
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "Topics": [{"Ref": topic}],
            "PolicyDocument": Match.object_like(
                {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                            ),
                            Match.object_like(
                                {
                                    "Effect": "Allow",
                                    "Action": "sns:Publish",
                                    "Principal": {"Service": "events.amazonaws.com"},
                                }
                            ),
                        ]
                    )
                }
            ),
        },
    )
    for prefix in SIGNAL_QUEUES:
        queue = raw["Resources"][logical_id(raw, f"{prefix}Queue")]["Properties"]
        dlq = logical_id(raw, f"{prefix}Dlq")
        assert queue["KmsMasterKeyId"] == key
        assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [dlq, "Arn"]}, "maxReceiveCount": 5}
        assert raw["Resources"][dlq]["Properties"]["KmsMasterKeyId"] == key
    assert raw["Resources"][logical_id(raw, "SignalsOpsAlertsDlq")]["Properties"]["KmsMasterKeyId"] == key
    # No subscriptions and no Prefect API unless the market config names them.
    assert not [v for v in raw["Resources"].values() if v["Type"] == "AWS::SNS::Subscription"]
    assert not [
        v
        for v in raw["Resources"].values()
        if v["Type"].startswith(("AWS::Events::Connection", "AWS::Events::ApiDestination"))
    ]


@pytest.mark.parametrize("market_id", SELLING)
def test_signal_queues_are_outputs_and_their_dlqs_alarmed(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    outputs = raw["Outputs"]
    for field, prefix in (
        ("replenish_signals_queue_url", "SignalsReplenishSignalsQueue"),
        ("supplier_orders_queue_url", "SignalsSupplierOrdersQueue"),
        ("room_alert_signals_queue_url", "SignalsRoomAlertSignalsQueue"),
    ):
        assert outputs[OUTPUTS[field][0]]["Value"] == {"Ref": logical_id(raw, prefix)}
    alarmed = {
        json.dumps(a["Properties"]["Dimensions"])
        for a in raw["Resources"].values()
        if a["Type"] == "AWS::CloudWatch::Alarm"
        and a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
    }
    for dlq in ("SignalsOpsAlertsDlq", *(f"{queue}Dlq" for queue in SIGNAL_QUEUES)):
        assert any(logical_id(raw, dlq) in dims for dims in alarmed), dlq


def test_configured_market_subscribes_its_ops_contacts(configured) -> None:
    template, raw, _ = configured
    topic = {"Ref": logical_id(raw, "SignalsOpsTopic")}
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": OPS_EMAIL, "TopicArn": topic}
    )
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "https", "Endpoint": OPS_WEBHOOK, "TopicArn": topic}
    )
    template.resource_count_is("AWS::SNS::Subscription", 2)


def test_configured_market_posts_stock_signals_to_its_prefect_api(configured) -> None:
    from flows.triggers import MARKET_RESOURCE_PREFIX, PREFECT_STOCK_LOW

    assert f"{PREFECT_EVENT_PREFIX}{STOCK_LOW}" == PREFECT_STOCK_LOW
    assert PREFECT_MARKET_RESOURCE_PREFIX == MARKET_RESOURCE_PREFIX
    template, raw, outdir = configured
    connection = Capture()
    template.has_resource_properties(
        "AWS::Events::Connection",
        {
            "AuthorizationType": "API_KEY",
            "AuthParameters": {
                "ApiKeyAuthParameters": {
                    "ApiKeyName": "Authorization",
                    "ApiKeyValue": f"{{{{resolve:secretsmanager:{PREFECT_SECRET}:SecretString:::}}}}",
                }
            },
        },
    )
    template.has_resource_properties(
        "AWS::Events::ApiDestination",
        {"ConnectionArn": connection, "HttpMethod": "POST", "InvocationEndpoint": f"{PREFECT_URL}/events"},
    )
    assert raw["Resources"][connection.as_object()["Fn::GetAtt"][0]]["Type"] == "AWS::Events::Connection"
    # What Prefect receives for a stock.low of SKU-1 in sea: what the local bridge emits for the same event.
    signal = stock_low(market=CONFIGURED, sku="SKU-1", warehouse="SG1", remaining=7, low_mark=10)
    event, local = posted_and_forwarded(configured, STOCK_SIGNAL_PATTERN, "SignalsReplenishSignalsDlq", signal)
    assert event["event"] == PREFECT_STOCK_LOW
    assert event["resource"] == {
        "prefect.resource.id": f"{MARKET_RESOURCE_PREFIX}{CONFIGURED}",
        "prefect.resource.name": f"market {CONFIGURED}",
        "livebase.market": CONFIGURED,
        "livebase.sku": "SKU-1",
    }
    assert event["payload"] == {"sku": "SKU-1", "warehouse": "SG1", "remaining": 7, "low_mark": 10}
    assert {k: event[k] for k in local} == local
    # A rule of its own: the queue rule (what the bridge consumes) is unchanged beside it.
    queue_rule = raw["Resources"][logical_id(raw, "SignalsStockSignalsToReplenish")]["Properties"]
    assert queue_rule["Targets"][0]["Arn"] == arn_of(raw, "SignalsReplenishSignalsQueue")
    report = json.loads((outdir / "validation-report.json").read_text())
    assert [v for plugin in report["pluginReports"] for v in plugin.get("violations", [])] == []


@pytest.mark.parametrize("alert", ALERT_CLASSES, ids=lambda a: a.__name__)
def test_configured_market_posts_room_alerts_to_its_prefect_api(configured, alert: type[RoomAlert]) -> None:
    """Each alert kind's rule body is what ``flows.room_alerts.forward_room_alert`` emits locally (the
    ``livebase-room-alert`` automation matches it the same in the cloud): only the alert's own fields
    (``EVIDENCE_FIELDS``), so a viewer id put on the event by mistake stays in the region."""
    from flows.room_alerts import PREFECT_ROOM_ALERT

    pattern = {"source": [ROOM_EVENT_SOURCE], "detail-type": [alert.DETAIL_TYPE]}
    event, local = posted_and_forwarded(configured, pattern, "SignalsRoomAlertSignalsDlq", example(alert))
    assert event["event"] == PREFECT_ROOM_ALERT
    assert {k: event[k] for k in local} == local  # resource, related and payload as the local bridge sends them
    assert event["payload"]["kind"] == str(alert.kind) and set(event["payload"]) <= EVIDENCE_FIELDS


def example(alert: type[RoomAlert]) -> RoomAlert:
    """An alert of this kind in sea's room 2, with a value of its type in every other field."""
    values: dict[str, Any] = {"market": CONFIGURED, "room_id": "sea-room-2", "minute": "2026-12-03T12:00:00+00:00"}
    for n, (name, field) in enumerate(alert.model_fields.items()):
        if name not in values and field.is_required():
            options = [a for a in get_args(field.annotation) if a is not type(None)] or [field.annotation]
            values[name] = ("sea-sin-2",) if get_origin(field.annotation) is tuple else options[0](n)
    return alert(**values)


def posted_and_forwarded(
    configured: tuple[Template, dict[str, Any], Path], pattern: Mapping[str, Any], dlq: str, signal: BusSignal
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the Prefect event the rule of ``pattern`` POSTs for ``signal``, what the local bridge emits for it):
    the event as delivered carries stray fields, a viewer id and an e-mail address, as if put by mistake."""
    from flows.room_alerts import forward_room_alert
    from flows.triggers import forward_stock_signal

    template, raw, _ = configured
    [destination] = [k for k, v in raw["Resources"].items() if v["Type"] == "AWS::Events::ApiDestination"]
    input_template, paths = Capture(), Capture()
    transformer = {"InputPathsMap": paths, "InputTemplate": input_template}
    target = {"Arn": {"Fn::GetAtt": [destination, "Arn"]}, "DeadLetterConfig": {"Arn": arn_of(raw, dlq)},
              "RetryPolicy": RETRIES, "InputTransformer": transformer}  # fmt: skip
    template.has_resource_properties(
        "AWS::Events::Rule", {"EventPattern": pattern, "Targets": [Match.object_like(target)]}
    )
    event = delivered(signal, "0b7f1a52-0000-4000-8000-000000000001", top_buyer=VIEWER, contact="a@example.com")
    [posted] = json.loads(render(input_template.as_string(), paths.as_object(), event))
    assert posted["id"] == event["id"] and posted["occurred"] == event["time"]
    assert VIEWER not in json.dumps(posted) and "a@example.com" not in json.dumps(posted)
    emit = Recorder()
    forward = forward_stock_signal if isinstance(signal, StockLevel) else forward_room_alert
    forward(event, emit)
    [local] = emit.calls
    return posted, local


def render(template: str, paths: Mapping[str, str], event: dict[str, Any]) -> str:
    """EventBridge's input transformer for ``$.a.b`` paths: ``<name>`` inside a JSON string is
    replaced by the value's text, a bare ``<name>`` by the value as JSON."""
    values: dict[str, Any] = {}
    for name, path in paths.items():
        value: Any = event
        for part in path.removeprefix("$.").split("."):
            value = value[part]
        values[name] = value
    out, in_string, i = [], False, 0
    while i < len(template):
        char = template[i]
        if char == '"' and template[i - 1] != "\\":
            in_string = not in_string
        if char == "<" and (end := template.find(">", i)) > i and template[i + 1 : end] in values:
            value = values[template[i + 1 : end]]
            out.append(str(value) if in_string else json.dumps(value))
            i = end + 1
            continue
        out.append(char)
        i += 1
    return "".join(out)


BAD_SIGNAL_SETTINGS = [
    ({"ops_contacts": {"emails": ["not-an-address"]}}, "ops_contacts.emails"),
    ({"ops_contacts": {"emails": ["a@example.com", "a@example.com"]}}, "ops_contacts.emails"),
    ({"ops_contacts": {"webhooks": ["http://chat.example.com/hook"]}}, "ops_contacts.webhooks"),
    ({"ops_contacts": {"webhooks": ["https://user:pw@chat.example.com/hook"]}}, "ops_contacts.webhooks"),
    ({"ops_contacts": {"pagers": ["x"]}}, "ops_contacts.pagers"),
    ({"prefect": {"api_url": "ftp://prefect.example.com/api", "api_key_secret_name": "s"}}, "prefect.api_url"),
    (
        {"prefect": {"api_url": "https://prefect.example.com/api", "api_key_secret_name": "no spaces"}},
        "prefect.api_key_secret_name",
    ),
    ({"prefect": {"api_url": "https://prefect.example.com/api"}}, "prefect.api_key_secret_name"),
]


@pytest.mark.parametrize(("change", "field"), BAD_SIGNAL_SETTINGS)
def test_bad_ops_contacts_or_prefect_api_are_refused_naming_market_and_field(
    change: dict[str, Any], field: str
) -> None:
    from livebase.markets.config import MarketConfigError, parse_markets

    settings = {**MARKETS[CONFIGURED].model_dump(mode="json", exclude={"id"}), **change}
    with pytest.raises(MarketConfigError, match=rf"^market '{CONFIGURED}': {field}: "):
        parse_markets({CONFIGURED: settings})


def test_ops_contacts_and_prefect_api_stay_out_of_the_handlers_config() -> None:
    from livebase.markets.config import Market

    market = MARKETS[CONFIGURED].model_copy(
        update={
            "ops_contacts": {"emails": [OPS_EMAIL]},
            "prefect": {"api_url": PREFECT_URL, "api_key_secret_name": "s"},
        }
    )
    assert OPS_EMAIL not in market.handler_config_json() and PREFECT_URL not in market.handler_config_json()
    assert Market.model_validate_json(market.handler_config_json()) == MARKETS[CONFIGURED]

"""The demo's product passport: one batch's supply events signed, sent, verified and labelled.

On the demo's local AWS (a deployed market): the supplier keys are seeded into the market's
Secrets Manager secret (moto's CloudFormation does not model ``AWS::SecretsManager::Secret``), a
supplier signs the batch's six supply events and sends them to the ``passport-intake`` queue with
one forged and one unsigned event, the runner's ``passport_intake`` function takes them, the day is
anchored (the ``passport-anchoring`` flow's task body, in-process), and ``GET /passport/{batch}``
is answered by the ``passport`` handler from a sample API Gateway event. The QR label (SVG + PNG)
is written under the state directory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
from botocore.exceptions import ClientError

from livebase.markets.config import load_markets
from livebase.markets.resources import MarketResources
from livebase.passport.events import SupplyEvent, parse_event
from livebase.passport.qr import qr_label
from livebase.passport.signing import sign
from livebase_local.runner.functions import PROJECT_ROOT, load_handler

SUPPLIER = "sup-demo-01"
API_EVENT = PROJECT_ROOT / "events" / "apigateway_get_passport.json"
CONTEXT = SimpleNamespace(
    function_name="livebase-passport", memory_limit_in_mb=512, aws_request_id="demo",
    invoked_function_arn="arn:aws:lambda:local:000000000000:function:livebase-passport",
)  # fmt: skip


def supplier_key(market: str, supplier: str = SUPPLIER) -> bytes:
    """A deterministic demo key (never a real one: a real supplier's key lives only in the secret)."""
    return hashlib.sha256(f"livebase-demo-{market}-{supplier}".encode()).digest()


def seed_supplier_keys(resources: MarketResources, keys: dict[str, bytes]) -> None:
    """Put ``keys`` into the market's supplier-keys secret (created if moto has none)."""
    client = boto3.client("secretsmanager", region_name=resources.region)
    value = json.dumps({supplier: key.hex() for supplier, key in keys.items()})
    try:
        client.put_secret_value(SecretId=resources.passport_supplier_keys_secret, SecretString=value)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        client.create_secret(Name=resources.passport_supplier_keys_secret, SecretString=value)


def demo_batch(market: str, batch: str, now: datetime, supplier: str = SUPPLIER) -> list[SupplyEvent]:
    """A batch's supply chain: origin, QC certificate, customs, warehouse in and out, shipment."""
    destination = {"sea": "SG", "mena": "AE", "eu": "DE", "na": "US"}.get(market, "SG")
    start = now - timedelta(days=12)
    bodies: list[dict[str, Any]] = [
        {"kind": "origin", "country": "CN", "site": "Dongguan plant 2", "producer": "Lumen Audio Co",
         "product": "Wireless earbuds X2"},
        {"kind": "qc_certificate", "certificate_id": f"QC-{batch}", "issuer": "SGS Shenzhen", "result": "pass",
         "document_sha256": hashlib.sha256(f"certificate of {batch}".encode()).hexdigest()},
        {"kind": "customs_declaration", "declaration_id": f"CD-{batch}", "hs_code": "851830",
         "origin_country": "CN", "destination_country": destination, "status": "cleared"},
        {"kind": "warehouse_in", "warehouse_id": f"WH-{market.upper()}-1", "quantity": 500},
        {"kind": "warehouse_out", "warehouse_id": f"WH-{market.upper()}-1", "quantity": 120},
        {"kind": "shipment", "carrier": "Ninja Van", "tracking_ref": f"TRK-{batch}", "from_country": destination,
         "to_country": destination},
    ]  # fmt: skip
    return [
        parse_event({**body, "batch_id": batch, "event_id": f"{batch}-{n}", "supplier_id": supplier,
                     "occurred_at": (start + timedelta(days=2 * n)).isoformat()})
        for n, body in enumerate(bodies)
    ]  # fmt: skip


def send_batch(resources: MarketResources, events: list[SupplyEvent], key: bytes) -> int:
    """The supplier's side: every event signed, plus one forged and one unsigned (both refused)."""
    sqs = boto3.client("sqs", region_name=resources.region)
    bodies = [sign(event, key).model_dump_json() for event in events]
    forged = json.loads(bodies[1])
    forged["event"]["result"] = "fail"  # altered after signing
    unsigned = {**json.loads(bodies[2]), "signature": None}
    bodies += [json.dumps(forged), json.dumps(unsigned)]
    for n in range(0, len(bodies), 10):
        entries = [{"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies[n : n + 10])]
        sqs.send_message_batch(QueueUrl=resources.passport_intake_queue_url, Entries=entries)
    return len(bodies)


def get_passport(resources: MarketResources, batch: str) -> tuple[int, dict[str, Any]]:
    """``GET /passport/{batch}`` answered by the passport handler (API Gateway's REST event shape)."""
    event = json.loads(API_EVENT.read_text())
    event["path"], event["pathParameters"] = f"/passport/{batch}", {"batch": batch}
    _, handler = load_handler("passport", resources, container="demo")
    response = handler(event, CONTEXT)
    return int(response["statusCode"]), json.loads(response["body"])


def write_label(resources: MarketResources, batch: str, out_dir: Path) -> Path:
    label = qr_label(resources.passport_api_url, batch)
    out_dir.mkdir(parents=True, exist_ok=True)
    svg = out_dir / f"{resources.market}-{batch}.svg"
    svg.write_text(label.svg, encoding="utf-8")
    svg.with_suffix(".png").write_bytes(label.png)
    return svg


def passport_demo(resources: MarketResources, drain: Callable[[], Any], out_dir: Path, indent: str = " " * 8) -> str:
    """Run the passport path once for one market; the report (lines under ``indent``)."""
    return "\n".join(indent + line for line in _passport_lines(resources, drain, out_dir))


def _passport_lines(resources: MarketResources, drain: Callable[[], Any], out_dir: Path) -> list[str]:
    from flows.passport_anchoring import anchor_market_day

    now = datetime.now(UTC)
    batch = f"{resources.market.upper()}-BATCH-{now:%Y%m%d}"
    key = supplier_key(resources.market)
    seed_supplier_keys(resources, {SUPPLIER: key})
    sent = send_batch(resources, demo_batch(resources.market, batch, now), key)
    drain()
    anchor = anchor_market_day.fn(resources, now.date().isoformat())
    status, body = get_passport(resources, batch)
    if status != 200:
        return [f"passport {batch}: HTTP {status} {body}"]
    languages = load_markets()[resources.market].languages
    verification = body["verification"]
    lines = [
        f"passport {batch}: {sent} supply events sent (1 forged, 1 unsigned: refused to the DLQ), "
        f"{verification['length']} in the chain; anchored {anchor.day} under root {anchor.root[:16]}...",
        f"  {verification['status']} — " + " / ".join(verification["label"][lang] for lang in languages),
    ]
    for event in body["events"]:
        label = event["label"].get(languages[0], event["kind"])
        details = ", ".join(f"{k}={v}" for k, v in event["details"].items() if k not in {"supplier_id", "event_id"})
        lines.append(f"  #{event['seq']} {label}: {details[:110]}")
    lines.append(
        f"  QR label: {write_label(resources, batch, out_dir)} (+ .png) -> {resources.passport_api_url}passport/{batch}"
    )
    from livebase.passport.offline import check  # issue 31: the page the QR opens, the check without the API
    from livebase.passport.page import render

    page = out_dir / f"{resources.market}-{batch}.html"
    page.write_text(render(body, languages[0]), encoding="utf-8")
    lines.append(
        f"  page: {page}; checked against the anchor's root without the API: {check(body, anchor.root) or 'ok'}"
    )
    return lines

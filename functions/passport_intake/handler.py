"""Passport intake Lambda: signed supply events from the market's ``passport-intake`` queue → ledger.

Each SQS message is one :class:`~livebase.passport.signing.SignedEnvelope` (JSON): the supplier
id, an HMAC-SHA256 over the canonical JSON of the event, and the event. The supplier's key comes
from the market's supplier-keys secret (cached five minutes, so a new supplier's key is picked
up without a deploy). An unsigned event, an unknown supplier, a bad signature or an event the
schema refuses goes to the queue's DLQ with the reason and is acknowledged
(``livebase.batches.queue``); an admitted event is appended to its batch's chain once per event
id (a redelivery is recognised by the ledger's event mark: idempotent by construction, no
separate idempotency record; the mark is scoped to the signer). An event for a batch another supplier
owns, without the base's grant to its signer (``livebase.passport.owners``), is refused to the DLQ
with that reason. Only transient failures are batch item failures.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.typing import LambdaContext

from livebase.aws import retry_config
from livebase.batches.queue import QueueBatch
from livebase.lambda_entry import lambda_entry
from livebase.markets.resources import MarketResources
from livebase.passport.owners import NotOwner
from livebase.passport.signing import SignedEnvelope, admit, supplier_keys
from livebase.privacy.masking import masked_logger
from livebase.stores.ledger import LedgerStore

KEYS_MAX_AGE = 300  # seconds a fetched supplier-keys secret is reused

# Cold start: everything market-specific is read once, from the stack's environment.
resources = MarketResources.from_environment()
session = boto3.Session(region_name=resources.region)
ledger = LedgerStore(session.client("dynamodb", config=retry_config()), resources.passport_ledger_table)
secrets = parameters.SecretsProvider(boto3_client=session.client("secretsmanager"))

logger = masked_logger()  # nothing personal in a log line
metrics = Metrics()
batches = QueueBatch.of_consumer("passport_intake", SignedEnvelope, session, resources, logger, metrics)


def keys() -> dict[str, bytes]:
    value = secrets.get(resources.passport_supplier_keys_secret, transform="json", max_age=KEYS_MAX_AGE)
    return supplier_keys(value if isinstance(value, dict) else {})


def take(envelope: SignedEnvelope, outcomes: Counter[str]) -> None:
    admission = admit(envelope, keys())
    if admission.event is None:
        outcomes["refused"] += 1
        logger.warning("supply event refused", supplier_id=envelope.supplier_id, reason=admission.reason)
        batches.refuse(admission.reason)
        return
    try:
        appended = ledger.append(admission.event, datetime.now(UTC))
    except NotOwner as refused:
        outcomes["refused"] += 1
        logger.warning("supply event refused", supplier_id=envelope.supplier_id, reason=str(refused))
        batches.refuse(str(refused))
        return
    outcomes["duplicate" if appended.duplicate else "appended"] += 1
    logger.info(
        "supply event", batch_id=admission.event.batch_id, event_id=admission.event.event_id,
        kind=admission.event.kind, seq=appended.entry.seq if appended.entry else None, duplicate=appended.duplicate,
    )  # fmt: skip


@lambda_entry(logger, metrics, resources.market)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response, outcomes = batches.run(event, context, take, "a supply event")
    metrics.add_metric(name="SupplyEventsAppended", unit=MetricUnit.Count, value=outcomes["appended"])
    return response

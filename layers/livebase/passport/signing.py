"""Signed supplier intake: HMAC-SHA256 over the canonical JSON of the event a supplier sends.

A supplier holds one key (in the market's Secrets Manager, never leaving its region) and sends
``{"supplier_id", "signature", "event"}``; :func:`admit` checks the signature against the
supplier's key over ``canonical_json(event)`` exactly as received, then the event's schema, and
that the signer is the event's supplier. Each refusal carries a short reason (never the input).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from livebase.batches.reasons import describe_error
from livebase.passport.canonical import canonical_json
from livebase.passport.events import Ident, SupplyEvent, event_json, parse_event

UNSIGNED = "unsigned event"
UNKNOWN_SUPPLIER = "unknown supplier"
BAD_SIGNATURE = "bad signature"
NOT_THE_SIGNER = "event.supplier_id is not the signing supplier"


class SignedEnvelope(BaseModel):
    """What a supplier puts on the intake queue. ``signature``: lowercase hex HMAC-SHA256."""

    model_config = ConfigDict(extra="forbid")

    supplier_id: Ident
    signature: str | None = Field(default=None, max_length=128)
    event: dict[str, Any]


def signature_of(event_value: Mapping[str, Any], key: bytes) -> str:
    return hmac.new(key, canonical_json(event_value), hashlib.sha256).hexdigest()


def sign(event: SupplyEvent, key: bytes) -> SignedEnvelope:
    """The supplier's side: the envelope to send for ``event``."""
    value = event_json(event)
    return SignedEnvelope(supplier_id=event.supplier_id, signature=signature_of(value, key), event=value)


@dataclass(frozen=True)
class Admission:
    event: SupplyEvent | None
    reason: str = ""

    @property
    def admitted(self) -> bool:
        return self.event is not None


def admit(envelope: SignedEnvelope, keys: Mapping[str, bytes]) -> Admission:
    """The event if signed by a known supplier with its key, else the reason it is refused."""
    if not envelope.signature:
        return Admission(None, UNSIGNED)
    key = keys.get(envelope.supplier_id)
    if key is None:
        return Admission(None, UNKNOWN_SUPPLIER)
    if not hmac.compare_digest(signature_of(envelope.event, key), envelope.signature.lower()):
        return Admission(None, BAD_SIGNATURE)
    try:
        event = parse_event(envelope.event)
    except ValidationError as error:
        return Admission(None, f"event: {describe_error(error)}")
    if event.supplier_id != envelope.supplier_id:
        return Admission(None, NOT_THE_SIGNER)
    return Admission(event)


def supplier_keys(secret: Mapping[str, Any]) -> dict[str, bytes]:
    """The Secrets Manager value (``{"<supplier_id>": "<hex key>"}``) as keys; bad entries skipped."""
    keys: dict[str, bytes] = {}
    for supplier, value in secret.items():
        try:
            keys[str(supplier)] = bytes.fromhex(str(value))
        except ValueError:
            continue
    return keys

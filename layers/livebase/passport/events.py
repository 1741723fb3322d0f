"""Supply events of one product batch: what a supplier, a customs broker or a warehouse reports.

One model per kind (discriminated on ``kind``). Every field is about the goods and the companies
handling them; free text refuses anything that looks like an email or phone number however it is
written (fullwidth, zero-width characters inside, other scripts' digits: ``SafeText``), identifiers
use closed alphabets and refuse phone numbers written with separators, and unknown fields are
refused, so nothing personal reaches the ledger, which is public by design (``GET /passport/{batch}``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from livebase.live.events import NAME_ID_PATTERN, NoPhoneInside, SafeText, UtcTimestamp

BATCH_PATTERN = r"^[A-Z0-9][A-Z0-9-]{3,47}$"
BatchId = Annotated[str, Field(pattern=BATCH_PATTERN)]
Ident = Annotated[str, Field(min_length=1, max_length=64, pattern=NAME_ID_PATTERN), NoPhoneInside]
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]  # ISO 3166-1 alpha-2
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Name = Annotated[SafeText, Field(min_length=1, max_length=120)]
Quantity = Annotated[int, Field(ge=1, le=10_000_000)]


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    batch_id: BatchId
    event_id: Ident  # unique per batch: a redelivered event is appended once
    supplier_id: Ident  # the signer (livebase.passport.signing)
    occurred_at: UtcTimestamp


class Origin(_Event):
    kind: Literal["origin"] = "origin"
    country: Country
    site: Name  # factory or farm, a company site
    producer: Name  # a company name
    product: Name


class QcCertificate(_Event):
    kind: Literal["qc_certificate"] = "qc_certificate"
    certificate_id: Ident
    issuer: Name  # the testing body
    result: Literal["pass", "fail"]
    document_sha256: Sha256  # hash of the certificate document the issuer holds


class CustomsDeclaration(_Event):
    kind: Literal["customs_declaration"] = "customs_declaration"
    declaration_id: Ident
    hs_code: Annotated[str, Field(pattern=r"^[0-9]{6}([0-9]{2}){0,2}$")]  # ASCII digits: \d is any script's
    origin_country: Country
    destination_country: Country
    status: Literal["lodged", "cleared", "held"]


class WarehouseIn(_Event):
    kind: Literal["warehouse_in"] = "warehouse_in"
    warehouse_id: Ident
    quantity: Quantity


class WarehouseOut(_Event):
    kind: Literal["warehouse_out"] = "warehouse_out"
    warehouse_id: Ident
    quantity: Quantity


class Shipment(_Event):
    kind: Literal["shipment"] = "shipment"
    carrier: Name
    tracking_ref: Ident
    from_country: Country
    to_country: Country


SupplyEvent = Annotated[
    Origin | QcCertificate | CustomsDeclaration | WarehouseIn | WarehouseOut | Shipment, Field(discriminator="kind")
]
SUPPLY_EVENT: TypeAdapter[SupplyEvent] = TypeAdapter(SupplyEvent)
KINDS = ("origin", "qc_certificate", "customs_declaration", "warehouse_in", "warehouse_out", "shipment")


def parse_event(value: object) -> SupplyEvent:
    """A supply event from its JSON-shaped value (raises pydantic's ``ValidationError``)."""
    return SUPPLY_EVENT.validate_python(value)


def event_json(event: SupplyEvent) -> dict[str, object]:
    """The event's JSON-shaped value: what is hashed, signed and stored."""
    return event.model_dump(mode="json")

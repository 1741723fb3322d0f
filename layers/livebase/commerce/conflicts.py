"""One order id, one content: a fingerprint of what an order is, and the reason when a known id
arrives with other content.

The content is the lines (SKU, quantity, client unit price; in any order: the same lines listed
differently are the same order), the viewer, the room, the session and the currency; not the
event id or time (a redelivery or a client's retry re-stamps those). The fingerprint keeps one
short digest per part, so two fingerprints alone say which parts differ: a consumer stores the
fingerprint with the order (or the room's GMV entry) and compares, without keeping the content.
Every consumer (orders, room metrics) calls the same functions, so each refuses the same second
order with the same reason. Digests are of pseudonymous ids and business fields; a reason names
parts, never their values.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from livebase.live.events import OrderPlaced

FINGERPRINT_VERSION = "v1"
PARTS = ("lines", "viewer", "room", "session", "currency")
_DIGEST_CHARS = 16  # 64 bits per part: a chance collision is not a concern at an order's scale


@dataclass(frozen=True)
class OrderContent:
    """What makes an order the order it is, in canonical form."""

    lines: tuple[tuple[str, int, Decimal], ...]  # (sku, quantity, client unit price), sorted
    viewer_id: str
    room_id: str
    session_id: str
    currency: str

    @classmethod
    def of(cls, order: OrderPlaced) -> OrderContent:
        return cls.from_fields(
            ((line.sku, line.quantity, line.unit_price) for line in order.lines),
            order.viewer_id,
            order.room_id,
            order.session_id,
            order.currency,
        )

    @classmethod
    def from_fields(
        cls,
        lines: Iterable[tuple[str, int, Decimal | str]],
        viewer_id: str,
        room_id: str,
        session_id: str,
        currency: str,
    ) -> OrderContent:
        """From stored fields (e.g. an order item: prices as text), canonicalised like :meth:`of`."""
        canonical = sorted((sku, int(quantity), Decimal(price).normalize()) for sku, quantity, price in lines)
        return cls(tuple(canonical), viewer_id, room_id, session_id, currency)

    def fingerprint(self) -> str:
        """``v1:<lines>.<viewer>.<room>.<session>.<currency>``, one digest per part."""
        lines = ";".join(f"{sku},{quantity},{price}" for sku, quantity, price in self.lines)
        parts = (lines, self.viewer_id, self.room_id, self.session_id, self.currency)
        digests = (_digest(name, text) for name, text in zip(PARTS, parts, strict=True))
        return f"{FINGERPRINT_VERSION}:" + ".".join(digests)


def order_fingerprint(order: OrderPlaced) -> str:
    return OrderContent.of(order).fingerprint()


def differing_parts(known: str, incoming: str) -> tuple[str, ...]:
    """The parts two fingerprints disagree on (every part when either is not a fingerprint of this version)."""
    a, b = _parts(known), _parts(incoming)
    if a is None or b is None:
        return PARTS
    return tuple(name for name, x, y in zip(PARTS, a, b, strict=True) if x != y)


def conflict_reason(order_id: str, known: str, incoming: str) -> str:
    """Why an order with a known id is refused; empty when it is the same order (a redelivery)."""
    differ = differing_parts(known, incoming)
    if not differ:
        return ""
    return f"order_id: {order_id} is known with other content ({', '.join(differ)} differ); a second order is refused"


def _digest(name: str, text: str) -> str:
    return hashlib.sha256(f"{name}\x1f{text}".encode()).hexdigest()[:_DIGEST_CHARS]


def _parts(fingerprint: str) -> tuple[str, ...] | None:
    version, _, body = fingerprint.partition(":")
    digests = tuple(body.split("."))
    if version != FINGERPRINT_VERSION or len(digests) != len(PARTS):
        return None
    return digests

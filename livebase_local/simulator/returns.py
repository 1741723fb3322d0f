"""A simulated warehouse and its buyers after the sale: each accepted order's life, as messages.

For an order the orders consumer accepted, :func:`plan_life` draws (seeded by the order id) what
happens to it and writes the messages of each phase (contracts: :mod:`livebase.commerce.messages`):

* **cancel** (a share): the buyer cancels before hand-off; nothing reaches the warehouse;
* **ship**: the warehouse sends handed → picked → shipped → delivered;
* **return** (a share of the shipped): the buyer asks to send units back, the warehouse receives
  them (all sellable: restocked; all written off; or some of each), then the refund of what the
  received units are worth (asked by the buyer, or by Livebase after the receipt);
* **hostile** (a labelled share, never to be applied): a cancel sent by another viewer, or the
  buyer's refund of more than was paid. Their message ids end in :data:`HOSTILE`.

Phases follow each other as they would (the driver sends a phase once the one before was decided:
:meth:`Life.phase_done`); inside a phase the order is shuffled for a share of orders (``picked``
after ``shipped``, the receipt before the request). Every message is meant to be delivered twice,
the second copy at once or with the next phase. The expected end (:class:`Expected`) says what the
order's state must hold once every phase was decided: each effect applied exactly once.
"""

from __future__ import annotations

import random
import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from livebase.commerce import messages as msg
from livebase.commerce.lifecycle import message_key
from livebase.commerce.order_state import STAGES, OrderState, Stage

HOSTILE = "-hx"  # the message id's ending of a hostile message (labelled, so the audit can find it)
CARRIER = "demo-post"
WMS_STEPS: tuple[msg.WmsStatus, ...] = ("handed", "picked", "shipped", "delivered")


class Fate(StrEnum):
    CANCEL = "cancel"
    SHIP = "ship"
    RETURN_RESTOCK = "return_restock"  # every unit sent back comes back sellable
    RETURN_WRITE_OFF = "return_write_off"  # every unit sent back is written off
    RETURN_MIXED = "return_mixed"  # some of each (an order of two or more units)


@dataclass(frozen=True)
class Shares:
    """How often each thing happens; the defaults are the soak's."""

    cancel: float = 0.06
    ret: float = 0.25  # of the shipped
    hostile_cancel: float = 0.04
    hostile_refund: float = 0.04
    shuffled: float = 0.3  # a phase's messages out of order
    late_copy: float = 0.5  # the second copy of each message comes with the next phase


@dataclass(frozen=True)
class Expected:
    """The order's state once its life is over (every phase decided, every copy delivered)."""

    stage: Stage
    cancelled: bool = False
    restocked: dict[str, int] = field(default_factory=dict)
    written_off: dict[str, int] = field(default_factory=dict)
    refunded: dict[str, Decimal] = field(default_factory=dict)

    def differences(self, state: OrderState) -> list[str]:
        """What the state holds other than expected (empty: as planned, each effect once)."""
        found = []
        if state.cancelled != self.cancelled:
            found.append(f"cancelled {state.cancelled}, expected {self.cancelled}")
        if not self.cancelled and state.stage is not self.stage:
            found.append(f"stage {state.stage}, expected {self.stage}")
        for line in state.lines:
            for name, got, want in (
                ("restocked", line.restocked, self.restocked.get(line.sku, 0)),
                ("written off", line.written_off, self.written_off.get(line.sku, 0)),
                ("refunded", line.refunded, self.refunded.get(line.sku, Decimal(0))),
            ):
                if got != want:
                    found.append(f"{line.sku} {name} {got}, expected {want}")
        return found


@dataclass(frozen=True)
class Life:
    """One order's planned messages, phase by phase, and how it must end."""

    order_id: str
    fate: Fate
    phases: tuple[tuple[msg.OrderMessage, ...], ...]
    expected: Expected
    hostile: tuple[msg.OrderMessage, ...] = ()
    late_copies: bool = False

    @property
    def messages(self) -> tuple[msg.OrderMessage, ...]:
        return tuple(m for phase in self.phases for m in phase)

    def phase_done(self, index: int, state: OrderState) -> bool:
        """Every message of the phase decided (a decision kept), or a warehouse step the order is past."""
        return all(_decided(message, state) for message in self.phases[index])


def _decided(message: msg.OrderMessage, state: OrderState) -> bool:
    if state.decision(message_key(message)) is not None:
        return True
    if isinstance(message, msg.WmsUpdate):  # a late step is stale: nothing is kept, the stage says it
        return state.cancelled or STAGES.index(state.stage) >= STAGES.index(Stage(message.status))
    return False


def hostile(message: msg.OrderMessage) -> bool:
    return message.message_id.endswith(HOSTILE)


def plan_life(state: OrderState, seed: int, now: datetime, shares: Shares = Shares()) -> Life:
    """Draw the order's life (the same for the same order and seed) and write its messages, dated from ``now``."""
    rng = random.Random(zlib.crc32(f"{seed}/{state.order_id}".encode()))
    ids = _Ids(state.order_id)
    clock = _Clock(now)
    viewer = msg.Requester(kind="viewer", viewer_id=state.viewer_id)
    shuffled = rng.random() < shares.shuffled
    hostile_messages: list[msg.OrderMessage] = []
    if rng.random() < shares.hostile_cancel:
        other = msg.Requester(kind="viewer", viewer_id=_other_viewer(state.viewer_id))
        hostile_messages.append(
            msg.CancelRequest(message_id=ids("cx" + HOSTILE), order_id=state.order_id, at=clock(), requested_by=other)
        )
    draw = rng.random()
    if draw < shares.cancel:
        cancel = msg.CancelRequest(
            message_id=ids("cx"), order_id=state.order_id, at=clock(), requested_by=viewer, reason="changed_mind"
        )
        given_back = {line.sku: line.refundable for line in state.lines if line.refundable > 0}
        expected = Expected(Stage.PLACED, cancelled=True, refunded=given_back)
        return Life(state.order_id, Fate.CANCEL, ((cancel, *hostile_messages),), expected, tuple(hostile_messages),
                    rng.random() < shares.late_copy)  # fmt: skip
    warehouse = _warehouse(state)
    steps: list[msg.OrderMessage] = [
        msg.WmsUpdate(update_id=ids(status[:2]), order_id=state.order_id, warehouse=warehouse, status=status,
                      at=clock(), carrier=CARRIER if status in ("shipped", "delivered") else None)
        for status in WMS_STEPS
    ]  # fmt: skip
    if shuffled:
        rng.shuffle(steps)
    phases: list[tuple[msg.OrderMessage, ...]] = [(*steps, *hostile_messages)]
    fate = Fate.SHIP
    restocked: dict[str, int] = {}
    written_off: dict[str, int] = {}
    refunded: dict[str, Decimal] = {}
    if rng.random() < shares.ret:
        fate, back, restocked, written_off = _returned(state, rng)
        request = msg.ReturnRequested(
            message_id=ids("rq"), order_id=state.order_id, at=clock(), requested_by=viewer, reason="not_as_expected",
            lines=tuple(msg.ReturnLine(sku=sku, quantity=units) for sku, units in back.items()),
        )  # fmt: skip
        receipt = msg.ReturnReceived(
            message_id=ids("rr"), order_id=state.order_id, warehouse=warehouse, at=clock(),
            lines=tuple(msg.ReceivedLine(sku=sku, sellable=restocked.get(sku, 0), written_off=written_off.get(sku, 0))
                        for sku in back),
        )  # fmt: skip
        phases.append((receipt, request) if shuffled else (request, receipt))
        by = viewer if rng.random() < 0.5 else msg.Requester(kind="livebase")
        refund = msg.RefundRequest(
            message_id=ids("rf"), order_id=state.order_id, at=clock(), requested_by=by, currency=state.currency,
            reason="return_received",
        )  # fmt: skip
        phases.append((refund,))
        refunded = {
            line.sku: line.unit_price * back[line.sku] for line in state.lines if line.sku in back and line.unit_price
        }
    if rng.random() < shares.hostile_refund:
        above = msg.RefundRequest(
            message_id=ids("rf" + HOSTILE), order_id=state.order_id, at=clock(), requested_by=viewer,
            currency=state.currency, amount=state.paid + Decimal(100),
        )  # fmt: skip
        hostile_messages.append(above)
        phases[-1] = (*phases[-1], above)
    expected = Expected(Stage.DELIVERED, restocked=restocked, written_off=written_off, refunded=refunded)
    return Life(state.order_id, fate, tuple(phases), expected, tuple(hostile_messages), rng.random() < shares.late_copy)


def _returned(state: OrderState, rng: random.Random) -> tuple[Fate, dict[str, int], dict[str, int], dict[str, int]]:
    """Units sent back per SKU, and how the warehouse finds them."""
    back = {line.sku: rng.randint(1, line.quantity) for line in state.lines}
    units = sum(back.values())
    fate = rng.choice((Fate.RETURN_RESTOCK, Fate.RETURN_WRITE_OFF, *((Fate.RETURN_MIXED,) if units > 1 else ())))
    if fate is Fate.RETURN_RESTOCK:
        return fate, back, dict(back), {}
    if fate is Fate.RETURN_WRITE_OFF:
        return fate, back, {}, dict(back)
    restocked: dict[str, int] = {}
    written_off: dict[str, int] = {}
    for sku, count in back.items():  # the first unit of the order restocked, every other written off
        first = 0 if restocked else 1
        restocked.update({sku: first} if first else {})
        written_off.update({sku: count - first} if count - first else {})
    return fate, back, restocked, written_off


def _other_viewer(viewer_id: str) -> str:
    return f"v_{zlib.crc32(viewer_id.encode()) ^ 0x5A5A5A5A:016x}"


def _warehouse(state: OrderState) -> str:
    return f"WH-{state.market.upper()}-1"  # livebase.commerce.orders.market_warehouse


class _Ids:
    """Message ids of one order: ``<order id>-<step>`` (the order id shortened to a digest when too long)."""

    def __init__(self, order_id: str) -> None:
        safe = re.sub(r"[^A-Za-z0-9_-]", "_", order_id)
        self.base = safe if len(safe) <= 52 else f"{safe[:40]}-{zlib.crc32(order_id.encode()):08x}"

    def __call__(self, step: str) -> str:
        return f"{self.base}-{step}"


class _Clock:
    """Message times a second apart from ``now``: each step after the one before."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

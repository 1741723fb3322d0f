"""The soak's warehouse and buyers after the sale: a driver that lives each accepted order's life.

The producer tells the driver every ``order_placed`` Kinesis acknowledged (:attr:`Produced.orders`).
The driver reads each order's state from the orders table, as the WMS and the player would learn
it, and once the orders consumer accepted it draws its life (:func:`livebase_local.simulator.returns.plan_life`):
cancels, shipments, returns (restocked, written off) and refunds, with a labelled hostile share.
It sends a phase's messages on the market's queues (the warehouse's steps on ``shipment-updates``,
returns received, cancels and refunds on ``order-returns``) once the phase before was decided, each message twice
(the second copy at once or with the next phase), while the fault schedule runs on the consumers
(:mod:`livebase_local.soak.runner_process` runs the queue consumers under the same faults).

:meth:`LifeDriver.audit` then reads every driven order's state: it must end as planned (each stock
and money effect once: :meth:`~livebase_local.simulator.returns.Expected.differences`, unless a
cancel from the live stream overtook it), and every hostile message must be refused with a reason.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import boto3

from livebase.commerce.lifecycle import message_key
from livebase.commerce.messages import CancelRequest, OrderMessage, WmsUpdate
from livebase.commerce.order_state import OrderState, Outcome
from livebase.markets.resources import MarketResources
from livebase_local.simulator.returns import Life, Shares, hostile, plan_life

StateReader = Callable[[str], OrderState | None]
RECHECK_S = 1.0  # seconds between two reads of an order's state while a phase is out
UNSEEN_GIVE_UP_S = 600.0  # an order the consumer never stored (quarantined, parked): not driven


class Finding(Protocol):
    counts: Counter[str]

    def add(self, name: str, amount: int, what: str) -> None: ...


@dataclass
class _Driven:
    life: Life
    phase: int = -1  # the phase sent last
    carried: list[OrderMessage] = field(default_factory=list)  # second copies that go with the next phase
    sent: set[str] = field(default_factory=set)  # message keys sent
    done: bool = False


def queue_urls(resources: MarketResources) -> tuple[str, str]:
    """``shipment-updates`` (the warehouse's steps) and ``order-returns`` (returns received, cancels and
    refunds; ``shipment-updates`` where a stack has none)."""
    returns = str(getattr(resources, "order_returns_queue_url", "") or resources.shipment_updates_queue_url)
    return resources.shipment_updates_queue_url, returns


class LifeDriver:
    """One market's after-sale driver; see the module docstring."""

    def __init__(
        self, resources: MarketResources, seed: int, read_state: StateReader, shares: Shares | None = None
    ) -> None:
        self.resources, self.seed, self.read_state, self.shares = resources, seed, read_state, shares or Shares()
        self.sqs = boto3.client("sqs", region_name=resources.region)
        self.warehouse_queue, self.returns_queue = queue_urls(resources)
        self.seen: dict[str, float] = {}  # order id -> when the producer had it acknowledged
        self.next_check: dict[str, float] = {}
        self.lives: dict[str, _Driven] = {}
        self.rejected = 0
        self.sent: Counter[str] = Counter()
        self.errors: list[str] = []

    def feed(self, order_ids: list[str]) -> None:
        now = time.time()
        for order_id in order_ids:
            self.seen.setdefault(order_id, now)
            self.next_check.setdefault(order_id, now + RECHECK_S)

    @property
    def open_lives(self) -> int:
        return len(self.next_check)

    def run(self, feed: Callable[[], list[str]], stop: threading.Event) -> None:
        """Step until ``stop``; ``feed`` gives the order ids acknowledged since its last call."""
        while not stop.is_set():
            self.feed(feed())
            try:
                self.step(time.time())
            except Exception as error:  # a fault window (throttling, a restart): try again next step
                self.errors.append(f"{type(error).__name__}: {str(error)[:160]}")
            stop.wait(0.5)

    def step(self, now: float) -> None:
        for order_id in [o for o, at in self.next_check.items() if at <= now]:
            state = self.read_state(order_id)
            self.next_check[order_id] = now + RECHECK_S
            if state is None:
                if now - self.seen[order_id] > UNSEEN_GIVE_UP_S:
                    del self.next_check[order_id]
                continue
            if state.rejected and order_id not in self.lives:
                self.rejected += 1
                del self.next_check[order_id]
                continue
            driven = self.lives.get(order_id)
            if driven is None:
                driven = self.lives[order_id] = _Driven(plan_life(state, self.seed, datetime.now(UTC), self.shares))
            self._advance(driven, state)
            if driven.done:
                del self.next_check[order_id]

    def _advance(self, driven: _Driven, state: OrderState) -> None:
        life = driven.life
        if 0 <= driven.phase < len(life.phases) and not life.phase_done(driven.phase, state):
            return
        after = driven.phase + 1
        if state.cancelled and not _cancelled_by(life, state):  # a cancel on the live stream came first
            after = len(life.phases)
        phase = life.phases[after] if after < len(life.phases) else ()
        copies = list(phase) if life.late_copies else []
        self._send([*driven.carried, *phase, *(() if life.late_copies else phase)])  # first: it may fail
        driven.phase, driven.carried, driven.done = after, copies, not phase and not copies
        driven.sent.update(message_key(m) for m in phase)

    def _send(self, messages: list[OrderMessage]) -> None:
        by_queue: dict[str, list[OrderMessage]] = {}
        for message in messages:
            queue = self.warehouse_queue if isinstance(message, WmsUpdate) else self.returns_queue
            by_queue.setdefault(queue, []).append(message)
            self.sent["hostile" if hostile(message) else message.type] += 1
        for url, batch in by_queue.items():
            for start in range(0, len(batch), 10):
                chunk = batch[start : start + 10]
                entries = [{"Id": str(i), "MessageBody": m.model_dump_json()} for i, m in enumerate(chunk)]
                reply = self.sqs.send_message_batch(QueueUrl=url, Entries=entries)
                if reply.get("Failed"):
                    raise RuntimeError(f"{len(reply['Failed'])} order messages refused by {url.rsplit('/', 1)[-1]}")

    def audit(self, findings: Finding) -> None:
        """Every driven order as planned, every hostile message refused with its reason (module docstring)."""
        m = self.resources.market
        findings.counts["order_lives"] += len(self.lives)
        findings.counts["order_lives_unfinished"] += sum(not d.done for d in self.lives.values())
        for name, count in self.sent.items():
            findings.counts[f"messages_sent:{name}"] += count
        for order_id, driven in sorted(self.lives.items()):
            state = self.read_state(order_id)
            if state is None:
                findings.add("order_lives_off_plan", 1, f"{m}: {order_id} is no longer in the orders table")
                continue
            findings.counts[f"lifecycle:{state.status.value}"] += 1
            for message in (m for m in driven.life.hostile if message_key(m) in driven.sent):
                decision = state.decision(message_key(message))
                if decision is None:
                    findings.add("hostile_unanswered", 1, f"{m}: {message_key(message)} has no decision on {order_id}")
                elif decision.outcome is Outcome.REFUSED and decision.reason:
                    findings.counts["refused_with_reason"] += 1
                else:
                    findings.add(
                        "hostile_applied", 1, f"{m}: {message_key(message)} was {decision.outcome} on {order_id}"
                    )
            if not driven.done:
                continue
            expected = driven.life.expected
            if state.cancelled and not _cancelled_by(driven.life, state):
                findings.counts["lives_cancelled_on_the_stream"] += 1
                continue
            differences = expected.differences(state)
            if differences:
                findings.add(
                    "order_lives_off_plan", 1, f"{m}: {order_id} ({driven.life.fate}): {'; '.join(differences)}"
                )


def _cancelled_by(life: Life, state: OrderState) -> bool:
    """The order's applied cancel is the life's own (not one from the live stream)."""
    own = {message_key(m) for m in life.messages if isinstance(m, CancelRequest) and not hostile(m)}
    return any(d.key in own and d.outcome is Outcome.APPLIED for d in state.decisions)


def stored_state(resources: MarketResources) -> StateReader:
    """Read an order's state from the market's orders table (its ``state`` attribute, the order's
    :class:`OrderState` as JSON: ``livebase.stores.order_states``); None while nothing decided it."""
    dynamodb = boto3.client("dynamodb", region_name=resources.region)

    def read(order_id: str) -> OrderState | None:
        item = dynamodb.get_item(
            TableName=resources.orders_table, Key={"order_id": {"S": order_id}}, ConsistentRead=True,
            ProjectionExpression="#s", ExpressionAttributeNames={"#s": "state"},
        ).get("Item", {})  # fmt: skip
        return OrderState.model_validate_json(item["state"]["S"]) if "state" in item else None

    return read

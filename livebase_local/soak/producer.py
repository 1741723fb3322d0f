"""The soak's producer: a market's simulated live day put at a steady rate, retrying what was not acknowledged.

A record counts as put once ``PutRecords`` acknowledged it (a sequence number in the answer).
Failed records of a put (``ErrorCode`` in the answer) and whole calls that fail (connection
refused while Kinesis restarts, a time-out) are put again, first in line, until acknowledged, as
the Kinesis Producer Library does; a call whose answer was lost may thus store a record twice
(Kinesis is at-least-once too). What was acknowledged is kept as data digests with their count,
so the audit can compare it with what the stream holds.

Records are the seeded day (:func:`livebase_local.simulator.records.generate_day`) re-stamped to
the moment they are made, so rooms live through real minutes; after the first pass over the day
event and order ids get the pass number (new business, not duplicates). Each tick's first record
is a probe: a like in room ``<market>-probe``, whose visibility in the room totals gives latency.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config

from livebase_local.simulator.records import SimRecord, restamped

TICK = 0.1  # seconds between batches of new records
MAX_PUT = 500  # PutRecords' limit
_CLIENT = Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=10)  # type: ignore[typeddict-item]


def digest(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


def order_id_of(data: bytes) -> str | None:
    """The order id of an ``order_placed`` record (None for anything else)."""
    try:
        event = json.loads(data)
    except ValueError:
        return None
    return str(event["order_id"]) if isinstance(event, dict) and event.get("type") == "order_placed" else None


def _iso(ts: datetime) -> str:
    return ts.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def probe(market: str, n: int, now: datetime) -> bytes:
    like = {
        "event_id": f"probe-{market}-{n}", "schema_version": 1, "market": market, "room_id": f"{market}-probe",
        "session_id": "probe-session", "ts": _iso(now), "viewer_id": f"v_{n:016x}", "type": "like", "count": 1,
    }  # fmt: skip
    return json.dumps(like, separators=(",", ":")).encode()


@dataclass
class Probe:
    shard: str
    seq: int
    minute: str  # "%Y-%m-%dT%H:%M"
    put_at: float  # epoch seconds when the put that stored it began
    seen_at: float | None = None


@dataclass
class Entry:
    data: bytes
    partition_key: str
    probe: bool = False
    order_id: str | None = None  # an order_placed record: the after-sale driver is told once it is put


@dataclass
class Produced:
    """What one market's producer had acknowledged, and what it took."""

    digests: Counter[int] = field(default_factory=Counter)
    max_seq: dict[str, int] = field(default_factory=dict)  # shard -> highest acknowledged sequence number
    probes: list[Probe] = field(default_factory=list)
    orders: list[str] = field(default_factory=list)  # order ids of the order_placed records acknowledged
    put: int = 0
    failed_records: int = 0  # records a put answered with an ErrorCode (put again)
    failed_calls: int = 0  # calls that raised (Kinesis down, time-outs): their records put again
    lock: threading.Lock = field(default_factory=threading.Lock)


class Producer:
    """One market: ``rate`` records/s into ``stream`` for ``seconds``; see the module docstring."""

    def __init__(self, market: str, region: str, stream: str, day: list[SimRecord], rate: float) -> None:
        self.market, self.stream, self.rate = market, stream, rate
        self.kinesis = boto3.client("kinesis", region_name=region, config=_CLIENT)
        self.day = day
        self.produced = Produced()
        self.backlog: deque[Entry] = deque()
        self.last_error = ""

    def _records(self) -> Iterator[tuple[SimRecord, int]]:
        cycle = 0
        while True:
            for record in self.day:
                yield record, cycle
            cycle += 1

    def _make_tick(self, source: Iterator[tuple[SimRecord, int]], tick: int, per_tick: int) -> None:
        now = datetime.now(UTC)
        self.backlog.append(Entry(probe(self.market, tick, now), f"probe-{tick}", probe=True))
        for _ in range(per_tick - 1):
            record, cycle = next(source)
            data = restamped(record, now, cycle)
            order_id = order_id_of(data) if record.kind == "order_placed" else None
            self.backlog.append(Entry(data, record.partition_key, order_id=order_id))

    def _put_some(self) -> None:
        """One PutRecords of the backlog's head; unacknowledged records stay at the head."""
        chunk = [self.backlog.popleft() for _ in range(min(MAX_PUT, len(self.backlog)))]
        put_at = time.time()
        try:
            reply = self.kinesis.put_records(
                StreamName=self.stream, Records=[{"PartitionKey": e.partition_key, "Data": e.data} for e in chunk]
            )
        except Exception as error:  # connection refused while Kinesis restarts, time-outs, throttling
            self.backlog.extendleft(reversed(chunk))
            self.last_error = f"{type(error).__name__}: {error}"
            with self.produced.lock:
                self.produced.failed_calls += 1
            time.sleep(0.2)
            return
        again = []
        with self.produced.lock:
            for entry, answer in zip(chunk, reply["Records"], strict=True):
                if "SequenceNumber" not in answer:
                    again.append(entry)
                    continue
                shard, seq = answer["ShardId"], int(answer["SequenceNumber"])
                self.produced.digests[digest(entry.data)] += 1
                self.produced.max_seq[shard] = max(seq, self.produced.max_seq.get(shard, 0))
                self.produced.put += 1
                if entry.order_id is not None:
                    self.produced.orders.append(entry.order_id)
                if entry.probe:  # its room total is the minute of its own timestamp
                    self.produced.probes.append(Probe(shard, seq, json.loads(entry.data)["ts"][:16], put_at))
            self.produced.failed_records += len(again)
        self.backlog.extendleft(reversed(again))

    def run(self, seconds: float, stop: threading.Event) -> None:
        """Produce for ``seconds``, then put what is left (until acknowledged or ``stop``)."""
        per_tick = max(1, round(self.rate * TICK))
        source = self._records()
        started, ticks = time.monotonic(), 0
        while not stop.is_set():
            elapsed = time.monotonic() - started
            while ticks < min(elapsed, seconds) / TICK:  # behind (Kinesis was down): catch up
                self._make_tick(source, ticks, per_tick)
                ticks += 1
            if self.backlog:
                self._put_some()
            elif elapsed >= seconds:
                return
            else:
                time.sleep(max(0.0, (ticks * TICK) - (time.monotonic() - started)))


def probe_minute_key(market: str, probe: Probe) -> dict[str, str]:
    """The room total (room ``<market>-probe``, the probe's minute, its shard) the probe lands in."""
    return {"pk": f"ROOM#{market}-probe", "sk": f"MIN#{probe.minute}Z#PART#{probe.shard}"}


def poll_probes(dynamodb: Any, table: str, market: str, produced: Produced) -> None:
    """Mark probes whose room total now covers their sequence number (one BatchGetItem)."""
    with produced.lock:
        pending = [p for p in produced.probes if p.seen_at is None]
    keys = {(p.minute, p.shard) for p in pending}
    if not keys:
        return
    request = [probe_minute_key(market, Probe(shard, 0, minute, 0.0)) for minute, shard in sorted(keys)[:100]]
    try:
        reply = dynamodb.batch_get_item(RequestItems={table: {"Keys": request, "ProjectionExpression": "sk, last_seq"}})
    except Exception:  # throttled during a burst: try at the next poll
        return
    seen = time.time()
    reached = {str(i["sk"]): int(i["last_seq"]) for i in reply["Responses"].get(table, [])}
    for p in pending:
        if reached.get(f"MIN#{p.minute}Z#PART#{p.shard}", -1) >= p.seq:
            p.seen_at = seen

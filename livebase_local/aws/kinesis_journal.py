"""A durable local Kinesis: moto's Kinesis process appends what it stores to a journal and replays it at start.

Why: moto keeps streams in memory, so a killed Kinesis process lost every record, unlike real
Kinesis (records are kept for the stream's retention, whatever happens to a server). The
simplest honest fix is a write-ahead journal of the three calls that change what a consumer can
read: ``CreateStream``, ``DeleteStream`` and each stored record (partition key, data as stored,
shard, sequence number and arrival time). A put is journalled and flushed before its answer is
written, so whatever a producer saw acknowledged survives a ``SIGKILL`` (the OS holds the
bytes); a put killed before its answer may be in the journal and is then stored, as a real
producer that retries sees a duplicate. Replay puts each record back into the same shard with
its own sequence number and arrival time, so consumers resume from their checkpoints unchanged.

Not journalled (not needed by consumers here): tags, encryption, retention changes, resharding.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

_LOCK = threading.Lock()  # one put at a time: sequence numbers and journal order agree


class _Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.file: IO[str] | None = None

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.file = self.path.open("a", encoding="utf-8")

    def write(self, entry: dict[str, Any]) -> None:
        if self.file is not None:
            self.file.write(json.dumps(entry, separators=(",", ":")) + "\n")

    def flush(self) -> None:
        if self.file is not None:
            self.file.flush()


def replay(path: Path) -> int:
    """Rebuild streams and records from ``path``; returns records restored. A torn last line is skipped."""
    from moto.kinesis.models import Record, kinesis_backends

    restored = 0
    if not path.is_file():
        return 0
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # the process died while writing this line: its put was never acknowledged
            backend = kinesis_backends[entry["a"]][entry["r"]]
            op = entry["op"]
            if op == "create":
                backend.streams.pop(entry["s"], None)
                backend.create_stream(entry["s"], entry["n"], entry.get("m"), entry.get("h"))
            elif op == "delete":
                backend.streams.pop(entry["s"], None)
            elif entry["s"] in backend.streams:
                shard = backend.streams[entry["s"]].shards[entry["sh"]]
                record = Record(entry["k"], entry["d"], int(entry["q"]), entry.get("x"))
                record.created_at = entry["t"]
                record.created_at_datetime = datetime.fromtimestamp(entry["t"], UTC).replace(tzinfo=None)
                shard.records[int(entry["q"])] = record
                restored += 1
    return restored


def install(path: Path) -> int:
    """Replay ``path`` into moto, then journal every stream change and stored record to it."""
    from moto.kinesis.models import KinesisBackend, Stream

    restored = replay(path)
    journal = _Journal(path)
    journal.open()
    create, delete = KinesisBackend.create_stream, KinesisBackend.delete_stream
    put_records, put_record = KinesisBackend.put_records, KinesisBackend.put_record
    stream_put = Stream.put_record

    def where(backend: KinesisBackend) -> dict[str, str]:
        return {"a": backend.account_id, "r": backend.region_name}

    def create_stream(self: KinesisBackend, stream_name: str, shard_count: int, *args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            stream = create(self, stream_name, shard_count, *args, **kwargs)
            mode, hours = stream.stream_mode, stream.retention_period_hours
            journal.write({"op": "create", **where(self), "s": stream_name, "n": shard_count, "m": mode, "h": hours})
            journal.flush()
            return stream

    def delete_stream(self: KinesisBackend, *args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            stream = delete(self, *args, **kwargs)
            journal.write({"op": "delete", **where(self), "s": stream.stream_name})
            journal.flush()
            return stream

    def stored(self: Stream, partition_key: str, explicit_hash_key: str, data: str) -> tuple[str, str]:
        sequence_number, shard_id = stream_put(self, partition_key, explicit_hash_key, data)
        record = self.shards[shard_id].records[int(sequence_number)]
        journal.write({
            "op": "record", "a": self.account_id, "r": self.region, "s": self.stream_name, "sh": shard_id,
            "q": str(sequence_number), "k": partition_key, "x": explicit_hash_key, "d": record.data,
            "t": record.created_at,
        })  # fmt: skip
        return sequence_number, shard_id

    def put_records_journalled(self: KinesisBackend, *args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            try:
                return put_records(self, *args, **kwargs)
            finally:
                journal.flush()  # before the answer leaves: acknowledged means journalled

    def put_record_journalled(self: KinesisBackend, *args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            try:
                return put_record(self, *args, **kwargs)
            finally:
                journal.flush()

    KinesisBackend.create_stream = create_stream  # type: ignore[method-assign]
    KinesisBackend.delete_stream = delete_stream  # type: ignore[method-assign]
    KinesisBackend.put_records = put_records_journalled  # type: ignore[method-assign]
    KinesisBackend.put_record = put_record_journalled  # type: ignore[method-assign]
    Stream.put_record = stored  # type: ignore[method-assign]
    return restored

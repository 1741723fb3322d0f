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

import gc
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

    def write_record(
        self, where: tuple[str, str, str, str], sequence: str, keys: list[Any], at: float, data: str
    ) -> None:
        """One stored record: tab-separated (names and base64 hold no tab; the keys are JSON), data last."""
        if self.file is not None:
            self.file.write("\t".join(("R", *where, sequence, repr(at), json.dumps(keys), data)) + "\n")

    def flush(self) -> None:
        if self.file is not None:
            self.file.flush()


def replay(path: Path) -> int:
    """Rebuild streams and records from ``path``; returns records restored. A torn last line is skipped.

    A restart replays the whole journal (hundreds of thousands of lines): records are rebuilt
    without ``Record.__init__`` (it reads the clock twice), shards are looked up once each, and the
    garbage collector is off meanwhile (every new object lives on; full collections only cost).
    """
    if not path.is_file():
        return 0
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _restore(path)
    finally:
        if collecting:
            gc.enable()


def _restore(path: Path) -> int:
    from moto.kinesis.models import Record, kinesis_backends

    shards: dict[tuple[str, ...], Any] = {}  # (account, region, stream, shard) -> its records
    new_record, epoch = Record.__new__, datetime.fromtimestamp
    restored = 0
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.endswith("\n"):
                continue  # the process died while writing this line: its put was never acknowledged
            if line.startswith("R\t"):
                _, account, region, name, shard_id, sequence, at, keys, data = line[:-1].split("\t", 8)
                key = (account, region, name, shard_id)
                records = shards.get(key)
                if records is None:
                    stream = kinesis_backends[account][region].streams.get(name)
                    if stream is None:
                        continue
                    records = shards[key] = stream.shards[shard_id].records
                record: Any = new_record(Record)
                record.partition_key, record.explicit_hash_key = json.loads(keys)
                record.data, record.sequence_number = data, int(sequence)
                record.created_at = float(at)
                record.created_at_datetime = epoch(record.created_at, UTC).replace(tzinfo=None)
                records[record.sequence_number] = record
                restored += 1
                continue
            entry = json.loads(line)
            shards.clear()  # a stream created or deleted: look shards up again
            backend = kinesis_backends[entry["a"]][entry["r"]]
            backend.streams.pop(entry["s"], None)
            if entry["op"] == "create":
                backend.create_stream(entry["s"], entry["n"], entry.get("m"), entry.get("h"))
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
        where = (self.account_id, self.region, self.stream_name, shard_id)
        data = record.data if isinstance(record.data, str) else record.data.decode("ascii")
        journal.write_record(where, str(sequence_number), [partition_key, explicit_hash_key], record.created_at, data)
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

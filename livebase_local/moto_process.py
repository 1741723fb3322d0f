"""The moto server's own process: ``python -m livebase_local.moto_process --port N``.

Why a process of its own: moto serves every AWS call in Python. Sharing a process with the
event-source runner and the handlers made them take turns on one GIL, so a busy stream slowed
the handlers and the handlers slowed the stream. In its own process moto gets its own core.

The process exits when its standard input closes, so it never outlives the :class:`LocalAws`
that started it, even when that one is killed without a chance to clean up.

It also patches one moto 5.2.5 cost that grows with the stream (see :func:`patch_kinesis_shards`).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import OrderedDict
from typing import Any


def patch_kinesis_shards() -> None:
    """Make moto's Kinesis shard O(1) per put and O(records returned) per GetRecords.

    moto 5.2.5 finds a shard's last sequence number by listing every key on each put, and
    GetRecords walks the shard from its first record. Records are never trimmed locally, so a
    live stream got slower with every record (a put of 100 records: 42 ms on an empty stream,
    345 ms at 50k records; shared/README.md). A shard's sequence numbers are consecutive
    integers from 1 (moto only ever appends ``last + 1``), so both become direct look-ups;
    should that ever not hold, the original code runs.
    """
    from moto.kinesis.models import Record, Shard

    original_get_records = Shard.get_records

    def first_and_last(records: OrderedDict[int, Any]) -> tuple[int, int]:
        return next(iter(records)), next(reversed(records))

    def get_min_sequence_number(self: Shard) -> int:
        return first_and_last(self.records)[0] if self.records else 0  # type: ignore[arg-type]

    def get_max_sequence_number(self: Shard) -> int:
        return first_and_last(self.records)[1] if self.records else 0  # type: ignore[arg-type]

    def put_record(self: Shard, partition_key: str, data: str, explicit_hash_key: str) -> str:
        sequence_number = get_max_sequence_number(self) + 1
        self.records[sequence_number] = Record(partition_key, data, sequence_number, explicit_hash_key)
        return str(sequence_number)

    def get_records(self: Shard, last_sequence_id: str, limit: int | None) -> tuple[list[Record], int, int]:
        last = int(last_sequence_id)
        if not self.records:
            return [], last, 0
        first, newest = first_and_last(self.records)  # type: ignore[arg-type]
        if newest - first + 1 != len(self.records):  # not consecutive: moto changed, use its code
            return original_get_records(self, last_sequence_id, limit)
        start = max(last + 1, first)
        stop = newest if limit is None else min(newest, start + limit - 1)
        results = [self.records[number] for number in range(start, stop + 1)]
        if not results:
            return [], last, 0
        behind = self.records[newest].created_at - results[-1].created_at
        return results, results[-1].sequence_number, int(behind * 1000)

    Shard.get_min_sequence_number = get_min_sequence_number  # type: ignore[method-assign]
    Shard.get_max_sequence_number = get_max_sequence_number  # type: ignore[method-assign]
    Shard.put_record = put_record  # type: ignore[method-assign]
    Shard.get_records = get_records  # type: ignore[method-assign]


def serve(host: str, port: int) -> None:
    """Run moto on ``host:port`` until standard input closes."""
    from moto.server import ThreadedMotoServer

    patch_kinesis_shards()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one log line per request otherwise
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    try:
        while sys.stdin.buffer.read(1024):  # the parent never writes; EOF means it has gone
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="moto server for livebase (exits when stdin closes)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    serve(args.host, args.port)


if __name__ == "__main__":
    main()

"""The moto server's own process: ``python -m livebase_local.aws.moto_process --port N``.

Why a process of its own: moto serves every AWS call in Python. Sharing a process with the
event-source runner and the handlers made them take turns on one GIL, so a busy stream slowed
the handlers and the handlers slowed the stream. In its own process moto gets its own core.

The process exits when its standard input closes, so it never outlives the :class:`LocalAws`
that started it, even when that one is killed without a chance to clean up.

It also patches moto 5.2.5 where its cost per call grew with the data stored
(:func:`patch_kinesis_shards`, :func:`patch_dynamodb_query`, :func:`patch_dynamodb_transactions`,
:func:`patch_sqs_send`), grew with an item's attributes (:func:`patch_dynamodb_item_size`), or
went into generic machinery on every request (:func:`patch_backend_lookup`,
:func:`patch_kinesis_responses`): same answers, less work. It also makes one delivery moto lacks
(EventBridge → SNS and → Lambda targets: :mod:`livebase_local.aws.moto_delivery`) and keeps a
stack's HMAC KMS key an HMAC key (:mod:`livebase_local.aws.moto_kms`).
"""

from __future__ import annotations

import argparse
import copy
import inspect
import json
import logging
import sys
import threading
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


def patch_kinesis_responses() -> None:
    """Write GetRecords and PutRecords answers as JSON directly.

    moto 5.2.5 renders them through its generic, model-driven serializer, which tries several
    spellings of every field of every record: half the Kinesis server's time under a live stream.
    The answer is the same document botocore receives either way (Data as base64 text, the
    arrival time as epoch seconds), built by a ``json.dumps``.
    """
    from moto.kinesis.responses import KinesisResponse

    def text(data: str | bytes) -> str:
        return data if isinstance(data, str) else data.decode("ascii")  # stored as received: base64

    def get_records(self: KinesisResponse) -> str:
        next_iterator, records, behind = self.kinesis_backend.get_records(
            self._get_param("StreamARN"), self._get_param("ShardIterator"), self._get_param("Limit")
        )
        body: dict[str, Any] = {
            "Records": [
                {
                    "Data": text(record.data),
                    "PartitionKey": record.partition_key,
                    "SequenceNumber": str(record.sequence_number),
                    "ApproximateArrivalTimestamp": record.created_at,
                }
                for record in records
            ],
            "MillisBehindLatest": behind,
        }
        if next_iterator is not None:
            body["NextShardIterator"] = next_iterator
        return json.dumps(body)

    def put_records(self: KinesisResponse) -> str:
        reply = self.kinesis_backend.put_records(
            self._get_param("StreamARN"), self._get_param("StreamName"), self._get_param("Records")
        )
        return json.dumps(reply)

    KinesisResponse.get_records = get_records  # type: ignore[method-assign,assignment]
    KinesisResponse.put_records = put_records  # type: ignore[method-assign,assignment]


def patch_dynamodb_item_size() -> None:
    """Check a new item's size once, not once per attribute.

    moto 5.2.5 builds an item attribute by attribute, and each insert re-measures every attribute
    already in it (the 400 KB limit): quadratic in the attributes, with nested maps re-walked
    each time. The room totals carry dozens of attributes and maps. The sizes only grow, so the
    final sum is the only check that can fail; it raises the same error.
    """
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    def item_init(self: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        values = {key: DynamoType(value) for key, value in attrs.items()}
        if sum(bytesize(key) + value.size() for key, value in values.items()) > ITEM_SIZE_LIMIT:
            raise ItemSizeTooLarge
        self.attrs = LimitedSizeDict()
        dict.update(self.attrs, values)  # later single-attribute updates keep moto's own check

    Item.__init__ = item_init  # type: ignore[method-assign]


ITEM_SIZE_LIMIT = 405_000  # moto's figure (DynamoDB's 400 KB, measured between 409 and 410 KB)


def patch_dynamodb_query() -> None:
    """Make a table Query read its own partition, not the whole table.

    moto 5.2.5 answers a Query on a table by listing and sorting every item of the table, then
    keeping the partition asked for; room metrics are read per room while every room writes,
    so each read cost more as the day went on (165 ms per Query mid-show). While a Query on the
    table itself (not an index) runs, ``all_items`` returns just that partition, sorted as moto
    sorts; the flag is per thread, so a concurrent Scan still sees everything.
    """
    from moto.dynamodb.models.table import Table

    original_query, original_all_items = Table.query, Table.all_items
    query_signature = inspect.signature(original_query)
    local = threading.local()

    def all_items(self: Table) -> list[Any]:
        only = getattr(local, "partition", None)
        if only is None or only[0] is not self:
            return original_all_items(self)
        if only[1] not in self.items:  # never index a defaultdict here: it would add the key
            return []
        partition = self.items[only[1]]
        if not self.range_key_attr:
            return [partition]
        return sorted(partition.values(), key=lambda item: item.range_key)

    def query(self: Table, *args: Any, **kwargs: Any) -> Any:
        arguments = query_signature.bind(self, *args, **kwargs).arguments
        if arguments.get("index_name") or arguments.get("hash_key") is None:
            return original_query(self, *args, **kwargs)
        local.partition = (self, arguments["hash_key"])
        try:
            return original_query(self, *args, **kwargs)
        finally:
            local.partition = None

    Table.all_items = all_items  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]


def patch_dynamodb_transactions() -> None:
    """Make TransactWriteItems back up the items it touches, not whole tables.

    moto 5.2.5 deep-copies every table a transaction names, once per item of the transaction,
    so that it can roll back; a 20-item write to the room totals copied the whole room-metrics
    table 20 times, and every transaction grew slower as the show went on. Here the table copy
    is skipped (a thread-local flag makes ``Table.__deepcopy__`` return the table itself while
    the transaction runs) and the items the transaction names are copied instead, then put back
    if it fails. Any other deep copy of a table (backups, restores) is the usual full copy.
    """
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from moto.dynamodb.models.table import Table

    original = DynamoDBBackend.transact_write_items
    local = threading.local()

    def table_deepcopy(self: Table, memo: dict[int, Any]) -> Table:
        if getattr(local, "in_transaction", False):
            return self
        rebuild = self.__reduce_ex__(4)  # the default deep copy, as if __deepcopy__ were absent
        return copy._reconstruct(self, memo, *rebuild)  # type: ignore[attr-defined,no-any-return]

    def touched(backend: DynamoDBBackend, entry: dict[str, Any]) -> tuple[Table, DynamoType, DynamoType | None] | None:
        """The table and key an entry writes, or None when moto will refuse the entry anyway."""
        try:
            op_type, op = next(iter(entry.items()))
            table = backend.tables[op["TableName"]]
            attrs = op["Item"] if op_type == "Put" else op["Key"]
            hash_key = DynamoType(attrs[table.hash_key_attr])
            range_key = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
        except (KeyError, TypeError, AttributeError, StopIteration):
            return None
        return table, hash_key, range_key

    def stored(table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> Item | None:
        partition = table.items.get(hash_key)  # .get: never add a key to the defaultdict
        if range_key is None:
            return partition  # type: ignore[return-value]
        return partition.get(range_key) if partition is not None else None

    def restore(table: Table, hash_key: DynamoType, range_key: DynamoType | None, before: Item | None) -> None:
        if range_key is None:
            if before is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = before  # type: ignore[assignment]
        elif before is None:
            if hash_key in table.items:
                table.items[hash_key].pop(range_key, None)
        else:
            table.items[hash_key][range_key] = before

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        journal = []
        for entry in transact_items:
            key = touched(self, entry)
            if key is not None:
                journal.append((*key, copy.deepcopy(stored(*key))))
        local.in_transaction = True
        try:
            original(self, transact_items)
        except Exception:
            for table, hash_key, range_key, before in reversed(journal):
                restore(table, hash_key, range_key, before)
            raise
        finally:
            local.in_transaction = False

    Table.__deepcopy__ = table_deepcopy  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def patch_sqs_send() -> None:
    """Stop a send to an SQS queue from counting the messages already on it.

    moto 5.2.5 reads ``queue.attributes`` on every send for one flag (content-based
    deduplication); building that dict counts the visible, in-flight and delayed messages by
    walking all of them. A dead-letter queue only grows until someone replays it, so each
    quarantine notice cost more than the last. While a send runs, the three counts (which no
    send reads) are reported as 0; everywhere else they are counted as before.
    """
    from moto.sqs.models import Queue, SQSBackend

    local = threading.local()
    counts = (
        "approximate_number_of_messages",
        "approximate_number_of_messages_not_visible",
        "approximate_number_of_messages_delayed",
    )

    def uncounted_while_sending(name: str) -> property:
        counted = getattr(Queue, name)

        def count(self: Queue) -> int:
            return 0 if getattr(local, "sending", False) else int(counted.fget(self))

        return property(count)

    def sending(send: Any) -> Any:
        def wrapped(self: SQSBackend, *args: Any, **kwargs: Any) -> Any:
            outer = getattr(local, "sending", False)
            local.sending = True
            try:
                return send(self, *args, **kwargs)
            finally:
                local.sending = outer

        return wrapped

    for name in counts:
        setattr(Queue, name, uncounted_while_sending(name))
    SQSBackend.send_message = sending(SQSBackend.send_message)  # type: ignore[method-assign]
    SQSBackend.send_message_batch = sending(SQSBackend.send_message_batch)  # type: ignore[method-assign]


def patch_backend_lookup() -> None:
    """Remember which moto backend serves a host name.

    moto's dispatcher matched every request's host against each service's URL patterns (and
    listed its modules) before routing; about a tenth of the server's time under load. The
    answer depends only on the host name, so it is kept per dispatcher.
    """
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.get_backend_for_host

    def get_backend_for_host(self: DomainDispatcherApplication, host: str | None) -> Any:
        cache: dict[str | None, Any] = self.__dict__.setdefault("_livebase_backend_cache", {})
        if host not in cache:
            cache[host] = original(self, host)
        return cache[host]

    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]


def serve(host: str, port: int, kinesis_journal: str | None = None) -> None:
    """Run moto on ``host:port`` until standard input closes.

    ``kinesis_journal``: replay that file's streams and records, then journal to it
    (:mod:`livebase_local.aws.kinesis_journal`: a Kinesis that survives its process). With
    ``LIVEBASE_FAULTS`` set, the soak schedule's faults are answered (:mod:`livebase_local.aws.moto_faults`).
    """
    from moto.server import ThreadedMotoServer

    from livebase_local.aws.moto_atomic import patch_dynamodb_atomic_writes
    from livebase_local.aws.moto_delivery import patch_events_targets
    from livebase_local.aws.moto_kms import patch_kms_key_spec
    from livebase_local.gc_tuning import keep_collections_short

    patch_kinesis_shards()
    patch_kinesis_responses()
    patch_dynamodb_query()
    patch_dynamodb_item_size()
    patch_dynamodb_transactions()
    patch_dynamodb_atomic_writes()  # conditions and writes one at a time: livebase_local.aws.moto_atomic
    patch_sqs_send()
    patch_backend_lookup()
    patch_events_targets()  # deliveries moto lacks, not costs: livebase_local.aws.moto_delivery
    patch_kms_key_spec()  # a stack's HMAC key stays an HMAC key: livebase_local.aws.moto_kms
    if kinesis_journal:
        from pathlib import Path

        from livebase_local.aws.kinesis_journal import install as journal_kinesis

        journal_kinesis(Path(kinesis_journal))
    switch = _fault_switch()
    if switch is not None:
        from livebase_local.aws.moto_faults import install as answer_faults

        answer_faults(switch)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one log line per request otherwise
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    keep_collections_short()  # stored records and items are many objects: see livebase_local.gc_tuning
    try:
        while sys.stdin.buffer.read(1024):  # the parent never writes; EOF means it has gone
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def _fault_switch() -> Any:
    from livebase_local.faults import FaultSwitch

    switch = FaultSwitch.from_environment()
    return switch if switch.path is not None else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="moto server for livebase (exits when stdin closes)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--kinesis-journal", help="durable Kinesis: replay this journal, then append to it")
    args = parser.parse_args(argv)
    serve(args.host, args.port, args.kinesis_journal)


if __name__ == "__main__":
    main()

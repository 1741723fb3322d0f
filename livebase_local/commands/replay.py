"""Re-drive a market's dead letters after a fix, each to the consumer that could not handle it.

The stream has two consumers (ingest, orders), each with its own DLQ.

- Ingest DLQ: records ingest quarantined (``ValidationFailed`` / ``ProcessingFailed``, which
  carry the record, or only its quarantine object's key when it was too big for a message) and
  Lambda's on-failure notices (which name a shard and sequence range still readable from the
  stream). Their records go back on the stream, but for those ingest had counted before its batch
  failed (its shard's room-minute totals include their sequence numbers): back with new numbers they
  would be counted twice. The orders consumer is idempotent on the order id.
- Orders DLQ: on-failure notices, and order events the orders function quarantined
  (``ProcessingFailed``). Putting those records back on the stream would make ingest count
  their room metrics twice, so they go to the orders function alone, invoked with the batch as
  Lambda would deliver it.

Each message is deleted only after its records were re-driven (and, for orders, handled without
a failure), so a crash mid-replay loses nothing.

Before a re-drive every record is judged as the consumers will judge it, as of now
(``livebase.live.admission.admit``: schema, market, age): one that is refused again (a validation
failure no fix has changed) would only come back to the DLQ. A message whose records would all be
refused is left on its DLQ (to expire, or for a person) and counted, unless ``include_invalid``; in
a message re-driven, the records that will be refused are counted as coming back.

Records go back into the market's own stack unless ``into`` names another; every re-drive passes
the residency guard first (``livebase.privacy.guard``), so a replay pointed at another market's
stream (another region, or hq) refuses records carrying personal data: they are kept in the source
market's quarantine (``quarantine/<market>/replay/residency/``), their message stays on the DLQ,
and the replay stops with a ``ResidencyViolation``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3

from livebase.batches.quarantine import PROCESSING_FAILED, VALIDATION_FAILED, record_data
from livebase.batches.reasons import Refused
from livebase.live.admission import admit
from livebase.live.room_metrics import minute_of
from livebase.markets.config import Market, load_markets
from livebase.markets.resources import MarketResources
from livebase.privacy.guard import Keeper, refuse_any
from livebase.privacy.refused import RefusedDocuments
from livebase.stores.room_metrics import RoomStore, ShardRoomMinute
from livebase_local.aws.mappings import EventSourceConfig
from livebase_local.runner.lambda_shapes import LambdaContext, kinesis_event

QUARANTINED = (VALIDATION_FAILED, PROCESSING_FAILED)
OrdersInvoker = Callable[[dict[str, Any]], dict[str, Any]]  # a Kinesis event -> the handler's response


@dataclass
class ReplayReport:
    messages: int = 0
    records_put: int = 0
    unreadable_messages: int = 0
    order_messages: int = 0
    order_records_handled: int = 0
    order_messages_kept: int = 0  # the orders function still failed: left on its DLQ
    invalid_skipped: int = 0  # messages left on the DLQs: every record of theirs would be refused again
    invalid_redriven: int = 0  # records re-driven that will be refused again: they come back to the DLQ
    already_counted: int = 0  # records of failed batches ingest had counted before failing: not put back

    def line(self, market: str) -> str:
        """What `./livebase replay` prints."""
        text = (
            f"{market}: ingest DLQ: {self.messages} messages re-driven, {self.records_put} records put back on "
            f"the stream; orders DLQ: {self.order_messages} batches handled again ({self.order_records_handled} "
            f"records), {self.order_messages_kept} still failing; {self.unreadable_messages} unreadable, left for "
            "a person"
        )
        if self.already_counted:
            text += f"; {self.already_counted} records not put back: ingest counted them before their batch failed"
        if self.invalid_redriven:
            text += (
                f"; {self.invalid_redriven} of the re-driven records fail validation again: they come back to the DLQ"
            )
        if self.invalid_skipped:
            text += (
                f"; {self.invalid_skipped} messages skipped, left on the DLQ: their records fail validation again "
                "(fix the producer or the schema first; --include-invalid re-drives them anyway)"
            )
        return text


def still_refused(records: list[bytes], market: Market) -> int:
    """How many of ``records`` the consumers would refuse if they arrived now (they come back)."""
    now = datetime.now(UTC)
    return sum(isinstance(admit(data, market, now), Refused) for data in records)


def _records_of_range(kinesis: Any, stream: str, batch_info: dict[str, Any]) -> Iterator[dict[str, Any]]:
    iterator = kinesis.get_shard_iterator(
        StreamName=stream,
        ShardId=batch_info["shardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        StartingSequenceNumber=batch_info["startSequenceNumber"],
    )["ShardIterator"]
    last = int(batch_info["endSequenceNumber"])
    while iterator:
        page = kinesis.get_records(ShardIterator=iterator, Limit=1000)
        for record in page["Records"]:
            if int(record["SequenceNumber"]) > last:
                return
            yield record
        if not page["Records"]:
            return
        iterator = page.get("NextShardIterator")


def records_of_message(
    body: dict[str, Any], kinesis: Any, stream: str, s3: Any = None, bucket: str = "", rooms: RoomStore | None = None
) -> tuple[list[tuple[str, bytes]], int]:
    """(partition key, data) of every record a DLQ message stands for that ingest has not counted, and
    how many it had: a quarantined record never was; an on-failure notice's batch may have been, in
    part (the function failed after its writes), which ``rooms`` (the market's room metrics) tells."""
    if body.get("condition") in QUARANTINED:
        record = body["record"]
        return [(record["partitionKey"], record_data(record, s3, bucket, body.get("quarantineObject")))], 0
    batch_info = body.get("KinesisBatchInfo")
    if not batch_info:
        raise ValueError("neither a quarantined record nor a Kinesis on-failure notice")
    batch = list(_records_of_range(kinesis, stream, batch_info))
    counted = _counted(batch, str(batch_info["shardId"]), rooms) if rooms else set()
    kept = [(r["PartitionKey"], r["Data"]) for r in batch if r["SequenceNumber"] not in counted]
    return kept, len(batch) - len(kept)


def _counted(batch: list[dict[str, Any]], shard_id: str, rooms: RoomStore) -> set[str]:
    """Sequence numbers of ``batch`` its shard's room-minute totals already include (put back on the
    stream, with a new sequence number, they would be counted a second time)."""
    keyed: dict[str, ShardRoomMinute] = {}
    for record in batch:
        try:
            event = json.loads(record["Data"])
            minute = minute_of(datetime.fromisoformat(str(event["ts"]).replace("Z", "+00:00")))
            keyed[record["SequenceNumber"]] = (shard_id, str(event["room_id"]), minute)
        except (ValueError, KeyError, TypeError):
            continue  # not a room event ingest could count: it goes back, to be judged again
    through = rooms.counted_through(list(keyed.values())) if keyed else {}
    return {seq for seq, key in keyed.items() if key in through and int(seq) <= through[key]}


def _order_batch(body: dict[str, Any], kinesis: Any, stream: str, s3: Any, bucket: str) -> tuple[str, list[Any]]:
    """(shard, GetRecords-shaped records) an orders DLQ message stands for."""
    if body.get("condition") in QUARANTINED:
        record = body["record"]
        data = record_data(record, s3, bucket, body.get("quarantineObject"))
        arrival = datetime.now(UTC)  # a re-drive is a new delivery: admission judges it as of now
        shaped = {"SequenceNumber": record["sequenceNumber"], "PartitionKey": record["partitionKey"],
                  "Data": data, "ApproximateArrivalTimestamp": arrival}  # fmt: skip
        return str(record["shardId"]), [shaped]
    info = body["KinesisBatchInfo"]
    return str(info["shardId"]), list(_records_of_range(kinesis, stream, info))


def _messages(sqs: Any, queue_url: str, limit: int) -> Iterator[dict[str, Any]]:
    """Up to ``limit`` messages, each invisible to others for a minute while it is re-driven."""
    taken = 0
    while taken < limit:
        batch = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=60
        ).get("Messages", [])
        if not batch:
            return
        for message in batch:
            taken += 1
            yield message


def guard_replay(
    resources: MarketResources, into: MarketResources, records: list[bytes], keep: Keeper, what: str
) -> None:
    """The residency guard on records about to be re-driven from ``resources``' DLQ into ``into``'s stack."""
    markets = load_markets()
    texts = [data.decode("utf-8", "replace") for data in records]
    refuse_any(markets[resources.market], markets[into.market], texts, keep, what=what)


def replay_dead_letters(
    resources: MarketResources,
    invoke_orders: OrdersInvoker | None = None,
    max_messages: int = 10_000,
    into: MarketResources | None = None,
    include_invalid: bool = False,
) -> ReplayReport:
    """Both DLQs of the market; ``invoke_orders`` defaults to invoking the deployed orders function
    (of ``into``, which defaults to the market's own stack); validation failures stay on the DLQs
    unless ``include_invalid``."""
    session = boto3.Session(region_name=resources.region)
    sqs, kinesis, s3 = session.client("sqs"), session.client("kinesis"), session.client("s3")
    bucket = resources.data_lake_bucket
    target = into or resources
    out = boto3.Session(region_name=target.region).client("kinesis") if into else kinesis
    keep = RefusedDocuments.of_market(resources, "replay", s3).keep
    report = ReplayReport()
    market = load_markets()[target.market]  # where the records will be judged again
    rooms = RoomStore(session.resource("dynamodb").Table(resources.room_metrics_table))
    for message in _messages(sqs, resources.ingest_dlq_url, max_messages):
        try:
            body = json.loads(message["Body"])
            records, counted = records_of_message(body, kinesis, resources.stream_name, s3, bucket, rooms)
        except (ValueError, KeyError):
            report.unreadable_messages += 1  # left on the queue for a person to read
            continue
        report.already_counted += counted
        guard_replay(resources, target, [data for _, data in records], keep, "replay record")  # first: it keeps them
        refused = still_refused([data for _, data in records], market)
        if records and refused == len(records) and not include_invalid:
            report.invalid_skipped += 1
            continue
        report.invalid_redriven += refused
        for start in range(0, len(records), 500):
            chunk = records[start : start + 500]
            response = out.put_records(
                StreamName=target.stream_name,
                Records=[{"PartitionKey": key, "Data": data} for key, data in chunk],
            )
            if response["FailedRecordCount"]:
                raise RuntimeError(f"Kinesis refused {response['FailedRecordCount']} replayed records; message kept")
        sqs.delete_message(QueueUrl=resources.ingest_dlq_url, ReceiptHandle=message["ReceiptHandle"])
        report.messages += 1
        report.records_put += len(records)
    invoke = invoke_orders or deployed_orders_function(target)
    for message in _messages(sqs, resources.orders_dlq_url, max_messages):
        try:
            body = json.loads(message["Body"])
            shard_id, batch = _order_batch(body, kinesis, resources.stream_name, s3, bucket)
        except (ValueError, KeyError):
            report.unreadable_messages += 1
            continue
        guard_replay(resources, target, [bytes(r["Data"]) for r in batch], keep, "replayed order record")
        refused = still_refused([bytes(r["Data"]) for r in batch], market)
        if batch and refused == len(batch) and not include_invalid:
            report.invalid_skipped += 1
            continue
        report.invalid_redriven += refused
        event = kinesis_event(batch, shard_id, orders_config(target, body.get("KinesisBatchInfo", {})))
        if batch and invoke(event)["batchItemFailures"]:
            report.order_messages_kept += 1  # still failing: stays on the DLQ (visible again in a minute)
            continue
        sqs.delete_message(QueueUrl=resources.orders_dlq_url, ReceiptHandle=message["ReceiptHandle"])
        report.order_messages += 1
        report.order_records_handled += len(batch)
    return report


def orders_config(resources: MarketResources, batch_info: dict[str, Any]) -> EventSourceConfig:
    """Enough of the orders mapping to shape its event and context as Lambda does."""
    return EventSourceConfig(
        market=resources.market,
        region=resources.region,
        function_name=resources.orders_function_name,
        handler="handler.lambda_handler",
        code_path=None,
        stream_name=resources.stream_name,
        stream_arn=str(batch_info.get("streamArn", "")),
        dlq_url=resources.orders_dlq_url,
        dlq_arn=None,
        timeout_seconds=60,
        memory_mb=512,
    )


def deployed_orders_function(resources: MarketResources) -> OrdersInvoker:
    """Invoke the market's orders function (real AWS; locally, see :func:`local_orders_function`)."""
    client = boto3.client("lambda", region_name=resources.region)

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        reply = client.invoke(FunctionName=resources.orders_function_name, Payload=json.dumps(event).encode())
        payload = json.loads(reply["Payload"].read() or b"{}")
        if reply.get("FunctionError"):
            raise RuntimeError(f"{resources.orders_function_name} failed: {payload.get('errorMessage', payload)}")
        return dict(payload)

    return invoke


def local_orders_function(resources: MarketResources) -> OrdersInvoker:
    """The orders handler in this process, as the local runner runs it (no Lambda service locally)."""
    from livebase_local.runner.functions import load_handler

    handler = load_handler("orders", resources)[1]
    return lambda event: handler(event, LambdaContext(orders_config(resources, {})))

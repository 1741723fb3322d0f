"""The moto server process: Kinesis reads and writes stay correct under the O(1) shard patch,
and the server never outlives whoever started it."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3

from livebase_local.aws.moto_server import LocalAws, free_port, is_moto
from tests.support.tables import string_keyed_table


def _records(kinesis: Any, stream: str, shard: str, **position: str) -> list[dict[str, Any]]:
    """Every record from ``position`` on, read in small pages (the patched range look-ups)."""
    iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard, **position)["ShardIterator"]
    out: list[dict[str, Any]] = []
    while True:
        reply = kinesis.get_records(ShardIterator=iterator, Limit=7)
        out += reply["Records"]
        iterator = reply["NextShardIterator"]
        if not reply["Records"]:
            return out


def test_shard_keeps_order_and_positions_across_many_puts(moto_server: LocalAws) -> None:
    kinesis = boto3.client("kinesis", region_name="eu-west-3")
    stream = f"patched-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    shard = kinesis.list_shards(StreamName=stream)["Shards"][0]["ShardId"]
    put = []
    for batch in range(5):
        reply = kinesis.put_records(
            StreamName=stream, Records=[{"PartitionKey": "k", "Data": f"{batch}-{i}".encode()} for i in range(10)]
        )
        put += [r["SequenceNumber"] for r in reply["Records"]]
    assert [int(n) for n in put] == sorted(int(n) for n in put)  # increasing, none repeated
    assert reply["FailedRecordCount"] == 0 and {r["ShardId"] for r in reply["Records"]} == {shard}

    everything = _records(kinesis, stream, shard, ShardIteratorType="TRIM_HORIZON")
    arrived = [r["ApproximateArrivalTimestamp"] for r in everything]  # parsed by botocore as datetimes
    assert arrived == sorted(arrived) and abs((datetime.now(UTC) - arrived[-1]).total_seconds()) < 60
    assert set(everything[0]) == {"Data", "PartitionKey", "SequenceNumber", "ApproximateArrivalTimestamp"}
    assert [r["Data"] for r in everything] == [f"{b}-{i}".encode() for b in range(5) for i in range(10)]
    assert [r["SequenceNumber"] for r in everything] == put

    after = _records(kinesis, stream, shard, ShardIteratorType="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=put[23])
    assert [r["SequenceNumber"] for r in after] == put[24:]
    at = _records(kinesis, stream, shard, ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=put[40])
    assert [r["SequenceNumber"] for r in at] == put[40:]
    latest = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard, ShardIteratorType="LATEST")
    assert kinesis.get_records(ShardIterator=latest["ShardIterator"])["Records"] == []
    described = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["Shards"][0]
    assert described["SequenceNumberRange"]["StartingSequenceNumber"] == put[0]


def test_server_exits_when_its_owner_lets_go() -> None:
    aws = LocalAws(free_port(), reuse_existing=False).start()
    process = aws._servers[0].process
    assert process is not None and aws.server_cpu_seconds() is not None
    assert process.stdin is not None
    process.stdin.close()  # what the owner's death does to the pipe
    process.wait(timeout=15)
    deadline = time.monotonic() + 5
    while is_moto(aws.port, timeout=0.5) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not is_moto(aws.port, timeout=0.5)
    aws.stop()


def test_query_reads_its_partition_and_keeps_dynamodb_semantics(moto_server: LocalAws) -> None:
    dynamodb = boto3.client("dynamodb", region_name="eu-west-3")
    table = f"patched-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for room in ("a", "b"):
        for i in range(12):
            dynamodb.put_item(TableName=table, Item={"pk": {"S": room}, "sk": {"S": f"m{i:02d}"}, "g": {"S": "all"}})

    def query(**kwargs: Any) -> list[str]:
        out: list[str] = []
        start: dict[str, Any] = {}
        while True:
            page = dynamodb.query(TableName=table, Limit=5, **start, **kwargs)
            out += [item["sk"]["S"] for item in page["Items"]]
            if "LastEvaluatedKey" not in page:
                return out
            start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}

    same_room = {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "b"}}}
    assert query(**same_room) == [f"m{i:02d}" for i in range(12)]
    assert query(**same_room, ScanIndexForward=False) == [f"m{i:02d}" for i in reversed(range(12))]
    window = {
        "KeyConditionExpression": "pk = :p AND sk BETWEEN :lo AND :hi",
        "ExpressionAttributeValues": {":p": {"S": "a"}, ":lo": {"S": "m03"}, ":hi": {"S": "m07"}},
    }
    assert query(**window) == ["m03", "m04", "m05", "m06", "m07"]
    nobody = {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "z"}}}
    assert query(**nobody) == []
    on_index = {
        "IndexName": "by-g",
        "KeyConditionExpression": "g = :g",
        "ExpressionAttributeValues": {":g": {"S": "all"}},
    }
    assert len(query(**on_index)) == 24  # an index query still sees every partition
    assert dynamodb.scan(TableName=table)["Count"] == 24


def test_transactions_roll_back_the_items_they_touched(moto_server: LocalAws) -> None:
    """The item-level backup of the transaction patch undoes exactly what a failed transaction did."""
    dynamodb = boto3.client("dynamodb", region_name="eu-west-3")
    ranged = string_keyed_table(dynamodb, "tx-r", "pk", "sk")
    plain = string_keyed_table(dynamodb, "tx-p", "id")
    dynamodb.put_item(TableName=ranged, Item={"pk": {"S": "room"}, "sk": {"S": "old"}, "n": {"N": "1"}})
    dynamodb.put_item(TableName=plain, Item={"id": {"S": "stock"}, "left": {"N": "5"}})

    def write(left_at_least: int) -> None:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": ranged, "Item": {"pk": {"S": "room"}, "sk": {"S": "new"}}}},
                {
                    "Update": {
                        "TableName": ranged,
                        "Key": {"pk": {"S": "room"}, "sk": {"S": "old"}},
                        "UpdateExpression": "SET n = n + :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
                {"Delete": {"TableName": ranged, "Key": {"pk": {"S": "room"}, "sk": {"S": "gone"}}}},
                {
                    "Update": {
                        "TableName": plain,
                        "Key": {"id": {"S": "stock"}},
                        "UpdateExpression": "SET #l = #l - :n",
                        "ConditionExpression": "#l >= :n",
                        "ExpressionAttributeNames": {"#l": "left"},
                        "ExpressionAttributeValues": {":n": {"N": str(left_at_least)}},
                    }
                },
            ]
        )

    def state() -> tuple[list[tuple[str, str | None]], str]:
        rows = dynamodb.scan(TableName=ranged)["Items"]
        stock = dynamodb.get_item(TableName=plain, Key={"id": {"S": "stock"}})["Item"]["left"]["N"]
        return sorted((r["sk"]["S"], r.get("n", {}).get("N")) for r in rows), stock

    dynamodb.put_item(TableName=ranged, Item={"pk": {"S": "room"}, "sk": {"S": "gone"}})
    before = state()
    try:
        write(left_at_least=6)  # the last condition fails: nothing may stay written
    except dynamodb.exceptions.TransactionCanceledException as error:
        reasons = [r["Code"] for r in error.response["CancellationReasons"]]
        assert reasons == ["None", "None", "None", "ConditionalCheckFailed"]
    else:
        raise AssertionError("the transaction should have been cancelled")
    assert state() == before

    write(left_at_least=5)
    assert state() == ([("new", None), ("old", "2")], "0")
    backup = dynamodb.create_backup(TableName=plain, BackupName="before-restock")["BackupDetails"]["BackupArn"]
    restock = {"id": {"S": "stock"}, "left": {"N": "9"}}
    dynamodb.put_item(TableName=plain, Item=restock)  # a backup is a full copy: later writes stay out
    restored = f"{plain}-restored"
    dynamodb.restore_table_from_backup(TargetTableName=restored, BackupArn=backup)
    assert dynamodb.get_item(TableName=restored, Key={"id": {"S": "stock"}})["Item"]["left"]["N"] == "0"


def test_queue_counts_stay_right_around_sends(moto_server: LocalAws) -> None:
    """The send patch reports 0 counts only inside a send; the queue's attributes still count."""
    sqs = boto3.client("sqs", region_name="eu-west-3")
    url = sqs.create_queue(QueueName=f"patched-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(7)])
    sqs.send_message(QueueUrl=url, MessageBody="late", DelaySeconds=60)
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=60)
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    assert counts == {names[0]: "5", names[1]: "2", names[2]: "1"}


def test_item_size_limit_still_holds(moto_server: LocalAws) -> None:
    """The single size check of the item patch refuses what DynamoDB refuses, and only that."""
    dynamodb = boto3.client("dynamodb", region_name="eu-west-3")
    table = string_keyed_table(dynamodb, "patched", "pk")
    chunk = "x" * 50_000
    fits = {"pk": {"S": "fits"}, **{f"a{i}": {"S": chunk} for i in range(7)}, "m": {"M": {"n": {"N": "1"}}}}
    dynamodb.put_item(TableName=table, Item=fits)
    assert dynamodb.get_item(TableName=table, Key={"pk": {"S": "fits"}})["Item"] == fits
    too_big = {"pk": {"S": "big"}, **{f"a{i}": {"S": chunk} for i in range(9)}}
    try:
        dynamodb.put_item(TableName=table, Item=too_big)
    except dynamodb.exceptions.ClientError as error:
        assert "Item size has exceeded the maximum allowed size" in str(error)
    else:
        raise AssertionError("a 450 KB item was accepted")

"""The durable local Kinesis: a SIGKILLed Kinesis process comes back with every acknowledged record.

Same shards, sequence numbers, data and arrival times after the restart, and new puts continue
the sequence (a consumer's checkpoint stays valid). A real moto server process on a free port.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from livebase_local.aws.env import apply_local_environment, restore_environment
from livebase_local.aws.moto_server import LocalAws, free_port

REGION = "eu-central-1"


def read_all(kinesis: Any, stream: str) -> dict[str, list[tuple[str, bytes, float]]]:
    found = {}
    for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
        iterator = kinesis.get_shard_iterator(
            StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records = kinesis.get_records(ShardIterator=iterator, Limit=10_000)["Records"]
        found[shard["ShardId"]] = [
            (r["SequenceNumber"], r["Data"], r["ApproximateArrivalTimestamp"].timestamp()) for r in records
        ]
    return found


@pytest.mark.timeout(120)
def test_kinesis_survives_a_kill(tmp_path: Path) -> None:
    aws = LocalAws(free_port(), reuse_existing=False, kinesis_journal=tmp_path / "kinesis.journal").start()
    previous = apply_local_environment(
        aws.endpoint_url, kinesis_endpoint_url=aws.kinesis_endpoint_url, overwrite_real_credentials=True
    )
    try:
        kinesis = boto3.client("kinesis", region_name=REGION)
        kinesis.create_stream(StreamName="live", ShardCount=2)
        entries = [{"PartitionKey": f"room\t{i % 5}", "Data": f'{{"n": {i}}}'.encode()} for i in range(300)]
        acked = kinesis.put_records(StreamName="live", Records=entries)
        assert acked["FailedRecordCount"] == 0
        before = read_all(kinesis, "live")
        aws.kill_kinesis()
        aws.restart_kinesis()
        fresh = boto3.client("kinesis", region_name=REGION)
        assert read_all(fresh, "live") == before
        again = fresh.put_records(StreamName="live", Records=entries[:1])["Records"][0]
        assert int(again["SequenceNumber"]) == int(before[again["ShardId"]][-1][0]) + 1
    finally:
        restore_environment(previous)
        aws.stop()

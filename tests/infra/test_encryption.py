"""Encryption at rest with the market's own key, and the stores' other protections, on the templates."""

from __future__ import annotations

import pytest

from tests.infra.stacks import HQ, OWN_TESTS, SELLING, key_arn, live_stream, resources


@pytest.mark.parametrize("market_id", SELLING + HQ)
def test_single_region_rotated_key(synthesised, market_id: str) -> None:
    synthesised.template(market_id).has_resource_properties(
        "AWS::KMS::Key", {"EnableKeyRotation": True, "MultiRegion": False}
    )


@pytest.mark.parametrize("market_id", SELLING)
def test_stream_encrypted_with_market_key(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    _, stream = live_stream(raw)
    props = stream["Properties"]
    assert props["StreamEncryption"] == {"EncryptionType": "KMS", "KeyId": key_arn(raw)}
    assert props["RetentionPeriodHours"] == 24
    assert props["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}


TABLE_KEYS = {  # table (logical id prefix) -> (partition key, sort key), TTL attribute
    "TablesOrders": (("order_id", None), "expires_at"),  # the market's retention.orders_days
    "TablesIdempotency": (("id", None), "expiration"),
    "TablesRoomMetrics": (("pk", "sk"), "expires_at"),
    "TablesInventory": (("sku", "warehouse"), "expires_at"),  # its purchase-limit counters expire (issue 28)
    "TablesPurchaseOrders": (("po_id", None), None),
    "TablesForecasts": (("sku", None), "expires_at"),
    "TablesConsent": (("viewer_key", "purpose"), "expires_at"),  # test_privacy_stacks.py
    # the settlement ledger (issue 33) is the market's books: kept (retained, no TTL); its items name
    # parties (brands, hosts, suppliers) and amounts, never a viewer (test_settlement.py)
    "SettlementLedger": (("pk", "sk"), None),
}


@pytest.mark.parametrize("market_id", SELLING)
def test_tables_on_demand_pitr_customer_key(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    tables = {k: t for k, t in resources(raw, "AWS::DynamoDB::Table").items() if not k.startswith(OWN_TESTS)}
    seen = {}
    for logical_id, table in tables.items():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["SSESpecification"] == {
            "SSEEnabled": True,
            "SSEType": "KMS",
            "KMSMasterKeyId": key_arn(raw),
        }
        schema = {k["KeyType"]: k["AttributeName"] for k in props["KeySchema"]}
        ttl = props.get("TimeToLiveSpecification", {})
        [name] = [n for n in TABLE_KEYS if logical_id.startswith(n)] or [logical_id]
        seen[name] = ((schema["HASH"], schema.get("RANGE")), ttl.get("AttributeName") if ttl.get("Enabled") else None)
    assert seen == TABLE_KEYS


@pytest.mark.parametrize("market_id", SELLING + HQ)
def test_data_lake_bucket_private_versioned_logged(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    buckets = {k: b for k, b in resources(raw, "AWS::S3::Bucket").items() if not k.startswith(OWN_TESTS)}
    assert len(buckets) == 2
    ((lake_id, lake),) = [(k, b) for k, b in buckets.items() if "LoggingConfiguration" in b["Properties"]]
    ((log_id, _),) = [(k, b) for k, b in buckets.items() if k != lake_id]
    props = lake["Properties"]
    sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert sse == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn(raw)}
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": log_id}
    assert "ReplicationConfiguration" not in props
    for bucket in buckets.values():
        block = bucket["Properties"]["PublicAccessBlockConfiguration"]
        assert set(block) == {
            "BlockPublicAcls",
            "BlockPublicPolicy",
            "IgnorePublicAcls",
            "RestrictPublicBuckets",
        }
        assert all(value is True for value in block.values())
    for policy in resources(raw, "AWS::S3::BucketPolicy").values():
        deny = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
        assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in deny)


@pytest.mark.parametrize("market_id", SELLING + HQ)
def test_every_bucket_versioned_and_logged_to_the_market_log_bucket(synthesised, market_id: str) -> None:
    """Data lake (quarantine is its prefix), passport anchors, the log bucket: versioned; all but the log
    bucket write server access logs to it, each under a prefix of its own."""
    raw = synthesised.raw(market_id)
    buckets = resources(raw, "AWS::S3::Bucket")
    [log_id] = [k for k, b in buckets.items() if "LoggingConfiguration" not in b["Properties"]]
    prefixes = set()
    for logical_id, bucket in buckets.items():
        props = bucket["Properties"]
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}, logical_id
        if logical_id != log_id:
            assert props["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": log_id}
            prefixes.add(props["LoggingConfiguration"]["LogFilePrefix"])
    assert len(prefixes) == len(buckets) - 1


@pytest.mark.parametrize("market_id", SELLING)
def test_queues_encrypted_and_ssl_only(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    queues = resources(raw, "AWS::SQS::Queue")
    # ingest DLQ, orders DLQ, WMS queue + DLQ, ops-alerts DLQ, supplier-orders, replenish-signals,
    # room-alert-signals and settlement queues + DLQs, the consent consumer's DLQ (RecallConsumer); the
    # supply chain's, room cues', passport's, studio's and the erasure's failures are counted by their own tests
    # (test_supply_chain.py, ..., test_erasure_async.py)
    own = {k: q for k, q in queues.items() if not k.startswith(("SupplyChain", "RoomCues", "Erasure", *OWN_TESTS))}
    assert len(own) == 14
    for queue in queues.values():
        assert queue["Properties"]["KmsMasterKeyId"] == key_arn(raw)
    redriven = [q for q in own.values() if "RedrivePolicy" in q["Properties"]]
    assert len(redriven) == 5 and all(q["Properties"]["RedrivePolicy"]["maxReceiveCount"] == 5 for q in redriven)
    guarded: set[str] = set()
    for policy in resources(raw, "AWS::SQS::QueuePolicy").values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        if any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
        ):
            guarded.update(q["Ref"] for q in policy["Properties"]["Queues"])
    assert guarded == set(queues)


@pytest.mark.parametrize("market_id", SELLING)
def test_alarms_notify_encrypted_topic(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    topics = resources(raw, "AWS::SNS::Topic")
    [topic_id] = [t for t in topics if t.startswith("AlarmsAlarmTopic")]  # the ops topic is another audience's
    assert all(topic["Properties"]["KmsMasterKeyId"] == key_arn(raw) for topic in topics.values())
    alarms = resources(raw, "AWS::CloudWatch::Alarm")
    ages = [a for a in alarms.values() if a["Properties"]["MetricName"] == "IteratorAge"]
    # one per consumer of the live stream: ingest, orders, consent (RecallConsumer)
    assert len(ages) == 3 and all(a["Properties"]["Threshold"] == 60_000 for a in ages)
    own_tests = ("AlarmsGoodsReceipts", "AlarmsShipmentUpdates", "AlarmsOrderReturns", "AlarmsRoomCues",
                 "AlarmsPassport", "AlarmsStudio", "AlarmsErasureFailures")  # fmt: skip
    depth = [
        a
        for k, a in alarms.items()
        if a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible" and not k.startswith(own_tests)
    ]
    # ingest, orders, WMS, ops-alerts, supplier-orders, replenish-signals, room-alert-signals, consent and
    # settlement DLQs
    assert len(depth) == 9 and all(a["Properties"]["Threshold"] == 0 for a in depth)
    for alarm in alarms.values():
        assert alarm["Properties"]["ComparisonOperator"] == "GreaterThanThreshold"
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]

"""What the business case measures in one market, read in that market's own region.

Orders (when and how much: no buyer attribute is read), room minutes (joins, orders, on-air
seconds), and the counts the platform keeps: open stream shards, CloudWatch's Kinesis and Lambda
metrics when it has datapoints (none on a local moto: then ``None`` and the figure is
estimated), table sizes and data-lake object sizes. Only these aggregates leave the region.
A report reader, not a hot path: it scans.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError

from livebase.finance.measured import PlacedOrder, PlatformCounts
from livebase.live.room_minutes import fold_items
from livebase.markets.resources import MarketResources
from livebase.stores.orders import PLACED, OrderStore
from livebase.stores.room_keys import MINUTES

ORDER_ATTRIBUTES = ["placed_at", "status", "total"]  # nothing about the buyer


def placed_orders(resources: MarketResources) -> list[PlacedOrder]:
    model = OrderStore.for_market(resources).model
    return [
        PlacedOrder(record.placed_at, Decimal(record.total))
        for record in model.scan(model.status == PLACED, attributes_to_get=ORDER_ATTRIBUTES)
    ]


def _scan(table: Any, **kwargs: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = table.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _metric_sum(cloudwatch: Any, namespace: str, metric: str, dimension: tuple[str, str], days: int) -> float | None:
    """The metric's sum over the last ``days``; None when CloudWatch has no datapoints."""
    end = datetime.now(UTC)
    found = cloudwatch.get_metric_statistics(
        Namespace=namespace, MetricName=metric, Dimensions=[{"Name": dimension[0], "Value": dimension[1]}],
        StartTime=end - timedelta(days=days), EndTime=end, Period=86400, Statistics=["Sum"],
    )["Datapoints"]  # fmt: skip
    return sum(float(p["Sum"]) for p in found) if found else None


def _sum_or_none(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def platform_counts(resources: MarketResources, session: Any, video: str, metric_days: int = 30) -> PlatformCounts:
    """The market's usage counts (``session``: a boto3 session; clients in the market's region)."""
    region = resources.region
    kinesis = session.client("kinesis", region_name=region)
    shards = int(kinesis.describe_stream_summary(StreamName=resources.stream_name)["StreamDescriptionSummary"][
        "OpenShardCount"
    ])  # fmt: skip
    cloudwatch = session.client("cloudwatch", region_name=region)
    records = _metric_sum(
        cloudwatch, "AWS/Kinesis", "IncomingRecords", ("StreamName", resources.stream_name), metric_days
    )
    functions = (resources.ingest_function_name, resources.orders_function_name)
    invocations = _sum_or_none(
        [_metric_sum(cloudwatch, "AWS/Lambda", "Invocations", ("FunctionName", f), metric_days) for f in functions]
    )
    duration = _sum_or_none(
        [_metric_sum(cloudwatch, "AWS/Lambda", "Duration", ("FunctionName", f), metric_days) for f in functions]
    )
    lambdas = session.client("lambda", region_name=region)
    memory: float | None
    try:
        memory = (
            float(lambdas.get_function_configuration(FunctionName=resources.ingest_function_name)["MemorySize"]) / 1024
        )
    except ClientError:
        memory = None
    dynamodb = session.client("dynamodb", region_name=region)
    tables = (resources.orders_table, resources.room_metrics_table, resources.inventory_table,
              resources.purchase_orders_table, resources.forecasts_table)  # fmt: skip
    items = size = 0
    for name in tables:
        described = dynamodb.describe_table(TableName=name)["Table"]
        items += int(described.get("ItemCount", 0))
        size += int(described.get("TableSizeBytes", 0))
    s3 = session.client("s3", region_name=region)
    lake = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=resources.data_lake_bucket):
        lake += sum(int(o["Size"]) for o in page.get("Contents", []))
    table = session.resource("dynamodb", region_name=region).Table(resources.room_metrics_table)
    minutes = fold_items(_scan(table, FilterExpression=Attr("sk").begins_with(MINUTES)))
    every = [m for room in minutes.values() for m in room]
    return PlatformCounts(
        stream_shards=shards, stream_records=None if records is None else int(records),
        lambda_invocations=None if invocations is None else int(invocations), lambda_duration_ms=duration,
        lambda_memory_gb=memory, table_items=items, table_bytes=size, lake_bytes=lake,
        room_minutes=sum(1 for m in every if m.on_air_seconds > 0 or m.joins or m.orders),
        on_air_hours=sum(m.on_air_seconds for m in every) / 3600.0,
        joins=sum(m.joins for m in every), room_orders=sum(m.orders for m in every), video=video,
        authentic_joins=sum(m.authentic_joins for m in every),  # issue 32: bots and floods left out
    )  # fmt: skip

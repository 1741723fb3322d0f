"""A market's measured figures, each saying whether it was measured, estimated or assumed.

Pure: the flow reads the orders, the room minutes and the counts the platform keeps (stream
shards, table and bucket sizes, Lambda metrics when CloudWatch has them) in the market's own
region and hands them here; only these aggregates leave the region. A figure the platform
cannot count (data out, Lambda duration without metrics) is an assumption, named as such.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from livebase.finance.aws_costs import Source, Usage

HOURS_PER_MONTH = 730.0
ASSUMED_LAMBDA_MS = 200.0  # average duration when CloudWatch has no datapoints
ASSUMED_LAMBDA_GB = 0.5  # memory when the function's configuration was not read
ASSUMED_KB_OUT_PER_ORDER = 50.0  # API and notification bytes per order, video excluded
WRITES_PER_ORDER = 4  # save, WMS claim, sent, fulfilment (livebase.stores.orders)
READS_PER_ORDER = 3  # replenishment scans, WMS due scan, summary (each reads the item once a run)


@dataclass(frozen=True)
class Figure:
    name: str
    value: float | None
    unit: str
    source: Source
    how: str


@dataclass(frozen=True)
class PlacedOrder:
    """What the business case needs of one order: when, how much (no buyer data)."""

    placed_at: datetime
    total: Decimal


@dataclass(frozen=True)
class PlatformCounts:
    """What a market's platform counted, read in its region by the flow."""

    stream_shards: int
    stream_records: int | None  # records put (CloudWatch IncomingRecords), None without metrics
    lambda_invocations: int | None
    lambda_duration_ms: float | None  # summed
    lambda_memory_gb: float | None
    table_items: int  # items across the market's tables (orders, room metrics, ...)
    table_bytes: int
    lake_bytes: int
    room_minutes: int
    on_air_hours: float
    joins: int
    room_orders: int
    video: str  # "ivs", "medialive" or "none"
    authentic_joins: int | None = None  # joins of accounts not flagged as bots or flooding (issue 32)


@dataclass(frozen=True)
class MarketFigures:
    market: str
    currency: str
    window_days: float
    orders: int
    gmv: Decimal
    figures: tuple[Figure, ...]
    usage: tuple[Usage, ...] = field(default=())

    def value(self, name: str) -> float | None:
        return next((f.value for f in self.figures if f.name == name), None)


def window_days(orders: Sequence[PlacedOrder], floor_days: float = 1.0) -> float:
    """Days the orders span (first to last), at least ``floor_days``."""
    if len(orders) < 2:
        return floor_days
    stamps = [o.placed_at for o in orders]
    return max(floor_days, (max(stamps) - min(stamps)).total_seconds() / 86400.0)


def _per_month(quantity: float, days: float) -> float:
    return quantity * 30.0 / days


def usage_lines(counts: PlatformCounts, orders: int, days: float) -> list[Usage]:
    """Monthly usage from the counts, scaled from the observed window to 30 days."""
    lines = [Usage("shard_hours", counts.stream_shards * HOURS_PER_MONTH, "measured",
                   f"{counts.stream_shards} open shards (DescribeStreamSummary) × 730 h")]  # fmt: skip
    if counts.stream_records is not None:
        lines.append(Usage("stream_records", _per_month(counts.stream_records, days), "measured",
                           "CloudWatch IncomingRecords over the window"))  # fmt: skip
    else:
        lines.append(Usage("stream_records", _per_month(counts.room_minutes * 60 + orders, days), "estimated",
                           "no CloudWatch data: a record a second per live room-minute, one per order"))  # fmt: skip
    if counts.lambda_invocations is not None:
        invocations, how = float(counts.lambda_invocations), "CloudWatch Invocations over the window"
        source: Source = "measured"
    else:
        invocations = float(orders + counts.room_minutes)
        how, source = "no CloudWatch datapoints: one batch per order and per room-minute (store records)", "estimated"
    lines.append(Usage("lambda_invocations", _per_month(invocations, days), source, how))
    gb = counts.lambda_memory_gb or ASSUMED_LAMBDA_GB
    if counts.lambda_duration_ms is not None:
        seconds, how, source = counts.lambda_duration_ms / 1000.0, "CloudWatch Duration (sum)", "measured"
    else:
        seconds = invocations * ASSUMED_LAMBDA_MS / 1000.0
        how, source = f"assumed {ASSUMED_LAMBDA_MS:.0f} ms per invocation", "assumed"
    lines.append(Usage("lambda_gb_seconds", _per_month(seconds * gb, days), source, f"{how} × {gb} GB"))
    lines += [
        Usage("table_writes", _per_month(orders * WRITES_PER_ORDER + counts.room_minutes, days), "estimated",
              f"{WRITES_PER_ORDER} writes per stored order + one per room-minute total"),
        Usage("table_reads", _per_month(orders * READS_PER_ORDER + counts.room_minutes, days), "estimated",
              f"{READS_PER_ORDER} reads per stored order + one per room-minute total"),
        Usage("table_gb", counts.table_bytes / 1e9, "measured", f"{counts.table_items} items (DescribeTable sizes)"),
        Usage("lake_gb", counts.lake_bytes / 1e9, "measured", "data lake objects (ListObjectsV2 sizes)"),
        Usage("data_out_gb", _per_month(orders * ASSUMED_KB_OUT_PER_ORDER / 1e6, days), "assumed",
              f"{ASSUMED_KB_OUT_PER_ORDER:.0f} KB out per order, video excluded"),
    ]  # fmt: skip
    if counts.video in ("ivs", "medialive"):
        lines.append(Usage(f"{counts.video}_hours", _per_month(counts.on_air_hours, days), "measured",
                           "on-air seconds of the room minutes"))  # fmt: skip
    return lines


def market_figures(market: str, currency: str, orders: Iterable[PlacedOrder], counts: PlatformCounts) -> MarketFigures:
    """GMV, orders, AOV, conversion and usage of one market, each with its provenance."""
    placed = list(orders)
    days = window_days(placed)
    gmv = sum((o.total for o in placed), Decimal(0))
    count = len(placed)
    aov = float(gmv / count) if count else None
    conversion = counts.room_orders / counts.joins if counts.joins else None
    authentic = counts.authentic_joins / counts.joins if counts.joins and counts.authentic_joins is not None else None
    figures = (
        Figure("orders", float(count), "orders", "measured", "placed orders in the market's Orders table"),
        Figure("gmv", float(gmv), currency, "measured", "sum of placed orders' totals"),
        Figure("average_order_value", aov, currency, "measured" if aov is not None else "assumed",
               "GMV / orders" if aov is not None else "no orders yet"),
        Figure("conversion", conversion, "orders per room join", "measured" if conversion is not None else "assumed",
               "room-minute orders / joins (room metrics)" if conversion is not None else "no room minutes yet"),
        Figure("window_days", days, "days", "measured", "first to last placed order (at least one day)"),
        Figure("on_air_hours", counts.on_air_hours, "hours", "measured", "on-air seconds of the room minutes"),
        Figure("authentic_join_share", authentic, "share of joins", "measured" if authentic is not None else "assumed",
               "joins of accounts not flagged as bots or flooding / all joins (room metrics, issue 32)"),
    )  # fmt: skip
    return MarketFigures(market, currency, days, count, gmv, figures, tuple(usage_lines(counts, count, days)))


def annual_gmv_cny_wan(figures: MarketFigures, fx_to_cny: float) -> float:
    """The measured GMV as a yearly run rate in 萬元 (what the plan's first-year GMV would be)."""
    return float(figures.gmv) * fx_to_cny * 365.0 / figures.window_days / 10_000.0

"""Seeded live-day simulator: JSON records for a market's Kinesis stream, or a JSON-lines file.

    python -m livebase_local.simulator --market sea --seed 7 --scale 0.1 --out day.jsonl
    python -m livebase_local.simulator --market sea --seed 7 --stream Livebase-sea-LiveEvents --rate 2000
    python -m livebase_local.simulator --market sea --send    # stream read from stack Livebase-sea

The same seed gives byte-identical records. A share of records can be made malformed (missing
field, bad type, unknown schema version, an email in a comment, truncated JSON); they are drawn
from a separate random stream, so the valid events do not change with that share.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from livebase.live.events import AnyLiveEvent, parse_event
from livebase.markets.config import Market, load_markets
from livebase_local.simulator.model import SimOptions, build_day, iso, seeded_random

MALFORMED_KINDS = ("missing_field", "bad_type", "schema_version", "email_in_comment", "truncated_json")
MAX_BATCH_RECORDS = 500
MAX_BATCH_BYTES = 5 * 1024 * 1024
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
_BASE_FIELDS = ("event_id", "schema_version", "market", "room_id", "session_id", "ts", "viewer_id")


class SimRecord(NamedTuple):
    """One record as a producer puts it: ``kind`` is the event type or ``malformed:<how>``."""

    ts: float
    partition_key: str
    data: bytes
    kind: str

    @property
    def malformed(self) -> bool:
        return self.kind.startswith("malformed:")

    def event(self) -> AnyLiveEvent:
        return parse_event(self.data)


def _corrupt(payload: dict[str, Any], how: str, rng: Any) -> bytes:
    bad = dict(payload)
    if how == "missing_field":
        del bad[rng.choice(("room_id", "viewer_id", "ts", "event_id"))]
    elif how == "bad_type":
        name, value = rng.choice((("ts", "yesterday"), ("viewer_id", 12345), ("room_id", None), ("session_id", ["x"])))
        bad[name] = value
    elif how == "schema_version":
        bad["schema_version"] = 2
    elif how == "email_in_comment":
        bad = {k: payload[k] for k in _BASE_FIELDS}
        bad.update(type="comment", language="en", text=f"dm me at buyer{rng.randrange(999)}@example.com")
    data = _ENCODER.encode(bad).encode()
    if how == "truncated_json":
        data = data[: len(data) // 2]
    return data


def generate_day(
    market: Market,
    seed: int,
    scale: float = 1.0,
    malformed_share: float = 0.0,
    *,
    day: date | None = None,
    flash_sale: bool = True,
    degraded_edge: bool = True,
) -> Iterator[SimRecord]:
    """Yield the market's live day in time order (two rooms: lunch and prime time, local time)."""
    if not 0.0 <= malformed_share <= 1.0:
        raise ValueError(f"malformed_share must be within [0, 1], got {malformed_share}")
    options = SimOptions(
        scale=scale, flash_sale=flash_sale, degraded_edge=degraded_edge, **({"day": day} if day else {})
    )
    bad_rng = seeded_random(seed, market.id, "malformed")
    second, prefix = -1, ""
    encode = _ENCODER.encode
    for ts, _, partition_key, payload in build_day(market, seed, options):
        if int(ts) != second:  # records are time-ordered: format each second once
            second = int(ts)
            prefix = iso(second)[:-5]
        payload["ts"] = f"{prefix}.{int((ts - second) * 1000):03d}Z"
        if malformed_share and bad_rng.random() < malformed_share:
            how = bad_rng.choice(MALFORMED_KINDS)
            yield SimRecord(ts, partition_key, _corrupt(payload, how, bad_rng), f"malformed:{how}")
            continue
        yield SimRecord(ts, partition_key, encode(payload).encode(), payload["type"])


def write_file(path: Path | str, records: Iterable[SimRecord]) -> int:
    """JSON lines: ``{"ts", "partition_key", "kind", "data"}`` with ``data`` the record's text."""
    count = 0
    with Path(path).open("w", encoding="utf-8") as out:
        for record in records:
            row = {
                "ts": record.ts,
                "partition_key": record.partition_key,
                "kind": record.kind,
                "data": record.data.decode("utf-8", errors="replace"),
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def read_file(path: Path | str) -> Iterator[SimRecord]:
    with Path(path).open(encoding="utf-8") as source:
        for line in source:
            row = json.loads(line)
            yield SimRecord(row["ts"], row["partition_key"], row["data"].encode("utf-8"), row["kind"])


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    batches: int = 0
    seconds: float = 0.0

    @property
    def records_per_s(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0


def _batches(records: Iterable[SimRecord]) -> Iterator[list[SimRecord]]:
    batch: list[SimRecord] = []
    size = 0
    for record in records:
        weight = len(record.data) + len(record.partition_key.encode())
        if batch and (len(batch) == MAX_BATCH_RECORDS or size + weight > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(record)
        size += weight
    if batch:
        yield batch


def _put_with_retries(
    client: Any, stream_name: str, batch: Sequence[SimRecord], report: SendReport, attempts: int, sleep: Any
) -> None:
    pending = list(batch)
    for attempt in range(attempts):
        entries = [{"Data": r.data, "PartitionKey": r.partition_key} for r in pending]
        response = client.put_records(StreamName=stream_name, Records=entries)
        if not response.get("FailedRecordCount"):
            report.sent += len(pending)
            return
        # Results come back in request order; keep only the records that failed.
        results = response["Records"]
        failed = [r for r, result in zip(pending, results, strict=True) if "ErrorCode" in result]
        report.sent += len(pending) - len(failed)
        pending = failed
        if attempt + 1 < attempts:
            report.retried += len(pending)
            sleep(min(2.0, 0.05 * 2**attempt))
    report.failed += len(pending)


def send_to_kinesis(
    records: Iterable[SimRecord],
    stream_name: str,
    region: str,
    rate_per_s: float | None = None,
    progress: bool = True,
    *,
    client: Any | None = None,
    total: int | None = None,
    attempts: int = 5,
    sleep: Any = time.sleep,
    clock: Any = time.perf_counter,
) -> SendReport:
    """``put_records`` in batches of <= 500 records / 5 MB at ``rate_per_s`` (None: as fast as
    possible); throttled or failed records are retried with back-off, then counted as failed."""
    import boto3
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    kinesis = client or boto3.client("kinesis", region_name=region)
    report = SendReport()
    started = clock()
    columns = (TextColumn(f"[bold]{stream_name}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, disable=not progress) as bar:
        task = bar.add_task("put_records", total=total)
        for batch in _batches(records):
            _put_with_retries(kinesis, stream_name, batch, report, attempts, sleep)
            report.batches += 1
            bar.advance(task, len(batch))
            if rate_per_s:
                ahead = (report.sent + report.failed) / rate_per_s - (clock() - started)
                if ahead > 0:
                    sleep(ahead)
    report.seconds = clock() - started
    return report


def restamped(record: SimRecord, now: datetime, cycle: int) -> bytes:
    """The simulated record as if it happened ``now``: a live stream at a benchmark's rate.

    Replayed with its simulated timestamps, a prime-time slice would pass many simulated minutes
    per real second (a room judged far more often than live). Times shift by one offset; after
    the first pass over the slice (``cycle`` > 0), event and order ids get the pass number so each
    pass is new business rather than duplicates. Malformed records go as they are.
    """
    try:
        event = json.loads(record.data)
        offset = now - datetime.fromisoformat(event["ts"].replace("Z", "+00:00"))
    except (ValueError, KeyError, TypeError, AttributeError):
        return record.data
    for name in ("ts", "shown_from", "shown_until"):
        if isinstance(event.get(name), str):
            shifted = datetime.fromisoformat(event[name].replace("Z", "+00:00")) + offset
            event[name] = shifted.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if cycle:
        for name in ("event_id", "order_id"):
            if isinstance(event.get(name), str):
                event[name] = f"{event[name]}-p{cycle}"
    return json.dumps(event, separators=(",", ":")).encode()


def recent_day() -> date:
    """Yesterday (UTC): a whole simulated day that lies in the past, within the admission window."""
    return datetime.now(UTC).date() - timedelta(days=1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="livebase-simulate", description=__doc__.splitlines()[0])
    parser.add_argument("--market", required=True, choices=sorted(load_markets()))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--malformed", type=float, default=0.0, help="share of malformed records, 0..1")
    parser.add_argument("--out", type=Path, help="write JSON lines here")
    parser.add_argument("--stream", help="Kinesis stream name (AWS_ENDPOINT_URL for local AWS)")
    parser.add_argument("--send", action="store_true", help="send to the stream of the deployed stack")
    parser.add_argument("--rate", type=float, default=None, help="records per second to Kinesis")
    parser.add_argument("--limit", type=int, default=None, help="stop after this many records")
    parser.add_argument(
        "--day", type=date.fromisoformat, default=None,
        help="the simulated day, YYYY-MM-DD (default: yesterday; the stream admits events up to 35 days old)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    market = load_markets()[args.market]
    day = args.day or recent_day()
    records = list(generate_day(market, args.seed, args.scale, args.malformed, day=day))[: args.limit]
    if args.out:
        print(f"wrote {write_file(args.out, records)} records to {args.out}")
    stream = args.stream
    if args.send and not stream:
        from livebase.markets.resources import lookup

        stream = lookup(market.id, market.region).stream_name
    if stream:
        report = send_to_kinesis(records, stream, market.region, args.rate, total=len(records))
        print(
            f"sent: {report.sent} failed: {report.failed} retried: {report.retried} "
            f"records_per_s: {report.records_per_s:.0f}"
        )
        return 1 if report.failed else 0
    if not args.out:
        print(f"generated {len(records)} records (use --out or --stream to keep them)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

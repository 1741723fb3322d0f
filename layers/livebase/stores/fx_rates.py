"""hq's store of exchange rates: one S3 object per publication day in hq's data-lake bucket, and the file.

Why objects in hq's bucket rather than a table: hq's stack already has a KMS-encrypted, versioned
bucket and no table; a day is written once and read by date (about 250 small objects a year, a
roll-up reads the few before its day); each object keeps the day's provenance beside its rates
(publisher, source URL, fetched-at, digest of the reply), and nothing else needs provisioning.

Keys: ``fx-rates/<base>/<YYYY-MM-DD>.json`` (:class:`~livebase.aggregates.fx_source.FxDay`).
``config/fx_rates.json`` (the offline fallback) is written from the same days by
:func:`write_rates_file`.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from livebase.aggregates.fx_source import MAX_REPLY_BYTES, FxDay, reply_digest
from livebase.aggregates.rates import RateTable, default_rates_path

FX_PREFIX = "fx-rates"
METRIC_NAMESPACE = "Livebase/FxRates"  # what the fx-rates flow publishes and hq's alarm watches
COVER_METRIC = "DaysOfCover"  # days before the roll-up refuses a market's rates (min over markets, and per market)
AGE_METRIC = "RateAgeDays"  # days since the newest publication in hq's store
FILE_KEEPS_DAYS = 120  # config/fx_rates.json keeps the publications of the last 120 days
FILE_COMMENT = (
    "One unit of each currency in the base currency, per publication date: the ECB's euro reference rates "
    "(AED through its USD peg), written by ./livebase fx-rates or the fx-rates flow (livebase.stores.fx_rates); "
    "the offline fallback of hq's store. _sources: where the newest day came from."
)


def read_reply(source: str) -> bytes:
    """The reply of an ``https://`` URL (30 s, at most ``MAX_REPLY_BYTES``) or of a file (``file://`` or a path)."""
    if source.startswith("https://"):
        request = urllib.request.Request(source, headers={"User-Agent": "livebase-fx-rates"})
        with urllib.request.urlopen(request, timeout=30) as response:  # https only (checked above)
            return bytes(response.read(MAX_REPLY_BYTES + 1))
    if "://" in source and not source.startswith("file://"):
        raise ValueError(f"source: only https:// URLs or files are read, got {source.split('://')[0]}://")
    return Path(source.removeprefix("file://")).read_bytes()


def source_url(source: str) -> str:
    """The source as its provenance names it (a file by its absolute ``file://`` URL)."""
    return source if "://" in source else Path(source).resolve().as_uri()


def day_key(base: str, day: date) -> str:
    return f"{FX_PREFIX}/{base}/{day.isoformat()}.json"


class FxRateStore:
    """The days of one bucket (hq's), read and written in hq's region."""

    def __init__(self, bucket: str, region: str, s3: Any | None = None) -> None:
        self.bucket, self.region = bucket, region
        self.s3 = s3 or boto3.client("s3", region_name=region)

    def stored_days(self, base: str) -> list[date]:
        days = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{FX_PREFIX}/{base}/"
        ):
            for item in page.get("Contents", []):
                days.append(date.fromisoformat(item["Key"].rsplit("/", 1)[1].removesuffix(".json")))
        return sorted(days)

    def put_days(self, days: Iterable[FxDay]) -> list[date]:
        """Write the days not stored yet or stored with other rates; the days written (a re-run writes none)."""
        written = []
        for day in days:
            key = day_key(day.base, day.published)
            stored = self._read(key)
            if stored is not None and stored.rates == day.rates:
                continue
            body = day.model_dump_json().encode()
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/json")
            written.append(day.published)
        return written

    def _read(self, key: str) -> FxDay | None:
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except self.s3.exceptions.NoSuchKey:
            return None
        return FxDay.model_validate_json(body)

    def read_days(self, base: str, first: date, last: date) -> list[FxDay]:
        """The stored days from ``first`` to ``last`` (inclusive), oldest first."""
        found = [self._read(day_key(base, d)) for d in self.stored_days(base) if first <= d <= last]
        return [day for day in found if day is not None]

    def table(self, base: str, on: date) -> RateTable:
        """The newest stored day on or before ``on`` as a table (all a rate of ``on`` needs: every stored day
        holds every market currency), named after the store; empty when none is stored."""
        stored = [d for d in self.stored_days(base) if d <= on]
        days = self.read_days(base, stored[-1], stored[-1]) if stored else []
        return RateTable.from_days(days, base, name=f"hq:{FX_PREFIX}/{base}")  # short: exports carry it (80)

    def quarantine(self, reply: bytes, source_url: str, reason: str, fetched_at: datetime) -> str:
        """Keep a refused reply (public data) and why, under ``fx-rates/refused/``; the reason's key."""
        key = f"{FX_PREFIX}/refused/{fetched_at:%Y-%m-%dT%H%M%S%fZ}"
        why = {"condition": "ValidationFailed", "reasons": [reason], "source_url": source_url,
               "fetched_at": fetched_at.isoformat(), "digest": reply_digest(reply), "bytes": len(reply)}  # fmt: skip
        self.s3.put_object(Bucket=self.bucket, Key=f"{key}.reply", Body=reply, ContentType="application/octet-stream")
        self.s3.put_object(Bucket=self.bucket, Key=f"{key}.json", Body=json.dumps(why).encode(),
                           ContentType="application/json")  # fmt: skip
        return f"{key}.json"

    def latest(self, base: str) -> FxDay | None:
        stored = self.stored_days(base)
        return self._read(day_key(base, stored[-1])) if stored else None


def hq_rates(store: FxRateStore, base: str, on: date, fallback: Path | None = None) -> RateTable:
    """What the roll-up converts with on ``on``: hq's store over the committed file (the offline fallback)."""
    stored = store.table(base, on)
    path = fallback or default_rates_path()
    return RateTable.load(path).merged(stored) if path.is_file() else stored


def _file_text(document: dict[str, Any]) -> str:
    """The file as people read it: one row per line, as it was written by hand before."""
    rates = document.pop("rates")
    blocks = []
    for currency, rows in rates.items():
        lines = ",\n".join(f"      {json.dumps(row)}" for row in rows)
        blocks.append(f'    "{currency}": [\n{lines}\n    ]')
    head = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in document.items())
    return "{\n" + head + ',\n  "rates": {\n' + ",\n".join(blocks) + "\n  }\n}\n"


def write_rates_file(path: Path, days: list[FxDay], keeps_days: int = FILE_KEEPS_DAYS) -> RateTable:
    """``days`` merged into the file at ``path`` (its rows of the last ``keeps_days`` days kept); the new table."""
    if not days:
        raise ValueError("no days to write")
    base = days[0].base
    newer = RateTable.from_days(days, base, name="fx-rates")
    table = RateTable.load(path).merged(newer) if path.is_file() else newer
    newest = max(day.published for day in days)
    cutoff = newest - timedelta(days=keeps_days)
    kept = RateTable(base=base, rates={c: tuple(r for r in rows if r[0] >= cutoff) for c, rows in table.rates.items()})
    document = kept.to_document(FILE_COMMENT)
    latest = max(days, key=lambda d: d.published)
    document["_sources"] = {
        "published": latest.published.isoformat(), "publisher": latest.publisher, "source_url": latest.source_url,
        "fetched_at": latest.fetched_at.isoformat(), "digest": latest.digest, "derived": latest.derived,
    }  # fmt: skip
    path.write_text(_file_text(document), encoding="utf-8")
    return kept

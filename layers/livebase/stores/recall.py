"""What recall keeps in the market's own lake, under ``recall/<market>/`` (retention and erasure cover it).

* ``activity/<day>/<shard>-<first sequence number>.json``: the stream consumer's rows of one batch
  (``livebase.lifecycle.activity.batch_activity``); overwritten, never added to, when a batch is
  delivered again from the same record;
* ``deliveries/<day>.json``: one recall delivery (who was messaged, who held back, the ids);
* the recall lists themselves (``<day>.json``, written by regional processing).

Every document is JSON with viewers as list entries (``{"viewer": ...}``), so an erasure rewrites
them without the viewer (``livebase.stores.erasure``). Clients of the market's region only.
:class:`SnsRecallChannel` is the delivery channel: the market's recall topic in its region.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from livebase.aws import read_json
from livebase.lifecycle.recall import delivery_day
from livebase.privacy.retention import RECALL_PREFIX

ACTIVITY, DELIVERIES = "activity", "deliveries"


class RecallLake:
    """Reads and writes of recall's documents in one market's data lake (``s3``: a client of its region)."""

    def __init__(self, s3: Any, bucket: str, market: str) -> None:
        self.s3, self.bucket, self.market = s3, bucket, market
        self.prefix = f"{RECALL_PREFIX}/{market}"

    # ---- activity ----------------------------------------------------------------------------------
    def activity_key(self, day: date, shard: str, first_sequence: str) -> str:
        return f"{self.prefix}/{ACTIVITY}/{day.isoformat()}/{shard}-{first_sequence}.json"

    def put_activity(self, day: date, shard: str, first_sequence: str, rows: Sequence[dict[str, Any]]) -> str:
        key = self.activity_key(day, shard, first_sequence)
        self._put(key, list(rows))
        return key

    def activity(self, first: date, last: date) -> Iterator[dict[str, Any]]:
        """Every activity row kept for the days ``first`` .. ``last``."""
        for key in self._keys(f"{self.prefix}/{ACTIVITY}/"):
            day = key.split("/")[3]
            if first.isoformat() <= day <= last.isoformat():
                yield from self._get(key) or []

    # ---- deliveries --------------------------------------------------------------------------------
    def delivery_key(self, day: date) -> str:
        return f"{self.prefix}/{DELIVERIES}/{day.isoformat()}.json"

    def put_delivery(self, day: date, document: dict[str, Any]) -> str:
        key = self.delivery_key(day)
        self._put(key, document)
        return key

    def delivery(self, day: date) -> dict[str, Any] | None:
        document = self._get(self.delivery_key(day))
        return document if isinstance(document, dict) else None

    def deliveries(self, first: date, last: date) -> list[dict[str, Any]]:
        """The deliveries of ``first`` .. ``last`` that exist, oldest first."""
        kept = []
        for key in self._keys(f"{self.prefix}/{DELIVERIES}/"):
            day = key.rsplit("/", 1)[-1].removesuffix(".json")
            if first.isoformat() <= day <= last.isoformat():
                document = self._get(key)
                if isinstance(document, dict):
                    kept.append(document)
        return sorted(kept, key=lambda d: str(d.get("day")))

    def viewer_of(self, delivery: str) -> str | None:
        """The viewer a delivery id was sent to, from the delivery's own record (None: not ours)."""
        day = delivery_day(delivery)
        document = self.delivery(day) if day else None
        for entry in (document or {}).get("entries", []):
            if entry.get("delivery") == delivery:
                return str(entry["viewer"])
        return None

    # ---- plumbing -----------------------------------------------------------------------------------
    def _put(self, key: str, document: Any) -> None:
        body = json.dumps(document, separators=(",", ":")).encode()
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/json")

    def _get(self, key: str) -> Any:
        return read_json(self.s3, self.bucket, key)

    def _keys(self, prefix: str) -> Iterator[str]:
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield str(item["Key"])


class SnsRecallChannel:
    """The market's recall topic (SNS, KMS-encrypted, in its region): one message per recalled viewer.

    The message names the pseudonymous viewer and the delivery id (the unsubscribe's only input);
    the subscriber that turns a viewer key into a push, e-mail or SMS runs in the same region.
    """

    BATCH = 10  # SNS PublishBatch's limit

    def __init__(self, sns: Any, topic_arn: str) -> None:
        self.sns, self.topic_arn = sns, topic_arn

    def send(self, market: str, messages: Sequence[dict[str, str]], sent_at: datetime) -> int:
        """Publish ``messages`` (``viewer``, ``delivery``, ``unsubscribe``); the number SNS accepted."""
        accepted = 0
        for start in range(0, len(messages), self.BATCH):
            chunk = messages[start : start + self.BATCH]
            reply = self.sns.publish_batch(
                TopicArn=self.topic_arn,
                PublishBatchRequestEntries=[
                    {
                        "Id": f"m{n}",
                        "Message": json.dumps(
                            {"kind": "recall", "market": market, "sent_at": sent_at.isoformat(), **message}
                        ),
                        "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "recall"}},
                    }
                    for n, message in enumerate(chunk)
                ],
            )
            failed = reply.get("Failed", [])
            if failed:  # an id and a code only: nothing personal
                codes = sorted({str(f.get("Code")) for f in failed})
                raise RuntimeError(f"recall topic refused {len(failed)} of {len(chunk)} messages: {codes}")
            accepted += len(reply.get("Successful", []))
        return accepted

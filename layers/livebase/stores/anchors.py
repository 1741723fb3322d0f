"""A market's anchor bucket: one object per day holding the Merkle root of that day's chain heads.

The bucket has S3 Object Lock on (compliance mode, a default retention; CDK in
``infra_cdk/components/passport.py``), and each put also names its own retention: nobody, root
included, can overwrite or delete an anchor version before it expires, so a chain rewritten
afterwards cannot match it. Objects are ``passport-anchors/<market>/<yyyy-mm-dd>.json``; the
ledger keeps the version id each batch was anchored under.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from livebase.passport.canonical import canonical_json
from livebase.passport.merkle import DayHead

PREFIX = "passport-anchors"
RETENTION_DAYS = 3 * 365  # how long a day anchor stays locked (compliance mode: no one can shorten it)
ALGORITHM = "sha256-rfc6962"  # livebase.passport.merkle


def anchor_key(market: str, day: str) -> str:
    return f"{PREFIX}/{market}/{day}.json"


class AnchorStore:
    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3, self.bucket = s3, bucket

    def put(
        self, market: str, day: str, heads: Sequence[DayHead], root: str, retain_until: datetime
    ) -> tuple[str, str]:
        """Write the day's anchor (locked until ``retain_until``); returns (key, version id)."""
        key = anchor_key(market, day)
        body = canonical_json({
            "market": market, "day": day, "algorithm": ALGORITHM, "root": root,
            "heads": [{"batch_id": h.batch_id, "head": h.head, "length": h.length} for h in heads],
        })  # fmt: skip
        response = self.s3.put_object(
            Bucket=self.bucket, Key=key, Body=body, ContentType="application/json",
            ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=retain_until, ChecksumAlgorithm="SHA256",
        )  # fmt: skip
        return key, str(response.get("VersionId", ""))

    def get(self, key: str, version_id: str) -> dict[str, Any]:
        request = {"Bucket": self.bucket, "Key": key, **({"VersionId": version_id} if version_id else {})}
        return dict(json.loads(self.s3.get_object(**request)["Body"].read()))

    def retention(self, key: str, version_id: str) -> dict[str, Any]:
        """The version's lock as S3 reports it on HEAD (``Mode``, ``RetainUntilDate``); HEAD rather
        than GetObjectRetention, which moto 5.2.5 does not implement."""
        head = self.s3.head_object(Bucket=self.bucket, Key=key, VersionId=version_id)
        return {"Mode": head.get("ObjectLockMode"), "RetainUntilDate": head.get("ObjectLockRetainUntilDate")}

"""Where the residency guard keeps what it refused: the source market's own quarantine, in its region.

One object per refused document, ``quarantine/<market>/<consumer>/residency/<digest>.json`` in
the market's data lake (the consumer's own quarantine prefix, which its role may already write),
holding the condition ``ResidencyRefused``, the path, the reasons and the document as it was, so
a person can read why and nothing is lost. The key is the document's digest: a redelivery that is
refused again rewrites the same object.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from livebase.batches.quarantine import QUARANTINE_PREFIX
from livebase.markets.resources import MarketResources

RESIDENCY_REFUSED = "ResidencyRefused"


def refused_key(market: str, consumer: str, document: str) -> str:
    digest = hashlib.sha256(document.encode("utf-8")).hexdigest()[:32]
    return f"{QUARANTINE_PREFIX}/{market}/{consumer}/residency/{digest}.json"


@dataclass(frozen=True)
class RefusedDocuments:
    """One consumer's kept refusals in its market's data lake; ``keep`` is a guard ``Keeper``."""

    s3: Any
    bucket: str
    market: str
    consumer: str

    @classmethod
    def of_market(cls, resources: MarketResources, consumer: str, s3: Any = None) -> RefusedDocuments:
        """In the market's own region (a client of that region unless one is given)."""
        if s3 is None:
            import boto3

            s3 = boto3.client("s3", region_name=resources.region)
        return cls(s3, resources.data_lake_bucket, resources.market, consumer)

    def keep(self, document: str, reasons: list[str]) -> str:
        key = refused_key(self.market, self.consumer, document)
        body = {"condition": RESIDENCY_REFUSED, "consumer": self.consumer, "reasons": reasons, "document": document}
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=json.dumps(body).encode(), ContentType="application/json")
        return key

"""`./livebase erase <market> <viewer>`: remove one viewer's personal data from every store of a market.

The same library call the erasure API makes in the cloud (``functions/erasure``): the viewer is
named by their pseudonymous id (``v_...``) or by the raw account id, which is pseudonymised in
the market's region with its HMAC KMS key; ``livebase.stores.erasure.ViewerErasure`` then
removes them from the orders, idempotency records, consent, room metrics, quarantined records
and recall lists, scans every store again, and writes the receipt to the market's data lake.
"""

from __future__ import annotations

import boto3

from livebase.aws import retry_config
from livebase.markets.config import load_markets
from livebase.markets.resources import MarketResources
from livebase.privacy.erasure import ErasureReceipt, summary, viewer_key_of
from livebase.privacy.pseudonyms import KmsPseudonymiser
from livebase.stores.erasure import ViewerErasure


def erase(resources: MarketResources, viewer: str) -> ErasureReceipt:
    """Erase ``viewer`` from the market of ``resources``, with clients of that market's region only."""
    session = boto3.Session(region_name=resources.region)
    pseudonymise = KmsPseudonymiser(session.client("kms", config=retry_config()), resources.pseudonym_key_id)
    erasure = ViewerErasure(load_markets()[resources.market], resources, session)
    return erasure.erase(viewer_key_of(viewer, pseudonymise))


def erasure_line(receipt: ErasureReceipt) -> str:
    """What the command prints: counts per store, whether the scan after found nothing, the receipt's key."""
    return summary(receipt.to_json())

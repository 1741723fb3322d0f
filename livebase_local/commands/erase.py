"""`./livebase erase <market> <viewer>`: remove one viewer's personal data from every store of a market.

The same library call the erasure API makes in the cloud (``functions/erasure``): the viewer is
named by their pseudonymous id (``v_...``) or by the raw account id, which is pseudonymised in
the market's region with its HMAC KMS key; ``livebase.stores.erasure.ViewerErasure`` then
removes them from the orders, idempotency records, consent, room metrics, quarantined records
and recall lists, scans every store again, and writes the receipt to the market's data lake.
Each store is printed as it is done (a busy market's scans take tens of seconds); a viewer of whom
no store held anything is told apart from one erased; an e-mail address or a phone number is
refused before anything is read (viewer ids are pseudonyms, never contact details).
"""

from __future__ import annotations

import time

import boto3

from livebase.aws import retry_config
from livebase.markets.config import load_markets
from livebase.markets.resources import MarketResources
from livebase.privacy.erasure import ErasureReceipt, summary, viewer_key_of
from livebase.privacy.pseudonyms import KmsPseudonymiser
from livebase.stores.erasure import StoreDone, ViewerErasure


def erase(resources: MarketResources, viewer: str, progress: bool = False) -> ErasureReceipt:
    """Erase ``viewer`` from the market of ``resources``, with clients of that market's region only;
    with ``progress``, a line per store as it is done."""
    session = boto3.Session(region_name=resources.region)
    pseudonymise = KmsPseudonymiser(session.client("kms", config=retry_config()), resources.pseudonym_key_id)
    viewer_key = viewer_key_of(viewer, pseudonymise)  # refuses contact details before any store is read
    erasure = ViewerErasure(load_markets()[resources.market], resources, session)
    if progress:
        print(f"erasing from every store of {resources.market} ({resources.region}), items removed per store:")
    return erasure.erase(viewer_key, done=store_progress() if progress else None)


def store_progress() -> StoreDone:
    """Print each store as it is done, with its seconds."""
    last = time.monotonic()

    def done(store: str, count: int) -> None:
        nonlocal last
        now = time.monotonic()
        print(f"  {store}: {count} ({now - last:.1f} s)", flush=True)
        last = now

    return done


def erasure_line(receipt: ErasureReceipt) -> str:
    """What the command prints: counts per store, whether the scan after found nothing, the receipt's key."""
    return summary(receipt.to_json())

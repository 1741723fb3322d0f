"""Pseudonyms through the market's HMAC KMS key (moto in-process): stable, keyed per market, cached."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from livebase.live.events import ViewerId
from livebase.privacy.pseudonyms import KmsPseudonymiser, is_pseudonym, pseudonym_from_mac

REGION = "eu-central-1"


@pytest.fixture
def kms(aws: Any) -> Any:
    return boto3.client("kms", region_name=REGION)  # in the in-process moto ``aws`` started


def hmac_key(kms: Any) -> str:
    return kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]


def test_pseudonyms_are_stable_per_key_and_differ_between_markets(kms: Any) -> None:
    eu, sea = KmsPseudonymiser(kms, hmac_key(kms)), KmsPseudonymiser(kms, hmac_key(kms))
    first = eu("account-123")
    assert is_pseudonym(first) and len(first) == 34
    assert eu("account-123") == first and eu.calls == 1  # the second came from the cache
    assert KmsPseudonymiser(kms, eu.key_id)("account-123") == first  # the key, not the process, decides
    assert sea("account-123") != first  # another market's key: no join across markets


def test_pseudonyms_pass_the_event_schema(kms: Any) -> None:
    from pydantic import TypeAdapter

    made = KmsPseudonymiser(kms, hmac_key(kms))("viewer@example.com")
    assert TypeAdapter(ViewerId).validate_python(made) == made


def test_many_makes_each_missing_one_once_and_the_cache_is_bounded(kms: Any) -> None:
    pseudonyms = KmsPseudonymiser(kms, hmac_key(kms), cache_size=50, workers=4)
    raw = [f"viewer-{i}" for i in range(120)]
    made = pseudonyms.many(raw + raw[:10])
    assert len(made) == 120 and len(set(made.values())) == 120 and pseudonyms.calls == 120
    assert pseudonyms.many(raw[-5:]) == {r: made[r] for r in raw[-5:]} and pseudonyms.calls == 120
    assert len(pseudonyms._cache) == 50


def test_refusals_name_what_is_wrong(kms: Any) -> None:
    with pytest.raises(ValueError, match="key_id: empty"):
        KmsPseudonymiser(kms, "")
    with pytest.raises(ValueError, match="raw viewer id: empty"):
        KmsPseudonymiser(kms, hmac_key(kms))("")
    with pytest.raises(ValueError, match="mac: needs at least 16 bytes"):
        pseudonym_from_mac(b"short")
    encrypt_only = kms.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(kms.exceptions.InvalidKeyUsageException):
        KmsPseudonymiser(kms, encrypt_only)("viewer-1")

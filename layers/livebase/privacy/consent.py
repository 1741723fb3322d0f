"""Consent per viewer and purpose: what a record says, and which record counts.

A viewer (``viewer_key``: the pseudonymous id) grants or withdraws consent per :class:`Purpose`.
The latest record wins (a record older than the one held changes nothing), no record means not
granted, and a withdrawal takes effect on the next run: flows read the granted keys once
(``ConsentStore.granted_keys``) and use nothing personalised for a viewer outside them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TypeVar


class Purpose(StrEnum):
    """What a viewer's data may be used for, each consented separately."""

    PERSONALISATION = "personalisation"  # recommendations, segments that change what a viewer sees
    MARKETING = "marketing"  # recall lists, campaigns
    ANALYTICS = "analytics"  # per-viewer analytics (aggregates without viewer rows need none)


class Source(StrEnum):
    """Where a consent change came from (kept with every change, so a withdrawal can be traced)."""

    PLAYER = "player"  # the live player, on the market's stream (functions/consent)
    SITE = "site"  # the base's own sites, through POST /consent
    UNSUBSCRIBE = "unsubscribe"  # the unsubscribe of a recall message: a marketing withdrawal
    OPS = "ops"  # recorded by the base's staff (or a test), not by the viewer's own action


E = TypeVar("E", bound=StrEnum)


class ConsentError(ValueError):
    """A consent record that cannot be kept: the message names the field."""


def _parse(kind: type[E], field: str, value: str) -> E:
    """The member of ``kind`` named ``value``, or a :class:`ConsentError` naming ``field`` and the known ones."""
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(member.value for member in kind)
        raise ConsentError(f"{field}: unknown {value!r} (one of {known})") from None


def parse_purpose(value: str) -> Purpose:
    """The purpose named ``value``, or a :class:`ConsentError` listing the known ones."""
    return _parse(Purpose, "purpose", value)


def parse_source(value: str) -> Source:
    """The source named ``value``, or a :class:`ConsentError` listing the known ones."""
    return _parse(Source, "source", value)


def utc_stamp(at: datetime) -> str:
    """Fixed-width UTC ISO text, so stamps compare as strings (DynamoDB conditions compare text)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ConsentError("at: needs a timezone (a naive time is ambiguous)")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class ConsentRecord:
    """One statement of a viewer about one purpose, at one time."""

    viewer_key: str
    purpose: Purpose
    granted: bool
    at: datetime
    source: Source = Source.OPS

    def __post_init__(self) -> None:
        if not self.viewer_key:
            raise ConsentError("viewer_key: empty")
        if not isinstance(self.purpose, Purpose):
            raise ConsentError(f"purpose: {self.purpose!r} is not a Purpose")
        if not isinstance(self.source, Source):
            raise ConsentError(f"source: {self.source!r} is not a Source")
        utc_stamp(self.at)  # refuses a naive time

    @property
    def stamp(self) -> str:
        return utc_stamp(self.at)

    def supersedes(self, held: ConsentRecord | None) -> bool:
        """True when this record should replace ``held`` (latest wins; on a tie, the new one)."""
        return held is None or self.stamp >= held.stamp

    def expires_at(self, retention_days: int) -> int:
        """Epoch seconds after which the record may go (DynamoDB TTL)."""
        return int((self.at + timedelta(days=retention_days)).timestamp())


def latest(records: Iterable[ConsentRecord]) -> dict[tuple[str, Purpose], ConsentRecord]:
    """The record that counts per (viewer, purpose): the latest one."""
    held: dict[tuple[str, Purpose], ConsentRecord] = {}
    for record in records:
        key = (record.viewer_key, record.purpose)
        if record.supersedes(held.get(key)):
            held[key] = record
    return held


def granted_keys(records: Iterable[ConsentRecord], purpose: Purpose) -> set[str]:
    """Viewers whose latest record for ``purpose`` grants it (no record: not granted)."""
    return {viewer for (viewer, p), record in latest(records).items() if p is purpose and record.granted}


def allowed(viewer_keys: Iterable[str], consented: set[str]) -> list[str]:
    """The viewers of ``viewer_keys`` that may be used personally, in order (the check before use)."""
    return [key for key in viewer_keys if key in consented]

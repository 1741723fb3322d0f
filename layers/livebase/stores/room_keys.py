"""The room-metrics table's keys, in one place: every writer and reader builds them here.

One partition per room (``pk = ROOM#<room>``), items told apart by the sort key's prefix:

- ``MIN#<minute>Z#PART#<shard>``: what one shard has counted in a minute of the room, rewritten
  as its batches arrive (the ingest handler's running totals, :mod:`livebase.live.shard_minutes`).
  The offline per-batch form (:func:`livebase.live.room_metrics.to_items`) appends
  ``#<first sequence number>``: the same prefix, so a reader folds either without knowing which.
- ``CONC#<minute>Z``: concurrent viewers at the end of a settled minute;
- ``JUDGE#<minute>Z``: which shard's container judges the room's minute;
- ``ALERT#<minute>Z#<alert key>``: the once-only mark of an alert sent.

Minutes sort as text (``%Y-%m-%dT%H:%M``), so a room's window is one Query between two keys.
"""

from __future__ import annotations

from datetime import datetime

MINUTES, CONCURRENCY, JUDGEMENT, ALERT = "MIN#", "CONC#", "JUDGE#", "ALERT#"


def stamp(minute: datetime) -> str:
    """A minute as sortable text, seconds dropped."""
    return f"{minute:%Y-%m-%dT%H:%M}Z"


def room_pk(room_id: str) -> str:
    return f"ROOM#{room_id}"


def minute_key(room_id: str, minute: datetime, shard_id: str, first_seq: int | None = None) -> dict[str, str]:
    """A shard's running total of a room-minute, or (with ``first_seq``) one batch's partial of it."""
    sk = f"{MINUTES}{stamp(minute)}#PART#{shard_id}"
    return {"pk": room_pk(room_id), "sk": sk if first_seq is None else f"{sk}#{first_seq}"}


def minute_range(room_id: str, first: datetime, last: datetime) -> tuple[str, str, str]:
    """(pk, low sk, high sk) of a room's minutes ``first``..``last`` for ``Key("sk").between``."""
    return room_pk(room_id), f"{MINUTES}{stamp(first)}", f"{MINUTES}{stamp(last)}#~"


def concurrency_sk(minute: datetime) -> str:
    return f"{CONCURRENCY}{stamp(minute)}"


def concurrency_minute(sk: str) -> datetime:
    return datetime.fromisoformat(sk.removeprefix(CONCURRENCY).removesuffix("Z") + "+00:00")


def judgement_sk(minute: datetime) -> str:
    return f"{JUDGEMENT}{stamp(minute)}"


def alert_sk(minute: datetime, key: str) -> str:
    return f"{ALERT}{stamp(minute)}#{key}"


def alert_name(sk: str) -> str:
    """The alert's kind from its mark (``ALERT#<minute>Z#<kind>:<detail>`` → ``<kind>``)."""
    return sk.split("#")[2].split(":")[0]

"""The market's player table: sessions as the player joins them, experiment exposures, recommendations.

One table (keys ``pk``, ``sk``; TTL ``expires_at``), boto3 client (plain items and one conditional
put), always of the market's own region: exposures and top lists name viewers (pseudonymous keys or
their digests), so they stay there and expire by retention.

- ``SESSION#<session>`` / ``SESSION``: room, line-up, experiment (id, share of B, end);
- ``EXPOSURE#<experiment>`` / ``<viewer hash>``: the arm and the first exposure (written once);
- ``VIEWER#<viewer key>`` / ``TOP``: the viewer's top list (sku -> score) and when it was trained;
- ``MARKET`` / ``POPULAR``: the market's popular list.

:meth:`PlayerStore.recommendation_inputs` is the serving read: one ``BatchGetItem`` for the session,
the viewer's list and the viewer's personalisation consent (the Consent table, same region).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from livebase.aws import conditional_write
from livebase.sessions.joining import SessionRecord, viewer_hash

SESSION, TOP, POPULAR, MARKET = "SESSION", "TOP", "POPULAR", "MARKET"
EXPOSURE_DAYS = 400  # an exposure outlives its experiment's analysis, then expires
TOP_LIST_DAYS = 14  # a list not refreshed by two weeks of training runs is dropped
PERSONALISATION = "personalisation"  # livebase.privacy.consent.Purpose.PERSONALISATION (no import: layer size)


def _epoch(at: datetime, days: int) -> str:
    return str(int((at + timedelta(days=days)).timestamp()))


def session_key(session_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"SESSION#{session_id}"}, "sk": {"S": SESSION}}


def viewer_key_of(viewer_key: str) -> dict[str, Any]:
    return {"pk": {"S": f"VIEWER#{viewer_key}"}, "sk": {"S": TOP}}


@dataclass(frozen=True, slots=True)
class Exposure:
    viewer_hash: str
    arm: str
    first_exposed_at: datetime


@dataclass(frozen=True, slots=True)
class RecommendationInputs:
    session: SessionRecord | None
    scores: dict[str, float] | None
    consented: bool


def _session(item: Mapping[str, Any]) -> SessionRecord:
    ends = item.get("ends_at", {}).get("S")
    return SessionRecord(
        session_id=item["pk"]["S"].removeprefix("SESSION#"),
        room_id=item["room_id"]["S"],
        lineup=tuple(v["S"] for v in item.get("lineup", {}).get("L", [])),
        experiment_id=item.get("experiment_id", {}).get("S"),
        share_b=float(item.get("share_b", {}).get("N", "0.5")),
        ends_at=datetime.fromisoformat(ends) if ends else None,
    )


class PlayerStore:
    """Every read and write of one market's player table (``client``: a DynamoDB client)."""

    def __init__(self, client: Any, table_name: str, consent_table: str = "") -> None:
        self.client, self.table, self.consent_table = client, table_name, consent_table

    # ---- sessions --------------------------------------------------------------------------------
    def put_session(self, record: SessionRecord, *, expires: datetime) -> None:
        """Write (or overwrite) a session as the player will join it; gone after ``expires``."""
        item: dict[str, Any] = {
            **session_key(record.session_id),
            "room_id": {"S": record.room_id},
            "lineup": {"L": [{"S": sku} for sku in dict.fromkeys(record.lineup)]},
            "expires_at": {"N": str(int(expires.timestamp()))},
        }
        if record.experiment_id:
            item["experiment_id"] = {"S": record.experiment_id}
            item["share_b"] = {"N": str(record.share_b)}
        if record.ends_at:
            item["ends_at"] = {"S": record.ends_at.astimezone(UTC).isoformat()}
        self.client.put_item(TableName=self.table, Item=item)

    def session(self, session_id: str) -> SessionRecord | None:
        raw = self.client.get_item(TableName=self.table, Key=session_key(session_id))
        return _session(raw["Item"]) if "Item" in raw else None

    # ---- exposures -------------------------------------------------------------------------------
    def expose(self, experiment_id: str, viewer_key: str, arm: str, at: datetime) -> bool:
        """Record the viewer's first exposure; False when it was already recorded (kept as it was)."""
        return conditional_write(
            self.client.put_item,
            TableName=self.table,
            Item={
                "pk": {"S": f"EXPOSURE#{experiment_id}"}, "sk": {"S": viewer_hash(viewer_key)},
                "arm": {"S": arm}, "first_exposed_at": {"S": at.astimezone(UTC).isoformat()},
                "expires_at": {"N": _epoch(at, EXPOSURE_DAYS)},
            },
            ConditionExpression="attribute_not_exists(pk)",
        )  # fmt: skip

    def exposures(self, experiment_id: str) -> list[Exposure]:
        """Every exposure of the experiment (one query, paginated)."""
        return [
            Exposure(item["sk"]["S"], item["arm"]["S"], datetime.fromisoformat(item["first_exposed_at"]["S"]))
            for item in self._query(f"EXPOSURE#{experiment_id}")
        ]

    # ---- recommendations -------------------------------------------------------------------------
    def put_top_lists(self, lists: Mapping[str, Sequence[tuple[str, float]]], trained_at: datetime) -> int:
        """Overwrite each viewer's list (batched writes); the number written."""
        requests = [
            {"PutRequest": {"Item": {
                **viewer_key_of(viewer), "trained_at": {"S": trained_at.astimezone(UTC).isoformat()},
                "scores": {"M": {sku: {"N": str(Decimal(str(score)))} for sku, score in items}},
                "expires_at": {"N": _epoch(trained_at, TOP_LIST_DAYS)},
            }}}
            for viewer, items in lists.items()
        ]  # fmt: skip
        for start in range(0, len(requests), 25):
            self._write_batch(requests[start : start + 25])
        return len(requests)

    def put_popular(self, skus: Sequence[str], trained_at: datetime) -> None:
        self.client.put_item(TableName=self.table, Item={
            "pk": {"S": MARKET}, "sk": {"S": POPULAR}, "items": {"L": [{"S": s} for s in skus]},
            "trained_at": {"S": trained_at.astimezone(UTC).isoformat()},
        })  # fmt: skip

    def popular(self) -> list[str]:
        raw = self.client.get_item(TableName=self.table, Key={"pk": {"S": MARKET}, "sk": {"S": POPULAR}})
        return [v["S"] for v in raw.get("Item", {}).get("items", {}).get("L", [])]

    def listed_viewers(self) -> set[str]:
        """Viewers holding a top list now (to drop those whose consent was withdrawn)."""
        found: set[str] = set()
        for page in self.client.get_paginator("scan").paginate(
            TableName=self.table, FilterExpression="begins_with(pk, :p)",
            ExpressionAttributeValues={":p": {"S": "VIEWER#"}}, ProjectionExpression="pk",
        ):  # fmt: skip
            found.update(item["pk"]["S"].removeprefix("VIEWER#") for item in page.get("Items", []))
        return found

    def drop_top_lists(self, viewers: Sequence[str]) -> None:
        requests = [{"DeleteRequest": {"Key": viewer_key_of(v)}} for v in viewers]
        for start in range(0, len(requests), 25):
            self._write_batch(requests[start : start + 25])

    def recommendation_inputs(self, session_id: str, viewer_key: str) -> RecommendationInputs:
        """The session, the viewer's list and their personalisation consent: one ``BatchGetItem``."""
        request: dict[str, Any] = {
            self.table: {"Keys": [session_key(session_id), viewer_key_of(viewer_key)]},
            self.consent_table: {
                "Keys": [{"viewer_key": {"S": viewer_key}, "purpose": {"S": PERSONALISATION}}],
                "ProjectionExpression": "granted",
            },
        }
        found: dict[str, list[dict[str, Any]]] = {self.table: [], self.consent_table: []}
        for _ in range(3):  # unprocessed keys (throttling) are asked again, twice at most
            answer = self.client.batch_get_item(RequestItems=request)
            for table, items in answer.get("Responses", {}).items():
                found[table].extend(items)
            request = answer.get("UnprocessedKeys") or {}
            if not request:
                break
        session = next((_session(i) for i in found[self.table] if i["sk"]["S"] == SESSION), None)
        top = next((i for i in found[self.table] if i["sk"]["S"] == TOP), None)
        scores = {sku: float(v["N"]) for sku, v in top["scores"]["M"].items()} if top else None
        consented = any(i.get("granted", {}).get("BOOL", False) for i in found[self.consent_table])
        return RecommendationInputs(session, scores, consented)

    def _write_batch(self, requests: list[dict[str, Any]]) -> None:
        pending: dict[str, Any] = {self.table: requests}
        while pending:
            pending = self.client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}

    def _query(self, pk: str) -> Iterator[dict[str, Any]]:
        for page in self.client.get_paginator("query").paginate(
            TableName=self.table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": pk}}
        ):
            yield from page.get("Items", [])

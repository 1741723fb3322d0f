"""Moderation's records in the market's room-metrics table: decisions, the held queue, sanctions, the log.

All in the market's own table (its region, its KMS key), beside the room totals they explain:

- ``ROOM#<room>`` / ``MOD#<time>#<event id>``: a comment hidden or held, with its verdict, reason,
  rule, statement of reasons and the pseudonymous viewer id (the text only while held, for the
  reviewer; it goes once decided);
- ``MODQ#<market>`` / ``<time>#<room>#<event id>``: the held queue ops review (deleted when decided);
- ``SANCTIONS#<market>`` / ``<viewer id>#BAN`` or ``<viewer id>#MUTE#<session>``: what ops applied,
  one small partition read whole by each ingest container every ``refresh_s`` (a cached lookup);
- ``MODLOG#<market>#<day>`` / ``<time>#<action id>``: every action ops or the rules took on a held
  item or a viewer, with its statement of reasons.

Nothing here leaves the table with a viewer id in it: :func:`viewer_key` (a keyed-free hash of the
already pseudonymous id, truncated) is what artifacts, signals and reports carry.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import blake2b
from typing import Any
from uuid import uuid4

from boto3.dynamodb.conditions import Key

from livebase.live.events import Comment
from livebase.moderation.decisions import Decision, Reason, Verdict, statement_of_reasons

DECISION, QUEUE, SANCTIONS, LOG = "MOD#", "MODQ#", "SANCTIONS#", "MODLOG#"
RETENTION_DAYS = 180  # statements of reasons outlive the room minutes (35 days): appeals take time
SANCTION_REFRESH_S = 30.0


def viewer_key(viewer_id: str) -> str:
    """What leaves the table instead of a viewer id: a short digest of the pseudonym."""
    return "vk_" + blake2b(viewer_id.encode(), digest_size=6).hexdigest()


def _stamp(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True, slots=True)
class HeldComment:
    """One comment waiting for a person, as the review queue lists it."""

    room_id: str
    event_id: str
    session_id: str
    viewer_id: str
    ts: str
    reason: str
    rule: str
    text: str

    @property
    def viewer_key(self) -> str:
        return viewer_key(self.viewer_id)


class ModerationStore:
    """Reads and writes moderation's items in a market's room-metrics table (a boto3 Table)."""

    def __init__(self, table: Any, market_id: str, clock: Callable[[], float] = time.time) -> None:
        self.table, self.market_id, self.clock = table, market_id, clock

    def _expires(self) -> int:
        return int(self.clock()) + RETENTION_DAYS * 86400

    # ---- written by ingest ----
    def record_decisions(self, decided: Iterable[tuple[Comment, Decision]]) -> int:
        """Keep every comment not shown: its decision item, and a queue entry when held."""
        count, now = 0, _stamp(datetime.fromtimestamp(self.clock(), UTC))
        with self.table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
            for comment, decision in decided:
                if decision.shown:
                    continue
                count += 1
                item = {
                    "pk": f"ROOM#{comment.room_id}", "sk": f"{DECISION}{_stamp(comment.ts)}#{comment.event_id}",
                    "market": self.market_id, "room_id": comment.room_id, "session_id": comment.session_id,
                    "event_id": comment.event_id, "viewer_id": comment.viewer_id, "ts": _stamp(comment.ts),
                    "verdict": decision.verdict.value, "reason": decision.reason.value, "rule": decision.rule,
                    "statement": statement_of_reasons(decision), "decided_at": now, "automated": True,
                    "expires_at": self._expires(),
                }  # fmt: skip
                if decision.verdict is Verdict.HOLD:
                    item["text"] = comment.text
                    queue_sk = f"{_stamp(comment.ts)}#{comment.room_id}#{comment.event_id}"
                    batch.put_item(Item={**item, "pk": f"{QUEUE}{self.market_id}", "sk": queue_sk})
                batch.put_item(Item=item)
        return count

    # ---- the review queue ----
    def held(self, limit: int = 200) -> list[HeldComment]:
        response = self.table.query(KeyConditionExpression=Key("pk").eq(f"{QUEUE}{self.market_id}"), Limit=limit)
        return [
            HeldComment(str(i["room_id"]), str(i["event_id"]), str(i["session_id"]), str(i["viewer_id"]),
                        str(i["ts"]), str(i["reason"]), str(i["rule"]), str(i.get("text", "")))
            for i in response.get("Items", [])
        ]  # fmt: skip

    def resolve(self, held: HeldComment, show: bool, actor: str, note: str = "") -> dict[str, Any]:
        """A person's decision on a held comment: shown or hidden, logged with its statement."""
        decision = Decision(Verdict.SHOW if show else Verdict.HIDE,
                            Reason.OPS_APPROVED if show else Reason.OPS_HIDDEN, held.rule, automated=False)  # fmt: skip
        self.table.update_item(
            Key={"pk": f"ROOM#{held.room_id}", "sk": f"{DECISION}{held.ts}#{held.event_id}"},
            UpdateExpression="SET verdict = :v, reason = :r, statement = :s, reviewed_by = :a REMOVE #t",
            ExpressionAttributeNames={"#t": "text"},
            ExpressionAttributeValues={":v": decision.verdict.value, ":r": decision.reason.value,
                                       ":s": statement_of_reasons(decision), ":a": actor},
        )  # fmt: skip
        queue_sk = f"{held.ts}#{held.room_id}#{held.event_id}"
        self.table.delete_item(Key={"pk": f"{QUEUE}{self.market_id}", "sk": queue_sk})
        return self.log("review", decision, actor, room_id=held.room_id, target=held.event_id, note=note)

    # ---- ops actions ----
    def hide_comment(self, room_id: str, event_id: str, actor: str, note: str = "") -> dict[str, Any]:
        """Ops hide a comment that was shown (the player drops it; its decision item is filed under now)."""
        decision = Decision(Verdict.HIDE, Reason.OPS_HIDDEN, "ops:hide", automated=False)
        ts = _stamp(datetime.fromtimestamp(self.clock(), UTC))
        self.table.put_item(Item={
            "pk": f"ROOM#{room_id}", "sk": f"{DECISION}{ts}#{event_id}", "market": self.market_id,
            "room_id": room_id, "event_id": event_id, "ts": ts, "verdict": decision.verdict.value,
            "reason": decision.reason.value, "rule": decision.rule, "statement": statement_of_reasons(decision),
            "reviewed_by": actor, "automated": False, "expires_at": self._expires(),
        })  # fmt: skip
        return self.log("hide", decision, actor, room_id=room_id, target=event_id, note=note)

    def sanction(self, viewer_id: str, actor: str, session_id: str | None = None, note: str = "",
                 until: int | None = None) -> dict[str, Any]:  # fmt: skip
        """Mute the viewer for ``session_id``, or (without one) ban them from the market."""
        reason = Reason.MUTED if session_id else Reason.BANNED
        scope = f"MUTE#{session_id}" if session_id else "BAN"
        item: dict[str, Any] = {"pk": f"{SANCTIONS}{self.market_id}", "sk": f"{viewer_id}#{scope}",
                                "viewer_id": viewer_id, "reason": reason.value, "by": actor}  # fmt: skip
        if until is not None:
            item["expires_at"] = until
        elif session_id:
            item["expires_at"] = int(self.clock()) + 2 * 86400  # a session's mute ends with the session
        self.table.put_item(Item=item)
        decision = Decision(Verdict.HIDE, reason, f"ops:{reason.value}", automated=False)
        return self.log(reason.value, decision, actor, target=viewer_key(viewer_id), note=note, session_id=session_id)

    def sanctions(self) -> dict[tuple[str, str], Reason]:
        """Every sanction in force: (viewer id, session id or "") -> reason."""
        found: dict[tuple[str, str], Reason] = {}
        now = int(self.clock())
        kwargs: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(f"{SANCTIONS}{self.market_id}")}
        while True:
            page = self.table.query(**kwargs)
            for item in page.get("Items", []):
                if int(item.get("expires_at", now + 1)) <= now:
                    continue  # TTL deletes lazily
                viewer, _, scope = str(item["sk"]).partition("#")
                found[(viewer, scope.removeprefix("MUTE#") if scope != "BAN" else "")] = Reason(str(item["reason"]))
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def log(self, action: str, decision: Decision, actor: str, **details: str | None) -> dict[str, Any]:
        """One line of the action log (no viewer id: targets are event ids or viewer keys)."""
        extra = {"verdict": decision.verdict.value, "reason": decision.reason.value}
        return self.log_entry(action, statement_of_reasons(decision), actor, **extra, **details)

    def log_entry(self, action: str, statement: str, actor: str, **details: str | None) -> dict[str, Any]:
        """One line of the action log with its statement of reasons (held orders' reviews use it too)."""
        now = datetime.fromtimestamp(self.clock(), UTC)
        entry = {
            "pk": f"{LOG}{self.market_id}#{now:%Y-%m-%d}", "sk": f"{_stamp(now)}#{uuid4().hex[:12]}",
            "action": action, "statement": statement, "actor": actor, "expires_at": self._expires(),
            **{k: v for k, v in details.items() if v},
        }  # fmt: skip
        self.table.put_item(Item=entry)
        return {k: v for k, v in entry.items() if k not in ("pk", "expires_at")}

    def actions(self, day: datetime) -> list[Mapping[str, Any]]:
        response = self.table.query(KeyConditionExpression=Key("pk").eq(f"{LOG}{self.market_id}#{day:%Y-%m-%d}"))
        return list(response.get("Items", []))


class CachedSanctions:
    """The market's sanctions, read whole at most every ``refresh_s`` (ingest's lookup)."""

    def __init__(self, load: Callable[[], dict[tuple[str, str], Reason]], refresh_s: float = SANCTION_REFRESH_S,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self._load, self._refresh, self._clock = load, refresh_s, clock
        self._found: dict[tuple[str, str], Reason] = {}
        self._read_at = float("-inf")

    def __call__(self, viewer_id: str, session_id: str) -> Reason | None:
        now = self._clock()
        if now - self._read_at >= self._refresh:
            self._found, self._read_at = self._load(), now
        if not self._found:
            return None
        return self._found.get((viewer_id, "")) or self._found.get((viewer_id, session_id))

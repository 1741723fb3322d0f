"""Joining a session from the player: which room (and arm) the viewer is in, decided from our records.

The session's record (``livebase.stores.player``: its room, line-up and experiment, written from
the session plans by the ``recommendations-training`` flow's first task) decides; the player only
names the session and the viewer's pseudonymous key. In an experiment the arm is
``assign_variant`` (deterministic on key and experiment) and its room ``arm_room``; a request for
an unknown session, or for an experiment that has ended, is refused with that reason. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from hashlib import blake2b

from livebase.sessions.experiments import Variant, arm_room, assign_variant

VIEWER_PATTERN = re.compile(r"^v_[0-9a-f]{16,64}$")  # the live-event contract's pseudonymous viewer id


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """What the player table knows about a session (``ends_at`` is the experiment's end, UTC)."""

    session_id: str
    room_id: str
    lineup: tuple[str, ...]
    experiment_id: str | None = None
    share_b: float = 0.5
    ends_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Joined:
    session_id: str
    room_id: str
    experiment_id: str | None
    variant: Variant | None


class JoinRefused(ValueError):
    """A join the back end will not answer with a room: ``status`` is the HTTP status, the message why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def viewer_hash(viewer_key: str) -> str:
    """The exposure record's viewer: a digest of the pseudonymous key (orders are matched by the same)."""
    return blake2b(viewer_key.encode(), digest_size=16, person=b"livebase-expose").hexdigest()


def check_viewer(viewer_key: str) -> str:
    if not VIEWER_PATTERN.match(viewer_key):
        raise JoinRefused(400, "viewer: not a pseudonymous viewer id (v_ and 16 to 64 hex digits)")
    return viewer_key


def join(record: SessionRecord | None, session_id: str, viewer_key: str, now: datetime) -> Joined:
    """The viewer's room (and arm) in ``session_id``, or :class:`JoinRefused` saying why."""
    check_viewer(viewer_key)
    if record is None:
        raise JoinRefused(404, f"session {session_id}: unknown session")
    if record.experiment_id is None:
        return Joined(record.session_id, record.room_id, None, None)
    if record.ends_at is not None and now >= record.ends_at:
        raise JoinRefused(409, f"session {session_id}: experiment {record.experiment_id} ended")
    variant = assign_variant(viewer_key, record.experiment_id, record.share_b)
    return Joined(record.session_id, arm_room(record.room_id, variant), record.experiment_id, variant)

"""Recall delivery decided from the base's own records: who is messaged, who is held back, what it did.

Per market and day, from the recall list (dormant viewers with marketing consent at the regional
run) and the consent read again at delivery (a withdrawal since the run wins):

* a *control group* is held back: a keyed draw per viewer and day (``RecallSettings.seed``,
  ``control_share``), stable on every machine, so the lift of the recall can be measured;
* a viewer messaged within ``cap_days`` is skipped (frequency cap);
* nothing is sent in the market's quiet hours (its own time zone): the delivery waits for their end;
* every message carries a delivery id, the only thing an unsubscribe needs: the viewer it names is
  looked up in the delivery's own record, never taken from the request.

The outcome (:func:`outcome`): per group, the share who came back (any order, visit or
interaction) within ``outcome_days`` of the send; the lift is recalled minus control.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from livebase.lifecycle.settings import RecallSettings

RECALLED, CONTROL = "recalled", "control"
Group = Literal["recalled", "control"]


def in_control(viewer: str, market: str, day: date, settings: RecallSettings) -> bool:
    """The keyed draw: True for about ``control_share`` of viewers, the same answer on every run of the day."""
    digest = hashlib.sha256(f"{settings.seed}:{market}:{day.isoformat()}:{viewer}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < settings.control_share


def delivery_id(day: date) -> str:
    """An unguessable id per message, dated so its record is found in one read (``<yyyymmdd>-<hex>``)."""
    return f"{day:%Y%m%d}-{secrets.token_hex(12)}"


def delivery_day(delivery: str) -> date | None:
    """The day a delivery id was issued, or None when it is not one of ours."""
    head, _, tail = delivery.partition("-")
    if len(head) != 8 or not head.isdigit() or len(tail) != 24 or any(c not in "0123456789abcdef" for c in tail):
        return None
    try:
        return date(int(head[:4]), int(head[4:6]), int(head[6:]))
    except ValueError:
        return None


def quiet_until(at: datetime, time_zone: str, settings: RecallSettings) -> datetime | None:
    """When the quiet hours around ``at`` end (UTC-aware, in the market's zone), or None when not quiet."""
    zone = ZoneInfo(time_zone)
    local = at.astimezone(zone)
    if not settings.quiet_at(local.time()):
        return None
    end = local.replace(hour=settings.quiet_end.hour, minute=settings.quiet_end.minute, second=0, microsecond=0)
    return end if end > local else end + timedelta(days=1)


@dataclass
class DeliveryPlan:
    """What one market's delivery does with the day's recall list (viewer keys: in-region only)."""

    send: list[str] = field(default_factory=list)
    control: list[str] = field(default_factory=list)
    capped: int = 0  # messaged within the cap: skipped
    withdrawn: int = 0  # on the list, but no marketing consent any more: skipped
    deferred_until: datetime | None = None  # quiet hours: nothing sent now

    def counts(self) -> dict[str, int]:
        return {"sent": len(self.send), "control": len(self.control), "capped": self.capped,
                "withdrawn": self.withdrawn}  # fmt: skip


def plan_delivery(
    market: str,
    time_zone: str,
    day: date,
    at: datetime,
    recall: Iterable[str],
    consented: Collection[str],
    recently_sent: Collection[str],
    settings: RecallSettings,
) -> DeliveryPlan:
    """Who of ``recall`` is messaged at ``at`` and who is held back (see the module docstring)."""
    until = quiet_until(at, time_zone, settings)
    if until is not None:
        return DeliveryPlan(deferred_until=until)
    plan = DeliveryPlan()
    for viewer in sorted(set(recall)):
        if viewer not in consented:
            plan.withdrawn += 1
        elif viewer in recently_sent:
            plan.capped += 1
        elif in_control(viewer, market, day, settings):
            plan.control.append(viewer)
        else:
            plan.send.append(viewer)
    return plan


def delivery_entries(plan: DeliveryPlan, day: date, ids: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    """The delivery's record: one entry per viewer (``viewer``, ``group``, ``delivery`` for the sent)."""
    ids = dict(ids or {})
    sent = [{"viewer": v, "group": RECALLED, "delivery": ids.get(v) or delivery_id(day)} for v in plan.send]
    return sent + [{"viewer": v, "group": CONTROL, "delivery": ""} for v in plan.control]


@dataclass(frozen=True)
class Outcome:
    """Returned within the window, per group (counts only: this may be reported anywhere)."""

    recalled: int
    recalled_returned: int
    control: int
    control_returned: int
    window_closed: bool

    @staticmethod
    def _rate(returned: int, of: int) -> float | None:
        return returned / of if of else None

    @property
    def recalled_rate(self) -> float | None:
        return self._rate(self.recalled_returned, self.recalled)

    @property
    def control_rate(self) -> float | None:
        return self._rate(self.control_returned, self.control)

    @property
    def lift(self) -> float | None:
        """Recalled rate minus control rate (percentage points / 100), None without both groups."""
        if self.recalled_rate is None or self.control_rate is None:
            return None
        return self.recalled_rate - self.control_rate

    def line(self) -> str:
        def pct(value: float | None) -> str:
            return "-" if value is None else f"{100 * value:.1f}%"

        state = "window closed" if self.window_closed else "window still open"
        return (
            f"returned within the window: recalled {self.recalled_returned}/{self.recalled} "
            f"({pct(self.recalled_rate)}), control {self.control_returned}/{self.control} ({pct(self.control_rate)}), "
            f"lift {'-' if self.lift is None else f'{100 * self.lift:+.1f} pts'} ({state})"
        )


def outcome(
    entries: Iterable[Mapping[str, Any]], sent_at: datetime, returned: Collection[str], now: datetime, days: int
) -> Outcome:
    """Counts of one delivery: ``returned`` are the viewers seen in ``[sent_at, sent_at + days)``."""
    groups: dict[str, list[str]] = {RECALLED: [], CONTROL: []}
    for entry in entries:
        groups.setdefault(str(entry["group"]), []).append(str(entry["viewer"]))
    return Outcome(
        recalled=len(groups[RECALLED]), recalled_returned=sum(v in returned for v in groups[RECALLED]),
        control=len(groups[CONTROL]), control_returned=sum(v in returned for v in groups[CONTROL]),
        window_closed=now >= sent_at + timedelta(days=days),
    )  # fmt: skip

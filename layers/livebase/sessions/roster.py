"""Who: hosts from a roster, their languages and limits, and bookings that never double-book.

The roster is YAML in the repository (``flows/session_hosts.yaml``), validated here so a bad
entry stops the plan with the host and field named. Limits per host: working hours in the
market's local time, hours on air per local day, rest between two sessions, sessions per week
(ISO week of the session's local start). Bookings are kept in UTC across markets, so a host who
works two markets is never on two channels at once. Only host ids (stage names) are planned:
no personal data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class RosterError(ValueError):
    """The roster is unusable; the message names the host and the field."""


class Host(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,39}$")]
    markets: Annotated[tuple[str, ...], Field(min_length=1)]
    languages: Annotated[tuple[Annotated[str, Field(pattern=r"^[a-z]{2}$")], ...], Field(min_length=1)]
    works_from: time = time(9, 0)  # local time of the market of the session
    works_until: time = time(23, 59)  # a session must end by then (same local day)
    max_hours_per_day: Annotated[float, Field(gt=0, le=12)] = 6.0
    min_rest_minutes: Annotated[int, Field(ge=0, le=720)] = 60
    max_sessions_per_week: Annotated[int, Field(ge=1, le=40)] = 10
    late_nights: bool = False  # may work past midnight (e.g. Ramadan nights)

    @model_validator(mode="after")
    def _hours(self) -> Host:
        if self.works_until <= self.works_from:
            raise ValueError(f"works_until {self.works_until} is not after works_from {self.works_from}")
        return self


def parse_roster(text: str, source: str) -> list[Host]:
    """Hosts from the roster YAML (``hosts: [...]``); :class:`RosterError` names every bad field."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise RosterError(f"{source}: not YAML ({error})") from None
    if not isinstance(document, Mapping) or not isinstance(document.get("hosts"), list):
        raise RosterError(f"{source}: expected a mapping with a 'hosts' list")
    hosts: list[Host] = []
    for index, raw in enumerate(document["hosts"]):
        label = raw.get("id", f"#{index}") if isinstance(raw, Mapping) else f"#{index}"
        try:
            hosts.append(Host.model_validate(raw))
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '(host)'}: {e['msg']}" for e in error.errors()
            )
            raise RosterError(f"{source}: host {label}: {problems}") from None
    ids = [h.id for h in hosts]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise RosterError(f"{source}: hosts listed twice: {twice}")
    return hosts


@dataclass
class Bookings:
    """Every host's booked sessions (UTC), shared by all markets planned in one run."""

    by_host: dict[str, list[tuple[datetime, datetime, str]]] = field(default_factory=lambda: defaultdict(list))

    def refusal(self, host: Host, start: datetime, end: datetime, zone: ZoneInfo) -> str | None:
        """None when ``host`` may take the session, else the limit it would break."""
        local_start, local_end = start.astimezone(zone), end.astimezone(zone)
        if local_start.time() < host.works_from:
            return "outside working hours"
        ends_next_day = local_end.date() > local_start.date() and local_end.time() != time(0)
        if ends_next_day and not host.late_nights:
            return "outside working hours"
        if not ends_next_day and local_end.time() > host.works_until and local_end.time() != time(0):
            return "outside working hours"
        rest = timedelta(minutes=host.min_rest_minutes)
        booked = self.by_host[host.id]
        if any(start < b_end + rest and b_start < end + rest for b_start, b_end, _ in booked):
            return "double booking or rest limit"
        day = local_start.date()
        on_air = sum(
            ((b_end - b_start) for b_start, b_end, _ in booked if b_start.astimezone(zone).date() == day), timedelta()
        )
        if on_air + (end - start) > timedelta(hours=host.max_hours_per_day):
            return "hours per day"
        week = local_start.isocalendar()[:2]
        this_week = sum(1 for b_start, _, _ in booked if b_start.astimezone(zone).isocalendar()[:2] == week)
        if this_week >= host.max_sessions_per_week:
            return "sessions per week"
        return None

    def book(self, host: Host, start: datetime, end: datetime, session_id: str) -> None:
        self.by_host[host.id].append((start, end, session_id))


def host_language(host: Host, languages: Iterable[str]) -> str | None:
    """The first market language (in the market's order) the host speaks."""
    return next((language for language in languages if language in host.languages), None)


def pick_host(
    hosts: Iterable[Host],
    bookings: Bookings,
    market_id: str,
    languages: tuple[str, ...],
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
) -> tuple[Host | None, dict[str, str]]:
    """The host for a session: speaks the market's first language if any can, least booked first.

    Returns the host (or None) and, per host considered, why it was refused.
    """
    refused: dict[str, str] = {}
    candidates = [h for h in hosts if market_id in h.markets and host_language(h, languages)]
    candidates.sort(key=lambda h: (languages.index(host_language(h, languages) or languages[0]),
                                   len(bookings.by_host[h.id]), h.id))  # fmt: skip
    for host in candidates:
        reason = bookings.refusal(host, start, end, zone)
        if reason is None:
            return host, refused
        refused[host.id] = reason
    return None, refused


def roster_summary(hosts: Iterable[Host]) -> list[dict[str, Any]]:
    return [{"id": h.id, "markets": list(h.markets), "languages": list(h.languages)} for h in hosts]

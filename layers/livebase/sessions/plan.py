"""The session plan of one market over a date range: composition of the other modules, and its JSON.

Per local day (the market's time zone): the day's theme; candidate windows by expected orders;
the best non-overlapping windows that a host can take (a window no host can take is skipped for
the next best, and the refusals are kept); for each session, in time order, a line-up from the
ranked products against the stock ledger, the language tracks, the video services of the
region and, when asked, the A/B split. Session ids are deterministic (market, local day, rank),
so re-planning the same range names the same sessions and provisioning stays idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from livebase.markets.config import Market
from livebase.sessions.languages import IVS, MEDIALIVE, Track, language_tracks, offered
from livebase.sessions.lineup import (
    PRESALE,
    LineupItem,
    Objective,
    Product,
    StockLedger,
    build_lineup,
    rank_products,
)
from livebase.sessions.roster import Bookings, Host, host_language, pick_host
from livebase.sessions.rules import Rejection, rejection
from livebase.sessions.split import ExperimentKind, Split, experiment_split
from livebase.sessions.themes import theme_for
from livebase.sessions.timing import Engagement, Window, windows_on

SESSION_GAP = timedelta(minutes=30)  # between two sessions of a market's channel
LATE_END = time(1, 30)  # latest end of a past-midnight (Ramadan) session, next local day


@dataclass(frozen=True)
class PlanRequest:
    market: Market
    start: date  # first local day planned
    days: int
    sessions_per_day: int
    objective: Objective = "gmv"
    duration: timedelta = timedelta(hours=2)
    slot_minutes: int = 10
    promise_days: int = 7  # delivery promise: presale stock must arrive within it
    experiment: ExperimentKind = "none"


@dataclass(frozen=True)
class PlannedSession:
    session_id: str
    market: str
    theme: str | None
    start: datetime  # UTC
    end: datetime  # UTC
    local_start: str  # ISO with offset, in the market's zone
    local_end: str
    host: str
    host_language: str
    tracks: tuple[Track, ...]
    video: tuple[str, ...]  # services that carry the room in the region ("ivs", "medialive")
    lineup: tuple[LineupItem, ...]
    expected_viewer_minutes: float
    expected_value: float
    split: Split | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["start"], data["end"] = self.start.isoformat(), self.end.isoformat()
        for item in data["lineup"]:
            item["ships_from"] = item["ships_from"].isoformat() if item["ships_from"] else None
        return data


@dataclass
class MarketPlan:
    market: str
    region: str
    zone: str
    objective: str
    first_day: date
    last_day: date
    engagement: str
    sessions: list[PlannedSession] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    out_of_stock: list[str] = field(default_factory=list)
    unfilled: list[dict[str, Any]] = field(default_factory=list)
    video_note: str = ""
    video_region: str = ""  # where the sessions' channels are provisioned

    def to_json(self) -> dict[str, Any]:
        return {
            "market": self.market, "region": self.region, "zone": self.zone, "objective": self.objective,
            "first_day": self.first_day.isoformat(), "last_day": self.last_day.isoformat(),
            "engagement": self.engagement, "video_note": self.video_note, "video_region": self.video_region,
            "sessions": [s.to_json() for s in self.sessions],
            "rejected": [asdict(r) for r in self.rejected], "out_of_stock": self.out_of_stock,
            "unfilled": self.unfilled,
        }  # fmt: skip


def planned_presales(plan: Mapping[str, Any]) -> dict[str, int]:
    """Units of each SKU the plan's presale slots expect to sell ahead of its goods (every session):
    the cap session planning opens the SKU's presale with (``livebase.replenishment.presales``)."""
    units: dict[str, int] = {}
    for session in plan["sessions"]:
        for item in session["lineup"]:
            if item["kind"] == PRESALE:
                units[item["sku"]] = units.get(item["sku"], 0) + int(item["expected_units"])
    return dict(sorted(units.items()))


def video_services(market: Market) -> tuple[tuple[str, ...], str, str]:
    """What carries the market's rooms, the region its channels are in, and a note when not at home."""
    services = tuple(
        s for s, wanted in ((IVS, True), (MEDIALIVE, market.medialive)) if wanted and offered(s, market.region)
    )
    if services:
        return services, market.region, ""
    if market.media_region and offered(IVS, market.media_region):
        return (
            (IVS,),
            market.media_region,
            (
                f"no IVS or MediaLive in {market.region}: session channels are in the media-only region "
                f"{market.media_region} (video of the host only; chat, orders and metrics stay in {market.region})"
            ),
        )
    return (
        (),
        market.region,
        (
            f"no IVS or MediaLive in {market.region}: video comes from the market's media-only stack "
            "in the nearest region that offers it (no viewer data there); nothing is provisioned in-region"
        ),
    )


def plan_market(
    request: PlanRequest,
    engagement: Engagement,
    products: Iterable[Product],
    hosts: Sequence[Host],
    bookings: Bookings | None = None,
) -> MarketPlan:
    """Plan ``request.days`` local days of sessions in one market (``bookings`` shared across markets)."""
    market = request.market
    zone = ZoneInfo(market.time_zone)
    bookings = bookings if bookings is not None else Bookings()
    catalogue = list(products)
    rejected = [r for p in catalogue if (r := rejection(market, p.sku, p.category, p.modest))]
    refused = {r.sku for r in rejected}
    eligible = [p for p in catalogue if p.sku not in refused]
    ledger = StockLedger({p.sku: p for p in eligible})
    ranked = rank_products(eligible, request.objective)
    video, video_region, video_note = video_services(market)
    plan = MarketPlan(
        market.id, market.region, market.time_zone, request.objective, request.start,
        request.start + timedelta(days=request.days - 1), engagement.source(), rejected=rejected, video_note=video_note,
        video_region=video_region,
    )  # fmt: skip
    out_of_stock: set[str] = set()
    slots = max(1, int(request.duration.total_seconds() // 60) // request.slot_minutes)
    for offset in range(request.days):
        day = request.start + timedelta(days=offset)
        theme = theme_for(market, day)
        wanted = request.sessions_per_day + (theme.extra_sessions if theme else 0)
        candidates = windows_on(
            day, market.time_zone, engagement, request.duration,
            earliest=(theme.earliest if theme and theme.earliest else time(7, 0)),
            latest_end=LATE_END if theme and theme.past_midnight else time(23, 59),
            end_next_day=bool(theme and theme.past_midnight),
            not_before=theme.not_before if theme else None,
        )  # fmt: skip
        chosen: list[tuple[Window, Host, Host | None]] = []
        refusals: dict[str, str] = {}
        for window in sorted(candidates, key=lambda w: (-w.expected_orders, w.start)):
            if len(chosen) >= wanted:
                break
            if any(window.overlaps(other, SESSION_GAP) for other, _, _ in chosen):
                continue
            host, why = pick_host(hosts, bookings, market.id, market.languages, window.start, window.end, zone)
            refusals.update(why)
            if host is None:
                continue
            bookings.book(host, window.start, window.end, f"{market.id}-{day:%Y%m%d}")
            second = None
            if request.experiment != "none":  # arm B streams at the same time: a second host
                others = [h for h in hosts if h.id != host.id]
                second, _ = pick_host(others, bookings, market.id, market.languages, window.start, window.end, zone)
                if second is not None:
                    bookings.book(second, window.start, window.end, f"{market.id}-{day:%Y%m%d}-B")
            chosen.append((window, host, second))
        if len(chosen) < wanted:
            plan.unfilled.append({
                "day": day.isoformat(), "wanted": wanted, "planned": len(chosen),
                "reason": "no host free" if refusals else "no more non-overlapping windows in the allowed hours",
                "refusals": dict(sorted(refusals.items())),
            })  # fmt: skip
        shown: set[str] = set()
        for rank, (window, host, second) in enumerate(sorted(chosen, key=lambda c: c[0].start), start=1):
            session_id = f"{market.id}-{day:%Y%m%d}-{rank}"
            minutes = (window.end - window.start).total_seconds() / 60
            lineup = build_lineup(
                ledger, ranked, day, window.viewer_minutes / minutes, slots, request.slot_minutes,
                request.objective, day + timedelta(days=request.promise_days), out_of_stock, frozenset(shown),
            )  # fmt: skip
            shown.update(item.sku for item in lineup)
            language = host_language(host, market.languages) or market.languages[0]
            plan.sessions.append(PlannedSession(
                session_id=session_id, market=market.id, theme=theme.title if theme else None,
                start=window.start, end=window.end,
                local_start=window.local_start.isoformat(), local_end=window.local_end.isoformat(),
                host=host.id, host_language=language,
                tracks=tuple(language_tracks(language, market.languages, market.region)),
                video=video, lineup=tuple(lineup), expected_viewer_minutes=round(window.viewer_minutes, 1),
                expected_value=round(sum(i.expected_value for i in lineup), 2),
                split=(
                    experiment_split(request.experiment, session_id, host.id, second.id,
                                     tuple(i.sku for i in lineup))
                    if request.experiment != "none" and second is not None else None
                ),
            ))  # fmt: skip
            if request.experiment != "none" and second is None:
                plan.unfilled.append(
                    {
                        "day": day.isoformat(),
                        "session": session_id,
                        "reason": f"experiment {request.experiment} dropped: no second host free",
                    }
                )
    plan.out_of_stock = sorted(out_of_stock)
    return plan

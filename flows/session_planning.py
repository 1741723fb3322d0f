"""Session planning: when to go live, what to show in which order, for whom, by whom; and the rooms.

``session-planning`` (per run: the chosen markets, default every selling market; a range of local
days): reads each market's room history, stock, open POs, catalogue and sales in its own region
(``flows/session_io.py``), plans with ``livebase.sessions.plan`` against the host roster
(``flows/session_hosts.yaml``), writes the plan JSON to the market's bucket, publishes a plan table,
a rejected-items table and a timeline plot, and provisions each session's channels
(``flows/session_channels.py``), opens the presales its presale slots sell (capped by the inbound
PO's unpromised units; a refusal is reported, the plan stands) and announces presales whose PO is
late (``presale.late``). Scheduled once per market at 06:00 in its own time zone (``flows/catalogue.py``).
``session-channels`` (every 5 minutes, every selling market): brings the channels of the stored plans of the last and
coming days where the clock says (started before a window, stopped after, cleaned up later).
The plan's line-ups and presales feed ``demand-forecasting`` as regressors.
"""

from __future__ import annotations

import base64
import io
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from prefect import flow, task
from pydantic import BaseModel, Field

from flows import session_io
from flows.artifacts import no_input, publish_markdown, publish_table
from flows.markets import MARKETS, SELLING_MARKET_IDS, MarketSelection, resolve_market_resources
from flows.session_channels import ChannelAction, SessionChannels
from livebase.markets.resources import MarketResources
from livebase.sessions.plan import PlanRequest, plan_market
from livebase.sessions.split import ExperimentKind

TABLE_ROWS = 200  # rows of the plan table artifact (the JSON holds every session)


class SessionPlanSummary(BaseModel):
    market: str
    first_day: date
    last_day: date
    sessions: int
    presale_slots: int
    rejected: int
    out_of_stock: int
    unfilled_days: int
    engagement: str
    object_key: str | None
    channels: list[dict[str, Any]]
    first_lines: list[str]
    presales: list[dict[str, Any]] = []  # per presold SKU: opened (cap, PO) or refused (the reason)
    late_presales: int = 0  # presale.late signals put


def session_lines(plan: dict[str, Any], count: int = 5) -> list[str]:
    """The plan's first sessions, one line each, as the demo and the run log print them."""
    lines = []
    for session in plan["sessions"][:count]:
        items = ", ".join(f"{i['sku']}{'*' if i['kind'] == 'presale' else ''}" for i in session["lineup"][:3])
        tracks = "+".join(f"{t['language']}:{t['kind'][:3]}" for t in session["tracks"])
        lines.append(
            f"{session['session_id']} {session['local_start'][:16]}..{session['local_end'][11:16]} "
            f"{session['theme'] or 'regular'} host {session['host']} [{tracks}] "
            f"video {'+'.join(session['video']) or 'none'}; {len(session['lineup'])} items ({items}...)"
        )
    return lines


def plan_table(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "session": s["session_id"], "theme": s["theme"] or "", "local start": s["local_start"][:16],
            "local end": s["local_end"][:16], "host": s["host"], "language": s["host_language"],
            "tracks": ", ".join(f"{t['language']} {t['kind']}" for t in s["tracks"][1:]),
            "video": "+".join(s["video"]) or "none", "items": len(s["lineup"]),
            "presales": sum(1 for i in s["lineup"] if i["kind"] == "presale"),
            "expected value": s["expected_value"], "first items": ", ".join(i["sku"] for i in s["lineup"][:4]),
            "split": f"{s['split']['variants'][0]} / {s['split']['variants'][1]}" if s["split"] else "",
        }
        for s in plan["sessions"][:TABLE_ROWS]
    ]  # fmt: skip


def timeline_png(plan: dict[str, Any]) -> bytes:
    """Sessions per local day against the local clock, one colour per host."""
    from matplotlib.figure import Figure  # no pyplot: no global state, safe in task threads

    zone = ZoneInfo(plan["zone"])
    days = sorted({s["local_start"][:10] for s in plan["sessions"]}) or [plan["first_day"]]
    hosts = sorted({s["host"] for s in plan["sessions"]})
    colours = {h: f"C{i % 10}" for i, h in enumerate(hosts)}
    figure = Figure(figsize=(8, 0.45 * len(days) + 1.4), dpi=72)
    axis = figure.subplots()
    for session in plan["sessions"]:
        start = datetime.fromisoformat(session["start"]).astimezone(zone)
        hours = (datetime.fromisoformat(session["end"]) - datetime.fromisoformat(session["start"])).total_seconds()
        row = days.index(session["local_start"][:10])
        axis.broken_barh([(start.hour + start.minute / 60, hours / 3600)], (row - 0.35, 0.7),
                         color=colours[session["host"]])  # fmt: skip
        axis.text(start.hour + start.minute / 60 + 0.05, row, session["theme"] or "", fontsize=6, va="center")
    axis.set_yticks(range(len(days)), days, fontsize=7)
    axis.set_xlim(0, 26)
    axis.set_xlabel(f"local time ({plan['zone']})")
    axis.invert_yaxis()
    for host, colour in colours.items():
        axis.plot([], [], color=colour, linewidth=6, label=host)
    if hosts:
        axis.legend(fontsize=6, loc="upper left", ncol=min(len(hosts), 4))
    axis.set_title(f"{plan['market']}: planned sessions", fontsize=9)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


@task(name="plan-market-sessions")
def plan_sessions_task(
    resources: MarketResources, request: PlanRequest, history_days: int, now: datetime
) -> tuple[dict[str, Any], int]:
    """One coarse task per market: read its inputs in its region and plan (no per-SKU tasks)."""
    market = MARKETS[resources.market]
    inputs = session_io.read_planning_inputs(market, resources, history_days, now)
    plan = plan_market(request, inputs.engagement, inputs.products, session_io.read_roster())
    return plan.to_json(), inputs.unpriced


@task(name="provision-session-channels")
def provision_channels(
    resources: MarketResources, sessions: list[dict[str, Any]], now: datetime, region: str = ""
) -> list[ChannelAction]:
    """``region``: where the channels are (the plan's ``video_region``; mena's media-only region)."""
    return SessionChannels(resources.market, region or resources.region).reconcile(sessions, now)


@task(name="open-planned-presales")
def open_presales_task(
    resources: MarketResources, plan: dict[str, Any], today: date
) -> tuple[list[dict[str, Any]], int]:
    """The plan's presales opened against their POs, then any late presale announced (one task per market)."""
    opened = session_io.open_planned_presales(resources, plan)
    return opened, session_io.announce_late_presales(resources, MARKETS[resources.market], today)


def _default_start(market_id: str, now: datetime) -> date:
    return (now.astimezone(ZoneInfo(MARKETS[market_id].time_zone)) + timedelta(days=1)).date()


@flow(name="session-planning", log_prints=True)
def session_planning(
    markets: MarketSelection | None = None,
    start: Annotated[date | None, Field(description="first local day planned; default each market's tomorrow")] = None,
    days: Annotated[int, Field(ge=1, le=31, description="local days planned from start")] = 1,
    sessions_per_day: Annotated[int, Field(ge=1, le=8, description="sessions per day (+1 on festival days)")] = 2,
    objective: Annotated[Literal["gmv", "margin"], Field(description="what the line-up maximises")] = "gmv",
    duration_minutes: Annotated[int, Field(ge=30, le=240, description="length of each session")] = 120,
    slot_minutes: Annotated[int, Field(ge=3, le=60, description="minutes per product")] = 10,
    promise_days: Annotated[int, Field(ge=1, le=30, description="delivery promise for presales")] = 7,
    experiment: Annotated[ExperimentKind, Field(description="A/B split of each session's audience")] = "none",
    history_days: Annotated[int, Field(ge=1, le=35, description="days of room history and sales read")] = 28,
    provision: Annotated[bool, Field(description="create the sessions' channels now")] = True,
    now: Annotated[datetime | None, Field(description="the clock (UTC); default now")] = None,
    dry_run: Annotated[bool, Field(description="plan and report only; write and provision nothing")] = False,
) -> list[SessionPlanSummary]:
    """Plan each selected market's livestream sessions (default: every selling market) over ``days``
    local days from ``start``; the deployments run it once per market at 06:00 local."""
    clock = (now or datetime.now(UTC)).astimezone(UTC)
    summaries = []
    for market in markets or SELLING_MARKET_IDS:
        request = PlanRequest(
            MARKETS[market], start or _default_start(market, clock), days, sessions_per_day, objective,
            timedelta(minutes=duration_minutes), slot_minutes, promise_days, experiment,
        )  # fmt: skip
        summaries.append(_plan_market(request, history_days, clock, provision and not dry_run, dry_run))
    return summaries


def _plan_market(
    request: PlanRequest, history_days: int, clock: datetime, provision: bool, dry_run: bool
) -> SessionPlanSummary:
    """One market's plan: read and plan in its region, write the plan, provision, publish, summarise."""
    market = request.market.id
    resources = resolve_market_resources(market)
    plan, unpriced = plan_sessions_task(resources, request, history_days, clock)
    key = None if dry_run else session_io.write_plan(resources, plan)
    actions = provision_channels(resources, plan["sessions"], clock, plan.get("video_region", "")) if provision else []
    opened_presales, late_presales = ([], 0) if dry_run else open_presales_task(resources, plan, clock.date())
    for opened in opened_presales:
        done = f"cap {opened['cap']} on {opened['po_id']}" if opened["status"] == "opened" else opened["reason"]
        print(f"{market}: presale of {opened['sku']} {opened['status']}: {done}")
    publish_plan(market, plan)
    lines = session_lines(plan)
    for line in lines:
        print(line)
    presales = sum(1 for s in plan["sessions"] for i in s["lineup"] if i["kind"] == "presale")
    print(
        f"{market}: {len(plan['sessions'])} sessions, {presales} presale slots, {len(plan['rejected'])} rejected, "
        f"{len(plan['out_of_stock'])} out of stock, {unpriced} unpriced -> {key or 'not written'}"
    )
    return SessionPlanSummary(
        market=market, first_day=request.start, last_day=date.fromisoformat(plan["last_day"]),
        sessions=len(plan["sessions"]), presale_slots=presales, rejected=len(plan["rejected"]),
        out_of_stock=len(plan["out_of_stock"]), unfilled_days=len(plan["unfilled"]), engagement=plan["engagement"],
        object_key=key, channels=[a.__dict__ for a in actions], first_lines=lines, presales=opened_presales,
        late_presales=late_presales,
    )  # fmt: skip


def publish_plan(market: str, plan: dict[str, Any]) -> None:
    """The plan table, the rejected items and the timeline plot, as the market's artifacts."""
    days = f"{plan['first_day']}..{plan['last_day']}"
    publish_table(market,
        key=f"session-plan-{market}", table=plan_table(plan),
        description=f"Planned sessions of {market}, {days} ({plan['engagement']})",
        empty=no_input(f"no session planned in {market} for {days} ({len(plan['out_of_stock'])} SKUs out of "
                       f"stock, {len(plan['unfilled'])} days unfilled)"),
    )  # fmt: skip
    publish_table(
        market,
        key=f"session-plan-rejected-{market}",
        table=plan["rejected"],
        description=f"Items {market}'s cultural rules keep out of every session, with the rule",
        empty=f"nothing rejected in {market}",
        first=("sku", "reason", "rule"),
    )
    png = base64.b64encode(timeline_png(plan)).decode("ascii")
    publish_markdown(
        market,
        key=f"session-plan-timeline-{market}",
        markdown=f"### {market}: planned sessions\n\n![timeline](data:image/png;base64,{png})\n\n{plan['video_note']}",
        description=f"Timeline of {market}'s planned sessions in local time, by host",
    )


@flow(name="session-channels", log_prints=True)
def session_channels(
    markets: MarketSelection | None = None,
    now: Annotated[datetime | None, Field(description="the clock (UTC); default now")] = None,
) -> list[dict[str, Any]]:
    """Channels of the stored plans of yesterday..tomorrow where the clock says they should be, in each
    selected market (default: every selling market)."""
    clock = (now or datetime.now(UTC)).astimezone(UTC)
    return [action for market in markets or SELLING_MARKET_IDS for action in _reconcile_market(market, clock)]


def _reconcile_market(market: str, clock: datetime) -> list[dict[str, Any]]:
    resources = resolve_market_resources(market)
    today = clock.date()
    plans = session_io.read_plans(resources, today - timedelta(days=1), today + timedelta(days=1))
    sessions = list({s["session_id"]: s for p in plans for s in p["sessions"]}.values())  # newest plan last wins
    region = next((p["video_region"] for p in plans if p.get("video_region")), "")
    actions = provision_channels(resources, sessions, clock, region)
    changed = [a for a in actions if a.action not in ("exists", "none")]
    degraded = sum(a.degraded for a in actions)
    print(f"{market}: {len(sessions)} sessions, {len(changed)} channel changes, {degraded} degraded")
    return [a.__dict__ for a in actions]

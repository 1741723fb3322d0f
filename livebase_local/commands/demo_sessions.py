"""The demo's session planning (issue 17): tomorrow's sessions of a market, planned from what the
demo just put in its stores, the plan stored in its bucket and the channels provisioned locally.

The same reads, planner and adapter as ``session-planning`` (``flows/session_io.py``,
``livebase.sessions.plan``, ``flows/session_channels.py``), without a flow run so it stays a
second or two per market; the lines printed are the plan's first sessions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flows import session_io
from flows.session_channels import SessionChannels
from flows.session_planning import session_lines
from livebase.markets.config import Market
from livebase.markets.resources import MarketResources
from livebase.sessions.plan import PlanRequest, plan_market


def sessions_demo(market: Market, resources: MarketResources, lines: int = 3) -> str:
    """Plan tomorrow (market's local day) with 2 sessions, store and provision; a few lines back."""
    now = datetime.now(UTC)
    tomorrow = (now.astimezone(ZoneInfo(market.time_zone)) + timedelta(days=1)).date()
    inputs = session_io.read_planning_inputs(market, resources, 28, now)
    plan = plan_market(PlanRequest(market, tomorrow, 1, 2), inputs.engagement, inputs.products,
                       session_io.read_roster()).to_json()  # fmt: skip
    key = session_io.write_plan(resources, plan)
    actions = SessionChannels(market.id, plan["video_region"] or market.region).reconcile(plan["sessions"], now)
    created = sum(1 for a in actions if a.action == "created")
    head = (
        f"        session plan {tomorrow}: {len(plan['sessions'])} sessions ({plan['engagement']}), "
        f"{len(plan['rejected'])} items rejected by the market's rules, {created} channels created -> {key}"
    )
    body = [f"          {line}" for line in session_lines(plan, lines)]
    note = [f"          {plan['video_note']}"] if plan["video_note"] else []
    return "\n".join([head, *body, *note])

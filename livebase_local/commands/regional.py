"""The demo's regional-processing and recall step: hq deployed beside the selling markets, a month of a
viewer's life replayed, the flows run, the roll-up, the recall lists, their delivery and the control group.

The demo's platform deploys the selling markets only; hq (aggregates only, its own region) is
deployed here from the same assembly. With the platform's ``drain`` (the demo), a month-ago lunch
show is replayed first: viewers join, like and answer the player's consent prompt (some withdraw
later), 33 days before today (inside the stream's 35-day admission window). Then, as the schedules
would: ``regional-processing`` two days ago (the month-ago viewers not seen since are dormant: the
recall list), ``recall-delivery`` that day at 10:30 market time (through the market's recall topic,
a control group held back), ``regional-processing`` today (yesterday's show brought some back) and
``recall-delivery`` now: the outcome of the first delivery (returned so far, recalled vs control)
and today's list (held by the frequency cap, or by the market's quiet hours when the demo runs then).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from livebase.lifecycle.traces import ACTIVITY_TYPES
from livebase.markets.config import Market, hq_market, load_markets
from livebase.markets.resources import lookup
from livebase_local.aws.deploy import deploy_assembly
from livebase_local.fx_feed import refresh_local_rates
from livebase_local.platform import STATE_DIR
from livebase_local.simulator.records import generate_day, send_to_kinesis

MONTH_AGO_DAYS = 33  # the replayed show: dormant (30 days) two days ago, inside the 35-day admission window
SHOW_RECORDS = 1500
SEND_LOCAL = time(10, 30)  # recall-delivery's schedule in the market's zone (flows/catalogue.py)
REPLAYED = {"consent_changed", *ACTIVITY_TYPES}  # no orders: the demo's order figures stay today's


def send_month_ago_show(market: Market, seed: int, today: date) -> int:
    """The first ``SHOW_RECORDS`` of the market's lunch room, 33 days ago, on its stream; how many."""
    resources = lookup(market.id, market.region)
    day = today - timedelta(days=MONTH_AGO_DAYS)
    room = f'"room_id":"{market.id}-room-1"'.encode()
    show = [r for r in generate_day(market, seed, scale=0.05, day=day) if room in r.data and r.kind in REPLAYED]
    show = show[:SHOW_RECORDS]
    report = send_to_kinesis(show, resources.stream_name, resources.region, progress=False, total=len(show))
    if report.failed:
        raise RuntimeError(f"Kinesis refused {report.failed} replayed records of {market.id}")
    return len(show)


def send_time(market: Market, day: date) -> datetime:
    """The scheduled delivery's time on ``day``, in UTC."""
    return datetime.combine(day, SEND_LOCAL, ZoneInfo(market.time_zone)).astimezone(UTC)


def recall_lines(market_ids: list[str], today: date) -> list[str]:
    """Regional processing and recall delivery two days ago, then today (see the module docstring)."""
    from flows.recall_delivery import recall_delivery
    from flows.regional_processing import regional_processing

    markets = load_markets()
    earlier = today - timedelta(days=2)
    first = regional_processing(markets=market_ids, as_of=earlier)
    lines = [
        f"recall lists {earlier} (dormant viewers with marketing consent given on the stream, kept in each "
        f"market's region): " + ", ".join(f"{o.market} {o.recalled}" for o in first.markets)
    ]
    for market_id in market_ids:
        sent = recall_delivery(markets=[market_id], day=earlier, at=send_time(markets[market_id], earlier))
        lines += [f"recall-delivery {line}" for line in sent.lines]
    return lines


def hq_rollup_lines(
    assembly: Path, market_ids: list[str], drain: Callable[[], Any] | None = None, seed: int = 7
) -> list[str]:
    """Deploy hq into the running local AWS, run the flows for ``market_ids``; the lines to report.

    ``drain``: the platform's, to replay the month-ago show and run the recall story before today's run."""
    from flows.recall_delivery import recall_delivery
    from flows.regional_processing import regional_processing

    markets = load_markets()
    hq = hq_market(markets)
    deploy_assembly(assembly, [hq.id])
    fx = refresh_local_rates(STATE_DIR / "fx-feed", market_ids)  # issues 30, 33: the day's rates, local feed
    today = datetime.now(UTC).date()
    story: list[str] = []
    if drain is not None:
        replayed = {m: send_month_ago_show(markets[m], seed, today) for m in market_ids}
        drain()
        story = [
            f"replayed {MONTH_AGO_DAYS} days ago: "
            + ", ".join(f"{m} {n} records" for m, n in replayed.items())
            + " (joins, likes, consent from the player)",
            *recall_lines(market_ids, today),
        ]
    result = regional_processing(markets=market_ids)
    recalled = ", ".join(f"{o.market} {o.recalled}" for o in result.markets)
    lines = [
        *fx,
        *result.lines,
        *story,
        f"recall lists {today} (dormant viewers with marketing consent, kept in each market's region): {recalled}",
    ]
    if drain is not None:
        for market_id in market_ids:
            sent = recall_delivery(markets=[market_id], day=today)  # now: its quiet hours may hold it
            lines += [f"recall-delivery {line}" for line in sent.lines]
    return lines


def print_hq_rollup(assembly: Path, market_ids: list[str]) -> None:
    lines = hq_rollup_lines(assembly, market_ids)
    print("\nhq roll-up (regional-processing: aggregates only, cells behind < k viewers suppressed):")
    for line in lines:
        print(f"  {line}")

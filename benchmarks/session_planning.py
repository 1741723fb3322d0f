"""Session planning at scale: a month of sessions for 4 markets x 2,000 SKUs x 20 hosts.

Seeded synthetic inputs (no I/O): per market 2,000 SKUs (categories including ones mena bans,
apparel with and without the modest flag, a fifth sold out with half of those on an inbound PO),
a room history of 28 days x 4 hours a day of minutes, and a roster of 20 hosts (5 per market,
4 of them working two markets, so bookings cross markets). Plans 31 local days from 1 March 2026
(Ramadan in mena, DST in eu and na) with 3 sessions a day through ``livebase.sessions.plan``.

Run:  .venv/bin/python benchmarks/session_planning.py [--skus 2000] [--days 31] [--sessions 3]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from livebase.live.room_minutes import MinuteMetrics
from livebase.markets.config import load_markets
from livebase.sessions.lineup import Product
from livebase.sessions.plan import PlanRequest, plan_market
from livebase.sessions.roster import Bookings, Host
from livebase.sessions.timing import engagement_profile

MARKETS = ("sea", "mena", "eu", "na")
CATEGORIES = ("beauty", "apparel", "grocery", "home", "electronics", "alcohol", "pork", "toys")


def products(rng: random.Random, skus: int, start: date) -> list[Product]:
    out = []
    for n in range(skus):
        sold_out = rng.random() < 0.2
        inbound = (
            ((start + timedelta(days=rng.randint(1, 20)), rng.randint(50, 500)),)
            if sold_out and rng.random() < 0.5
            else ()
        )
        out.append(Product(
            f"SKU-{n:05d}", rng.choice(CATEGORIES), price=round(rng.lognormvariate(3.0, 0.7), 2),
            unit_cost=round(rng.uniform(1, 15), 2), conversion=rng.uniform(0.002, 0.05),
            on_hand=0 if sold_out else rng.randint(5, 2000), inbound=inbound, modest=rng.random() < 0.5,
        ))  # fmt: skip
    return out


def history(rng: random.Random, zone: str, end: datetime) -> list[MinuteMetrics]:
    minutes = []
    for day in range(28):
        local = (end - timedelta(days=day)).astimezone(ZoneInfo(zone)).replace(hour=19, minute=0)
        for m in range(240):
            viewers = rng.randint(50, 800)
            minutes.append(MinuteMetrics(
                room_id="r", minute=(local + timedelta(minutes=m)).astimezone(UTC), currency="USD",
                unique_viewers=viewers, orders=rng.randint(0, viewers // 30), on_air_seconds=60,
            ))  # fmt: skip
    return minutes


def roster(markets: dict[str, tuple[str, ...]]) -> list[Host]:
    hosts = []
    for index, market in enumerate(MARKETS):
        for n in range(5):
            also = (MARKETS[(index + 1) % len(MARKETS)],) if n == 4 else ()
            hosts.append(Host(
                id=f"{market}-host-{n}", markets=(market, *also), languages=markets[market][:2],
                works_from=datetime.strptime("09:00", "%H:%M").time(), late_nights=market == "mena",
                max_hours_per_day=6, min_rest_minutes=60, max_sessions_per_week=14,
            ))  # fmt: skip
    return hosts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skus", type=int, default=2000)
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--sessions", type=int, default=3)
    args = parser.parse_args()
    table = load_markets()
    start = date(2026, 3, 1)
    rng = random.Random(17)
    hosts = roster({m: table[m].languages for m in MARKETS})
    inputs = {
        m: (products(rng, args.skus, start), history(rng, table[m].time_zone, datetime(2026, 2, 28, tzinfo=UTC)))
        for m in MARKETS
    }
    bookings = Bookings()
    started = time.perf_counter()
    per_market: dict[str, float] = {}
    sessions = items = presales = rejected = 0
    for market in MARKETS:
        t0 = time.perf_counter()
        goods, minutes = inputs[market]
        engagement = engagement_profile(minutes, ZoneInfo(table[market].time_zone))
        request = PlanRequest(table[market], start, args.days, args.sessions, "gmv")
        plan = plan_market(request, engagement, goods, hosts, bookings).to_json()
        per_market[market] = time.perf_counter() - t0
        sessions += len(plan["sessions"])
        items += sum(len(s["lineup"]) for s in plan["sessions"])
        presales += sum(1 for s in plan["sessions"] for i in s["lineup"] if i["kind"] == "presale")
        rejected += len(plan["rejected"])
    total = time.perf_counter() - started
    for market, seconds in per_market.items():
        print(f"seconds_{market}: {seconds:.3f}")
    print(f"sessions_planned: {sessions}")
    print(f"lineup_slots: {items}")
    print(f"presale_slots: {presales}")
    print(f"rejected_skus: {rejected}")
    print(f"plan_seconds: {total:.3f}")


if __name__ == "__main__":
    main()

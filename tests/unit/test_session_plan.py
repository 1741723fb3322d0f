"""The composition: a market's plan over several days, its JSON, and the forecast regressors it feeds."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

from livebase.markets.config import load_markets
from livebase.replenishment.catalogue import parse_catalogue
from livebase.replenishment.history import SaleLine
from livebase.sessions.lineup import Product
from livebase.sessions.plan import PlanRequest, plan_market
from livebase.sessions.products import build_products, inbound_units
from livebase.sessions.regressors import plan_regressors, regressor_rows
from livebase.sessions.roster import Bookings, Host
from livebase.sessions.timing import engagement_profile

MARKETS = load_markets()


def _products() -> list[Product]:
    categories = ["beauty", "alcohol", "pork", "apparel", "grocery"]
    return [
        Product(
            f"P{n:02d}",
            categories[n % 5],
            price=10.0 + n,
            unit_cost=5.0,
            conversion=0.01 + 0.001 * n,
            on_hand=200,
            modest=(n % 10 == 3),
        )
        for n in range(30)
    ]


def _hosts() -> list[Host]:
    """Two hosts alike: mena and eu, Arabic, English and German, late nights, up to 20 sessions a week."""
    return [
        Host(id=host, markets=("mena", "eu"), languages=("ar", "en", "de"), late_nights=True, max_sessions_per_week=20)
        for host in ("host-a", "host-b")
    ]


def test_mena_ramadan_week_plan_respects_rules_hosts_and_iftar() -> None:
    mena = MARKETS["mena"]
    request = PlanRequest(mena, date(2026, 3, 2), 7, 2, "gmv", experiment="lineup_order")
    plan = plan_market(request, engagement_profile([], ZoneInfo(mena.time_zone)), _products(), _hosts())
    assert {r.rule for r in plan.rejected} == {"banned_listing_categories", "modest_apparel"}
    shown = {i.sku for s in plan.sessions for i in s.lineup}
    rejected = {r.sku for r in plan.rejected}
    assert shown and not shown & rejected and "P03" in shown  # modest apparel is allowed
    assert all(s.theme == "Ramadan night (after iftar)" for s in plan.sessions)
    assert all(s.local_start[11:16] >= "18:50" for s in plan.sessions)
    # 2 a day + 1 festival session wanted; iftar (~19:20) to 01:30 holds only two 2-hour sessions and a gap
    assert len(plan.sessions) == 7 * 2
    assert len(plan.unfilled) == 7 and all(u["planned"] == 2 for u in plan.unfilled)
    for host in ("host-a", "host-b"):
        mine = sorted((s.start, s.end) for s in plan.sessions if s.host == host)
        assert all(later[0] >= earlier[1] + timedelta(minutes=60) for earlier, later in pairwise(mine))
    # no IVS or MediaLive in me-central-1: channels in mena's media-only region
    assert plan.video_region == "ap-south-1" and "media-only" in plan.video_note
    assert all(s.video == ("ivs",) for s in plan.sessions)
    first = plan.sessions[0]
    assert first.split is not None and first.split.rooms == (f"{first.session_id}-A", f"{first.session_id}-B")
    assert set(first.split.hosts) == {"host-a", "host-b"} and first.split.lineup_b[-1] == first.lineup[0].sku
    assert [t.kind for t in first.tracks] == ["host", "subtitles", "dubbing"] and first.host_language == "ar"
    assert len({s.session_id for s in plan.sessions}) == len(plan.sessions)
    again = plan_market(request, engagement_profile([], ZoneInfo(mena.time_zone)), _products(), _hosts())
    assert json.dumps(again.to_json(), sort_keys=True) == json.dumps(plan.to_json(), sort_keys=True)  # deterministic


def test_hosts_shared_across_markets_are_never_double_booked() -> None:
    bookings = Bookings()
    hosts = [Host(id="solo", markets=("eu", "mena"), languages=("en",), works_from=datetime.min.time(),
                  max_hours_per_day=12, min_rest_minutes=0, max_sessions_per_week=40)]  # fmt: skip
    berlin = engagement_profile([], ZoneInfo("Europe/Berlin"))
    eu = plan_market(PlanRequest(MARKETS["eu"], date(2026, 6, 3), 2, 3), berlin, _products(), hosts, bookings)
    mena = plan_market(PlanRequest(MARKETS["mena"], date(2026, 6, 3), 2, 3),
                       engagement_profile([], ZoneInfo("Asia/Dubai")), _products(), hosts, bookings)  # fmt: skip
    spans = sorted((s.start, s.end) for s in [*eu.sessions, *mena.sessions])
    assert all(later[0] >= earlier[1] for earlier, later in pairwise(spans))
    assert eu.sessions and mena.sessions


def test_products_from_catalogue_stock_pos_and_sales() -> None:
    catalogue = parse_catalogue({"skus": [
        {"sku": "A", "supplier_id": "default-supplier", "category": "beauty", "list_price": "30", "unit_cost": "12"},
        {"sku": "C", "supplier_id": "default-supplier", "category": "grocery"},
    ]}, "test")  # fmt: skip
    sales = [SaleLine(date(2026, 12, 1), "B", 4, Decimal("100")), SaleLine(date(2026, 12, 1), "A", 1, Decimal("25"))]
    po = {
        "expected_arrival": "2026-12-08",
        "lines": [{"sku": "B", "quantity": 50, "unit_cost": "5"}],
        "received": {"B": 20},
    }
    inbound = inbound_units([po])  # type: ignore[list-item]
    assert inbound == {"B": [(date(2026, 12, 8), 30)]}
    products, unpriced = build_products(
        catalogue, {"A": 5, "B": 0}, inbound, sales, {}, engagement_profile([], ZoneInfo("UTC"))
    )
    by_sku = {p.sku: p for p in products}
    assert unpriced == ["C"]  # no list price and never sold
    assert by_sku["A"].price == 30.0 and by_sku["A"].category == "beauty" and by_sku["A"].unit_cost == 12.0
    assert by_sku["B"].price == 25.0 and by_sku["B"].inbound == ((date(2026, 12, 8), 30),)
    assert by_sku["B"].conversion > by_sku["A"].conversion  # it sells faster


def test_regressors_mark_the_utc_day_of_each_slot_and_presales() -> None:
    plan = {"sessions": [{
        "start": datetime(2026, 12, 4, 23, 40, tzinfo=UTC).isoformat(),
        "lineup": [{"sku": "A", "kind": "spot", "minutes": 10}, {"sku": "B", "kind": "presale", "minutes": 10},
                   {"sku": "C", "kind": "spot", "minutes": 10}],
    }]}  # fmt: skip
    regressors = plan_regressors([plan])
    assert regressors["A"] == {date(2026, 12, 4): {"session": 1.0, "presale": 0.0}}
    assert regressors["B"] == {date(2026, 12, 4): {"session": 1.0, "presale": 1.0}}
    assert date(2026, 12, 5) in regressors["C"]  # its slot starts after midnight UTC
    rows = regressor_rows(regressors, ["A", "Z"], date(2026, 12, 3), 3)
    assert [r["session"] for r in rows if r["id"] == "A"] == [0.0, 1.0, 0.0]
    assert all(r["session"] == 0.0 for r in rows if r["id"] == "Z")

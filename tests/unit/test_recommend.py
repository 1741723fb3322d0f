"""Recommendations, pure: behaviour from live events, co-occurrence training, the line-up ranking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from livebase.recommend.behaviour import CART, ORDER, Interaction, from_events
from livebase.recommend.model import popularity, train
from livebase.recommend.ranking import LINEUP, NO_CONSENT, NO_HISTORY, NO_OVERLAP, PERSONAL, rank_lineup

T0 = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)


def _event(kind: str, viewer: str, minutes: float, **fields: object) -> dict[str, object]:
    ts = (T0 + timedelta(minutes=minutes)).isoformat()
    return {"type": kind, "viewer_id": viewer, "room_id": "eu-room-1", "ts": ts, **fields}


def test_behaviour_weighs_watching_carting_and_ordering() -> None:
    shown = {"shown_from": T0.isoformat(), "shown_until": (T0 + timedelta(minutes=10)).isoformat()}
    events = [
        _event("product_shown", "v_host000000000000", 0, sku="EU-10001", **shown),
        _event("viewer_joined", "v_a000000000000000", 2),
        _event("add_to_cart", "v_a000000000000000", 3, sku="EU-10001"),
        _event("order_placed", "v_a000000000000000", 4, lines=[{"sku": "EU-10001"}, {"sku": "EU-10002"}]),
        _event("viewer_left", "v_a000000000000000", 7),
        _event("viewer_joined", "v_b000000000000000", 9.5),  # 30 s on air with it: no watch signal
        _event("viewer_left", "v_b000000000000000", 12),
    ]
    found = sorted((i.viewer, i.sku, round(i.weight, 3)) for i in from_events(events))
    assert found == [
        ("v_a000000000000000", "EU-10001", 0.03), ("v_a000000000000000", "EU-10001", CART),
        ("v_a000000000000000", "EU-10001", ORDER), ("v_a000000000000000", "EU-10002", ORDER),
    ]  # fmt: skip


def _bought(viewer: str, sku: str, days_ago: float) -> Interaction:
    return Interaction(viewer, sku, ORDER, T0 - timedelta(days=days_ago))


def test_co_occurrence_recommends_what_people_with_the_same_taste_took() -> None:
    # Lipstick buyers also buy serum; a new lipstick buyer is offered serum before the bestseller (tea).
    history = [_bought(f"v_{n:016x}", sku, 1) for n in range(20) for sku in ("LIP", "SERUM")]
    history += [_bought(f"v_{n:016x}", "TEA", 1) for n in range(100, 160)]
    history += [_bought("v_new0000000000000", "LIP", 0.5)]
    model = train(history, T0, viewers={"v_new0000000000000"})
    assert list(model.viewers) == ["v_new0000000000000"]  # lists only for those asked (consenting)
    ranked = [sku for sku, _ in model.viewers["v_new0000000000000"]]
    assert ranked[:2] == ["LIP", "SERUM"] and ranked.index("SERUM") < ranked.index("TEA")
    assert model.popular[0] == "TEA" and popularity(history, T0)[0] == "TEA"
    assert [sku for sku, _ in model.neighbours["LIP"]] == ["SERUM"]


def test_recency_fades_old_behaviour_and_the_future_never_trains() -> None:
    history = [_bought("v_a000000000000000", "OLD", 60), _bought("v_a000000000000000", "NEW", 1)]
    history += [_bought("v_a000000000000000", "LATER", -1)]
    ranked = [sku for sku, _ in train(history, T0).viewers["v_a000000000000000"]]
    assert ranked == ["NEW", "OLD"]
    assert train([], T0).viewers == {}


def test_the_lineup_is_ranked_only_with_consent_and_a_list() -> None:
    lineup = ["A", "B", "C", "D"]
    assert rank_lineup(lineup, {"C": 2.0, "A": 1.0, "Z": 9.0}, consented=True).items == ["C", "A", "B", "D"]
    assert rank_lineup(lineup, {"C": 2.0}, consented=True).source == PERSONAL
    refused = rank_lineup(lineup, {"C": 2.0}, consented=False)
    assert (refused.items, refused.source, refused.reason) == (lineup, LINEUP, NO_CONSENT)
    assert rank_lineup(lineup, None, consented=True).reason == NO_HISTORY
    assert rank_lineup(lineup, {}, consented=True, limit=2).items == ["A", "B"]
    elsewhere = rank_lineup(lineup, {"Z": 9.0}, consented=True)  # a list, but none of this line-up in it
    assert (elsewhere.items, elsewhere.source, elsewhere.reason) == (lineup, LINEUP, NO_OVERLAP)


def test_lists_by_taste_offer_new_items_of_the_categories_a_viewer_takes() -> None:
    # The fan carted lipstick (beauty) only; the market's bestseller is tea (food). The fan is offered
    # a beauty item they never took (SERUM) before tea; a viewer without signals gets the market's order.
    categories = {"LIP": "beauty", "SERUM": "beauty", "TEA": "food", "RICE": "food"}
    history = [_bought(f"v_{n:016x}", "TEA", 1) for n in range(100, 160)]
    history += [_bought(f"v_{n:016x}", sku, 1) for n in range(20) for sku in ("SERUM", "RICE")]
    history += [Interaction("v_fan0000000000000", "LIP", CART, T0 - timedelta(days=1))]
    history += [Interaction("v_cold000000000000", "TEA", 0.03, T0 - timedelta(days=1))]  # watched only
    model = train(history, T0, categories=categories)
    fan = [sku for sku, _ in model.viewers["v_fan0000000000000"]]
    assert fan.index("SERUM") < fan.index("TEA")
    assert [sku for sku, _ in model.viewers["v_cold000000000000"]] == ["TEA", "RICE", "SERUM", "LIP"]


def test_the_markets_behaviour_ranks_what_a_lone_consenting_viewer_never_took() -> None:
    # The demo's case: one consenting buyer of catalogue goods; the line-up's items are known only
    # from everyone else's orders (aggregate strength), so their list ranks them too.
    mine = [_bought("v_me00000000000000", "SKU-TEA", 1)]
    market = mine + [_bought(f"v_{n:016x}", "LINE-2", 1) for n in range(5)] + [_bought("v_x", "LINE-1", 1)]
    categories = {"SKU-TEA": "food", "LINE-1": "beauty", "LINE-2": "beauty"}
    model = train(mine, T0, categories=categories, market=market)
    assert [sku for sku, _ in model.viewers["v_me00000000000000"]] == ["SKU-TEA", "LINE-2", "LINE-1"]
    assert rank_lineup(["LINE-1", "LINE-2"], dict(model.viewers["v_me00000000000000"]), consented=True).items == [
        "LINE-2",
        "LINE-1",
    ]
    assert model.popular[0] == "LINE-2"

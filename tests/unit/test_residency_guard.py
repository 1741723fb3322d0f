"""The run-time residency guard: EU viewer data towards hq, another market or off-region is refused and kept
in-region; aggregates pass; the same region may carry it."""

from __future__ import annotations

import pytest

from livebase.markets.config import Market, load_markets
from livebase.markets.residency import ResidencyViolation
from livebase.privacy.guard import OFF_REGION, check_outbound, send_guarded

MARKETS = load_markets()
EU, SEA, HQ = MARKETS["eu"], MARKETS["sea"], MARKETS["hq"]
VIEWER = "v_00112233445566778899aabb"
LEAKS = {  # what each outbound path might carry by mistake
    "bus entry": {"Source": "livebase.orders", "DetailType": "OrderPlaced", "Detail": f'{{"viewer_id": "{VIEWER}"}}'},
    "prefect event": {"event": "livebase.stock.low", "payload": {"sku": "SKU-A", "buyer": VIEWER}},
    "artifact": f"| viewer | orders |\n|---|---|\n| {VIEWER} | 3 |",
    "replay record": {"data": "x", "email": "alice@example.com"},
    "sagemaker job input": "sku,date,units,contact\nSKU-A,2026-12-01,3,+49 170 1234567\n",
}


@pytest.mark.parametrize("what", sorted(LEAKS))
@pytest.mark.parametrize("destination", [HQ, SEA, OFF_REGION], ids=["hq", "sea", "off-region"])
def test_personal_data_never_leaves_and_is_kept_in_region(what: str, destination: Market) -> None:
    sent: list[object] = []
    kept: list[tuple[str, list[str]]] = []

    def keep(text: str, reasons: list[str]) -> str:
        kept.append((text, reasons))
        return "q/1"

    with pytest.raises(
        ResidencyViolation, match=rf"{what} of market 'eu' to .* refused: .*kept in eu-central-1 at q/1"
    ):
        send_guarded(EU, destination, LEAKS[what], sent.append, keep, what=what)
    assert sent == [] and len(kept) == 1 and kept[0][1]  # nothing sent, the document kept with its reasons


def test_errors_name_reasons_never_the_data() -> None:
    with pytest.raises(ResidencyViolation) as refused:
        check_outbound(EU, HQ, LEAKS["prefect event"], what="prefect event")
    assert VIEWER not in str(refused.value) and "pseudonymous viewer id" in str(refused.value)


def test_aggregates_pass_everywhere_and_personal_data_may_stay_in_its_region() -> None:
    aggregate = {"market": "eu", "gmv": "1200.50", "orders": 42, "segments": {"champions": 12}, "as_of": "2026-12-01"}
    for destination in (HQ, SEA, OFF_REGION):
        assert send_guarded(EU, destination, aggregate, lambda d: "sent", lambda t, w: "", what="export") == "sent"
    check_outbound(EU, EU, LEAKS["bus entry"], what="bus entry")  # in-region: allowed

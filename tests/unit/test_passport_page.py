"""The QR opens a page (issue 31): ``GET /passport/{batch}`` answers HTML to a browser, in the market
language the viewer ranks highest, everything escaped, with the anchor's root, leaf and proof path;
and the JSON carries what lets anyone check the batch against the anchor read from its own bucket,
without trusting the API (``livebase.passport.offline``, the documented recipe)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest

from livebase.passport.events import parse_event
from livebase.passport.offline import check
from livebase.passport.page import choose_language, wants_html
from livebase.passport.service import anchor_day
from tests.support.lambda_events import CONTEXT, sample
from tests.support.passport import SAMPLE_BATCH, SAMPLE_SUPPLIER, PassportMarket, batch_events, get

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.fixture
def market(aws: Any) -> PassportMarket:
    market = PassportMarket()
    now = datetime.now(UTC)
    events = batch_events(batch=SAMPLE_BATCH, supplier=SAMPLE_SUPPLIER)
    hostile = parse_event({**events[0].model_dump(mode="json"), "producer": '<script>alert("x")</script> & Co'})
    for event in (hostile, *events[1:]):
        market.ledger.append(event, now)
    anchor_day(market.ledger, market.anchors, "eu", now.date().isoformat(), now + timedelta(days=1))
    return market


def page(api: ModuleType, accept: str, language: str | None = None) -> tuple[int, dict[str, Any], str]:
    event = sample("apigateway_get_passport")
    event["path"], event["pathParameters"] = f"/passport/{SAMPLE_BATCH}", {"batch": SAMPLE_BATCH}
    event["headers"] = {"Accept": accept, **({"Accept-Language": language} if language else {})}
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    response = api.lambda_handler(event, CONTEXT)
    single = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    headers = single | {k.lower(): ", ".join(v) for k, v in (response.get("multiValueHeaders") or {}).items()}
    return int(response["statusCode"]), headers, str(response["body"])


def test_a_browser_gets_the_page_in_its_language_everything_escaped(market: PassportMarket) -> None:
    status, headers, html = page(market.handler("passport"), BROWSER, "fr-CH,fr;q=0.9,en;q=0.8")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in headers["content-security-policy"] and "Accept-Language" in headers["vary"]
    assert '<html lang="fr"' in html and "Passeport produit" in html and "Vérifié" in html
    assert "<script>" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in html
    _, body = get(market.handler("passport"), SAMPLE_BATCH)
    anchor = body["verification"]["anchor"]
    assert anchor["root"] in html and all(sibling in html for _, sibling in anchor["proof"])


def test_the_language_falls_back_to_the_markets_first_and_json_stays_the_default(market: PassportMarket) -> None:
    api = market.handler("passport")
    _, _, html = page(api, BROWSER, "ja,ko;q=0.5")
    assert '<html lang="de"' in html and "Produktpass" in html  # eu's first language
    status, headers, body = page(api, "application/json")
    assert status == 200 and headers["content-type"].startswith("application/json") and json.loads(body)["events"]
    assert not wants_html("*/*") and not wants_html(None) and wants_html(BROWSER)
    assert choose_language("ar;q=0.9, en;q=0.5", ("ar", "en")) == "ar"


def anchored_root(market: PassportMarket, body: dict[str, Any]) -> str:
    """The day's root as the anchor object in the Object Lock bucket holds it (not as the API says)."""
    where = body["verification"]["anchor"]["object"]
    return str(market.anchors.get(where["key"], where["version_id"])["root"])


def test_anyone_can_check_the_batch_against_the_anchor_without_trusting_the_api(market: PassportMarket) -> None:
    _, body = get(market.handler("passport"), SAMPLE_BATCH)
    root = anchored_root(market, body)
    assert check(body, root) == ""
    forged = copy.deepcopy(body)
    forged["events"][0]["details"]["country"] = "IT"  # a served origin that is not what was anchored
    assert check(forged, root) == "event 0: its content does not match its hash"
    rehashed = copy.deepcopy(body)
    rehashed["events"][-1]["entry_hash"] = "0" * 64
    assert check(rehashed, root).startswith("event 5")
    assert check(body, "f" * 64) == "the proof does not lead to the anchor's root"

"""The fx-rates flow and the roll-up with the clock a year ahead, under Prefect's harness on an in-process moto
(eu's tables and bucket in eu-central-1, hq's stack and bucket in ap-northeast-1): without a refresh the roll-up
refuses the rates naming the day they stopped and the published cover breaches hq's alarm; after the local
feed's refresh (the same flow) the cover is back and the roll-up converts at the rate of its day, with the FX
exposure per currency. Also: the recorded ECB reply into hq's store, once per day, with provenance."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest

from livebase.aggregates.export import MarketExport
from livebase.aggregates.fx_source import FxDay
from livebase.aggregates.rates import COVER_ALARM_DAYS
from livebase.live.events import OrderLine, OrderPlaced
from livebase.markets.config import hq_market, load_markets
from livebase.markets.resources import MarketResources
from livebase.stores.fx_rates import COVER_METRIC, METRIC_NAMESPACE, day_key
from livebase.stores.order_table import order_model, order_record
from livebase.stores.orders import PLACED
from tests.support.flow_markets import eu_flow_market

HQ = hq_market(load_markets())
HQ_BUCKET = "fx-hq-lake"
TODAY = datetime.now(UTC).date()
AHEAD = TODAY + timedelta(days=365)  # the clock a year ahead: the committed rates end on 2026-11-27
RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "ecb" / "eurofxref-hist-90d.xml"


@pytest.fixture
def eu_market(aws: object, monkeypatch: pytest.MonkeyPatch, prefect_harness: None) -> MarketResources:
    import flows.regional_processing as module

    resources = eu_flow_market(monkeypatch, module, "fx", HQ_BUCKET)
    model = order_model(resources.orders_table, resources.region)
    for n in range(30):  # 30 buyers of a recent day: enough for k
        order_record(model, OrderPlaced(
            event_id=f"evt-fx-{n:05d}", type="order_placed", market="eu", room_id="eu-room-1", session_id="s",
            ts=datetime.combine(AHEAD, datetime.min.time(), UTC) - timedelta(days=3, hours=n % 5),
            viewer_id=f"v_{n:032x}", order_id=f"ord-fx-{n:05d}", currency="EUR",
            lines=(OrderLine(sku="EU-FX-1", quantity=1, unit_price=Decimal("10")),),
        ), PLACED).save()  # fmt: skip
    return resources


def cover_since(since: datetime) -> float:
    """The lowest DaysOfCover (over markets) hq's region received since ``since``: what the alarm evaluates."""
    points = boto3.client("cloudwatch", region_name=HQ.region).get_metric_statistics(
        Namespace=METRIC_NAMESPACE, MetricName=COVER_METRIC, StartTime=since,
        EndTime=datetime.now(UTC) + timedelta(minutes=1), Period=3600, Statistics=["Minimum"],
    )["Datapoints"]  # fmt: skip
    assert points, "no cover published"
    return min(p["Minimum"] for p in points)


def alarm_state(cover: float) -> str:
    """hq's alarm (infra_cdk/components/fx_rates.py: Minimum < COVER_ALARM_DAYS; tests/infra checks the template)."""
    return "ALARM" if cover < COVER_ALARM_DAYS else "OK"


def test_a_year_ahead_the_rollup_refuses_and_alarms_until_the_local_feed_refreshes(
    eu_market: MarketResources, tmp_path: Path
) -> None:
    from flows.fx_rates import fx_rates
    from flows.regional_processing import regional_processing
    from livebase_local.fx_feed import refresh_local_rates

    with pytest.raises(Exception, match=r"EUR rates stopped on 2026-11-27: the latest is over 45 days older than"):
        regional_processing(markets=["eu"], as_of=AHEAD, k=5, scan_segments=1)

    before = datetime.now(UTC) - timedelta(seconds=1)
    with pytest.raises(Exception, match="could not be read or stored"):  # the source is unreachable
        fx_rates(markets=["eu"], source=str(tmp_path / "absent.xml"), as_of=AHEAD)
    stale = cover_since(before)
    assert stale < 0 and alarm_state(stale) == "ALARM"  # refused for a year already, and said so

    # The next whole second: StartTime is read to the second (moto drops the microseconds), so a stale
    # point put in the same second as the refresh was read with it (the suite failed so once).
    refreshed_at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    time.sleep(max(0.0, (refreshed_at - datetime.now(UTC)).total_seconds()))
    lines = refresh_local_rates(tmp_path / "feed", ["eu"], today=AHEAD)
    assert "local feed" in lines[0] and "eu 45" in lines[-1]
    assert alarm_state(cover_since(refreshed_at)) == "OK"
    newest = max(d for d in (AHEAD - timedelta(days=n) for n in range(7)) if d.weekday() < 5)
    stored = FxDay.model_validate_json(
        boto3.client("s3", region_name=HQ.region)
        .get_object(Bucket=HQ_BUCKET, Key=day_key("USD", newest))["Body"]
        .read()
    )
    assert "replayed by the local feed" in stored.publisher and stored.source_url.startswith("file://")

    result = regional_processing(markets=["eu"], as_of=AHEAD, k=5, scan_segments=1)
    body = (
        boto3.client("s3", region_name=HQ.region)
        .get_object(Bucket=HQ_BUCKET, Key=f"aggregates/eu/{AHEAD}.json")["Body"]
        .read()
    )
    gmv = MarketExport.model_validate_json(body).cell("market", "all", "gmv")
    assert gmv is not None and gmv.money is not None
    assert gmv.money.rate_date == newest and gmv.money.rate == stored.rates["EUR"].quantize(Decimal("0.000001"))
    assert gmv.money.rate_source == "hq:fx-rates/USD + fx_rates.json"  # hq's store over the committed file
    assert "FX exposure: EUR 300.00 (= " in result.lines[0]


def test_the_recorded_ecb_reply_is_stored_once_per_day_with_its_provenance(eu_market: MarketResources) -> None:
    from flows.fx_rates import fx_rates

    first = fx_rates(markets=["eu"], source=str(RECORDED), as_of=date(2026, 12, 7))
    again = fx_rates(markets=["eu"], source=str(RECORDED), as_of=date(2026, 12, 7))
    assert len(first.written) == len(first.published) == 65 and again.written == []  # a re-run writes nothing
    assert first.newest == date(2026, 12, 4) and first.cover == {"eu": 45 - 3}
    s3: Any = boto3.client("s3", region_name=HQ.region)
    day = FxDay.model_validate_json(
        s3.get_object(Bucket=HQ_BUCKET, Key=day_key("USD", date(2026, 12, 4)))["Body"].read()
    )
    assert day.publisher == "European Central Bank" and day.source_url == RECORDED.as_uri()
    assert set(day.rates) == {"EUR", "SGD", "AED"} and day.digest.startswith("sha256:")
    assert not [k for k in (o["Key"] for o in s3.list_objects_v2(Bucket=HQ_BUCKET)["Contents"]) if "2026-11-28" in k]


def test_a_malformed_reply_is_refused_kept_with_its_reason_and_changes_no_day(
    eu_market: MarketResources, tmp_path: Path
) -> None:
    from flows.fx_rates import fx_rates

    daily = (RECORDED.parent / "eurofxref-daily.xml").read_bytes()
    malformed = tmp_path / "eurofxref-daily.xml"
    malformed.write_bytes(daily.replace(b"rate='1.0574'", b"rate='1,0574'"))
    with pytest.raises(Exception, match=r"Cube\[0\].Cube\[0\]: rate is not a decimal"):
        fx_rates(markets=["eu"], source=str(malformed), as_of=date(2026, 12, 7))
    s3: Any = boto3.client("s3", region_name=HQ.region)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=HQ_BUCKET).get("Contents", [])]
    assert not [k for k in keys if k.startswith("fx-rates/USD/")]
    [why_key] = [k for k in keys if k.startswith("fx-rates/refused/") and k.endswith(".json")]
    why = json.loads(s3.get_object(Bucket=HQ_BUCKET, Key=why_key)["Body"].read())
    assert why["reasons"] == ["Cube[0].Cube[0]: rate is not a decimal"] and "1,0574" not in json.dumps(why)
    assert why["source_url"] == malformed.as_uri() and why_key.replace(".json", ".reply") in keys

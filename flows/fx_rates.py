"""fx-rates: the ECB's euro reference rates of each publication day, kept with provenance in hq's store.

Daily at 15:30 UTC (16:30 in Frankfurt in winter, 17:30 in summer: after the ECB's publication at
about 16:00 CET): fetch the 90-day history (``eurofxref-hist-90d.xml``, so a missed run heals
itself), parse it (``livebase.aggregates.fx_source``: every selling market's currency into hq's,
AED through its USD peg), write the days hq's store lacks (``livebase.stores.fx_rates``: one object
per day in hq's bucket, with publisher, source URL, fetched-at and the reply's digest), and publish
how many days of cover each market has left before the roll-up refuses its rates as stale
(CloudWatch ``Livebase/FxRates`` ``DaysOfCover`` in hq's region; hq's stack alarms on it:
``infra_cdk/components/fx_rates.py``). The cover is published even when the fetch fails, then the
run fails; a reply the parser refuses is kept with the reason under ``fx-rates/refused/`` of hq's bucket.
``write_file``: ``config/fx_rates.json`` (the offline fallback) from the same days.

The source is a parameter: the ECB's URL by default, ``$LIVEBASE_FX_FEED`` when set (the embedded
default's local feed: a recorded ECB reply replayed up to the day, ``livebase_local/fx_feed.py``),
or a file (``./livebase fx-rates --from-file F``).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from typing import Annotated

import boto3
from prefect import flow, task
from pydantic import BaseModel, Field

from flows import regional_io as io
from flows.artifacts import CROSS_MARKET, no_input, publish_markdown
from flows.markets import MARKETS, SELLING_MARKET_IDS, MarketSelection
from flows.retries import retry_unless
from livebase.aggregates.fx_source import ECB_90_DAYS_URL, FxDay, FxSourceError, fx_days
from livebase.aggregates.rates import COVER_ALARM_DAYS, RateTable, default_rates_path
from livebase.markets.config import hq_market, selling_markets
from livebase.stores.fx_rates import (
    AGE_METRIC,
    COVER_METRIC,
    METRIC_NAMESPACE,
    FxRateStore,
    hq_rates,
    read_reply,
    source_url,
    write_rates_file,
)

FX_FEED_ENV = "LIVEBASE_FX_FEED"  # another source than the ECB's (the local feed, a mirror)


class FxRatesResult(BaseModel):
    source: str
    published: list[date]  # the publication days of the reply
    written: list[date]  # the days hq's store did not have yet
    newest: date | None
    cover: dict[str, int]  # market -> days of cover left
    lines: list[str]


def default_source() -> str:
    return os.environ.get(FX_FEED_ENV) or ECB_90_DAYS_URL


def market_cover(table: RateTable, today: date, market_ids: list[str]) -> dict[str, int]:
    """Days each market has left before its currency's rates are refused (its ``fx_max_rate_age_days``)."""
    return {
        m: table.with_max_age(MARKETS[m].fx_max_rate_age_days).days_of_cover([MARKETS[m].currency], today)
        for m in market_ids
    }


ONLY_NETWORK = retry_unless(FileNotFoundError, ValueError)  # a missing file or a refused URL fails again


@task(name="fetch-fx-reply", retries=2, retry_delay_seconds=30, retry_condition_fn=ONLY_NETWORK)
def fetch_reply(source: str) -> bytes:
    return read_reply(source)


@task(name="store-fx-days", retries=2, retry_delay_seconds=5)
def store_days(bucket: str, days: list[FxDay]) -> list[date]:
    return FxRateStore(bucket, hq_market(MARKETS).region).put_days(days)


@task(name="publish-fx-cover")
def publish_cover(cover: dict[str, int], newest: date | None, today: date) -> None:
    """The cover per market and its minimum (what the alarm watches), and the newest publication's age."""
    hq = hq_market(MARKETS)
    data = [{"MetricName": COVER_METRIC, "Value": float(min(cover.values())), "Unit": "Count"}] if cover else []
    data += [
        {"MetricName": COVER_METRIC, "Dimensions": [{"Name": "Market", "Value": m}], "Value": float(d), "Unit": "Count"}
        for m, d in cover.items()
    ]
    if newest is not None:
        data.append({"MetricName": AGE_METRIC, "Value": float((today - newest).days), "Unit": "Count"})
    if data:
        boto3.client("cloudwatch", region_name=hq.region).put_metric_data(Namespace=METRIC_NAMESPACE, MetricData=data)


def report(days: list[FxDay], written: list[date], cover: dict[str, int], source: str) -> str:
    """The cover first (how long until the roll-up refuses each market's rates), then the rates, provenance last."""
    newest = days[-1] if days else None
    lowest = min(cover.values(), default=None)
    verdict = (
        "no market selected" if lowest is None
        else f"refused: a market's rates are {-lowest} days past their limit" if lowest < 0
        else f"alarm: {lowest} days of cover left (under {COVER_ALARM_DAYS})" if lowest < COVER_ALARM_DAYS
        else f"ok: at least {lowest} days of cover"
    )  # fmt: skip
    lines = [f"# Exchange rates into {hq_market(MARKETS).currency}: {verdict}", ""]
    lines += ["| market | days of cover |", "|---|---|", *(f"| {m} | {d} |" for m, d in cover.items()), ""]
    if newest is None:
        lines.append(f"**{no_input(f'no rates read from {source}')}**: the store and the file were not refreshed.")
        return "\n".join(lines)
    return "\n".join([
        *lines,
        f"Newest publication **{newest.published}** by {newest.publisher}; {len(days)} days in the reply, "
        f"{len(written)} new in hq's store.",
        "",
        "| currency | 1 unit in " + newest.base + " | how |",
        "|---|---|---|",
        *(f"| {c} | {r} | {newest.derived.get(c, 'published')} |" for c, r in sorted(newest.rates.items())),
        "",
        f"Provenance: `{newest.source_url}`, fetched {newest.fetched_at:%Y-%m-%d %H:%M} UTC, {newest.digest}.",
    ])  # fmt: skip


@flow(name="fx-rates", log_prints=True)
def fx_rates(
    markets: MarketSelection | None = None,
    source: Annotated[str | None, Field(description="https URL or file; default the ECB's 90-day history")] = None,
    as_of: Annotated[date | None, Field(description="the day the cover is counted from (UTC); default today")] = None,
    write_file: Annotated[bool, Field(description="also write config/fx_rates.json (the offline fallback)")] = False,
) -> FxRatesResult:
    """The day's reference rates into hq's store (with provenance), and the cover each market has left."""
    hq = hq_market(MARKETS)
    chosen = source or default_source()
    today = as_of or datetime.now(UTC).date()
    selected = list(markets or SELLING_MARKET_IDS)
    currencies = {m.currency for m in selling_markets(MARKETS)}
    bucket = io.hq_bucket(hq)
    store = FxRateStore(bucket, hq.region)
    failure: Exception | None = None
    days: list[FxDay] = []
    written: list[date] = []
    try:
        reply = fetch_reply(chosen)
        fetched_at = datetime.now(UTC)
        try:
            parsed = fx_days(reply, hq.currency, currencies, source_url(chosen), fetched_at)
        except FxSourceError as refused:  # kept with the reason, for whoever looks at why the rates stopped
            store.quarantine(reply, source_url(chosen), str(refused), fetched_at)
            raise
        days = [d for d in parsed if d.published <= today]  # a feed ahead of the clock is not published yet
        written = store_days(bucket, days)
        if write_file and days:
            write_rates_file(default_rates_path(), days)
    except (OSError, ValueError, FxSourceError) as error:  # the cover is still published: the alarm must see it
        failure = error
    table = hq_rates(store, hq.currency, today)
    cover = market_cover(table, today, selected)
    newest = max((d for d in (table.last_day(c) for c in currencies - {hq.currency}) if d), default=None)
    publish_cover(cover, newest, today)
    publish_markdown(
        CROSS_MARKET, key="fx-rates", markdown=report(days, written, cover, chosen),
        description=f"Exchange rates into {hq.currency} of {today}: newest publication, provenance, cover per market",
    )  # fmt: skip
    lines = [
        f"fx-rates: {len(days)} publication days read from {source_url(chosen)}, {len(written)} new in hq's store; "
        f"newest {newest or 'none'}",
        "cover (days before the roll-up refuses the rates): " + ", ".join(f"{m} {d}" for m, d in cover.items()),
    ]
    for line in lines:
        print(line)
    if failure is not None:
        raise RuntimeError(f"fx-rates: the rates of {chosen} could not be read or stored: {failure}") from failure
    return FxRatesResult(
        source=source_url(chosen), published=[d.published for d in days], written=written, newest=newest,
        cover=cover, lines=lines,
    )  # fmt: skip

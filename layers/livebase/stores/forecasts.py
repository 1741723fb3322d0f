"""The nightly demand forecast per SKU as one DynamoDB item in the market's Forecasts table.

Why a table as well as the CSV in the data lake: replenishment runs hourly and on ``stock.low``
and needs one SKU's latest forecast in milliseconds, not a re-fit. The nightly
``demand-forecasting`` flow overwrites each SKU's item (key ``sku``); the CSV per run date stays
the history. Items expire (TTL ``expires_at``) so a SKU that stopped selling does not keep a
stale forecast. :class:`ForecastStore` reads and writes them, always with a client of the market's
own region; what DynamoDB still leaves unprocessed after the retries of
:mod:`livebase.stores.batches` raises :class:`StoredForecastError`.

Each item also carries ``past``: what earlier nights forecast for the days before ``start``
(each day as last forecast before it came). Replenishment sets recent sales against it and
scales demand when sales run well below or above forecast; without it that check needs the
forecast history in the data lake, a read of every SKU's CSV per run.
"""

from __future__ import annotations

import math
import time as clock
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import boto3
from botocore.exceptions import ClientError

from livebase.aws import retry_config
from livebase.markets.resources import MarketResources
from livebase.stores.batches import ATTEMPTS, Sleep, UnprocessedError, get_all, put_all

TTL_DAYS = 7  # a forecast older than a week is not used, so it need not be kept
MAX_AGE_DAYS = 2  # replenishment uses a stored forecast made at most this many days ago
PAST_DAYS = 14  # days of past forecasts an item carries (replenishment compares the last 7)


@dataclass(frozen=True)
class StoredForecast:
    """Daily forecast of one SKU from ``start`` on; reads like a ``ForecastResult``."""

    sku: str
    run_date: date
    start: date  # the day of mean[0]
    model: str
    level: float
    mean: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    sigma: tuple[float, ...]
    past: tuple[float, ...] = ()  # forecasts earlier runs made for the days just before ``start``

    def __post_init__(self) -> None:
        lengths = {len(self.mean), len(self.lower), len(self.upper), len(self.sigma)}
        if len(lengths) != 1 or not self.mean:
            raise ValueError(f"forecast of {self.sku}: mean, lower, upper and sigma need one equal, non-zero length")

    def forecast_for(self, first: date, days: int) -> tuple[float, ...]:
        """What was forecast for ``days`` days from ``first`` on (past or ahead), or () when any is missing."""
        offset = (first - self.start).days + len(self.past)
        known = self.past + self.mean
        if offset < 0 or days < 1 or offset + days > len(known):
            return ()
        return known[offset : offset + days]

    def carrying_past_of(self, previous: StoredForecast | None, keep_days: int = PAST_DAYS) -> StoredForecast:
        """This forecast with the last ``keep_days`` days before ``start`` that ``previous`` forecast.

        The past is one unbroken run of days ending the day before ``start``: when ``previous``
        did not reach that day (runs missed for longer than its horizon) there is none. A rerun
        for the same night keeps the past of the run it replaces.
        """
        if previous is None or previous.sku != self.sku:
            return self
        known_from = previous.start - timedelta(days=len(previous.past))
        first = max(known_from, self.start - timedelta(days=keep_days))
        past = previous.forecast_for(first, (self.start - first).days)
        return replace(self, past=past)

    def window(self, as_of: date, days: int, max_age_days: int = MAX_AGE_DAYS) -> StoredForecast | None:
        """The next ``days`` days from ``as_of`` on, or None when stale, made after ``as_of``, or too short.

        The nightly run's history includes (part of) its run date, so its forecast starts the next
        day: on the run date itself the window starts at ``start``, one day on, the nearest there is.
        """
        age = (as_of - self.run_date).days
        if not 0 <= age <= max_age_days or (self.start - as_of).days > 1:
            return None
        begin = max(as_of, self.start)
        skip = (begin - self.start).days
        if skip + days > len(self.mean):
            return None
        cut = slice(skip, skip + days)
        return StoredForecast(
            self.sku, self.run_date, begin, self.model, self.level,
            self.mean[cut], self.lower[cut], self.upper[cut], self.sigma[cut],
            self.past + self.mean[:skip],
        )  # fmt: skip


def _numbers(values: Sequence[float]) -> dict[str, Any]:
    return {"L": [{"N": repr(round(float(v), 4))} for v in values]}


def to_item(forecast: StoredForecast, ttl_days: int = TTL_DAYS) -> dict[str, Any]:
    """The DynamoDB item (low-level attribute values, as the client's batch_write_item takes)."""
    expires = datetime.combine(forecast.run_date + timedelta(days=ttl_days), time(), tzinfo=UTC)
    return {
        "sku": {"S": forecast.sku},
        "run_date": {"S": forecast.run_date.isoformat()},
        "start": {"S": forecast.start.isoformat()},
        "model": {"S": forecast.model[:400]},
        "level": {"N": repr(forecast.level)},
        "mean": _numbers(forecast.mean),
        "lower": _numbers(forecast.lower),
        "upper": _numbers(forecast.upper),
        "sigma": _numbers(forecast.sigma),
        "past": _numbers(forecast.past),
        "expires_at": {"N": str(int(expires.timestamp()))},
    }


def from_item(item: Mapping[str, Any]) -> StoredForecast:
    """Back from a low-level item; a malformed item raises ``ValueError`` naming the SKU."""
    sku = item.get("sku", {}).get("S", "?")
    try:

        def floats(name: str) -> tuple[float, ...]:
            return tuple(float(v["N"]) for v in item[name]["L"])

        return StoredForecast(
            sku=sku, run_date=date.fromisoformat(item["run_date"]["S"]), start=date.fromisoformat(item["start"]["S"]),
            model=item["model"]["S"], level=float(item["level"]["N"]), mean=floats("mean"), lower=floats("lower"),
            upper=floats("upper"), sigma=floats("sigma"),
            past=floats("past") if "past" in item else (),  # items written before past was kept
        )  # fmt: skip
    except (KeyError, TypeError) as error:
        raise ValueError(f"stored forecast of {sku} is malformed: missing {error}") from None


def from_rows(rows: Iterable[Mapping[str, Any]], run_date: date, level: float) -> list[StoredForecast]:
    """Group ``forecast_batch`` rows (id, ds, step, mean, lower, upper, sigma, model, error) per SKU.

    SKUs whose forecast failed (``error`` set, or a NaN value) are left out: replenishment then
    forecasts them itself, or falls back to the trailing mean with the reason.
    """
    per_sku: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        per_sku.setdefault(str(row["id"]), []).append(row)
    stored = []
    for sku, steps in sorted(per_sku.items()):
        steps.sort(key=lambda r: r["ds"])
        try:
            columns = [tuple(float(r[name]) for r in steps) for name in ("mean", "lower", "upper", "sigma")]
        except (KeyError, TypeError, ValueError):
            continue
        if any(r.get("error") for r in steps) or not all(math.isfinite(v) for c in columns for v in c):
            continue
        mean, lower, upper, sigma = columns
        stored.append(StoredForecast(
            sku=sku, run_date=run_date, start=date.fromisoformat(str(steps[0]["ds"])[:10]),
            model=str(steps[0].get("model") or "forecast"), level=level,
            mean=mean, lower=lower, upper=upper, sigma=sigma,
        ))  # fmt: skip
    return stored


class StoredForecastError(RuntimeError):
    """Items or keys DynamoDB kept leaving unprocessed."""


@dataclass
class StoredRead:
    """The stored forecasts found per SKU, and the SKUs whose item could not be decoded (with why)."""

    forecasts: dict[str, StoredForecast] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)


class ForecastStore:
    """A market's Forecasts table (key ``sku``), through a low-level DynamoDB client."""

    def __init__(self, client: Any, table: str, sleep: Sleep = clock.sleep) -> None:
        self.client, self.table, self.sleep = client, table, sleep

    @classmethod
    def for_market(cls, resources: MarketResources) -> ForecastStore:
        """The store of the market's table, with a client of the market's own region."""
        client = boto3.client("dynamodb", region_name=resources.region, config=retry_config())
        return cls(client, resources.forecasts_table)

    def write(self, forecasts: Iterable[StoredForecast]) -> int:
        """Put (overwrite) one item per SKU, carrying forward what the item it replaces forecast
        for the days now past (``StoredForecast.past``); the number of items written."""
        latest = {f.sku: f for f in forecasts}  # one put per key: a batch refuses duplicate keys
        try:
            previous = self.read(list(latest)).forecasts if latest else {}
        except (StoredForecastError, ClientError) as error:  # the past is a refinement: today's forecasts land
            print(f"{self.table}: earlier forecasts unreadable ({error}); items written without their past")
            previous = {}
        latest = {sku: f.carrying_past_of(previous.get(sku)) for sku, f in latest.items()}
        try:
            return put_all(self.client, self.table, [to_item(latest[sku]) for sku in sorted(latest)], sleep=self.sleep)
        except UnprocessedError as error:
            left = [item["sku"]["S"] for item in error.left]
            raise StoredForecastError(
                f"{len(left)} forecast item(s) still unprocessed in {self.table} after {ATTEMPTS} attempts "
                f"(SKUs {', '.join(left[:5])}{', ...' if len(left) > 5 else ''})"
            ) from error

    def read(self, skus: Sequence[str]) -> StoredRead:
        """The stored forecast of each SKU that has one; a malformed item is reported, not raised."""
        keys = [{"sku": {"S": sku}} for sku in sorted(set(skus))]
        try:
            items = get_all(self.client, self.table, keys, sleep=self.sleep)
        except UnprocessedError as error:
            raise StoredForecastError(str(error)) from error
        read = StoredRead()
        for item in items:
            try:
                stored = from_item(item)
            except ValueError as decode_error:
                read.unreadable[str(item.get("sku", {}).get("S", "?"))] = str(decode_error)
                continue
            read.forecasts[stored.sku] = stored
        return read

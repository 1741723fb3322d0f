"""The nightly forecast as a DynamoDB item (livebase.stores.forecasts) and the flows' batched I/O of it."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from livebase.stores.batches import ATTEMPTS, BACKOFF_SECONDS
from livebase.stores.forecasts import (
    TTL_DAYS,
    ForecastStore,
    StoredForecast,
    StoredForecastError,
    from_item,
    from_rows,
    to_item,
)

RUN = date(2026, 11, 20)


def _forecast(sku: str = "SKU-1", days: int = 28, run_date: date = RUN) -> StoredForecast:
    mean = tuple(float(10 + d) for d in range(days))
    return StoredForecast(
        sku=sku, run_date=run_date, start=run_date + timedelta(days=1), model="AutoETS+fest_ramadan", level=0.95,
        mean=mean, lower=tuple(m - 3 for m in mean), upper=tuple(m + 3.25 for m in mean),
        sigma=tuple(round(1.5 + d / 100, 4) for d in range(days)),
    )  # fmt: skip


def test_an_item_round_trips_and_expires_a_week_after_its_run() -> None:
    forecast = _forecast()
    item = to_item(forecast)
    assert from_item(item) == forecast
    assert item["sku"] == {"S": "SKU-1"} and all(set(v) == {"N"} for v in item["mean"]["L"])
    expires = datetime.fromtimestamp(int(item["expires_at"]["N"]), UTC)
    assert expires == datetime(2026, 11, 20 + TTL_DAYS, tzinfo=UTC)


def test_values_are_stored_to_four_decimals() -> None:
    forecast = _forecast(days=1)
    precise = replace(forecast, mean=(1.23456789,), sigma=(0.000012,))
    back = from_item(to_item(precise))
    assert back.mean == (1.2346,) and back.sigma == (0.0,)


def test_window_slices_from_the_day_asked_for() -> None:
    forecast = _forecast()  # made on the 20th, from the 21st on
    window = forecast.window(RUN + timedelta(days=2), 7)
    assert window is not None
    assert window.start == RUN + timedelta(days=2) and window.run_date == RUN
    assert window.mean == forecast.mean[1:8] and window.sigma == forecast.sigma[1:8]
    assert window.lower == forecast.lower[1:8] and window.upper == forecast.upper[1:8]
    assert window.past == forecast.mean[:1]  # the day skipped is now past


def test_on_its_run_date_the_window_starts_with_the_first_forecast_day() -> None:
    window = _forecast().window(RUN, 7)  # the run's history held part of the 20th; it forecasts from the 21st
    assert window is not None and window.start == RUN + timedelta(days=1) and window.mean == tuple(range(10, 17))


def test_window_is_none_when_stale_from_the_future_or_too_short() -> None:
    forecast = _forecast()
    assert forecast.window(RUN + timedelta(days=2), 7) is not None  # MAX_AGE_DAYS = 2
    assert forecast.window(RUN + timedelta(days=3), 7) is None  # stale
    assert forecast.window(RUN + timedelta(days=3), 7, max_age_days=3) is not None
    assert forecast.window(RUN - timedelta(days=1), 7) is None  # a run made after the day asked for
    assert forecast.window(RUN + timedelta(days=2), 28) is None  # 28 days from the 21st: the 22nd has 27 left
    assert forecast.window(RUN + timedelta(days=2), 27) is not None


def test_unequal_or_empty_columns_are_refused() -> None:
    with pytest.raises(ValueError, match="SKU-1"):
        StoredForecast("SKU-1", RUN, RUN, "m", 0.95, (1.0, 2.0), (0.0,), (3.0,), (1.0,))
    with pytest.raises(ValueError, match="non-zero"):
        StoredForecast("SKU-1", RUN, RUN, "m", 0.95, (), (), (), ())


def test_past_forecasts_are_carried_from_night_to_night() -> None:
    first = _forecast()  # made on the 20th: 10, 11, 12, ... from the 21st
    second = replace(_forecast(run_date=RUN + timedelta(days=1)), mean=tuple(20.0 + d for d in range(28)))
    third = replace(_forecast(run_date=RUN + timedelta(days=2)), mean=tuple(30.0 + d for d in range(28)))
    carried = third.carrying_past_of(second.carrying_past_of(first))
    assert carried.past == (10.0, 20.0)  # the 21st as forecast on the 20th, the 22nd on the 21st
    assert carried.forecast_for(RUN + timedelta(days=1), 3) == (10.0, 20.0, 30.0)
    assert carried.forecast_for(RUN, 2) == ()  # the 20th was never forecast
    assert from_item(to_item(carried)) == carried
    rerun = replace(third, mean=(1.0,) * 28).carrying_past_of(carried)  # the same night, run again
    assert rerun.past == (10.0, 20.0) and rerun.mean == (1.0,) * 28


def test_past_is_bounded_and_cut_where_a_run_did_not_reach() -> None:
    first = _forecast()
    three_weeks_on = _forecast(run_date=RUN + timedelta(days=21))  # 20 nights missed, within the 28-day horizon
    carried = three_weeks_on.carrying_past_of(first, keep_days=14)
    assert carried.past == first.mean[7:21]  # its start is the first run's day 21: days 7..20 before it
    too_late = _forecast(run_date=RUN + timedelta(days=40))  # beyond the first run's horizon: no past
    assert too_late.carrying_past_of(first).past == ()
    assert first.carrying_past_of(None) == first
    assert first.carrying_past_of(three_weeks_on) == first  # a later run knows no past of an earlier one
    assert _forecast("SKU-2").carrying_past_of(first).past == ()  # another SKU's forecast is no past


def test_items_stored_before_the_past_was_kept_still_read() -> None:
    item = to_item(_forecast())
    del item["past"]
    assert from_item(item).past == ()


def test_a_malformed_item_raises_naming_the_sku() -> None:
    item = to_item(_forecast("SKU-BAD"))
    del item["sigma"]
    with pytest.raises(ValueError, match=r"SKU-BAD.*malformed.*sigma"):
        from_item(item)
    with pytest.raises(ValueError):
        from_item({**to_item(_forecast()), "run_date": {"S": "not a date"}})
    with pytest.raises(ValueError, match=r"\?"):
        from_item({})


def _rows(sku: str, days: int, error: str | None = None, value: float | None = 5.0) -> list[dict[str, Any]]:
    start = RUN + timedelta(days=1)
    return [
        {"id": sku, "ds": (start + timedelta(days=d)).isoformat(), "step": d + 1, "mean": value, "lower": 1.0,
         "upper": 9.0, "sigma": 2.0, "model": "AutoTheta", "error": error}
        for d in range(days)
    ]  # fmt: skip


def test_from_rows_groups_per_sku_in_day_order_and_skips_failed_skus() -> None:
    rows = [*reversed(_rows("SKU-B", 3)), *_rows("SKU-A", 3)]
    rows += _rows("SKU-ERR", 3, error="history too short")
    rows += _rows("SKU-NONE", 3, value=None)  # forecast_chunk turns NaN into None
    rows += _rows("SKU-NAN", 3, value=math.nan)
    rows[0]["mean"] = 7.0  # SKU-B's last day, listed first
    stored = from_rows(rows, RUN, 0.95)
    assert [f.sku for f in stored] == ["SKU-A", "SKU-B"]
    b = stored[1]
    assert b.start == RUN + timedelta(days=1) and b.run_date == RUN and b.level == 0.95
    assert b.mean == (5.0, 5.0, 7.0) and b.model == "AutoTheta" and b.upper == (9.0, 9.0, 9.0)


# ---- ForecastStore with a fake client: batching, retries, clear errors -----------------


class FakeDynamoDB:
    """Keeps items per table; leaves the first `unprocessed` items (keys) of each of the first
    `flaky_writes` (`flaky_reads`) calls."""

    def __init__(self, flaky_writes: int = 0, flaky_reads: int = 0, unprocessed: int = 1) -> None:
        self.tables: dict[str, dict[str, dict[str, Any]]] = {}
        self.flaky_writes, self.flaky_reads, self.unprocessed = flaky_writes, flaky_reads, unprocessed
        self.write_sizes: list[int] = []
        self.read_sizes: list[int] = []

    def batch_write_item(self, RequestItems: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
        [(table, requests)] = RequestItems.items()
        self.write_sizes.append(len(requests))
        assert len(requests) <= 25
        left = requests[: self.unprocessed] if self.flaky_writes > 0 else []
        self.flaky_writes -= 1
        for request in requests[len(left) :]:
            item = request["PutRequest"]["Item"]
            self.tables.setdefault(table, {})[item["sku"]["S"]] = item
        return {"UnprocessedItems": {table: left} if left else {}}

    def batch_get_item(self, RequestItems: dict[str, dict[str, Any]]) -> dict[str, Any]:
        [(table, request)] = RequestItems.items()
        keys = request["Keys"]
        self.read_sizes.append(len(keys))
        assert len(keys) <= 100
        left = keys[: self.unprocessed] if self.flaky_reads > 0 else []
        self.flaky_reads -= 1
        items = self.tables.get(table, {})
        found = [items[k["sku"]["S"]] for k in keys[len(left) :] if k["sku"]["S"] in items]
        return {"Responses": {table: found}, "UnprocessedKeys": {table: {"Keys": left}} if left else {}}


def test_writes_go_in_batches_of_25_and_unprocessed_items_are_retried() -> None:
    fake, sleeps = FakeDynamoDB(flaky_writes=2, unprocessed=3), list[float]()
    forecasts = [_forecast(f"SKU-{i:03d}", days=3) for i in range(60)]
    assert ForecastStore(fake, "Forecasts", sleep=sleeps.append).write(forecasts) == 60
    assert fake.write_sizes == [25, 3, 3, 25, 10]  # the first two calls each leave 3 items unprocessed
    assert sorted(fake.tables["Forecasts"]) == sorted(f.sku for f in forecasts)
    assert sleeps == [BACKOFF_SECONDS, 2 * BACKOFF_SECONDS]


def test_items_left_unprocessed_raise_a_clear_error() -> None:
    fake = FakeDynamoDB(flaky_writes=100, unprocessed=2)
    with pytest.raises(StoredForecastError, match=r"2 forecast item\(s\) still unprocessed in T.*SKU-000"):
        ForecastStore(fake, "T", sleep=lambda _: None).write([_forecast(f"SKU-{i:03d}", days=2) for i in range(4)])
    assert len(fake.write_sizes) == ATTEMPTS


def test_reads_go_in_batches_of_100_retry_unprocessed_keys_and_report_malformed_items() -> None:
    fake = FakeDynamoDB()
    ForecastStore(fake, "T", sleep=lambda _: None).write([_forecast(f"SKU-{i:03d}", days=2) for i in range(150)])
    del fake.tables["T"]["SKU-007"]["mean"]
    fake.flaky_reads, fake.unprocessed = 1, 5
    fake.read_sizes.clear()  # the write read the items it replaced (none)
    wanted = [f"SKU-{i:03d}" for i in range(150)] + ["SKU-NONE", "SKU-001"]
    read = ForecastStore(fake, "T", sleep=lambda _: None).read(wanted)
    assert fake.read_sizes == [100, 5, 51]
    assert len(read.forecasts) == 149 and "SKU-007" not in read.forecasts and "SKU-NONE" not in read.forecasts
    assert read.forecasts["SKU-120"] == _forecast("SKU-120", days=2)
    assert list(read.unreadable) == ["SKU-007"] and "malformed" in read.unreadable["SKU-007"]


def test_a_write_carries_the_past_of_the_item_it_replaces() -> None:
    fake = FakeDynamoDB()
    ForecastStore(fake, "T", sleep=lambda _: None).write([_forecast()])
    ForecastStore(fake, "T", sleep=lambda _: None).write([_forecast(run_date=RUN + timedelta(days=1))])
    assert from_item(fake.tables["T"]["SKU-1"]).past == (10.0,)


def test_a_failed_read_of_the_past_still_writes_todays_forecasts(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeDynamoDB(flaky_reads=100)
    assert ForecastStore(fake, "T", sleep=lambda _: None).write([_forecast()]) == 1
    assert from_item(fake.tables["T"]["SKU-1"]) == _forecast()
    assert "written without their past" in capsys.readouterr().out


class NoReadDynamoDB(FakeDynamoDB):
    """A role granted writes only: every read is refused."""

    def batch_get_item(self, RequestItems: dict[str, dict[str, Any]]) -> dict[str, Any]:
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "BatchGetItem")


def test_a_refused_read_of_the_past_still_writes_todays_forecasts(capsys: pytest.CaptureFixture[str]) -> None:
    fake = NoReadDynamoDB()
    assert ForecastStore(fake, "T", sleep=lambda _: None).write([_forecast()]) == 1
    assert from_item(fake.tables["T"]["SKU-1"]) == _forecast()
    assert "AccessDeniedException" in capsys.readouterr().out


def test_keys_left_unprocessed_raise() -> None:
    fake = FakeDynamoDB(flaky_reads=100)
    with pytest.raises(StoredForecastError, match="still unprocessed"):
        ForecastStore(fake, "T", sleep=lambda _: None).read(["SKU-1"])

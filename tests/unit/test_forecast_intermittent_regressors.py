"""Intermittent series keep Croston/SBA/TSB when regressors are given (issue 28), scaled by uplift."""

from __future__ import annotations

import numpy as np
import pandas as pd

from livebase.forecasting.api import forecast, regressor_uplifts


def intermittent_with_sessions(days: int = 120, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Sparse demand (a sale every few days) that triples on live-session days."""
    rng = np.random.default_rng(seed)
    session = (np.arange(days) % 7 == 5).astype(float)
    rate = 0.25 * np.where(session > 0, 3.0, 1.0)
    return rng.poisson(rate).astype(float), session


def test_intermittent_series_with_regressors_keeps_the_intermittent_method() -> None:
    y, session = intermittent_with_sessions()
    future = (np.arange(120, 134) % 7 == 5).astype(float)
    result = forecast(y, 14, 7, pd.DataFrame({"session": session}), pd.DataFrame({"session": future}))
    assert result.model.split(" ")[0] in {"CROSTON", "SBA", "TSB"}
    assert "regressor uplift session" in result.model
    on, off = result.mean[future > 0], result.mean[future == 0]
    assert on.min() > 1.5 * off.max()  # session days forecast higher than the days between


def test_the_uplift_keeps_the_average_level_of_the_history() -> None:
    y, session = intermittent_with_sessions()
    without = forecast(y, 14, 7)
    # A future with the history's share of session days averages to the unscaled rate.
    future = (np.arange(120, 134) % 7 == 5).astype(float)
    scaled = forecast(y, 14, 7, pd.DataFrame({"session": session}), pd.DataFrame({"session": future}))
    assert abs(scaled.mean.mean() - without.mean.mean()) < 0.25 * without.mean.mean()


def test_a_regressor_seen_too_rarely_gives_no_uplift() -> None:
    y, _ = intermittent_with_sessions()
    rare = np.zeros_like(y)
    rare[[10, 40]] = 1.0
    assert regressor_uplifts(y, rare.reshape(-1, 1), ["festival"]) == {}
    result = forecast(y, 7, 7, pd.DataFrame({"festival": rare}), pd.DataFrame({"festival": np.ones(7)}))
    assert "too few periods" in result.model
    assert np.all(result.mean >= 0)


def test_uplift_is_bounded() -> None:
    y = np.zeros(60)
    on = np.zeros(60)
    on[::10] = 1.0
    y[::10] = 50.0  # sales only on regressor days
    y[5::20] = 1.0
    assert regressor_uplifts(y, on.reshape(-1, 1), ["promo"])["promo"] == 4.0

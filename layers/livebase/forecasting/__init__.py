"""Demand forecasting: `from livebase.forecasting import forecast` (one series) and
`forecast_batch` (a long frame of many series). See :mod:`livebase.forecasting.api` for the
model-selection rules."""

from livebase.forecasting.api import forecast
from livebase.forecasting.batch import forecast_batch
from livebase.forecasting.result import ForecastInputError, ForecastResult

__all__ = ["ForecastInputError", "ForecastResult", "forecast", "forecast_batch"]

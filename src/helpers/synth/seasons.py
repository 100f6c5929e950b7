"""Calendar of the synthetic CRM: seasonal purchase intensity and virtual time to timestamps."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.synth.settings import NS_PER_DAY, SynthConfig


def seasonal_intensity(dates: pd.DatetimeIndex, cfg: SynthConfig) -> np.ndarray:
    """Relative purchase intensity per calendar day (mean ≈ 1 over a year, 0 on Saturdays).

    ``s(d) = w(weekday) * (1 + A cos(2π (doy - peak) / 365.25))``, weekday weights normalised to
    mean 1.
    """
    w = np.asarray(cfg.weekday_weights, dtype=float)
    w = w * 7.0 / w.sum()
    doy = dates.dayofyear.to_numpy(dtype=float)
    yearly = 1.0 + cfg.seasonal_amplitude * np.cos(2 * np.pi * (doy - cfg.peak_day_of_year)
                                                   / 365.25)
    return w[dates.dayofweek.to_numpy()] * yearly


def _virtual_to_ns(t: np.ndarray, start: pd.Timestamp, cfg: SynthConfig) -> np.ndarray:
    """Virtual day time -> datetime64[ns] (day + fraction mapped into shop hours), to the
    minute."""
    day = np.floor(t)
    hours = cfg.open_hour + (t - day) * (cfg.close_hour - cfg.open_hour)
    minutes = np.floor(hours * 60.0).astype(np.int64)
    ns = start.value + day.astype(np.int64) * NS_PER_DAY + minutes * 60 * 10**9
    return ns.astype("datetime64[ns]")

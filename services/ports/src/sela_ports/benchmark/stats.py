"""Small statistics: ranks with ties, normalisation, confidence intervals, percentiles."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats


def competition_ranks(values: Sequence[float], *, higher_is_better: bool = True) -> list[int]:
    """Ranks 1, 2, 2, 4 ("standard competition"): ties share the best rank."""
    data = np.asarray(values, dtype=float)
    keyed = -data if higher_is_better else data
    return [int(r) for r in stats.rankdata(keyed, method="min")]


def normalise(values: Sequence[float], method: str, *, higher_is_better: bool) -> list[float]:
    """Min-max to [0, 1] or z-scores, oriented so that higher is always better."""
    data = np.asarray(values, dtype=float)
    if not higher_is_better:
        data = -data
    if method == "minmax":
        span = data.max() - data.min()
        return [1.0] * len(data) if span == 0 else list((data - data.min()) / span)
    if method == "zscore":
        sd = data.std(ddof=0)
        return [0.0] * len(data) if sd == 0 else list((data - data.mean()) / sd)
    raise ValueError(f"unknown normalisation {method!r}")


def mean_ci(
    values: Sequence[float], level: float = 0.95
) -> tuple[float, float | None, float | None, float | None]:
    """Mean, sample standard deviation and the t-based confidence interval of the mean."""
    data = np.asarray(values, dtype=float)
    n = data.size
    mean = float(data.mean())
    if n < 2:
        return mean, None, None, None
    sd = float(data.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    return mean, sd, mean - half, mean + half


def percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=float), q))


def slope_per_year(points: Sequence[tuple[float, float]]) -> float | None:
    """Least-squares slope of (year, value) points."""
    if len(points) < 2:
        return None
    x = np.array([p[0] for p in points])
    if np.ptp(x) == 0:
        return None
    y = np.array([p[1] for p in points])
    return float(np.polyfit(x, y, 1)[0])

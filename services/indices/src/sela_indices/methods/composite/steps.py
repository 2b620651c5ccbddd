"""The numerical steps of the engine on numpy arrays (see the package docstring for formulas).

Panels are arrays ``x[unit, year, indicator]`` with NaN for missing values. Aggregation takes
child values ``(..., unit, year, child)`` and weights ``(..., child)``: the optional leading axes
are Monte Carlo runs, so one call aggregates every run of a batch.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sela_indices.methods.composite.errors import AggregationError, SettingsError, WeightsError
from sela_indices.methods.composite.models import (
    Aggregation,
    ImputationMethod,
    Normalisation,
    Outliers,
)

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@contextmanager
def _quiet() -> Iterator[None]:
    """All-NaN slices and zero ranges are expected here and become NaN results."""
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


# ---------------------------------------------------------------------------- statistics


def skewness(x: Array) -> Array:
    """Sample skewness per column of ``x[n, cols]`` ignoring NaN: G1 = g1·√(n(n−1))/(n−2),
    g1 = √n·Σd³/(Σd²)^{3/2} (e1071 type 2, Excel's SKEW, COINr's ``skew``); NaN if n < 3."""
    with _quiet():
        n = np.sum(~np.isnan(x), axis=0).astype(np.float64)
        d = x - np.nanmean(x, axis=0)
        m2 = np.nansum(d**2, axis=0)
        m3 = np.nansum(d**3, axis=0)
        g1 = np.sqrt(n) * m3 / m2**1.5
        out = g1 * np.sqrt(n * (n - 1)) / (n - 2)
    out[(n < 3) | (m2 <= 0)] = np.nan
    return np.asarray(out, dtype=np.float64)


def kurtosis(x: Array) -> Array:
    """Sample excess kurtosis per column ignoring NaN: G2 = ((n+1)(r−3)+6)(n−1)/((n−2)(n−3)),
    r = n·Σd⁴/(Σd²)² (e1071 type 2, Excel's KURT, COINr's ``kurt``); NaN if n < 4."""
    with _quiet():
        n = np.sum(~np.isnan(x), axis=0).astype(np.float64)
        d = x - np.nanmean(x, axis=0)
        m2 = np.nansum(d**2, axis=0)
        m4 = np.nansum(d**4, axis=0)
        r = n * m4 / m2**2
        out = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    out[(n < 4) | (m2 <= 0)] = np.nan
    return np.asarray(out, dtype=np.float64)


def cronbach_alpha(x: Array) -> float | None:
    """α = k/(k−1)·(1 − Σ var(x_i)/var(Σ x_i)) over the complete rows of ``x[n, k]``."""
    rows = x[~np.isnan(x).any(axis=1)]
    n, k = rows.shape
    if k < 2 or n < 2:
        return None
    total = float(np.var(rows.sum(axis=1), ddof=1))
    if total <= 0:
        return None
    return float(k / (k - 1) * (1 - np.var(rows, axis=0, ddof=1).sum() / total))


def pairwise_correlations(x: Array) -> tuple[Array, IntArray]:
    """Pearson correlations between the columns of ``x[n, k]`` over pairwise-complete rows, as
    matrix products (no loop over pairs); NaN where fewer than 3 rows or no variance."""
    present = (~np.isnan(x)).astype(np.float64)
    z = np.where(np.isnan(x), 0.0, x)
    n = present.T @ present
    sx = z.T @ present  # Σ x_a over rows where b is present
    sxx = (z**2).T @ present
    sxy = z.T @ z
    with _quiet():
        cov = sxy - sx * sx.T / n
        var_a = sxx - sx**2 / n
        corr = cov / np.sqrt(var_a * var_a.T)
    corr[(n < 3) | ~np.isfinite(corr)] = np.nan
    return np.clip(corr, -1.0, 1.0), n.astype(np.int64)


# ---------------------------------------------------------------------------- imputation


def impute(
    x: Array,
    method: ImputationMethod,
    *,
    years: Array,
    groups: IntArray | None = None,
) -> tuple[Array, BoolArray]:
    """Fill missing values of ``x[unit, year, indicator]``; returns the panel and the mask of
    filled cells. mean/median: over the units of the same year; group_mean: over the units of
    the same group and year; locf: the unit's last earlier observation; interpolate: linear in
    the year between the unit's nearest observations before and after (no extrapolation)."""
    missing = np.isnan(x)
    if method == "none" or not missing.any():
        return x, np.zeros_like(missing)
    with _quiet():
        if method == "mean":
            fill = np.broadcast_to(np.nanmean(x, axis=0, keepdims=True), x.shape)
        elif method == "median":
            fill = np.broadcast_to(np.nanmedian(x, axis=0, keepdims=True), x.shape)
        elif method == "group_mean":
            if groups is None:
                raise SettingsError("imputation group_mean needs a 'group' column in the data")
            fill = _group_means(x, groups)
        elif method == "locf":
            fill = _locf(x)
        else:
            fill = _interpolate(x, years)
    out = np.where(missing, fill, x)
    return out, missing & ~np.isnan(out)


def _group_means(x: Array, groups: IntArray) -> Array:
    """Mean of the unit's group in the same year; units without a group (−1) get NaN."""
    n_groups = int(groups.max()) + 1 if groups.size else 0
    onehot = (groups[..., None] == np.arange(n_groups)).astype(np.float64)  # (U, T, G)
    present = ~np.isnan(x)
    sums = np.einsum("utg,uti->gti", onehot, np.where(present, x, 0.0))
    counts = np.einsum("utg,uti->gti", onehot, present.astype(np.float64))
    means = np.where(counts > 0, sums / np.maximum(counts, 1.0), np.nan)  # (G, T, I)
    padded = np.concatenate([means, np.full((1, *means.shape[1:]), np.nan)])  # index −1 → NaN
    return np.asarray(padded[groups, np.arange(x.shape[1])[None, :]], dtype=np.float64)


def _locf(x: Array) -> Array:
    t = np.arange(x.shape[1])[None, :, None]
    last = np.maximum.accumulate(np.where(np.isnan(x), -1, t), axis=1)
    taken = np.take_along_axis(x, np.maximum(last, 0), axis=1)
    return np.where(last >= 0, taken, np.nan)


def _interpolate(x: Array, years: Array) -> Array:
    n_years = x.shape[1]
    t = np.arange(n_years)[None, :, None]
    observed = ~np.isnan(x)
    before = np.maximum.accumulate(np.where(observed, t, -1), axis=1)
    after = np.flip(
        np.minimum.accumulate(np.flip(np.where(observed, t, n_years), axis=1), axis=1), axis=1
    )
    inside = (before >= 0) & (after < n_years)
    b = np.clip(before, 0, n_years - 1)
    a = np.clip(after, 0, n_years - 1)
    xb = np.take_along_axis(x, b, axis=1)
    xa = np.take_along_axis(x, a, axis=1)
    yb, ya, yt = years[b], years[a], years[np.broadcast_to(t, b.shape)]
    span = np.where(ya > yb, ya - yb, 1.0)
    value = xb + (xa - xb) * (yt - yb) / span
    return np.where(inside, value, np.nan)


# ---------------------------------------------------------------------------- outliers


@dataclass(frozen=True)
class Treatment:
    """Per column: skew and kurtosis before and after, action 0 none / 1 winsorised / 2 log,
    and the number of winsorised points."""

    skew_before: Array
    kurtosis_before: Array
    action: IntArray
    winsorised: IntArray
    skew_after: Array
    kurtosis_after: Array


def _passes(skew: Array, kurt: Array, settings: Outliers) -> BoolArray:
    # COINr check_SkewKurt: pass if |skew| < threshold OR kurtosis < threshold; a column too
    # short (or constant) to have a skew/kurtosis passes, as there is nothing to treat.
    ok = (np.abs(skew) < settings.skew_threshold) | (kurt < settings.kurtosis_threshold)
    return np.asarray(ok | np.isnan(skew) | np.isnan(kurt), dtype=np.bool_)


def treat_outliers(x: Array, settings: Outliers) -> tuple[Array, Treatment]:
    """COINr's default ``Treat``: on each failing column of ``x[n, cols]`` repeat — replace the
    point(s) at the maximum (skew ≥ 0) or minimum (skew < 0) by the next value in — while it
    still fails and fewer than ``winsorise_max`` points sit at the treated extremes (COINr's
    count); if it still fails, log-transform the original column instead:
    log(x − min + 0.01·(max − min)) (COINr ``log_CT``)."""
    skew0, kurt0 = skewness(x), kurtosis(x)
    failing = ~_passes(skew0, kurt0, settings)
    n_cols = x.shape[1]
    action = np.zeros(n_cols, dtype=np.int64)
    count_hi = np.zeros(n_cols, dtype=np.int64)
    count_lo = np.zeros(n_cols, dtype=np.int64)
    if not failing.any():
        return x, Treatment(skew0, kurt0, action, count_hi, skew0, kurt0)
    w = x.copy()
    active = failing.copy()
    with _quiet():
        for _ in range(x.shape[0]):
            if not active.any():
                break
            high = skewness(w) >= 0
            top = np.nanmax(w, axis=0)
            bottom = np.nanmin(w, axis=0)
            at_top = w == top
            at_bottom = w == bottom
            next_top = np.nanmax(np.where(at_top, np.nan, w), axis=0)
            next_bottom = np.nanmin(np.where(at_bottom, np.nan, w), axis=0)
            do_hi = active & high & ~np.isnan(next_top)
            do_lo = active & ~high & ~np.isnan(next_bottom)
            w = np.where(at_top & do_hi, next_top, w)
            w = np.where(at_bottom & do_lo, next_bottom, w)
            count_hi = np.where(do_hi, at_top.sum(axis=0), count_hi)
            count_lo = np.where(do_lo, at_bottom.sum(axis=0), count_lo)
            still = ~_passes(skewness(w), kurtosis(w), settings)
            active = (
                active & still & (count_hi + count_lo < settings.winsorise_max) & (do_hi | do_lo)
            )
        still = ~_passes(skewness(w), kurtosis(w), settings)
        to_log = failing & still
        low = np.nanmin(x, axis=0)
        span = np.nanmax(x, axis=0) - low
        logged = np.log(x - low + 0.01 * span)
    out = np.where(to_log, logged, np.where(failing, w, x))
    winsorised = np.where(failing & ~to_log, count_hi + count_lo, 0)
    action = np.where(to_log, 2, np.where(failing, 1, 0)).astype(np.int64)
    return out, Treatment(skew0, kurt0, action, winsorised, skewness(out), kurtosis(out))


# ---------------------------------------------------------------------------- normalisation


def normalise(
    x: Array,
    spec: Normalisation,
    *,
    directions: Array,
    goalposts: Array,
    targets: Array,
    reference: int | None,
) -> Array:
    """Normalise ``x[unit, year, indicator]`` per year (over the units of each year) or
    globally (over every unit-year, so scores compare across years). Indicators with
    direction −1 are multiplied by −1 first (COINr), except goalposts which flip the formula."""
    axes: tuple[int, ...] = (0,) if spec.mode == "year" else (0, 1)
    xd = x * directions
    method = spec.method
    with _quiet():
        if method == "goalposts":
            lo, hi = goalposts[:, 0], goalposts[:, 1]
            y = np.where(directions > 0, (x - lo) / (hi - lo), (hi - x) / (hi - lo))
            return np.asarray(np.clip(y, 0.0, 1.0) * spec.scale, dtype=np.float64)
        if method in ("rank", "percentile_rank"):
            ranks = _ranks_ascending(xd, spec.mode)
            if method == "rank":
                return ranks
            count = np.sum(~np.isnan(xd), axis=axes, keepdims=True)
            y = (ranks - 1) / (count - 1)
            return np.asarray(np.where(count > 1, y * spec.scale, np.nan), dtype=np.float64)
        low = np.nanmin(xd, axis=axes, keepdims=True)
        if method == "minmax":
            span = np.nanmax(xd, axis=axes, keepdims=True) - low
            y = (xd - low) / span * (spec.upper - spec.lower) + spec.lower
            return np.asarray(np.where(span > 0, y, np.nan), dtype=np.float64)
        if method == "zscore":
            sd = np.nanstd(xd, axis=axes, keepdims=True, ddof=1)
            y = (xd - np.nanmean(xd, axis=axes, keepdims=True)) / sd * spec.sd + spec.mean
            return np.asarray(np.where(sd > 0, y, np.nan), dtype=np.float64)
        if method == "distance_to_reference":
            if reference is None:  # pragma: no cover - the engine resolves it first
                raise SettingsError("distance_to_reference needs a reference unit")
            ref = xd[reference][None, :, :]
        else:
            ref = (targets * directions)[None, None, :]
        y = 1 - (ref - xd) / (ref - low)
        y = np.where(ref - low != 0, y, np.nan)
        if spec.cap:
            y = np.minimum(y, 1.0)
        return np.asarray(y * spec.scale, dtype=np.float64)


def _ranks_ascending(x: Array, mode: str) -> Array:
    """Ranks with ties at the lowest rank (R's ties.method = "min", as COINr's n_rank)."""
    from scipy.stats import rankdata  # scipy.stats takes seconds to import

    if mode == "year":
        return np.asarray(rankdata(x, method="min", axis=0, nan_policy="omit"), dtype=np.float64)
    flat = x.reshape(-1, x.shape[2])
    ranked = rankdata(flat, method="min", axis=0, nan_policy="omit")
    return np.asarray(ranked, dtype=np.float64).reshape(x.shape)


def ranks_descending(scores: Array) -> Array:
    """Rank 1 = highest score along the unit axis (−2) of ``scores[..., unit, year]``; ties
    share the best rank; NaN scores get NaN."""
    valid = ~np.isnan(scores)
    s = scores[..., :, None, :]
    o = scores[..., None, :, :]
    better = (o > s) & valid[..., None, :, :]
    rank = 1.0 + better.sum(axis=-2)
    return np.where(valid, rank, np.nan)


# ---------------------------------------------------------------------------- aggregation


def aggregate(
    values: Array, weights: Array, spec: Aggregation, *, threshold: float, code: str
) -> Array:
    """Aggregate children ``values[..., unit, year, child]`` with ``weights[..., child]``.

    Missing children are left out and the weights of the others renormalised; where the share of
    children present is below ``threshold`` (or zero) the aggregate is NaN. Means are linear in
    the weights once the values are transformed (x, log x, 1/x, x^p), so every run of a batch
    is one ``einsum``."""
    present = ~np.isnan(values)
    share = present.mean(axis=-1)
    enough = (share >= threshold) & (share > 0)
    if spec.method == "copeland":
        return _copeland(values, weights, enough)
    observed = values[present]
    method = spec.method
    p = 1.0
    if method == "generalised":
        assert spec.p is not None
        p = spec.p
    if method in ("geometric", "harmonic") or (method == "generalised" and p < 0):
        bad = observed[observed <= 0]
        if bad.size:
            raise AggregationError(
                f"{spec.label()} mean of {code}: {bad.size} child value(s) ≤ 0 "
                f"(lowest {bad.min():g}); normalise onto a positive range first "
                "(e.g. min–max with lower = 1)"
            )
    if method == "generalised" and not float(p).is_integer() and (observed < 0).any():
        raise AggregationError(
            f"{spec.label()} mean of {code}: negative child values with a non-integer exponent"
        )
    with _quiet():
        if method == "geometric":
            f = np.log(values)
        elif method == "harmonic":
            f = 1.0 / values
        elif method == "generalised":
            f = values**p
        else:
            f = values
        num = np.einsum("...utc,...c->...ut", np.where(present, f, 0.0), weights)
        den = np.einsum("...utc,...c->...ut", present.astype(np.float64), weights)
        mean = num / den
        if method == "geometric":
            out = np.exp(mean)
        elif method == "harmonic":
            out = 1.0 / mean
        elif method == "generalised":
            out = mean ** (1.0 / p)
        else:
            out = mean
    return np.asarray(np.where(enough & (den > 0), out, np.nan), dtype=np.float64)


def _copeland(values: Array, weights: Array, enough: BoolArray) -> Array:
    """Copeland score per unit and year (COINr a_copeland): e_jk = Σ_i w_i·([x_ij > x_ik] +
    ½[x_ij = x_ik]) with Σw = 1 (a missing comparison counts for neither), then
    score_j = Σ_{k≠j} sign(e_jk − ½) over the units k with an aggregate that year."""
    xj = values[..., :, None, :, :]
    xk = values[..., None, :, :, :]
    duel = (xj > xk).astype(np.float64) + 0.5 * (xj == xk)
    w = weights / weights.sum(axis=-1, keepdims=True)
    e = np.einsum("...jktc,...c->...jkt", duel, w)
    # Round so that weights which sum to ½ in floating point count as a tie.
    outcome = np.sign(np.round(e - 0.5, 12))
    units = values.shape[-3]
    outcome = outcome * (1.0 - np.eye(units))[:, :, None]
    outcome = outcome * enough[..., None, :, :]
    score = outcome.sum(axis=-2)
    return np.where(enough, score, np.nan)


# ---------------------------------------------------------------------------- weights


def varimax(loadings: Array, *, normalize: bool = True) -> Array:
    """Kaiser's varimax rotation by statsmodels' gradient-projection algorithm (Jennrich 2001),
    with Kaiser's row normalisation when ``normalize`` (as R's ``stats::varimax`` and SPSS).
    The SVD iteration of R's ``stats::varimax`` can crawl away from a saddle so slowly that its
    stopping rule ends it far from the optimum, which GPA reaches."""
    from statsmodels.multivariate.factor_rotation import rotate_factors  # seconds to import

    k = loadings.shape[1]
    if k < 2:
        return loadings
    h = np.sqrt((loadings**2).sum(axis=1)) if normalize else np.ones(loadings.shape[0])
    rotated, _ = rotate_factors(loadings / h[:, None], "varimax", tol=1e-10, max_tries=5000)
    return np.asarray(rotated * h[:, None], dtype=np.float64)


@dataclass(frozen=True)
class PcaWeights:
    weights: Array  # per child, summing to 1
    eigenvalues: Array
    retained: int
    loadings: Array  # rotated loadings of the retained factors (child × factor)
    factor: IntArray  # the factor each child is assigned to
    observations: int


def pca_weights(x: Array, code: str) -> PcaWeights:
    """OECD/JRC Handbook (2008, §6.1 and Step 6) weights from ``x[observation, child]``:
    principal components of the correlation matrix over complete rows; retain the factors
    with eigenvalue > 1 that each explain more than 10% of the variance (at least the first);
    rotate the loadings (eigenvector·√eigenvalue) by varimax; square them and scale them to
    unity within each factor; each child takes the largest scaled squared loading, times its
    factor's share of the variance explained by the rotated retained factors; weights are
    finally scaled to sum to 1."""
    rows = x[~np.isnan(x).any(axis=1)]
    n, k = rows.shape
    if k == 1:
        return PcaWeights(np.ones(1), np.ones(1), 1, np.ones((1, 1)), np.zeros(1, np.int64), n)
    if n < 3:
        raise WeightsError(f"PCA weights of {code}: {n} complete observations, at least 3 needed")
    sd = rows.std(axis=0, ddof=1)
    if (sd <= 0).any():
        raise WeightsError(f"PCA weights of {code}: a child has no variance over the sample")
    corr = np.corrcoef(rows, rowvar=False)
    values, vectors = np.linalg.eigh(corr)
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    keep = (values > 1.0) & (values / k > 0.10)
    keep[0] = True
    loadings = vectors[:, keep] * np.sqrt(values[keep])
    rotated = varimax(loadings)
    squared = rotated**2
    explained = squared.sum(axis=0)
    scaled = squared / explained
    factor = np.argmax(scaled, axis=1)
    raw = scaled[np.arange(k), factor] * (explained / explained.sum())[factor]
    return PcaWeights(raw / raw.sum(), values, int(keep.sum()), rotated, factor.astype(np.int64), n)

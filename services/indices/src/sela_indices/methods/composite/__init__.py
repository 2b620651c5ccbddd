"""Composite-indicator engine (IINTALC, activity I.1.6), after the OECD/JRC *Handbook on
Constructing Composite Indicators* (2008) and the JRC's COINr R package. Pure: polars frames in,
frames out; no database, no HTTP.

Interface
---------
``compute(data, structure, settings) -> Result`` and
``run_uncertainty(data, structure, settings, uncertainty, progress) -> UncertaintyResult``.

``data``: long frame ``unit`` (str), ``year`` (int), ``indicator`` (str), ``value`` (float,
null = missing), optional ``group`` (str, for group-mean imputation). Indicators not in the
structure are ignored; a structure indicator without any observation is a ``DataError``.
``structure``: ``Structure`` (or its JSON): index → dimensions → (sub-dimensions) →
indicators with ``direction`` ±1, ``weight`` ≥ 0, optional ``goalposts``/``target``; each
aggregate may name its own ``aggregation``. ``settings``: ``Settings``. Bad input raises a
subclass of ``CompositeError`` (a ``ValueError``).

Pipeline and formulas (x = an indicator's values over the units of a year, or over all
unit-years in ``global`` mode, after multiplying by the direction)
----------------------------------------------------------------------------------------
1. Imputation (COINr ``Impute``/``impute_panel``): mean or median of the units in the same
   year; group mean (same group, same year); ``locf`` = the unit's last earlier value;
   ``interpolate`` = linear in the year between the unit's observations (no extrapolation).
2. Outliers (COINr ``Treat`` defaults, ``treat.R``): skew = e1071 type 2
   (G1 = g1·√(n(n−1))/(n−2)), kurtosis = e1071 type 2 excess kurtosis; an indicator fails
   when |skew| ≥ 2 AND kurtosis ≥ 3.5 (passes if either is below). A failing indicator is
   winsorised one step at a time at the side of its skew (all points at the max, or min, take
   the next value in) until it passes or ``winsorise_max`` (5) points sit at the treated
   extremes; if it still fails, the original values are log-transformed instead:
   log(x − min + 0.01·(max − min)) (``log_CT``). Needs ≥ 4 values; per year or global.
3. Normalisation (COINr ``n_*``): min–max (x − min)/(max − min)·(u − l) + l (0–100 by
   default; constant → null); z-score (x − mean)/sd·σ + μ (sd with n − 1); rank (ties at the
   lowest rank); percentile rank (rank − 1)/(n − 1)·scale; distance to reference unit
   (1 − (x_ref − x)/(x_ref − min))·scale with x_ref the reference unit's value in the same
   year; distance to target the same with the indicator's target; goalposts
   (x − lower)/(upper − lower), or (upper − x)/(upper − lower) for direction −1, clipped to
   [0, 1]·scale. ``cap`` caps distances at 1·scale.
4. Weights: ``given`` (structure), ``equal``, or ``pca``: the Handbook's factor-analysis
   weights per aggregate from its children's values (complete unit-years): components of the
   correlation matrix with eigenvalue > 1 and > 10% of the variance (at least one), loadings
   rotated by varimax (Kaiser normalisation; statsmodels GPA), squared and scaled to unity
   within each factor; a child takes its largest scaled squared loading times its factor's
   share of the explained variance; weights then sum to 1.
5. Aggregation over available children (weights renormalised), null where the share of
   children present is below ``availability_threshold``: arithmetic Σw·x/Σw; geometric
   exp(Σw·ln x/Σw), rejecting values ≤ 0 (``AggregationError``); harmonic Σw/Σ(w/x),
   rejecting ≤ 0; generalised (Σw·x^p/Σw)^{1/p} (p < 0 rejects ≤ 0); Copeland
   (non-compensatory, per year): e_jk = Σ_i w_i([x_ij > x_ik] + ½[x_ij = x_ik]) with Σw = 1,
   score_j = Σ_{k≠j} sign(e_jk − ½).
6. Checks: Pearson correlations of every pair of nodes over pooled unit-years (labelled
   siblings / child_parent / descendant_ancestor), Cronbach's α per aggregate,
   α = k/(k−1)·(1 − Σ var(x_i)/var(Σx_i)).
7. Uncertainty (see ``uncertainty``): per unit and year the nominal rank, median rank, 5–95%
   interval and mean absolute rank shift; Sobol first-order and total indices (SALib,
   Saltelli design) of each uncertain choice on each unit's rank and on the mean absolute rank
   shift.
"""

from sela_indices.methods.composite.engine import Result, compute
from sela_indices.methods.composite.errors import (
    AggregationError,
    CompositeError,
    DataError,
    SettingsError,
    StructureError,
    WeightsError,
)
from sela_indices.methods.composite.models import (
    Aggregate,
    Aggregation,
    Imputation,
    Indicator,
    Normalisation,
    Outliers,
    Settings,
    Structure,
    Uncertainty,
    Weights,
)
from sela_indices.methods.composite.uncertainty import (
    UncertaintyResult,
    run_uncertainty,
    saltelli_design,
    sobol_indices,
)

__all__ = [
    "Aggregate",
    "Aggregation",
    "AggregationError",
    "CompositeError",
    "DataError",
    "Imputation",
    "Indicator",
    "Normalisation",
    "Outliers",
    "Result",
    "Settings",
    "SettingsError",
    "Structure",
    "StructureError",
    "Uncertainty",
    "UncertaintyResult",
    "Weights",
    "WeightsError",
    "compute",
    "run_uncertainty",
    "saltelli_design",
    "sobol_indices",
]

"""Economic complexity and productive niches (II.3.1), after Hausmann & Hidalgo. Pure.

Interface
---------
``complexity(exports, *, threshold=1.0, self_proximity=False, keep_proximity=True,
blas_threads=1)``
    ``exports``: one row per exporter and product, columns ``country`` (String, e.g. ISO3),
    ``product`` (String, e.g. HS4 ``"0101"``: text so leading zeros survive), ``value``
    (numeric, ≥ 0, e.g. USD) and optionally ``year`` (integer) for a panel; every year is
    computed on its own. Null or NaN values count as no exports. Returns a ``Complexity``:

    * ``countries``: [year], country, diversity, eci, coi
    * ``products``: [year], product, ubiquity, pci
    * ``country_products``: [year], country, product, value, rca, m, density, distance, cog
      (the full country × product rectangle of the year)
    * ``proximity``: {year or None: ``Proximity``} (labelled dense matrix, diagonal 0);
      ``Complexity.proximity_frame()`` gives it long: [year], product, product_2, proximity.

``niches(result, *, countries=None, partners=None, rank_by="score", density_weight=0.5,
top=None)``
    Per country, the products it does not yet export with advantage (m = 0), ranked; with
    ``partners`` only those where at least one partner has m = 1, and which partners
    (``strong_partners``): the regional strategic-alliance view. Columns: [year], country,
    rank, product, density, distance, cog, pci, rca, score, and with partners
    strong_partners (list of codes), partner_count.

Formulas (per year; x_cp exports of country c in product p)
-----------------------------------------------------------
Countries and products with zero total exports in a year are left out of that year (as the
Growth Lab's ``ecomplexity`` does); every other country then has some RCA ≥ 1 and every
product some exporter with RCA ≥ 1, so diversity and ubiquity are positive.

* RCA_cp = (x_cp / Σ_p x_cp) / (Σ_c x_cp / Σ_cp x_cp) (Balassa); M_cp = 1 if RCA_cp ≥
  ``threshold``.
* Diversity k_c = Σ_p M_cp; ubiquity k_p = Σ_c M_cp.
* ECI, PCI: with M̃ = D_c⁻¹ M D_p⁻¹ Mᵀ (D = diag(k)), the eigenvector v of its
  second-largest eigenvalue. M̃ is similar to the symmetric S = D_c^-½ M D_p⁻¹ Mᵀ D_c^-½,
  so v = D_c^-½ w with w from ``numpy.linalg.eigh(S)`` (224 × 224 for the world, instead of
  the 1,222 × 1,222 non-symmetric product matrix). The product vector is
  q = (M D_p⁻¹)ᵀ v (an eigenvector of the product matrix for the same eigenvalue) and the
  raw country vector is e = D_c⁻¹ M q (∝ v): the two scalings the Growth Lab uses. Both are
  multiplied by sign(corr(k_c, e)). Then ECI = (e − mean e) / sd e and
  PCI = (q − mean e) / sd e (sd with ddof 0), as ``ecomplexity`` (and its Stata original)
  standardise, so that a country's ECI is the mean PCI of its products.
* Proximity φ_pp′ = Σ_c M_cp M_cp′ / max(k_p, k_p′), φ_pp = 0 (Hidalgo et al. 2007).
* Density ω_cp = Σ_p′ M_cp′ φ_pp′ / Σ_p′ φ_pp′; distance = 1 − ω. Null where a product is
  never exported with advantage together with another (Σ_p′ φ_pp′ = 0).
* COI_c = Σ_p (1 − M_cp) ω_cp q_p, z-scored over countries (ddof 0).
* COG_cp = (1 − M_cp) Σ_p′ (1 − M_cp′) φ_p′p q_p′ / Σ_p″ φ_p′p″ / sd e.

COI and COG follow ``ecomplexity`` 0.5.3: they use the raw sign-corrected PCI vector q, not
the standardised PCI (the Atlas of Economic Complexity writes them with PCI; the two differ by
a term in mean e), and COI is z-scored.

``self_proximity=True`` counts φ_pp = 1 in the sums of density and COG (not in the proximity
returned): that is the Python ``ecomplexity`` package's convention (its proximity matrix keeps
the diagonal of co-occurrence / ubiquity = 1); the default, diagonal 0, is the design notes'
definition and the Stata ``ecomplexity`` command's (``proximity − I``). See decision 0063.

Sources: Hidalgo, Klinger, Barabási & Hausmann (2007), Science 317: 482–487; Hidalgo &
Hausmann (2009), PNAS 106: 10570–10575; Hausmann, Hidalgo et al. (2014), The Atlas of
Economic Complexity, MIT Press; Harvard Growth Lab, ``ecomplexity`` (Stata and Python).

Niche ranking (``rank_by``)
---------------------------
* ``"score"`` (default): score = w·z(density) + (1 − w)·z(cog), w = ``density_weight``, each
  z-score over all of the country's m = 0 products of the year (ddof 0; 0 when constant), so a
  product's score does not depend on the partner filter; ties by density, then product code.
* ``"density"``: density, then COG, then product code (lexicographic).
* ``"cog"``: COG, then density, then product code.
All descending but the product code; null densities last. ``rank`` starts at 1 within each
country (and year) after the partner filter; ``top`` keeps the first N.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl
from threadpoolctl import threadpool_limits

Array = npt.NDArray[np.float64]
RankBy = Literal["score", "density", "cog"]
RANKINGS: tuple[RankBy, ...] = ("score", "density", "cog")


class ComplexityInputError(ValueError):
    """Exports or parameters the computation cannot use; the message says what and where."""


@dataclass(frozen=True)
class Proximity:
    """The product space of one year: φ between ``products`` (same order), diagonal 0."""

    products: tuple[str, ...]
    matrix: Array

    def frame(self, *, min_proximity: float = 0.0) -> pl.DataFrame:
        """Long form, both directions, without the diagonal: product, product_2, proximity
        (only pairs with proximity > ``min_proximity``)."""
        rows, cols = np.nonzero(self.matrix > min_proximity)
        labels = pl.Series("product", self.products, dtype=pl.String)
        return pl.DataFrame(
            {
                "product": labels.gather(rows),
                "product_2": labels.gather(cols).alias("product_2"),
                "proximity": self.matrix[rows, cols],
            }
        )


@dataclass(frozen=True)
class Complexity:
    """Results of ``complexity``; ``year`` columns only when the input had them."""

    countries: pl.DataFrame
    products: pl.DataFrame
    country_products: pl.DataFrame
    proximity: dict[int | None, Proximity]
    threshold: float
    self_proximity: bool
    panel: bool = field(default=False)

    def proximity_frame(self, *, min_proximity: float = 0.0) -> pl.DataFrame:
        frames = []
        for year, prox in self.proximity.items():
            frame = prox.frame(min_proximity=min_proximity)
            if self.panel:
                frame = frame.select(pl.lit(year, pl.Int64).alias("year"), pl.all())
            frames.append(frame)
        if not frames:
            raise ComplexityInputError("proximity was not kept (keep_proximity=False)")
        return pl.concat(frames)


@dataclass(frozen=True)
class _Year:
    countries: pl.DataFrame
    products: pl.DataFrame
    country_products: pl.DataFrame
    proximity: Proximity


def _validated(exports: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in ("country", "product", "value") if c not in exports.columns]
    if missing:
        raise ComplexityInputError(
            f"exports: missing column(s) {', '.join(missing)} (have {', '.join(exports.columns)})"
        )
    schema = exports.schema
    for name in ("country", "product"):
        dtype = schema[name]
        if not (dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum)):
            raise ComplexityInputError(
                f"exports.{name}: must be text (String), got {dtype}; codes such as HS "
                "'0101' lose their leading zeros as numbers"
            )
    if not schema["value"].is_numeric():
        raise ComplexityInputError(f"exports.value: must be numeric, got {schema['value']}")
    panel = "year" in exports.columns
    if panel and not schema["year"].is_integer():
        raise ComplexityInputError(f"exports.year: must be an integer, got {schema['year']}")
    keys = ["year", "country", "product"] if panel else ["country", "product"]
    frame = exports.select(
        *(pl.col(k).cast(pl.Int64 if k == "year" else pl.String) for k in keys),
        pl.col("value").cast(pl.Float64).fill_nan(None),
    )
    for key in keys:
        nulls = frame[key].null_count()
        if nulls:
            raise ComplexityInputError(f"exports.{key}: {nulls} row(s) without a {key}")
    bad = frame.filter(pl.col("value") < 0)
    if bad.height:
        raise ComplexityInputError(
            f"exports.value: {bad.height} negative value(s), first at "
            f"{_where(bad.row(0, named=True), keys)}"
        )
    bad = frame.filter(pl.col("value").is_infinite())
    if bad.height:
        raise ComplexityInputError(
            f"exports.value: {bad.height} infinite value(s), first at "
            f"{_where(bad.row(0, named=True), keys)}"
        )
    # Missing exports are no exports; duplicates are found per year on the dense index.
    return frame.with_columns(pl.col("value").fill_null(0.0))


def _where(row: dict[str, object], keys: Sequence[str]) -> str:
    return ", ".join(f"{k}={row[k]!r}" for k in keys)


def _eigenvectors(m: Array, kc: Array, kp: Array, where: str) -> tuple[Array, Array]:
    """Raw sign-corrected (country, product) vectors e and q of the second eigenvalue."""
    root = np.sqrt(kc)
    a = m / root[:, None]
    s = (a / kp) @ a.T
    # Symmetrise away rounding so eigh sees an exactly symmetric matrix.
    s = (s + s.T) / 2
    _, vectors = np.linalg.eigh(s)
    v = vectors[:, -2] / root
    q = (m / kp).T @ v
    e = (m / kc[:, None]) @ q
    # v has unit norm before scaling, so a flat e is ~1e-16, not exactly 0.
    if np.std(e) < 1e-12 or np.std(kc) == 0:
        raise ComplexityInputError(
            f"{where}: ECI is undefined (every country has the same diversity or the second "
            "eigenvector is flat); the export matrix has too little structure"
        )
    sign = np.sign(np.corrcoef(kc, e)[0, 1])
    if sign == 0:
        sign = 1.0
    return sign * e, sign * q


def _one_year(frame: pl.DataFrame, threshold: float, self_proximity: bool, where: str) -> _Year:
    countries = frame.select(pl.col("country").unique().sort()).with_row_index("ci")
    products = frame.select(pl.col("product").unique().sort()).with_row_index("pi")
    indexed = frame.join(countries, on="country").join(products, on="product")
    ci = indexed["ci"].to_numpy().astype(np.int64)
    pi = indexed["pi"].to_numpy().astype(np.int64)
    cells = np.bincount(ci * products.height + pi, minlength=countries.height * products.height)
    if cells.max(initial=0) > 1:
        first = int(np.argmax(cells > 1))
        raise ComplexityInputError(
            f"{where}: {int((cells > 1).sum())} country/product pair(s) appear more than once, "
            f"first country={countries['country'][first // products.height]!r}, "
            f"product={products['product'][first % products.height]!r}"
        )
    x = np.zeros((countries.height, products.height))
    x[ci, pi] = indexed["value"].to_numpy()
    # Countries and products without any exports drop out of the year, as in ecomplexity.
    keep_c = x.sum(axis=1) > 0
    keep_p = x.sum(axis=0) > 0
    x = x[np.ix_(keep_c, keep_p)]
    country_labels = countries["country"].filter(keep_c)
    product_labels = products["product"].filter(keep_p)
    nc, np_ = x.shape
    if nc < 2 or np_ < 2:
        raise ComplexityInputError(
            f"{where}: need at least 2 countries and 2 products with exports, have {nc} and {np_}"
        )

    country_total = x.sum(axis=1)
    product_total = x.sum(axis=0)
    rca = (x / country_total[:, None]) / (product_total / product_total.sum())
    m = (rca >= threshold).astype(np.float64)
    kc = m.sum(axis=1)
    kp = m.sum(axis=0)
    if not (kc > 0).all() or not (kp > 0).all():
        # Only a threshold above 1 can leave a country or product without advantage.
        raise ComplexityInputError(
            f"{where}: with RCA threshold {threshold}, {int((kc == 0).sum())} country(ies) "
            f"and {int((kp == 0).sum())} product(s) have no revealed advantage at all"
        )

    e, q = _eigenvectors(m, kc, kp, where)
    mean, sd = e.mean(), e.std()
    eci = (e - mean) / sd
    pci = (q - mean) / sd

    # Co-occurrence counts are small integers, exact in float32, whose product is twice as
    # fast as in float64; everything after it is float64.
    m32 = m.astype(np.float32)
    phi = (m32.T @ m32).astype(np.float64)
    phi /= np.maximum(kp[:, None], kp[None, :])
    np.fill_diagonal(phi, 0.0)
    weights = phi + np.eye(np_) if self_proximity else phi
    total = weights.sum(axis=1)
    safe = np.where(total > 0, total, 1.0)
    absent = 1.0 - m
    # Density and COG in one product with the (symmetric) weights: rows of M give Σ M φ,
    # rows of (1 − M)·q/Σφ give COG's sum.
    both = np.vstack([m, absent * np.where(total > 0, q / safe, 0.0)]) @ weights
    density = both[:nc] / safe
    density[:, total == 0] = np.nan
    cog = absent * both[nc:] / sd
    coi = (np.nan_to_num(density) * absent) @ q
    coi_sd = coi.std()
    coi = (coi - coi.mean()) / coi_sd if coi_sd > 0 else np.zeros_like(coi)

    rows = np.repeat(np.arange(nc), np_)
    cols = np.tile(np.arange(np_), nc)
    return _Year(
        countries=pl.DataFrame(
            {"country": country_labels, "diversity": kc.astype(np.int64), "eci": eci, "coi": coi}
        ),
        products=pl.DataFrame(
            {"product": product_labels, "ubiquity": kp.astype(np.int64), "pci": pci}
        ),
        country_products=pl.DataFrame(
            {
                "country": country_labels.gather(rows),
                "product": product_labels.gather(cols),
                "value": x.ravel(),
                "rca": rca.ravel(),
                "m": m.ravel().astype(np.int8),
                "density": density.ravel(),
                "distance": 1.0 - density.ravel(),
                "cog": cog.ravel(),
            }
        ).with_columns(pl.col("density", "distance").fill_nan(None)),
        proximity=Proximity(tuple(product_labels.to_list()), phi),
    )


def complexity(
    exports: pl.DataFrame,
    *,
    threshold: float = 1.0,
    self_proximity: bool = False,
    keep_proximity: bool = True,
    blas_threads: int | None = 1,
) -> Complexity:
    """RCA, M, diversity, ubiquity, ECI, PCI, proximity, density, distance, COI and COG of
    each year of ``exports`` (see the module docstring for columns and formulas)."""
    if blas_threads is not None and blas_threads < 1:
        raise ComplexityInputError(f"blas_threads: must be at least 1, got {blas_threads}")
    if not np.isfinite(threshold) or threshold <= 0:
        raise ComplexityInputError(f"threshold: must be a positive number, got {threshold}")
    frame = _validated(exports)
    panel = "year" in frame.columns
    if frame.height == 0:
        raise ComplexityInputError("exports: no rows")
    parts: list[tuple[int | None, pl.DataFrame]]
    if panel:
        parts = [
            (int(key[0]), part)
            for key, part in sorted(
                frame.partition_by("year", as_dict=True, include_key=False).items()
            )
        ]
    else:
        parts = [(None, frame)]

    countries, products, pairs = [], [], []
    proximity: dict[int | None, Proximity] = {}
    for year, part in parts:
        where = "exports" if year is None else f"exports of {year}"
        # These matrices are too small for threaded BLAS to pay on a shared machine, and a
        # busy one makes its spinning threads 5-50x slower (measured on eigh): one thread
        # per job, parallelism across jobs.
        with threadpool_limits(blas_threads, user_api="blas"):
            result = _one_year(part, threshold, self_proximity, where)
        if keep_proximity:
            proximity[year] = result.proximity
        tables = [result.countries, result.products, result.country_products]
        if panel:
            tables = [t.select(pl.lit(year, pl.Int64).alias("year"), pl.all()) for t in tables]
        countries.append(tables[0])
        products.append(tables[1])
        pairs.append(tables[2])
    return Complexity(
        countries=pl.concat(countries),
        products=pl.concat(products),
        country_products=pl.concat(pairs),
        proximity=proximity,
        threshold=threshold,
        self_proximity=self_proximity,
        panel=panel,
    )


def _z(column: str, over: list[str]) -> pl.Expr:
    sd = pl.col(column).std(ddof=0).over(over)
    centred = pl.col(column) - pl.col(column).mean().over(over)
    return pl.when(sd > 0).then(centred / sd).otherwise(0.0).fill_null(0.0)


def niches(
    result: Complexity,
    *,
    countries: Sequence[str] | None = None,
    partners: Sequence[str] | None = None,
    rank_by: RankBy = "score",
    density_weight: float = 0.5,
    top: int | None = None,
) -> pl.DataFrame:
    """Products each country does not yet export with advantage, ranked (module docstring);
    with ``partners``, only those where a partner other than the country itself has M = 1."""
    if rank_by not in RANKINGS:
        raise ComplexityInputError(
            f"rank_by: must be one of {', '.join(RANKINGS)}, got {rank_by!r}"
        )
    if not 0.0 <= density_weight <= 1.0:
        raise ComplexityInputError(f"density_weight: must be in [0, 1], got {density_weight}")
    if top is not None and top < 1:
        raise ComplexityInputError(f"top: must be at least 1, got {top}")
    known = set(result.countries["country"].to_list())
    for name, codes in (("countries", countries), ("partners", partners)):
        if codes is None:
            continue
        if isinstance(codes, str):
            raise ComplexityInputError(f"{name}: give a list of codes, not the string {codes!r}")
        unknown = sorted(set(codes) - known)
        if unknown:
            raise ComplexityInputError(f"{name}: not in the export data: {', '.join(unknown)}")
    if partners is not None and not partners:
        raise ComplexityInputError("partners: empty list")

    group = ["year", "country"] if result.panel else ["country"]
    pairs = result.country_products
    pci = result.products.select(*group[:-1], "product", "pci")
    candidates = pairs.filter(pl.col("m") == 0)
    if countries is not None:
        candidates = candidates.filter(pl.col("country").is_in(list(countries)))
    candidates = candidates.join(pci, on=[*group[:-1], "product"]).with_columns(
        (density_weight * _z("density", group) + (1.0 - density_weight) * _z("cog", group)).alias(
            "score"
        )
    )
    columns = [*group, "product", "density", "distance", "cog", "pci", "rca", "score"]
    candidates = candidates.select(columns)
    if partners is not None:
        strong = (
            pairs.filter(pl.col("country").is_in(list(partners)) & (pl.col("m") == 1))
            .group_by([*group[:-1], "product"])
            .agg(pl.col("country").sort().alias("strong_partners"))
        )
        candidates = (
            candidates.join(strong, on=[*group[:-1], "product"])
            .with_columns(
                pl.col("strong_partners").list.set_difference(pl.concat_list(pl.col("country")))
            )
            .with_columns(pl.col("strong_partners").list.sort())
            .with_columns(pl.col("strong_partners").list.len().alias("partner_count"))
            .filter(pl.col("partner_count") > 0)
        )
        columns = [*columns, "strong_partners", "partner_count"]
    order = {
        "score": ["score", "density", "cog"],
        "density": ["density", "cog"],
        "cog": ["cog", "density"],
    }[rank_by]
    ranked = candidates.sort(
        [*group, *order, "product"],
        descending=[False] * len(group) + [True] * len(order) + [False],
        nulls_last=True,
    ).with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over(group).alias("rank"))
    if top is not None:
        ranked = ranked.filter(pl.col("rank") <= top)
    return ranked.select(*group, "rank", *columns[len(group) :])

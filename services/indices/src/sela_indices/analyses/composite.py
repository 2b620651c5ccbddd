"""The integration index (IINTALC, I.1.6) as a stored analysis: the request is checked against
the catalogue and the observations before it is queued (nothing is written when it is bad);
a job reads the observations of the units and years as of one instant, runs
`methods.composite` (and its uncertainty analysis) in a worker thread, and stores the tables
with the exact structure, settings and input vintages."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from sela_indices.analyses.repository import AnalysisRepository
from sela_indices.catalogue.repository import CatalogueRepository
from sela_indices.methods import composite as engine
from sela_indices.methods.composite.engine import flatten
from sela_indices.observations.endpoints import as_of_time
from sela_indices.observations.repository import ObservationQuery, ObservationRepository
from sela_indices.reference.repository import ReferenceRepository
from sela_indices.reference.service import MembershipTable, membership_table
from sela_indices.reports import charts
from sela_indices.reports.aggregate import NotAggregable, aggregate, inputs
from sela_indices.reports.charts import ChartFormat
from sela_kit.errors import InvalidInputError
from sela_kit.jobs import JobContext, JobError

KIND = "composite"
Iso3 = Annotated[str, Field(pattern=r"^[A-Za-z]{3}$")]
MechanismCode = Annotated[str, Field(min_length=2, max_length=16, pattern=r"^[A-Za-z_]+$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CountryUnits(_Model):
    """Each listed country is a unit in every year."""

    kind: Literal["countries"]
    countries: Annotated[list[Iso3], Field(min_length=2, max_length=300)]


class MemberUnits(_Model):
    """Each country is a unit in the years it is a full member of one of the mechanisms (on
    the year's middle day); its mechanism is its group (group-mean imputation), the first
    listed when it belongs to several."""

    kind: Literal["members"]
    mechanisms: Annotated[list[MechanismCode], Field(min_length=1, max_length=20)]


class MechanismUnits(_Model):
    """Each mechanism is a unit: every indicator is aggregated over the members of each year
    by its catalogue rule (e.g. GDP-weighted mean), null below ``min_coverage``."""

    kind: Literal["mechanisms"]
    mechanisms: Annotated[list[MechanismCode], Field(min_length=2, max_length=20)]
    min_coverage: float = Field(default=0.5, ge=0.0, le=1.0)


Units = Annotated[CountryUnits | MemberUnits | MechanismUnits, Field(discriminator="kind")]


class MissingDimension(_Model):
    """A dimension of the index that cannot be computed yet: recorded with the result."""

    code: str = Field(min_length=1, max_length=100)
    name: str | None = None
    reason: str = Field(min_length=1, max_length=1000)


class CompositeParams(_Model):
    """What to compute; every field is stored with the result."""

    structure: engine.Structure = Field(
        description="index → dimensions → indicators (catalogue codes) with direction, weight"
    )
    settings: engine.Settings = Field(default_factory=engine.Settings)
    units: Units
    start: int = Field(ge=1900, le=2100, description="First year")
    end: int = Field(ge=1900, le=2100, description="Last year")
    uncertainty: engine.Uncertainty | None = Field(
        default=None,
        description="Monte Carlo over the choices (runs = N) and Sobol indices (Saltelli)",
    )
    missing_dimensions: list[MissingDimension] = Field(
        default_factory=list,
        description="Dimensions declared but without data: left out and named in the result",
    )
    as_of: str | None = Field(
        default=None, description="Read observations as known then (default: when the job runs)"
    )

    @model_validator(mode="after")
    def _years(self) -> CompositeParams:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        if self.end - self.start > 100:
            raise ValueError("at most 101 years")
        codes = {node.code for node in self.structure.walk()}
        clash = sorted(codes & {d.code for d in self.missing_dimensions})
        if clash:
            raise ValueError(f"missing_dimensions also in the structure: {clash}")
        return self

    @property
    def years(self) -> range:
        return range(self.start, self.end + 1)

    def codes(self) -> list[str]:
        return [ind.code for ind in self.structure.indicators()]


@dataclass(frozen=True)
class Frame:
    """The engine's input (unit, year, indicator, value[, group]) and what was read for it."""

    data: pl.DataFrame
    inputs: dict[str, Any]
    members: pl.DataFrame | None


def _invalid(detail: str, code: str, name: str, reason: str) -> InvalidInputError:
    """A 422 naming the input at fault (``name``: dotted path such as ``body.structure``)."""
    location, *path = name.split(".")
    error = {
        "name": name,
        "pointer": "/" + "/".join(path),
        "location": location,
        "reason": reason,
        "type": code,
    }
    return InvalidInputError(detail, code=code, extra={"errors": [error]})


async def _membership(
    session: AsyncSession, mechanisms: Sequence[str]
) -> tuple[MembershipTable, list[str]]:
    codes = [m.upper() for m in mechanisms]
    known = {a.code for a in await ReferenceRepository.from_session(session).areas("mechanism")}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise _invalid(
            f"Unknown mechanism(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}.",
            "unknown_mechanism",
            "body.units.mechanisms",
            f"not a mechanism: {', '.join(unknown)}",
        )
    return await membership_table(session), codes


def _middle(year: int) -> date:
    return date(year, 7, 2)


async def read_frame(session: AsyncSession, params: CompositeParams, as_of: datetime) -> Frame:
    """Observations of the structure's indicators for the units and years, as known at
    ``as_of``; raises ``InvalidInputError`` for unknown codes or when data is missing."""
    codes = params.codes()
    catalogue = {i.code: i for i in await CatalogueRepository.from_session(session).by_codes(codes)}
    unknown = [c for c in codes if c not in catalogue]
    if unknown:
        raise _invalid(
            f"Indicator(s) not in the catalogue: {', '.join(unknown)}.",
            "unknown_indicator",
            "body.structure",
            f"unknown indicator code(s): {', '.join(unknown)}",
        )
    units = params.units
    years = list(params.years)
    members: pl.DataFrame | None = None
    needed = list(codes)
    rules: dict[str, dict[str, Any]] = {}
    edition: str | None = None
    if isinstance(units, CountryUnits):
        countries = sorted({c.upper() for c in units.countries})
        areas = await ReferenceRepository.from_session(session).areas("country")
        known = {a.code for a in areas}
        strangers = [c for c in countries if c not in known]
        if strangers:
            raise _invalid(
                f"Unknown country code(s): {', '.join(strangers)}.",
                "unknown_country",
                "body.units.countries",
                f"not a country: {', '.join(strangers)}",
            )
    else:
        table, mechanisms = await _membership(session, units.mechanisms)
        edition = table.edition
        members = pl.DataFrame(
            [
                {"mechanism": m, "year": y, "country": c}
                for m in mechanisms
                for y in years
                for c in table.members_at(m, _middle(y))
            ],
            schema={"mechanism": pl.String, "year": pl.Int64, "country": pl.String},
        )
        if members.is_empty():
            raise _invalid(
                f"{', '.join(mechanisms)} had no members in {params.start}–{params.end}.",
                "no_data",
                "body.units",
                "no members in these years",
            )
        countries = sorted(set(members["country"].to_list()))
        if isinstance(units, MechanismUnits):
            not_aggregable = []
            for code in codes:
                rules[code] = catalogue[code].aggregation
                try:
                    needed.extend(inputs(rules[code], code))
                except NotAggregable:
                    not_aggregable.append(code)
            if not_aggregable:
                raise _invalid(
                    "Mechanisms as units need indicators that aggregate over members; "
                    f"{', '.join(not_aggregable)} ha(s) the rule 'none' in the catalogue.",
                    "not_aggregable",
                    "body.structure",
                    f"not aggregable: {', '.join(not_aggregable)}",
                )
            needed = list(dict.fromkeys(needed))
    observations = await ObservationRepository.from_session(session).query(
        ObservationQuery(
            indicators=needed,
            areas=countries,
            freq="A",
            start=date(params.start, 1, 1),
            end=date(params.end, 1, 1),
            as_of=as_of,
        )
    )
    observations = observations.drop_nulls("value")
    present = set(observations.filter(pl.col("indicator").is_in(codes))["indicator"].to_list())
    absent = [c for c in codes if c not in present]
    if absent:
        raise _invalid(
            f"No observations of {', '.join(absent)} for these units in "
            f"{params.start}–{params.end}"
            + (f" as of {params.as_of}" if params.as_of else "")
            + ".",
            "no_data",
            "body.structure",
            f"no data in the chosen years: {', '.join(absent)}",
        )
    long = observations.select(
        pl.col("area").alias("unit"),
        pl.col("period").cast(pl.Int64).alias("year"),
        "indicator",
        "value",
    )
    if isinstance(units, MechanismUnits) and members is not None:
        data = _mechanism_frame(long, codes, rules, members, units.min_coverage)
    elif members is not None:
        # members is built in the requested order of mechanisms: the first is the group.
        first = members.group_by("year", "country", maintain_order=True).agg(
            pl.col("mechanism").first().alias("group")
        )
        data = long.filter(pl.col("indicator").is_in(codes)).join(
            first.rename({"country": "unit"}), on=["unit", "year"], how="inner"
        )
    else:
        data = long
    data = data.filter(pl.col("indicator").is_in(codes)).drop_nulls("value")
    left = set(data["indicator"].unique().to_list())
    absent = [c for c in codes if c not in left]
    if absent:
        raise _invalid(
            f"No values of {', '.join(absent)} for these units in {params.start}–{params.end} "
            "(members lacking data, or coverage below min_coverage).",
            "no_data",
            "body.structure",
            f"no data in the chosen years: {', '.join(absent)}",
        )
    used = observations.filter(pl.col("indicator").is_in(needed))
    vintages = (
        used.group_by("indicator")
        .agg(
            pl.col("vintage_id").unique().sort().alias("vintage_ids"),
            pl.col("vintage").max().alias("latest_valid_from"),
            pl.len().alias("observations"),
        )
        .sort("indicator")
    )
    read = {
        "as_of": as_of.isoformat(),
        "units": params.units.kind,
        "countries": countries,
        "membership_edition": edition,
        "indicators": {
            row["indicator"]: {
                "vintage_ids": row["vintage_ids"],
                "latest_valid_from": row["latest_valid_from"].isoformat(),
                "observations": row["observations"],
            }
            for row in vintages.to_dicts()
        },
    }
    return Frame(data.sort("unit", "year", "indicator"), read, members)


def _mechanism_frame(
    long: pl.DataFrame,
    codes: list[str],
    rules: dict[str, dict[str, Any]],
    members: pl.DataFrame,
    min_coverage: float,
) -> pl.DataFrame:
    by_year: dict[tuple[str, int], list[str]] = {
        (row["mechanism"], row["year"]): row["country"]
        for row in members.group_by("mechanism", "year").agg("country").to_dicts()
    }
    observations = long.select(
        "indicator",
        pl.col("unit").alias("area"),
        pl.col("year").cast(pl.String).alias("period"),
        "value",
    )
    frames = []
    for mechanism in members["mechanism"].unique(maintain_order=True).to_list():

        def members_at(day: date, mechanism: str = mechanism) -> list[str]:
            return by_year.get((mechanism, day.year), [])

        for code in codes:
            series = aggregate(
                observations, code, rules[code], members_at, min_coverage=min_coverage
            )
            frames.append(
                series.select(
                    pl.lit(mechanism).alias("unit"),
                    pl.col("period").cast(pl.Int64).alias("year"),
                    pl.lit(code).alias("indicator"),
                    pl.col("value"),
                )
            )
    return pl.concat(frames).drop_nulls("value")


def check(frame: Frame, params: CompositeParams) -> engine.Result:
    """The nominal computation: raises ``InvalidInputError`` for what the engine rejects."""
    try:
        result = engine.compute(frame.data, params.structure, params.settings)
        if params.uncertainty is not None and params.uncertainty.node is not None:
            flatten(params.structure).index_of(params.uncertainty.node)
    except engine.CompositeError as exc:
        raise _invalid(str(exc), "invalid_composite", "body", str(exc)) from exc
    return result


async def validate(session: AsyncSession, params: CompositeParams) -> None:
    """Everything the job would reject, checked before queueing (so nothing is written)."""
    as_of = as_of_time(params.as_of) or datetime.now(UTC)
    frame = await read_frame(session, params, as_of)
    await asyncio.to_thread(check, frame, params)


def _compute(
    frame: Frame, params: CompositeParams, context: JobContext
) -> tuple[dict[str, pl.DataFrame], dict[str, Any]]:
    result = engine.compute(frame.data, params.structure, params.settings)
    tables = {
        "scores": result.scores,
        "weights": result.weights,
        "treatment": result.treatment,
        "correlations": result.correlations,
        "alpha": result.alpha,
        "data": frame.data,
    }
    if frame.members is not None:
        tables["members"] = frame.members
    summary: dict[str, Any] = {}
    if params.uncertainty is not None:

        def progress(done: int, total: int) -> None:
            context.progress(1 + done / total, 3, f"uncertainty: {done} of {total} runs")

        unc = engine.run_uncertainty(
            frame.data, params.structure, params.settings, params.uncertainty, progress
        )
        tables["ranks"] = unc.ranks
        tables["sobol"] = unc.sobol
        summary["uncertainty"] = {"node": unc.node, "runs": unc.runs, "factors": unc.factors}
    return tables, summary


def dimensions(structure: engine.Structure) -> list[str]:
    return [child.code for child in structure.children]


async def run(context: JobContext) -> dict[str, Any]:
    params = CompositeParams.model_validate(context.params)
    context.progress(0, 3, "reading observations")
    as_of = as_of_time(params.as_of) or datetime.now(UTC)
    try:
        async with context.database.transaction() as session:
            frame = await read_frame(session, params, as_of)
    except InvalidInputError as exc:
        raise JobError(exc.detail) from exc
    context.progress(1, 3, "computing the index")
    try:
        tables, summary = await asyncio.to_thread(_compute, frame, params, context)
    except engine.CompositeError as exc:
        raise JobError(str(exc)) from exc
    context.progress(2.9, 3, "storing the result")
    scores = tables["scores"]
    root = params.structure.code
    summary |= {
        "index": root,
        "dimensions": dimensions(params.structure),
        "missing_dimensions": [d.model_dump() for d in params.missing_dimensions],
        "units": sorted(scores["unit"].unique().to_list()),
        "years": sorted(scores["year"].unique().to_list()),
        "indicators": params.codes(),
        "settings": params.settings.model_dump(mode="json"),
        "structure": params.structure.model_dump(mode="json"),
    }
    if params.missing_dimensions:
        summary["note"] = "Computed with the dimensions that have data; left out: " + ", ".join(
            f"{d.code} ({d.reason})" for d in params.missing_dimensions
        )
    async with context.database.transaction() as session:
        await AnalysisRepository.from_session(session).save(
            context.job_id,
            KIND,
            params.model_dump(mode="json"),
            frame.inputs,
            summary,
            tables,
            submitted_by=context.submitted_by,
        )
    return {"analysis": str(context.job_id), "units": len(summary["units"])}


# ---------------------------------------------------------------------------- reading results


def _pick(name: str, asked: list[str], known: list[Any], what: str) -> None:
    unknown = [a for a in asked if a not in {str(k) for k in known}]
    if unknown:
        raise _invalid(
            f"Unknown {what} {', '.join(unknown)}; this result has "
            f"{', '.join(str(k) for k in known)}.",
            f"unknown_{name}",
            f"query.{name}",
            f"not in this result: {', '.join(unknown)}",
        )


def view(
    summary: dict[str, Any],
    scores: pl.DataFrame,
    ranks: pl.DataFrame | None,
    units: list[str],
    nodes: list[str],
    years: list[str],
) -> pl.DataFrame:
    """Scores and ranks per unit, node (default: the index and its dimensions) and year; the
    Monte Carlo rank statistics beside the node they were computed for."""
    known_nodes = scores["node"].unique(maintain_order=True).to_list()
    _pick("unit", units, sorted(scores["unit"].unique().to_list()), "unit(s)")
    _pick("dimension", nodes, known_nodes, "dimension(s) or node(s)")
    _pick("year", years, sorted(scores["year"].unique().to_list()), "year(s)")
    chosen = nodes or [summary["index"], *summary["dimensions"]]
    frame = scores.filter(pl.col("node").is_in(chosen))
    if units:
        frame = frame.filter(pl.col("unit").is_in(units))
    if years:
        frame = frame.filter(pl.col("year").is_in([int(y) for y in years]))
    frame = frame.select("unit", "year", "node", "level", "score", "rank")
    if ranks is not None:
        node = summary["uncertainty"]["node"]
        stats = ranks.select(
            "unit",
            "year",
            pl.lit(node).alias("node"),
            "median_rank",
            "rank_q05",
            "rank_q95",
            "mean_abs_rank_shift",
        )
        frame = frame.join(stats, on=["unit", "year", "node"], how="left")
    order = {code: i for i, code in enumerate(known_nodes)}
    return frame.sort(pl.col("node").replace_strict(order, return_dtype=pl.Int64), "year", "unit")


def scores_chart(
    summary: dict[str, Any], scores: pl.DataFrame, node: str, units: list[str], fmt: ChartFormat
) -> bytes:
    """Scores of ``node`` by year, one line per unit."""
    _pick("dimension", [node], scores["node"].unique(maintain_order=True).to_list(), "node")
    _pick("unit", units, sorted(scores["unit"].unique().to_list()), "unit(s)")
    frame = scores.filter(pl.col("node") == node)
    if units:
        frame = frame.filter(pl.col("unit").is_in(units))
    series = {
        str(unit): [(str(y), s) for y, s in zip(part["year"], part["score"], strict=True)]
        for (unit,), part in frame.sort("unit", "year").group_by("unit", maintain_order=True)
    }
    names = {n["code"]: n.get("name") for n in _nodes(summary["structure"])}
    title = f"{names.get(node) or node}: scores by year"
    return charts.line_chart(title, "score", series, fmt, _source(summary))


def uncertainty_chart(
    summary: dict[str, Any], ranks: pl.DataFrame | None, year: str | None, fmt: ChartFormat
) -> bytes:
    """Median rank with its 5–95% band over the runs against the nominal rank, for a year."""
    if ranks is None:
        raise _invalid(
            "This result has no uncertainty analysis (run it with an `uncertainty` block).",
            "no_uncertainty",
            "query.chart",
            "no uncertainty analysis in this result",
        )
    years = sorted(ranks["year"].unique().to_list())
    if year is not None:
        _pick("year", [year], years, "year")
    chosen = int(year) if year is not None else int(years[-1])
    frame = ranks.filter(pl.col("year") == chosen).drop_nulls("nominal_rank").sort("nominal_rank")
    node = summary["uncertainty"]["node"]
    return charts.rank_band_chart(
        f"{node} {chosen}: rank uncertainty over {summary['uncertainty']['runs']} runs",
        frame["unit"].to_list(),
        frame["nominal_rank"].cast(pl.Float64).to_list(),
        frame["median_rank"].to_list(),
        frame["rank_q05"].to_list(),
        frame["rank_q95"].to_list(),
        fmt,
        _source(summary),
    )


def _nodes(structure: dict[str, Any]) -> list[dict[str, Any]]:
    out = [structure]
    for child in structure.get("children", []):
        out.extend(_nodes(child))
    return out


def _source(summary: dict[str, Any]) -> str:
    settings = summary["settings"]
    root = summary["structure"].get("aggregation") or settings["aggregation"]
    missing = [d["code"] for d in summary["missing_dimensions"]]
    return (
        f"SELA, {summary['index']}: {settings['normalisation']['method']} "
        f"({settings['normalisation']['mode']}); index: {root['method']} aggregation of "
        f"{', '.join(summary['dimensions'])}"
        + (f"; without data: {', '.join(missing)}" if missing else "")
    )

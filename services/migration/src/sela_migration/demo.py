"""Demo data for ``sela up``: the UN DESA 2020 stocks and their networks, computed once."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np

from sela_kit.db import Database
from sela_kit.settings import ServiceSettings
from sela_migration.countries import AREAS, LAC
from sela_migration.network.repository import NetworkRepository
from sela_migration.network.schemas import NetworkComputationCreate
from sela_migration.network.service import KIND, compute_networks
from sela_migration.settings import MigrationSettings
from sela_migration.stocks import service as stocks
from sela_migration.stocks.repository import StockRepository

LONG_2020 = Path("migration/undesa_ims2020_bilateral_stock_long.csv.gz")
REAL_SLUG = "undesa-2020"
DEMO_SLUG = "demo-generated"


def generated_long_csv(seed: int = 2020) -> bytes:
    """A small made-up long file (labelled demo) for machines without the shared data."""
    rng = np.random.default_rng(seed)
    codes = [*sorted(LAC)[:20], "USA", "ESP", "CAN", "ITA"]
    lines = ["year,origin_iso3,origin_name,dest_iso3,dest_name,stock_total,stock_female,stock_male"]
    for year in (2010, 2015, 2020):
        for o in codes:
            for d in codes:
                if o != d and rng.random() < 0.3:
                    total = int(rng.lognormal(8, 2)) + 1
                    female = total // 2
                    lines.append(
                        f"{year},{o},{AREAS[o].name.replace(',', ' ')},{d},"
                        f"{AREAS[d].name.replace(',', ' ')},{total},{female},{total - female}"
                    )
    return ("\n".join(lines) + "\n").encode()


async def load_demo(settings: ServiceSettings) -> str:
    assert isinstance(settings, MigrationSettings)
    path = settings.shared_data() / LONG_2020
    if path.exists():
        slug, title, data = REAL_SLUG, "UN DESA International Migrant Stock 2020", path.read_bytes()
    else:
        slug, title, data = DEMO_SLUG, "Generated demo stocks (not real data)", generated_long_csv()
    database = Database(
        settings.sqlalchemy_url, pool_size=2, application_name="sela-migration-demo"
    )
    try:
        async with database.transaction() as session:
            repo = StockRepository.from_session(session)
            dataset = await repo.get_dataset(slug)
            if dataset is None:
                dataset = await stocks.import_dataset(
                    session,
                    slug=slug,
                    title=title,
                    layout="long",
                    data=data,
                    source_file=path.name,
                )
        async with database.transaction() as session:
            computed = await NetworkRepository.from_session(session).list(dataset.id, None)
            if len(computed) < 2 * len(dataset.years):
                # Computed here rather than queued, so the networks are there when the
                # platform starts; recorded as a finished job of the service.
                request = NetworkComputationCreate(dataset=slug)
                job_id = uuid.uuid4()
                result = await compute_networks(session, dataset, request, job_id)
                await NetworkRepository.from_session(session).record_finished_job(
                    job_id, KIND, request.model_dump(mode="json"), result, submitted_by="demo"
                )
        return (
            f"dataset {slug}: {dataset.rows} stocks, {dataset.areas} areas, years "
            f"{dataset.years[0]}–{dataset.years[-1]}; world and LAC networks computed"
        )
    finally:
        await database.dispose()

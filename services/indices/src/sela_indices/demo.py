"""Demo data for `sela up`: the real WDI and Penn World Table series for Latin America and
the Caribbean from the shared data folder, or, without it, a small generated set whose
source says it is demo data. Idempotent: a file already loaded (same SHA-256) is skipped."""

from __future__ import annotations

import gzip
import hashlib
import math
from pathlib import Path

from sqlalchemy import select

from sela_indices.observations import service
from sela_indices.observations.models import Vintage
from sela_indices.reference.service import membership_table
from sela_indices.settings import IndicesSettings
from sela_kit.db import Database
from sela_kit.paths import shared_data
from sela_kit.settings import ServiceSettings

DEMO_SOURCE = "DEMO DATA (generated, not official statistics)"


def demo_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.glob("wdi*_*.csv") if "Metadata" not in p.name)
    pwt = folder / "pwt10.01.csv.gz"
    return [*files, pwt] if pwt.exists() else files


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
    else:
        sources.append(("demo-generated.csv", generated_file()))
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
    return (
        f"{loaded} file(s) loaded from {origin} ({observations} observations), "
        f"{skipped} already loaded"
    )

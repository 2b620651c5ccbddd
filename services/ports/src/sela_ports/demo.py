"""Demo data for ``sela up``: the Network as the Work Programme describes it.

Countries, the port systems of the thirteen named communities (attributes from the NGA World
Port Index when the shared data folder is there), the communities, the bodies, the regional
partners and, from the top-100 container ports table, the container throughput of the ports
it lists. Idempotent: everything is looked up by its natural key first.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from sela_kit.db import Database
from sela_kit.settings import ServiceSettings
from sela_ports import network
from sela_ports.benchmark.models import KpiValue, ValueSource
from sela_ports.benchmark.repository import BenchmarkRepository
from sela_ports.governance.models import Body, BodyKind
from sela_ports.governance.repository import GovernanceRepository
from sela_ports.registry.models import (
    Community,
    Country,
    Organisation,
    OrganisationKind,
    PortSystem,
    Stage,
)
from sela_ports.registry.repository import RegistryRepository
from sela_ports.settings import PortsSettings
from sela_ports.shared_data import TEU_FILE, WPI_FILE, WpiPort, read_teu, read_wpi, shared_dir

DEMO_SUBJECT = "demo-loader"


async def load_demo(settings: ServiceSettings) -> str:
    assert isinstance(settings, PortsSettings)
    folder = shared_dir(settings.shared_dir)
    database = Database(settings.sqlalchemy_url, pool_size=1, application_name="sela-ports-demo")
    try:
        async with database.transaction() as session:
            return await load(session, folder)
    finally:
        await database.dispose()


async def load(session: AsyncSession, folder: Path) -> str:
    wpi_path, teu_path = folder / WPI_FILE, folder / TEU_FILE
    wpi = read_wpi(wpi_path) if wpi_path.exists() else {}
    registry = RegistryRepository.from_session(session)
    governance = GovernanceRepository.from_session(session)
    added = 0
    for iso3, name in network.COUNTRIES:
        if await registry.get_country(iso3) is None:
            await registry.add(Country(iso3=iso3, name=name, in_network=True))
            added += 1
    for community_name, port_name, locode, iso3 in network.COMMUNITIES:
        port = await registry.port_system_by_locode(locode)
        if port is None:
            port = _port(port_name, locode, iso3, wpi.get(locode))
            await registry.add(port)
            added += 1
        if await registry.community_by_name(community_name) is None:
            # "Formalized or at advanced stages of formalization" (October 2018): which is
            # which is not said, so all start at the MoU stage, the one every attached
            # organisation reaches by signing with SELA.
            await registry.add(
                Community(name=community_name, port_system_id=port.id, stage=Stage.mou_signed)
            )
            added += 1
    for code, name, kind, mandate in network.BODIES:
        if await governance.body_by_code(code) is None:
            await governance.add(Body(code=code, name=name, kind=BodyKind(kind), mandate=mandate))
            added += 1
    for name, kind in network.PARTNERS:
        if await registry.organisation_by_name(name) is None:
            await registry.add(Organisation(name=name, kind=OrganisationKind(kind)))
            added += 1
    teu_points = 0
    if teu_path.exists():
        teu_points = await _load_teu(session, read_teu(teu_path, network.TEU_TABLE_NAMES))
    source = "NGA World Port Index" if wpi else "demo (no shared data folder)"
    return (
        f"{len(network.COUNTRIES)} countries, {len(network.COMMUNITIES)} communities and port "
        f"systems ({source}), {len(network.BODIES)} bodies; "
        f"{added + teu_points} rows added ({teu_points} yearly TEU values)"
    )


def _port(name: str, locode: str, iso3: str, wpi: WpiPort | None) -> PortSystem:
    if wpi is None:
        return PortSystem(name=name, locode=locode, country_iso3=iso3, source="demo")
    return PortSystem(
        name=name,
        locode=locode,
        country_iso3=iso3,
        latitude=wpi.latitude,
        longitude=wpi.longitude,
        wpi_number=wpi.wpi_number,
        harbor_size=wpi.harbor_size,
        harbor_type=wpi.harbor_type,
        channel_depth_m=wpi.channel_depth_m,
        cargo_pier_depth_m=wpi.cargo_pier_depth_m,
        max_vessel_length_m=wpi.max_vessel_length_m,
        max_vessel_draft_m=wpi.max_vessel_draft_m,
        source="NGA World Port Index (Pub. 150)",
    )


async def _load_teu(session: AsyncSession, series: dict[str, dict[int, float]]) -> int:
    registry = RegistryRepository.from_session(session)
    benchmark = BenchmarkRepository.from_session(session)
    count = 0
    for locode, by_year in series.items():
        port = await registry.port_system_by_locode(locode)
        if port is None:
            continue
        for year, teu in sorted(by_year.items()):
            start, end = date(year, 1, 1), date(year, 12, 31)
            if await benchmark.latest_value(port.id, "container_throughput", start, end):
                continue
            await benchmark.add(
                KpiValue(
                    port_system_id=port.id,
                    kpi_code="container_throughput",
                    period_start=start,
                    period_end=end,
                    value=teu,
                    unit="TEU",
                    vintage=1,
                    source=ValueSource.submitted,
                    note="top-100 container ports table (million TEU × 10⁶)",
                    recorded_by=DEMO_SUBJECT,
                )
            )
            count += 1
    return count

"""Every service boots on its migrated database, answers its probes and documents its API."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from sela_cli.registry import SERVICES
from sela_kit.app import ServiceSpec
from sela_kit.migrations import downgrade, ensure_database, upgrade
from sela_kit.settings import asyncpg_url
from sela_testing.support import Servers, run_service, settings_for_tests, table_names

NAMES = [spec.name for spec in SERVICES]


@pytest.mark.parametrize("spec", SERVICES, ids=NAMES)
async def test_service_is_ready_and_measured(
    spec: ServiceSpec, sela_servers: Servers, sela_migrated: dict[str, str]
) -> None:
    settings = settings_for_tests(spec, sela_servers, database_url=sela_migrated[spec.name])
    async with run_service(spec, settings, isolated=False) as service:
        assert (await service.client.get("/healthz")).json() == {
            "status": "ok",
            "service": spec.name,
            "checks": {},
        }
        assert await service.app.state.bus.wait_ready(10)
        ready = await service.client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"database": "ok", "nats": "ok"}
        metrics = (await service.client.get("/metrics")).text
        assert (
            f'sela_http_requests_total{{method="GET",route="/readyz",service="{spec.name}"'
            in metrics
        )
        assert f'sela_bus_connected{{service="{spec.name}"}} 1.0' in metrics


@pytest.mark.parametrize("spec", SERVICES, ids=NAMES)
def test_openapi_is_valid_with_problem_responses(spec: ServiceSpec) -> None:
    from sela_kit.app import create_app

    document = create_app(spec, spec.settings_cls()).openapi()
    validate(document)
    operation_ids = [
        op["operationId"] for path in document["paths"].values() for op in path.values()
    ]
    assert len(operation_ids) == len(set(operation_ids))
    assert "Problem" in document["components"]["schemas"]
    for path in document["paths"].values():
        for operation in path.values():
            content = operation["responses"]["500"]["content"]
            assert "application/problem+json" in content


@pytest.mark.parametrize("spec", SERVICES, ids=NAMES)
async def test_migrations_upgrade_downgrade_upgrade(
    spec: ServiceSpec, sela_servers: Servers
) -> None:
    url = asyncpg_url(sela_servers.database_url, f"test_sela_{spec.name}_roundtrip")
    await ensure_database(url)
    await upgrade(url, spec.migrations)
    assert {"outbox", "inbox", "alembic_version"} <= await table_names(
        url.render_as_string(hide_password=False)
    )
    await downgrade(url, spec.migrations, "base")
    assert await table_names(url.render_as_string(hide_password=False)) == {"alembic_version"}
    await upgrade(url, spec.migrations)
    assert {"outbox", "inbox"} <= await table_names(url.render_as_string(hide_password=False))

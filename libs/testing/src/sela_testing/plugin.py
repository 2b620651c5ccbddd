"""Session fixtures: embedded servers on free ports and migrated service databases."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from sela_devservers import EmbeddedNats, EmbeddedPostgres
from sela_testing.support import Servers


@pytest.fixture(scope="session")
def sela_state_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="sela-test-") as folder:
        yield Path(folder)


@pytest.fixture(scope="session")
def sela_servers(sela_state_dir: Path) -> Iterator[Servers]:
    """PostgreSQL and NATS for the whole session: given by URL, or embedded on free ports."""
    postgres: EmbeddedPostgres | None = None
    nats: EmbeddedNats | None = None
    database_url = os.environ.get("SELA_TEST_DATABASE_URL")
    nats_url = os.environ.get("SELA_TEST_NATS_URL")
    try:
        if database_url is None:
            postgres = EmbeddedPostgres(sela_state_dir / "postgres", fast=True)
            postgres.start()
            database_url = postgres.url
        if nats_url is None:
            nats = EmbeddedNats(sela_state_dir / "nats")
            nats.start()
            nats_url = nats.url
        yield Servers(database_url, nats_url, postgres, nats)
    finally:
        if nats is not None:
            nats.stop()
        if postgres is not None:
            postgres.stop()

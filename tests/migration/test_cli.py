"""`sela import migration stocks FILE`: the whole file or nothing, errors named."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from sela_cli.main import app
from sela_kit.db import Database
from sela_migration.demo import generated_long_csv


async def _cleanup(url: str) -> None:
    database = Database(url)
    async with database.transaction() as session:
        await session.execute(text("DELETE FROM datasets WHERE slug LIKE 't-cli-%'"))
    await database.dispose()


def test_import_command(
    sela_migrated: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SELA_MIGRATION_DATABASE_URL", sela_migrated["migration"])
    good = tmp_path / "stocks.csv"
    good.write_bytes(generated_long_csv())
    bad = tmp_path / "bad.csv"
    bad.write_text("year,origin_iso3,dest_iso3,stock_total\n2020,MEX,USA,x\n")
    slug = f"t-cli-{uuid.uuid4().hex[:6]}"
    runner = CliRunner()
    try:
        done = runner.invoke(app, ["import", "migration", str(good), "--slug", slug])
        assert done.exit_code == 0, done.output
        assert f"{slug}: " in done.stdout
        assert "years [2010, 2015, 2020]" in done.stdout
        failed = runner.invoke(app, ["import", "migration", str(bad), "--slug", f"{slug}-bad"])
        assert failed.exit_code == 1
        assert "row 2" in failed.stderr
        assert "stock_total" in failed.stderr
    finally:
        asyncio.run(_cleanup(sela_migrated["migration"]))

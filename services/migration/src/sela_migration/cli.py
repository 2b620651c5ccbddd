"""``sela import migration FILE``: load a UN DESA bilateral stock file."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from sela_kit.db import Database
from sela_kit.errors import DomainError
from sela_migration.settings import MigrationSettings
from sela_migration.stocks import service

import_app = typer.Typer(help="Bilateral migrant stocks (UN DESA layouts).", no_args_is_help=True)


@import_app.command("stocks")
def import_stocks(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    slug: Annotated[str, typer.Option(help="Dataset name, e.g. undesa-2019")],
    layout: Annotated[str, typer.Option(help="long (2020/2024) or wide (2013–2019)")] = "long",
    title: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Import FILE as dataset SLUG (all rows or none)."""
    if layout not in ("long", "wide"):
        raise typer.BadParameter("layout must be long or wide")

    async def run() -> str:
        settings = MigrationSettings()
        database = Database(settings.sqlalchemy_url, pool_size=1)
        try:
            async with database.transaction() as session:
                dataset = await service.import_dataset(
                    session,
                    slug=slug,
                    title=title or slug,
                    layout=layout,  # type: ignore[arg-type]
                    data=file.read_bytes(),
                    source_file=file.name,
                )
                return (
                    f"{dataset.slug}: {dataset.rows} stocks, {dataset.areas} areas, "
                    f"years {dataset.years}; dropped: {', '.join(dataset.dropped) or 'none'}"
                )
        finally:
            await database.dispose()

    try:
        typer.echo(asyncio.run(run()))
    except DomainError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc

"""`sela import indices FILE`: load a data file into the indices service with a progress bar.

Runs the same validated, all-or-nothing load as ``POST /loads``, in this process, against
the service's database (``SELA_DATABASE_URL``, or the one `sela up` is running)."""

from __future__ import annotations

import asyncio
import gzip
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from sela_indices.loaders.parse import Layout
from sela_indices.observations import service
from sela_indices.settings import IndicesSettings
from sela_kit.db import Database
from sela_kit.errors import DomainError

app = typer.Typer(help="Indicator observations (CSV, XLSX, JSON; WDI and PWT layouts).")
console = Console(stderr=True)


@app.command()
def import_file(
    path: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="CSV, XLSX or JSON (.gz allowed)")
    ],
    layout: Annotated[
        Layout | None, typer.Option(help="sela, wdi or pwt; detected if absent")
    ] = None,
    note: Annotated[str | None, typer.Option(help="Stored with the vintage")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only")] = False,
) -> None:
    """Validate FILE whole and store it as one vintage, or store nothing and list every
    rejected row and column."""
    content = path.read_bytes()
    if path.suffix == ".gz":
        content = gzip.decompress(content)
    name = path.name.removesuffix(".gz")
    code = asyncio.run(_run(content, name, layout, note, dry_run))
    raise typer.Exit(code)


async def _run(
    content: bytes, name: str, layout: Layout | None, note: str | None, dry_run: bool
) -> int:
    settings = IndicesSettings()
    database = Database(settings.sqlalchemy_url, application_name="sela-import")
    columns = (
        TextColumn("{task.description:<10}"),
        BarColumn(),
        TextColumn("{task.completed:>9,.0f}/{task.total:<9,.0f}"),
        TimeElapsedColumn(),
    )
    tasks: dict[str, TaskID] = {}
    try:
        with Progress(*columns, console=console, transient=False) as bar:

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done, total=total)

            try:
                async with database.transaction() as session:
                    report = await service.load(
                        session,
                        content,
                        filename=name,
                        layout=layout,
                        submitted_by="sela import",
                        note=note,
                        dry_run=dry_run,
                        progress=progress,
                    )
            except DomainError as exc:
                bar.stop()
                console.print(f"[red]{exc.detail}[/red]")
                rejected = exc.extra.get("rejected")
                if rejected:
                    table = Table("row", "column", "value", "reason")
                    for cell in rejected[:50]:
                        table.add_row(
                            str(cell["row"]), cell["column"], str(cell["value"]), cell["reason"]
                        )
                    console.print(table)
                    total = exc.extra.get("rejected_total", len(rejected))
                    if total > 50:
                        console.print(f"... and {total - 50} more")
                return 1
    finally:
        await database.dispose()
    summary = report.model_dump(mode="json", exclude={"indicators"})
    summary["indicators"] = [i.indicator for i in report.indicators]
    typer.echo(json.dumps(summary, indent=2))
    return 0

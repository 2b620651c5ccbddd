"""`sela import smes FILE`: bulk-import SME listings with a progress bar and a row report."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sela_kit.db import Database
from sela_kit.errors import DomainError
from sela_smes.directory import imports
from sela_smes.directory.schemas import ImportReport
from sela_smes.settings import SmesSettings

import_app = typer.Typer(help="SME directory listings (CSV or XLSX).", no_args_is_help=True)
console = Console(stderr=True)


@import_app.command("enterprises")
def import_enterprises(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV or XLSX")
    ],
    mode: Annotated[
        str, typer.Option(help="all_or_nothing (default) or per_row")
    ] = "all_or_nothing",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only")] = False,
) -> None:
    """Import SME listings from FILE: every row checked, duplicates (country, tax id) skipped,
    similar names flagged; all rows or none unless --mode per_row."""
    if mode not in ("all_or_nothing", "per_row"):
        raise typer.BadParameter("mode must be all_or_nothing or per_row")
    raise typer.Exit(asyncio.run(_run(file, mode, dry_run)))  # type: ignore[arg-type]


def _print_rows(report: ImportReport) -> None:
    table = Table("row", "status", "column", "reason")
    shown = 0
    for row in report.report:
        for problem in row.errors:
            if shown < 50:
                table.add_row(str(row.row), row.status, problem.column, problem.reason)
            shown += 1
        if row.similar and shown < 50:
            names = ", ".join(f"{s.legal_name} ({s.similarity:.2f})" for s in row.similar)
            table.add_row(str(row.row), "similar name", "legal_name", names)
            shown += 1
    if shown:
        console.print(table)
    if shown > 50:
        console.print(f"... and {shown - 50} more")


async def _run(file: Path, mode: imports.Mode, dry_run: bool) -> int:
    settings = SmesSettings()
    content = file.read_bytes()  # noqa: ASYNC240  (one read before any waiting)
    database = Database(settings.sqlalchemy_url, pool_size=1, application_name="sela-import")
    columns = (
        TextColumn("{task.description:<8}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=console) as bar:
            task = bar.add_task("import", total=1)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            try:
                async with database.transaction() as session:
                    report = await imports.run_import(
                        session,
                        "sela import",
                        content,
                        file.name,
                        mode,
                        dry_run=dry_run,
                        progress=progress,
                    )
            except DomainError as exc:
                bar.stop()
                console.print(f"[red]error: {exc.detail}[/red]")
                found = exc.extra.get("report")
                if found:
                    _print_rows(ImportReport.model_validate(found))
                elif exc.extra.get("errors"):
                    for error in exc.extra["errors"]:
                        console.print(f"{error['name']}: {error['reason']}")
                return 1
    finally:
        await database.dispose()
    _print_rows(report)
    summary = report.model_dump(mode="json", exclude={"report"})
    typer.echo(json.dumps(summary, indent=2))
    return 0

"""Bulk import: per-row report, the two modes, de-duplication, similar names, XLSX, the CLI."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter  # type: ignore[import-untyped]
from sqlalchemy import text
from typer.testing import CliRunner

from sela_cli.main import app
from sela_kit.db import Database
from sela_testing.support import ServiceHarness
from tests.smes.support import create, ok, problem, staff

HEADER = (
    "legal_name,country,tax_id,isic,products,export_markets,employees,annual_sales_usd,"
    "contact_name,contact_email,consent_listed,consent_contact"
)
ROWS = [
    "Textiles Andinos S.A.,PER,20100000001,13,5208;6109,USA|CHL,30,800000,Rosa Quispe,"
    "rosa@andinos.example,yes,si",
    "Cafés do Cerrado Ltda.,BRA,11.222.333/0001-81,01,0901,USA,8,80000,,,sim,não",
    "Bad Codes,XXX,1,04,7701,ZZZ,5,10,,,maybe,no",
    "Textiles Andinos S.A.,PER,20100000001,13,5208,,30,800000,,,yes,no",
    "Textil Andinos SA,PER,20100000099,13,5208,,30,800000,,,yes,no",
]


def csv_bytes(rows: list[str]) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


async def upload(
    client: Any, data: bytes, mode: str, name: str = "smes.csv", dry_run: bool = False
) -> Any:
    return await client.post(
        "/enterprises/imports",
        headers=staff(),
        data={"mode": mode, "dry_run": str(dry_run).lower()},
        files={"file": (name, data, "text/csv")},
    )


async def test_per_row_import_reports_every_row(smes: ServiceHarness) -> None:
    client = smes.client
    existing = await create(client, "76000000-1", legal_name="Existing Listing")
    rows = [*ROWS, "Existing Again,CHL,76000000-1,10,0901,,5,10000,,,yes,no"]
    report = await ok(await upload(client, csv_bytes(rows), "per_row"))
    assert (report["rows"], report["created"], report["duplicates"], report["invalid"]) == (
        6,
        3,
        2,
        1,
    )
    assert report["committed"] is True
    by_row = {r["row"]: r for r in report["report"]}
    assert by_row[2]["status"] == "created"
    assert by_row[3]["status"] == "created"
    bad = by_row[4]
    assert bad["status"] == "invalid"
    assert {e["column"] for e in bad["errors"]} == {
        "tax_id",
        "country",
        "isic",
        "products",
        "export_markets",
        "consent_listed",
    }
    assert by_row[5]["status"] == "duplicate"
    assert "row 2" in by_row[5]["errors"][0]["reason"]
    assert by_row[7]["status"] == "duplicate"
    assert by_row[7]["enterprise_id"] == existing["id"]
    # Row 6 has another tax id but a name like row 2's: created, and flagged.
    assert by_row[6]["status"] == "created"
    assert by_row[6]["similar"][0]["row"] == 2
    assert by_row[6]["similar"][0]["similarity"] >= 0.85
    listing = await ok(
        await client.get(f"/enterprises/{by_row[2]['enterprise_id']}", headers=staff())
    )
    assert listing["contacts"][0]["email"] == "rosa@andinos.example"
    assert listing["source"] == "import"
    assert listing["export_markets"] == ["USA", "CHL"]
    brazil = await ok(
        await client.get(f"/enterprises/{by_row[3]['enterprise_id']}", headers=staff())
    )
    assert brazil["consent_listed"] is True
    assert brazil["consent_contact"] is False

    # Imported again: everything is a duplicate now, and similar names are flagged.
    again = await ok(await upload(client, csv_bytes([ROWS[4].replace("099", "100")]), "per_row"))
    similar = again["report"][0]["similar"]
    assert {s["legal_name"] for s in similar} >= {"Textiles Andinos S.A.", "Textil Andinos SA"}
    assert all(s["enterprise_id"] for s in similar)
    assert again["flagged_similar"] == 1


async def test_all_or_nothing_writes_nothing_when_a_row_is_bad(smes: ServiceHarness) -> None:
    client = smes.client
    rejected = problem(await upload(client, csv_bytes(ROWS), "all_or_nothing"), 422)
    assert rejected["code"] == "import_rejected"
    assert "body.file.row4.country" in {e["name"] for e in rejected["errors"]}
    assert rejected["report"]["committed"] is False
    found = await ok(await client.get("/enterprises", params={"q": "Andinos"}))
    assert found["total"] == 0
    dry = await ok(await upload(client, csv_bytes(ROWS[:2]), "all_or_nothing", dry_run=True))
    assert [r["status"] for r in dry["report"]] == ["valid", "valid"]
    assert (await ok(await client.get("/enterprises", params={"q": "Andinos"})))["total"] == 0
    done = await ok(await upload(client, csv_bytes(ROWS[:2]), "all_or_nothing"))
    assert done["created"] == 2
    # Files that cannot be read are named as such.
    empty = problem(await upload(client, HEADER.encode(), "per_row"), 422)
    assert "no rows" in empty["detail"]
    missing = problem(await upload(client, b"name,country\nX,CHL\n", "per_row"), 422)
    assert "tax_id" in missing["detail"]
    not_xlsx = problem(await upload(client, b"PK\x03\x04junk", "per_row", name="a.xlsx"), 422)
    assert not_xlsx["errors"][0]["name"] == "body.file"


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.close()
    return buffer.getvalue()


async def test_xlsx_import(smes: ServiceHarness) -> None:
    data = xlsx_bytes(
        [
            ["legal_name", "country", "tax_id", "isic", "products", "employees", "consent_listed"],
            ["Metalúrgica Sur", "URY", "210000000011", "25", "7308", 12, "yes"],
        ]
    )
    report = await ok(await upload(smes.client, data, "per_row", name="smes.xlsx"))
    assert report["created"] == 1
    listing = await ok(
        await smes.client.get(
            f"/enterprises/{report['report'][0]['enterprise_id']}", headers=staff()
        )
    )
    assert listing["employees"] == 12
    assert listing["size_class"] == "small"  # Uruguay: more than 4 employees is small


async def _cleanup(url: str) -> None:
    database = Database(url)
    async with database.transaction() as session:
        await session.execute(text("DELETE FROM smes_enterprises WHERE tax_id LIKE 'CLI-%'"))
    await database.dispose()


def test_import_command(
    sela_migrated: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SELA_SMES_DATABASE_URL", sela_migrated["smes"])
    good = tmp_path / "smes.csv"
    good.write_text(
        "legal_name,country,tax_id,isic,employees,consent_listed\n"
        "Uno,MEX,CLI-1,62,4,yes\nDos,MEX,CLI-2,62,9,yes\n"
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("legal_name,country,tax_id,isic,employees\nTres,MEX,CLI-3,99x,4\n")
    runner = CliRunner()
    try:
        done = runner.invoke(app, ["import", "smes", str(good)])
        assert done.exit_code == 0, done.output
        assert '"created": 2' in done.stdout
        failed = runner.invoke(app, ["import", "smes", str(bad)])
        assert failed.exit_code == 1
        assert "nothing was imported" in failed.stderr
        assert "isic" in failed.stderr
        again = runner.invoke(app, ["import", "smes", str(good), "--mode", "per_row"])
        assert again.exit_code == 0, again.output
        assert '"duplicates": 2' in again.stdout
    finally:
        asyncio.run(_cleanup(sela_migrated["smes"]))

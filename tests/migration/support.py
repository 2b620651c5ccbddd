"""Shared helpers of the migration tests: the shared data folder and reference graphs."""

from __future__ import annotations

from pathlib import Path

import networkx as nx  # type: ignore[import-untyped]
import numpy as np
import polars as pl
import pytest

from sela_migration.settings import MigrationSettings

DATA = MigrationSettings().shared_data()
LONG_2020 = DATA / "migration" / "undesa_ims2020_bilateral_stock_long.csv.gz"
WIDE_2019 = DATA / "migration" / "UN_MigrantStockByOriginAndDestination_2019_clean.csv"


def shared_file(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared data file {path} is absent (tests on real data need ../shared/data)")
    return path


def random_edges(n: int, p: float, seed: int) -> pl.DataFrame:
    """A directed graph with lognormal weights, like migrant stocks."""
    rng = np.random.default_rng(seed)
    rows = [
        (f"N{i:03d}", f"N{j:03d}", float(np.round(rng.lognormal(6, 2)) + 1))
        for i in range(n)
        for j in range(n)
        if i != j and rng.random() < p
    ]
    return pl.DataFrame(rows, schema=["origin", "destination", "weight"], orient="row")


def to_digraph(edges: pl.DataFrame) -> nx.DiGraph:
    graph = nx.DiGraph()
    for o, d, w in edges.iter_rows():
        graph.add_edge(o, d, weight=w, distance=1.0 / w)
    return graph


def undirected_sum(graph: nx.DiGraph) -> nx.Graph:
    out = nx.Graph()
    out.add_nodes_from(graph.nodes)
    for o, d, data in graph.edges(data=True):
        if out.has_edge(o, d):
            out[o][d]["weight"] += data["weight"]
        else:
            out.add_edge(o, d, weight=data["weight"])
    return out


def xlsx(rows: list[list[str | float | None]], sheet: str = "Table 1") -> bytes:
    """A minimal xlsx workbook (inline strings, numbers) with one sheet, written by hand."""
    import io
    import zipfile
    from xml.sax.saxutils import escape

    def column(j: int) -> str:
        name = ""
        j += 1
        while j:
            j, r = divmod(j - 1, 26)
            name = chr(65 + r) + name
        return name

    cells = []
    for i, row in enumerate(rows, start=1):
        parts = []
        for j, value in enumerate(row):
            ref = f"{column(j)}{i}"
            if value is None:
                continue
            if isinstance(value, float | int):
                parts.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                parts.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
        cells.append(f'<row r="{i}">{"".join(parts)}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}">'
            f'<sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}">'
            f"<sheetData>{''.join(cells)}</sheetData></worksheet>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()

"""Where covariates come from: the indices service over HTTP, Penn World Table, HMR pairs."""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import polars as pl

from sela_kit.errors import UnavailableError
from sela_kit.identity import IDENTITY_HEADER, Identity, sign_identity
from sela_migration.analysis.statistics import COVARIATE_SCHEMA, covariates_from_items

PWT_FILE = Path("macro/pwt10.01.csv.gz")
HMR_FILE = Path("trade/hmr_gravity_zeros_166countries.csv")
SERVICE_IDENTITY = Identity(kind="service", subject="migration", name="migration service")


class IndicesClient:
    """The indices service's ``GET /observations`` (JSON), as a service identity."""

    def __init__(self, base_url: str, secret: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.timeout = timeout

    async def observations(
        self, indicator: str, areas: Sequence[str], start: int, end: int
    ) -> list[dict[str, Any]]:
        params: dict[str, str] = {
            "indicator": indicator,
            "area": ",".join(sorted(areas)),
            "start": str(start),
            "end": str(end),
            "format": "json",
        }
        headers = {IDENTITY_HEADER: sign_identity(SERVICE_IDENTITY, self.secret)}
        items: list[dict[str, Any]] = []
        try:
            async with httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout) as client:
                while True:
                    response = await client.get("/observations", params=params, headers=headers)
                    if response.status_code != 200:
                        raise UnavailableError(
                            f"The indices service answered {response.status_code} for "
                            f"{indicator}: {response.text[:200]}",
                            code="indices_error",
                        )
                    body = response.json()
                    items.extend(body.get("items", []))
                    cursor = body.get("next_cursor")
                    if not cursor:
                        return items
                    params["cursor"] = cursor
        except httpx.HTTPError as exc:
            raise UnavailableError(
                f"The indices service at {self.base_url} is not reachable: {exc}",
                code="indices_unreachable",
            ) from exc

    async def covariates(
        self, indicators: Sequence[str], areas: Sequence[str], start: int, end: int
    ) -> tuple[pl.DataFrame, dict[str, str]]:
        """The values as a covariate frame, and per indicator the newest vintage among them
        (ISO 8601, as the indices service writes it)."""
        frames = []
        vintages: dict[str, str] = {}
        for code in indicators:
            items = await self.observations(code, areas, start, end)
            frames.append(covariates_from_items(items))
            stamps = [str(i["vintage"]) for i in items if i.get("vintage")]
            if stamps:
                vintages[code] = max(stamps, key=datetime.fromisoformat)
        frame = pl.concat(frames) if frames else pl.DataFrame(schema=COVARIATE_SCHEMA)
        return frame, vintages


def pwt_covariates(data_dir: Path, indicators: Sequence[str]) -> pl.DataFrame:
    """Penn World Table columns as covariates; codes ``PWT.<column>`` (e.g. PWT.pop).

    ``PWT.rgdpe_pc`` is derived: real GDP (expenditure side) per person, rgdpe / pop.
    """
    path = data_dir / PWT_FILE
    if not path.exists():
        raise UnavailableError(f"Penn World Table not found at {path}.", code="pwt_missing")
    with gzip.open(path, "rb") as handle:
        table = pl.read_csv(handle.read(), infer_schema_length=10_000)
    table = table.with_columns(
        (pl.col("rgdpe") / pl.col("pop")).alias("rgdpe_pc"),
    )
    frames = []
    for code in indicators:
        column = code.removeprefix("PWT.")
        if not code.startswith("PWT.") or column not in table.columns:
            raise UnavailableError(f"{code} is not a Penn World Table column.", code="pwt_code")
        frames.append(
            table.select(
                pl.lit(code).alias("indicator"),
                pl.col("isocode").alias("area"),
                pl.col("year").cast(pl.Int32).alias("period"),
                pl.col(column).cast(pl.Float64).alias("value"),
            ).drop_nulls("value")
        )
    return pl.concat(frames) if frames else pl.DataFrame(schema=COVARIATE_SCHEMA)


def hmr_pairs(data_dir: Path) -> pl.DataFrame | None:
    """Distance (km, population-weighted), contiguity and common official language."""
    path = data_dir / HMR_FILE
    if not path.exists():
        return None
    table = pl.read_csv(path)
    return table.select(
        pl.col("iso_o").alias("origin"),
        pl.col("iso_d").alias("destination"),
        pl.col("distw").cast(pl.Float64).alias("distance"),
        pl.col("contig").cast(pl.Float64).alias("contiguity"),
        pl.col("comlang_off").cast(pl.Float64).alias("common_language"),
    ).filter(pl.col("distance") > 0)
